import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.ts';
import type { Config } from '../../shared/config/load.ts';
import { cursorKeyFrom, getItemDetail, listItems, type ItemsParams } from '../../shared/api/index.ts';
import type { ItemDetail, ItemSummary, PageFetchState, TopicMatch } from '../../shared/types.ts';
import type { CliContext, GlobalOptions } from '../cli-context.ts';
import { CURSOR_KEY_FILE } from '../embedded-store.ts';

/**
 * The cursor key of the CLI: the env var named by `api.cursorKeyEnv` when set; else the key kept in
 * `<data-dir>/cursor.key` (written with mode 0600 by `startEmbeddedStore` when the store is opened for writing) so
 * `--cursor` works across invocations; in-memory stores, and data dirs without the file, get a per-process key
 * (`items` only reads the data dir).
 * @throws ConfigError `cursor_key_weak` when the env value is shorter than 16 characters
 */
export async function localCursorKey(config: Config, g: GlobalOptions): Promise<Buffer> {
  const fromEnv = process.env[config.api.cursorKeyEnv];
  if (fromEnv?.trim() || g.memory) return cursorKeyFrom(fromEnv);
  try {
    return cursorKeyFrom(await readFile(join(g.dataDir, CURSOR_KEY_FILE), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return cursorKeyFrom(undefined);
  }
}

/** One line per item for people: `date  id  [topic:score,…]  title`. */
export function formatItems(value: { items: ItemSummary[]; nextCursor: string | null }): string {
  if (value.items.length === 0) return 'no items';
  const lines = value.items.map((i) => {
    const when = (i.publishedAt ?? i.firstSeenAt).slice(0, 16).replace('T', ' ');
    const topics = i.topics.length ? ` [${i.topics.map((t) => `${t.id}:${t.score}`).join(',')}]` : '';
    return `${when}  ${i.id}${topics}  ${i.title}`;
  });
  if (value.nextCursor) lines.push(`more: --cursor ${value.nextCursor}`);
  return lines.join('\n');
}

/** An item's page fetch state in one line: `fetch retrying: attempt 2 of 8, last error http 503, next retry …`. */
export function formatFetch(f: PageFetchState): string {
  const parts: string[] = [];
  if (f.attempts > 0) parts.push(`attempt ${f.attempts} of ${f.maxAttempts}`);
  if (f.lastError) parts.push(`last error ${f.lastError}`);
  if (f.nextRetryAt) parts.push(`next retry ${f.nextRetryAt}`);
  if (f.gaveUpAt) parts.push(`gave up ${f.gaveUpAt}`);
  if (f.recheck) {
    const r = f.recheck;
    parts.push(
      `rechecks ${r.checks} of ${r.of}${r.lastOutcome ? ` (last: ${r.lastOutcome.replace('_', ' ')})` : ''}${r.nextAt ? `, next ${r.nextAt}` : ''}`,
    );
  }
  return `fetch ${f.state.replace('_', ' ')}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** A stored item for people: header, page fetch state, topics with evidence, then the text. */
export function formatItem(item: ItemDetail): string {
  const out = [
    item.title,
    item.url,
    `id ${item.id}  version ${item.version}  published ${item.publishedAt ?? '-'}  first seen ${item.firstSeenAt}`,
    `feeds ${item.feedIds.join(', ')}  extraction ${item.extraction.status}${item.extraction.reason ? ` (${item.extraction.reason})` : ''}${item.textTruncated ? '  text truncated' : ''}`,
  ];
  if (item.fetch) out.push(formatFetch(item.fetch));
  out.push(...topicLines(item.topics));
  out.push('', item.text);
  return out.join('\n');
}

/** The human lines of topic matches: one per topic, then one per evidence sentence with its clause and field. */
export function topicLines(topics: readonly TopicMatch[]): string[] {
  return topics.flatMap((t) => [
    `topic ${t.id} (${t.name}) score ${t.score}`,
    ...t.evidence.map((e) => `  ${e.clause} [${e.field}]: ${e.text}`),
  ]);
}

/**
 * `wirewatch items [--topic ID] [--feed ID] [--since ISO] [--until ISO] [--q TEXT] [--limit N] [--cursor C]`
 * and `wirewatch item <id>`: read the embedded store through the same query code as the
 * API (`listItems`), printing `{"items":[…],"nextCursor"}` / the full item (`GET /items/{id}` JSON).
 * Bad options exit 2 with `{"error":{code,message}}` (`--json`); an unknown item id exits 1 with `not_found`.
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('items')
    .description('list stored items, newest first (same filters as GET /items)')
    .option('--topic <id>', 'only items tagged with this topic')
    .option('--feed <id>', 'only items from this feed id')
    .option('--since <iso>', 'published (else first seen) at or after this ISO-8601 date/time')
    .option('--until <iso>', 'published (else first seen) at or before this ISO-8601 date/time')
    .option('--q <text>', 'case-insensitive title filter')
    .option('--limit <n>', 'page size, 1-100', '20')
    .option('--cursor <cursor>', 'nextCursor of the previous page (same filters)')
    .action(async (opts: ItemsParams) => {
      await ctx.withStore(
        async ({ config, store }) => {
          const cursorKey = await localCursorKey(config, ctx.globals());
          const params: ItemsParams = {
            topic: opts.topic,
            feed: opts.feed,
            since: opts.since,
            until: opts.until,
            q: opts.q,
            limit: opts.limit,
            cursor: opts.cursor,
          };
          const page = await listItems(store, params, { topics: new Set(config.topics.map((t) => t.id)), cursorKey });
          ctx.output(page, (v) => formatItems(v as typeof page));
        },
        { access: 'read' },
      );
    });

  program
    .command('item')
    .description('one stored item in full: text, urls, topics with evidence (same JSON as GET /items/{id})')
    .argument('<id>', 'item id (i_ + 24 hex)')
    .action(async (id: string) => {
      if (!/^i_[0-9a-f]{24}$/.test(id))
        throw new InputError(
          'invalid_parameter',
          `item id '${id.slice(0, 64)}' is not i_ followed by 24 lower-case hex digits`,
        );
      await ctx.withStore(
        async ({ store }) => {
          const item = await getItemDetail(store, id);
          if (!item) {
            if (ctx.globals().json) ctx.output({ error: { code: 'not_found', message: `no item ${id}` } });
            else process.stderr.write(`wirewatch: no item ${id}\n`);
            ctx.fail(1);
            return;
          }
          ctx.output(item, (v) => formatItem(v as ItemDetail));
        },
        { access: 'read' },
      );
    });
}
