import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError, describeError } from '../../shared/errors.ts';
import {
  evaluateStories,
  parseStoriesJsonl,
  type StoriesEvalReport,
  type StoryMetrics,
} from '../../shared/stories/index.ts';
import { checkStoryId, listStories, type StoriesParams } from '../../shared/api/stories-query.ts';
import type { StoryDetail, StorySummary } from '../../shared/types.ts';
import type { CliContext } from '../cli-context.ts';
import { localCursorKey, topicLines } from './items.ts';

/** The `stories eval --json` shape: assignments, metrics, and the same-run baselines. */
export interface StoriesEvalJson {
  assignments: Array<{ id: string; storyId: string }>;
  metrics: StoryMetrics;
  baselines: StoriesEvalReport['baselines'];
}

const num = (v: number | null, w = 8): string => (v === null ? '–' : v.toFixed(3)).padStart(w);

/** Human rendering of an evaluation: one row for wirewatch and one per baseline. */
export function formatStoriesEval(r: StoriesEvalReport): string {
  const rows: Array<[string, StoryMetrics]> = [
    ['wirewatch', r.metrics],
    ['baseline: exact URL', r.baselines.exactUrl],
    ['baseline: headline', r.baselines.headline],
    ['baseline: MinHash J>=0.5', r.baselines.minhash],
  ];
  const labelled = r.metrics.labelled;
  const lines = [
    `${r.documents} documents, ${r.labelledDocuments} labelled${labelled === null ? '' : `, ${labelled} labelled stories`}`,
  ];
  if (labelled === null) {
    // nothing to score: the assignments themselves are the result
    lines.push(`wirewatch: ${r.metrics.stories} stories`);
    for (const a of r.assignments) lines.push(`${a.id}\t${a.storyId}`);
    return lines.join('\n');
  }
  lines.push(
    `${'method'.padEnd(26)}${'prec'.padStart(8)}${'recall'.padStart(8)}${'F1'.padStart(8)}${'ARI'.padStart(8)}${'stories'.padStart(9)}`,
  );
  for (const [name, m] of rows)
    lines.push(
      `${name.padEnd(26)}${num(m.precision)}${num(m.recall)}${num(m.f1)}${num(m.ari)}${String(m.stories).padStart(9)}`,
    );
  lines.push(`same-event merges (different stories of one event put together): ${r.sameEventMerges.length}`);
  for (const [a, b] of r.sameEventMerges.slice(0, 10)) lines.push(`  ${a}  +  ${b}`);
  return lines.join('\n');
}

const when = (iso: string | null) => (iso ?? '-').slice(0, 16).replace('T', ' ');

/** One line per story for people: `last activity  id  outlets  v<version>  [topics]  headline`. */
export function formatStories(value: { stories: StorySummary[]; nextCursor: string | null }): string {
  if (value.stories.length === 0) return 'no stories';
  const lines = value.stories.map((s) => {
    const topics = s.topics.length ? `  [${s.topics.map((t) => t.id).join(',')}]` : '';
    return `${when(s.lastActivityAt)}  ${s.id}  ${String(s.members).padStart(2)} outlet(s)  v${s.version}${topics}  ${s.title}`;
  });
  if (value.nextCursor) lines.push(`more: --cursor ${value.nextCursor}`);
  return lines.join('\n');
}

/** A story for people: headline, original, topics, lineage (who carried it, what they changed), versions. */
export function formatStory(s: StoryDetail): string {
  const out = [
    s.title,
    `story ${s.id}  version ${s.version}  ${s.members} member(s)  first seen ${when(s.firstSeenAt)}  last activity ${when(s.lastActivityAt)}`,
    `original: ${s.original.outlet}${s.original.agency ? ` (${s.original.agency})` : ''}  ${s.original.url}`,
  ];
  out.push(...topicLines(s.topicMatches));
  out.push('', 'lineage:');
  for (const m of s.lineage) {
    const c = m.changes;
    const what = c
      ? [
          c.headline.changed ? `headline "${c.headline.to}"` : null,
          c.paragraphsDropped.count
            ? `${c.paragraphsDropped.count} paragraph(s) dropped${c.paragraphsDropped.fromBottom ? ' from the bottom' : ''}`
            : null,
          c.paragraphsAdded.count ? `${c.paragraphsAdded.count} paragraph(s) added` : null,
          c.paragraphsEdited ? `${c.paragraphsEdited} edited` : null,
        ]
          .filter(Boolean)
          .join(', ') || 'verbatim'
      : 'the original';
    out.push(
      `  ${when(m.firstSeenAt)}  ${m.role.padEnd(8)}  ${m.outlet}  sim ${m.similarity.toFixed(2)}  ${what}  ${m.url}`,
    );
  }
  if (s.versions.length) {
    out.push('', 'versions:');
    for (const v of s.versions) {
      out.push(`  v${v.version} ${when(v.at)} ${v.verdict}: ${v.title}`);
      for (const r of v.reasons.slice(0, 5)) out.push(`    - ${r}`);
    }
  }
  return out.join('\n');
}

