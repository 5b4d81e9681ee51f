/**
 * Cost of the store safety checks at open: a persistent data dir of N items (default 2,000, with ~8 KB of text
 * each) is built once, then each case runs R rounds (median reported):
 * - `read files` (baseline): reading every LevelDB file of the data dir, the I/O any check must do;
 * - `check (structure)`: `checkLevelDb` without block checksums (CURRENT, MANIFEST, sizes, footers, index blocks);
 * - `check (all blocks)`: `checkLevelDb` with every block's CRC-32C, what each open runs;
 * - `open read`: `startEmbeddedStore({access: 'read'})` (check + snapshot + LevelDB pre-open + dynalite) and close;
 * - `open write`: `startEmbeddedStore({access: 'write'})` (lock + check + pre-open + dynalite) and close;
 * - `dynalite only`: dynalite on the data dir without any check, as before the checks (second baseline).
 * Ratios are to the baselines of the same run.
 *
 *   npm run bench:store-open [-- --items N] [--rounds R]
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { startEmbeddedStore } from '../local/embedded-store.ts';
import { checkLevelDb } from '../local/leveldb-check.ts';
import { Store, type ItemInput } from '../shared/store/index.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('items', 2_000);
const ROUNDS = arg('rounds', 5);

function item(i: number): ItemInput {
  const url = `https://bench.example/store/${i}`;
  const text = Array.from(
    { length: 40 },
    (_, p) =>
      `Paragraph ${p} of story ${i}: ${Array.from({ length: 6 }, () => Math.random().toString(36).slice(2)).join(' ')}`,
  ).join('\n\n');
  return {
    canonicalUrl: url,
    aliasUrls: [],
    seenAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
    feedId: `feed-${i % 7}`,
    entry: {
      key: `url:${url}`,
      guid: null,
      url,
      title: `Story ${i}`,
      summary: null,
      contentHtml: null,
      publishedAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
      updatedAt: null,
      author: null,
      categories: [],
      enclosures: [],
    },
    extraction: {
      url,
      canonicalUrl: url,
      title: `Story ${i}`,
      byline: null,
      siteName: null,
      lang: 'en',
      dir: null,
      publishedAt: null,
      modifiedAt: null,
      text,
      excerpt: null,
      wordCount: 400,
      status: 'full',
      reason: null,
      paywalled: false,
      leadImage: null,
      extractor: { name: 'readability', version: '0.6.0', dom: 'linkedom' },
    },
    topics: [],
  } as unknown as ItemInput;
}

async function median(fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const root = await mkdtemp(join(tmpdir(), 'ww-bench-open-'));
const dir = join(root, 'data');
try {
  const build = await startEmbeddedStore({ dataDir: dir });
  const store = new Store({ client: build.client, tableName: 'wirewatch', retentionDays: 90 });
  await store.ensureTable();
  for (let i = 0; i < N; i += 20)
    await Promise.all(Array.from({ length: Math.min(20, N - i) }, (_, k) => store.saveItem(item(i + k))));
  await build.close();
  // Reopen once for writing so the write-ahead log is in table files, as after any restart.
  await (await startEmbeddedStore({ dataDir: dir })).close();
  const files = (await readdir(dir)).filter((n) => /^(\d+\.(ldb|log)|CURRENT|MANIFEST-\d+)$/.test(n));
  let bytes = 0;
  for (const f of files) bytes += (await stat(join(dir, f))).size;

  const results: Record<string, number> = {};
  results['read files'] = await median(async () => {
    for (const f of files) await readFile(join(dir, f));
  });
  results['check (structure)'] = await median(async () => {
    await checkLevelDb(dir, { verifyBlocks: false, ignore: new Set(['wirewatch.lock']) });
  });
  results['check (all blocks)'] = await median(async () => {
    const r = await checkLevelDb(dir, { ignore: new Set(['wirewatch.lock']) });
    if (r.state !== 'ok') throw new Error(r.problems.join('; '));
  });
  results['open read'] = await median(async () => (await startEmbeddedStore({ dataDir: dir, access: 'read' })).close());
  results['open write'] = await median(async () => (await startEmbeddedStore({ dataDir: dir })).close());
  results['dynalite only'] = await median(async () => {
    const server = dynalite({ path: dir, createTableMs: 0 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  const mb = bytes / 1e6;
  console.log(`store of ${N} items: ${files.length} LevelDB files, ${mb.toFixed(1)} MB; median of ${ROUNDS} rounds`);
  console.log('case                 ms      MB/s   × read files   × dynalite only');
  for (const [name, ms] of Object.entries(results)) {
    console.log(
      `${name.padEnd(18)} ${ms.toFixed(1).padStart(7)} ${(mb / (ms / 1000)).toFixed(0).padStart(8)} ${(ms / results['read files']!).toFixed(2).padStart(12)} ${(ms / results['dynalite only']!).toFixed(2).padStart(15)}`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
