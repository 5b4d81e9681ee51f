import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { feedHealth, type FeedHealth } from '../../shared/api/index.ts';
import { loadConfig, resolveConfig } from '../../shared/config/load.ts';
import { appendFeedsToConfigText, planFeedMerge, type NewFeed } from '../../shared/config/edit.ts';
import { InputError, describeError } from '../../shared/errors.ts';
import { formatDuration } from '../../shared/feeds/interval.ts';
import { parseOpml, writeOpml } from '../../shared/feeds/opml.ts';
import { xmlDeclaredEncoding } from '../../shared/feeds/sniff.ts';
import { decodeText } from '../../shared/text/charset.ts';
import type { CliContext } from '../cli-context.ts';

/** A computed duration for people: whole minutes from a minute up (`15m`, `1h20m`), else seconds. */
const roughly = (ms: number) => formatDuration(ms >= 60_000 ? Math.round(ms / 60_000) * 60_000 : ms);

/** How a feed is polled, for people: `every 15m`, `adaptive, now 20m`, `not configured`. */
function intervalText(f: FeedHealth): string {
  if (f.interval === null || f.intervalMs === null) return 'not configured';
  return f.interval === 'adaptive' ? `adaptive, now ${roughly(f.intervalMs)}` : `every ${f.interval}`;
}

/**
 * A table of feed health for people: status, name, url, interval, failures, last success, next poll, then
 * `OVERDUE` (nothing polled it for over a tick) and `silent` (no entry for 4× its usual gap), and the last error.
 */
export function formatFeeds(feeds: FeedHealth[]): string {
  if (feeds.length === 0) return 'no feeds configured';
  return feeds
    .map((f) => {
      const status = (f.status ?? 'never polled').padEnd(13);
      const fails = f.consecutiveFailures > 0 ? ` ${f.consecutiveFailures} failures` : '';
      const ok = f.lastSuccessAt ? ` last ok ${f.lastSuccessAt.slice(0, 16).replace('T', ' ')}` : '';
      const next = f.nextPollAt ? ` next ${f.nextPollAt.slice(0, 16).replace('T', ' ')}` : '';
      const overdue = f.overdue ? '  OVERDUE' : '';
      const silent =
        f.silent && f.rhythmMs !== null
          ? `  silent (usually an entry every ${roughly(f.rhythmMs)}, last ${(f.lastEntryAt ?? f.lastNewEntryAt)?.slice(0, 16).replace('T', ' ') ?? 'unknown'})`
          : '';
      const err = f.lastError ? `\n    ${f.lastError}` : '';
      return `${status} ${f.name ?? f.id}  ${f.url}  (${intervalText(f)})${fails}${ok}${next}${overdue}${silent}${err}`;
    })
    .join('\n');
}

/** The result of `feeds import` (also its `--json` output). */
export interface ImportResult {
  /** The config file written (or that would be, with `--dry-run`). */
  config: string;
  dryRun: boolean;
  added: NewFeed[];
  /** Not added: already configured, listed twice, or an unusable `xmlUrl` (with the OPML line). */
  skipped: Array<{ url: string | null; name: string | null; reason: string; line?: number }>;
}

/** Human rendering of an import: one line per feed, `+` added, `=` skipped with the reason. */
export function formatImport(r: ImportResult): string {
  const verb = r.dryRun ? 'would add' : 'added';
  const lines = [
    `${verb} ${r.added.length} feed${r.added.length === 1 ? '' : 's'} to ${r.config}, skipped ${r.skipped.length}`,
  ];
  for (const f of r.added) lines.push(`  + ${f.name ?? '(no name)'}  ${f.url}`);
  for (const s of r.skipped) {
    lines.push(`  = ${s.name ?? '(no name)'}  ${s.url ?? '-'}  (${s.reason}${s.line ? `, line ${s.line}` : ''})`);
  }
  return lines.join('\n');
}