/**
 * `wirewatch stories [--topic ID] [--feed ID] [--since ISO] [--until ISO] [--limit N] [--cursor C]` lists stories,
 * newest activity first (the same JSON as `GET /stories`); `wirewatch story <id>` prints one in full (the same JSON
 * as `GET /stories/{id}`; exit 1 when unknown). `wirewatch stories eval --data FILE.jsonl [--json]`: assigns every document of a labelled JSON Lines file
 * (`{"id","url","outlet","title","text","publishedAt","story"}` per line) in publish-time order through
 * `assignStory` on an in-memory index, and prints pairwise precision/recall/F1, ARI and story counts for
 * wirewatch and three baselines. Without labels, metrics are null and only assignments and story counts
 * print. Exit 2 for an unreadable or invalid file (the message names the line and field).
 */
export function register(program: Command, ctx: CliContext): void {
  const stories = program
    .command('stories')
    .description('stories (one per wire report, with its copies and versions), newest activity first; stories eval')
    .option('--topic <id>', 'only stories tagged with this topic')
    .option('--feed <id>', 'only stories carried by this feed id')
    .option('--since <iso>', 'last activity at or after this ISO-8601 date/time')
    .option('--until <iso>', 'last activity at or before this ISO-8601 date/time')
    .option('--limit <n>', 'page size, 1-100', '20')
    .option('--cursor <cursor>', 'nextCursor of the previous page (same filters)')
    .action(async (opts: StoriesParams) => {
      await ctx.withStore(
        async ({ config, store }) => {
          const cursorKey = await localCursorKey(config, ctx.globals());
          const page = await listStories(store, opts, { topics: new Set(config.topics.map((t) => t.id)), cursorKey });
          ctx.output(page, (v) => formatStories(v as typeof page));
        },
        { access: 'read' },
      );
    });
  program
    .command('story')
    .description(
      'one story in full: lineage, versions with diffs, topics with evidence (same JSON as GET /stories/{id})',
    )
    .argument('<id>', 'story id (i_ + 24 hex)')
    .action(async (id: string) => {
      checkStoryId(id);
      await ctx.withStore(
        async ({ store }) => {
          const story = await store.getStory(id);
          if (!story) {
            if (ctx.globals().json) ctx.output({ error: { code: 'not_found', message: `no story ${id}` } });
            else process.stderr.write(`wirewatch: no story ${id}\n`);
            ctx.fail(1);
            return;
          }
          ctx.output(story, (v) => formatStory(v as StoryDetail));
        },
        { access: 'read' },
      );
    });
  stories
    .command('eval')
    .description(
      'score story assignment on labelled JSON Lines ({"id","url","outlet","title","text","publishedAt","story"})',
    )
    .requiredOption('--data <file>', 'JSON Lines file, one document per line')
    .action(async (o: { data: string }) => {
      let text: string;
      try {
        text = await readFile(o.data, 'utf8');
      } catch (err) {
        throw new InputError(
          'input_unreadable',
          `${o.data}: cannot read file (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`,
        );
      }
      const report = await evaluateStories(parseStoriesJsonl(text, o.data));
      const json: StoriesEvalJson = {
        assignments: report.assignments,
        metrics: report.metrics,
        baselines: report.baselines,
      };
      ctx.output(json, () => formatStoriesEval(report));
    });
}
