import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStore } from '../../local/embedded-store.ts';
import { runCli } from '../../local/cli.ts';
import { Store, itemIdFor } from '../../shared/store/index.ts';
import { itemsPageSchema, itemDetailSchema, feedsResponseSchema } from '../../shared/api/schemas.ts';
import { itemInput, topic } from '../store/factories.ts';

/*
 * `wirewatch items`, `item <id>` and `feeds` read a persistent embedded store through the CLI entry point
 * (runCli in-process), with the same query code as the API.
 */

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirewatch-cli-'));
  config = join(dir, 'wirewatch.yaml');
  await writeFile(
    config,
    'feeds:\n  - url: https://a.example/rss\n    id: feed-a\n    name: Feed A\n  - url: https://b.example/rss\n    id: feed-b\n',
  );
  const embedded = await startEmbeddedStore({ dataDir: join(dir, 'data') });
  try {
    const store = new Store({ client: embedded.client, tableName: 'wirewatch', retentionDays: 90 });
    await store.ensureTable();
    for (let i = 0; i < 5; i++) {
      await store.saveItem(
        itemInput(`https://news.example/cli/${i}`, {
          publishedAt: `2026-11-2${i}T10:00:00.000Z`,
          topics: i % 2 === 0 ? [topic('china-russia')] : [],
          feedId: 'feed-a',
        }),
      );
    }
    await store.putFeedState({
      feedId: 'feed-a',
      url: 'https://a.example/rss',
      name: 'Feed A',
      status: 'ok',
      consecutiveFailures: 0,
      lastPolledAt: '2026-11-25T10:00:00.000Z',
      lastSuccessAt: '2026-11-25T10:00:00.000Z',
      lastNewEntryAt: '2026-11-25T10:00:00.000Z',
      nextPollAt: '2026-11-25T10:05:00.000Z',
      lastError: null,
      etag: '"x"',
      lastModified: null,
      bodyHash: null,
      goneSince: null,
    });
  } finally {
    await embedded.close();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'wirewatch', '--config', config, '--data-dir', join(dir, 'data'), ...args], {
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  return { code, out, err };
}

describe('wirewatch items / item / feeds', () => {
  it('items --topic --json lists the tagged items newest first, and --cursor continues', async () => {
    const first = await cli('--json', 'items', '--topic', 'china-russia', '--limit', '2');
    expect(first.code).toBe(0);
    const page1 = itemsPageSchema.parse(JSON.parse(first.out));
    expect(page1.items.map((i) => i.url)).toEqual(['https://news.example/cli/4', 'https://news.example/cli/2']);
    expect(page1.nextCursor).toBeTruthy();
    const second = await cli(
      '--json',
      'items',
      '--topic',
      'china-russia',
      '--limit',
      '2',
      '--cursor',
      page1.nextCursor!,
    );
    const page2 = itemsPageSchema.parse(JSON.parse(second.out));
    expect(page2.items.map((i) => i.url)).toEqual(['https://news.example/cli/0']);
    expect(page2.nextCursor).toBeNull();
  });

  it('items --since filters by time; bad options exit 2 with a JSON error naming the option', async () => {
    const since = itemsPageSchema.parse(JSON.parse((await cli('--json', 'items', '--since', '2026-11-23')).out));
    expect(since.items.map((i) => i.url)).toEqual(['https://news.example/cli/4', 'https://news.example/cli/3']);
    const bad = await cli('--json', 'items', '--limit', '500');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.out)).toEqual({
      error: { code: 'invalid_parameter', message: expect.stringContaining('limit') },
    });
  });

  it('item <id> prints the full item; an unknown id exits 1', async () => {
    const id = itemIdFor('https://news.example/cli/2');
    const res = await cli('--json', 'item', id);
    expect(res.code).toBe(0);
    const item = itemDetailSchema.parse(JSON.parse(res.out));
    expect(item.id).toBe(id);
    expect(item.topics[0]?.evidence[0]?.text).toContain('china-russia');
    expect(item.text).toContain('First paragraph');
    const missing = await cli('--json', 'item', itemIdFor('https://absent.example/'));
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out).error.code).toBe('not_found');
    const human = await cli('item', id);
    expect(human.out).toContain('topic china-russia');
  });

  it('feeds --json lists configured feeds with their health', async () => {
    const res = await cli('--json', 'feeds');
    expect(res.code).toBe(0);
    const { feeds } = feedsResponseSchema.parse(JSON.parse(res.out));
    expect(feeds.map((f) => [f.id, f.status, f.etag])).toEqual([
      ['feed-a', 'ok', '"x"'],
      ['feed-b', null, null],
    ]);
  });
});