/**
 * `wirewatch feeds import FILE.opml [--dry-run]`: merges the OPML's feeds into the config file named by `--config`
 * (created when missing). New feeds are appended to `feeds:` in the style of the existing items; comments and
 * formatting are kept (see `appendFeedsToConfigText`); a feed whose canonical URL is already configured, or that
 * the OPML lists twice, is skipped. The edited config is validated in full before it replaces the file (written
 * to a temporary file, then renamed). Nothing is fetched.
 * @throws InputError `input_unreadable` / `opml_invalid` (with line and column); ConfigError when the config is
 *   invalid before or would be after the edit
 */
export async function importOpml(opmlFile: string, configFile: string, dryRun: boolean): Promise<ImportResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(opmlFile);
  } catch (err) {
    throw new InputError(
      'input_unreadable',
      `${opmlFile}: cannot read file (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`,
    );
  }
  const opml = parseOpml(decodeText(bytes, [xmlDeclaredEncoding(bytes)]).text, opmlFile);

  let text = '';
  let existing: string[] = [];
  try {
    text = await readFile(configFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new InputError('input_unreadable', `${configFile}: cannot read config file (${describeError(err)})`);
    }
  }
  if (text !== '') existing = (await loadConfig(configFile)).feeds.map((f) => f.url);

  const plan = planFeedMerge(
    existing,
    opml.feeds.map((f) => ({ url: f.url, name: f.name })),
  );
  const lineOf = new Map(opml.feeds.map((f) => [f.url, f.line] as const));
  const skipped: ImportResult['skipped'] = [
    ...opml.skipped.map((s) => ({ url: s.xmlUrl, name: null, reason: s.reason, line: s.line })),
    ...plan.skipped.map((s) => ({ url: s.url, name: s.name, reason: s.reason, line: lineOf.get(s.url) })),
  ];
  if (plan.add.length > 0) {
    const out = appendFeedsToConfigText(text, plan.add, configFile);
    await resolveConfig(parseYaml(out), configFile);
    if (!dryRun) {
      const tmp = `${configFile}.${process.pid}.tmp`;
      await writeFile(tmp, out, 'utf8');
      await rename(tmp, configFile);
    }
  }
  return { config: configFile, dryRun, added: plan.add, skipped };
}

/**
 * `wirewatch feeds [--json]`: feed health from the store — configured feeds in config order
 * (never-polled ones with `status: null`), then stored feeds no longer configured. JSON:
 * `{"feeds":[{"id","url","name","status","consecutiveFailures","lastSuccessAt","lastNewEntryAt","nextPollAt","lastError","etag","lastModified","interval","intervalMs","rhythmMs","lastEntryAt","overdue","silent"}]}`,
 * the same rows as `GET /feeds`.
 *
 * `wirewatch feeds import FILE.opml [--dry-run]` adds an OPML subscription list to the config (see `importOpml`;
 * exit 2 for an unreadable or malformed OPML file or config); `wirewatch feeds export` prints the configured feeds
 * as OPML 2.0 (with `--json`: `{"opml": "<?xml …"}`).
 */
export function register(program: Command, ctx: CliContext): void {
  const feeds = program
    .command('feeds')
    .description('feed health: status, failures, last success, next poll (import/export: OPML)')
    .action(async () => {
      await ctx.withStore(
        async ({ config, store }) => {
          const feeds = feedHealth(await store.listFeedStates(), config.feeds, new Date());
          ctx.output({ feeds }, (v) => formatFeeds((v as { feeds: FeedHealth[] }).feeds));
        },
        { access: 'read' },
      );
    });
  feeds
    .command('import')
    .description('add the feeds of an OPML file to the config file (comments and formatting kept)')
    .argument('<file>', 'OPML 1.0/2.0 file, e.g. exported by a feed reader')
    .option('--dry-run', 'show what would be added without writing the config', false)
    .action(async (file: string, o: { dryRun: boolean }) => {
      const result = await importOpml(file, ctx.globals().config, Boolean(o.dryRun));
      ctx.output(result, (v) => formatImport(v as ImportResult));
    });
  feeds
    .command('export')
    .description('print the configured feeds as OPML 2.0')
    .action(async () => {
      const config = await ctx.loadConfig();
      const opml = writeOpml(config.feeds);
      ctx.output({ opml }, () => opml.trimEnd());
    });
}
