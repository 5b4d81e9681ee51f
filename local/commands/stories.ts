import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError, describeError } from '../../shared/errors.ts';
import {
  evaluateStories,
  parseStoriesJsonl,
  type StoriesEvalReport,
  type StoryMetrics,
} from '../../shared/stories/index.ts';
import type { CliContext } from '../cli-context.ts';

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

/**
 * `wirewatch stories eval --data FILE.jsonl [--json]`: assigns every document of a labelled JSON Lines file
 * (`{"id","url","outlet","title","text","publishedAt","story"}` per line) in publish-time order through
 * `assignStory` on an in-memory index, and prints pairwise precision/recall/F1, ARI and story counts for
 * wirewatch and three baselines. Without labels, metrics are null and only assignments and story counts
 * print. Exit 2 for an unreadable or invalid file (the message names the line and field).
 */
export function register(program: Command, ctx: CliContext): void {
  const stories = program.command('stories').description('story assignment: copies and versions of one story');
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
