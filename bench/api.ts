/**
 * API latency benchmark: a store of N items (default 10,000) in an in-memory dynalite, the real
 * API handler (`createApi`) behind the local node:http server (`local/api-server.ts`), and autocannon driving
 * `GET /items?topic=…&limit=20`. Reports p50/p97.5/p99/max/mean latency (ms; autocannon rounds percentiles to
 * whole ms) and requests/s; mean latency and req/s also as ratios to the baseline measured in the same run:
 * `GET /healthz` on the same server (HTTP + routing + auth-free path, no store access).
 *
 *   npm run bench:api [-- --items N] [--duration S] [--rounds R] [--json FILE]
 *
 * Cases: one connection (pure latency, no queueing) and 10 connections (load). autocannon runs in a child
 * process so the load generator does not share the server's event loop. Runs on loopback only.
 */
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { startEmbeddedStore } from '../local/embedded-store.ts';
import { startApiServer } from '../local/api-server.ts';
import { Store, itemIdFor, type ItemInput } from '../shared/store/index.ts';
import { TokenVerifier, createApi } from '../shared/api/index.ts';
import type { TopicMatch } from '../shared/types.ts';

/** The parts of autocannon's result this benchmark reads (autocannon 8 has no bundled types). */
interface Histogram {
  average: number;
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
}
interface AutocannonResult {
  latency: Histogram;
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
/**
 * Runs autocannon in a child process (`autocannon --json`), so the load generator does not share the event
 * loop of the server it measures. Loopback only.
 */
function autocannon(opts: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}): Promise<AutocannonResult> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const args = [cli, '--json', '-c', String(opts.connections), '-d', String(opts.duration)];
  for (const [k, v] of Object.entries(opts.headers)) args.push('-H', `${k}=${v}`);
  args.push(opts.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.slice(0, 500)}`));
      try {
        resolve(JSON.parse(out) as AutocannonResult);
      } catch (e) {
        reject(new Error(`autocannon printed no JSON: ${out.slice(0, 200)} ${(e as Error).message}`));
      }
    });
  });
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const N = Number(arg('items', '10000'));
const DURATION = Number(arg('duration', '5'));
const ROUNDS = Number(arg('rounds', '3'));
const JSON_OUT = process.argv.includes('--json') ? arg('json', 'bench-api.json') : null;
const TOPICS = [
  { id: 'china-russia', name: 'China–Russia relations' },
  { id: 'russia-ukraine-war', name: 'Russia–Ukraine war' },
  { id: 'china-taiwan', name: 'China–Taiwan' },
  { id: 'china-us', name: 'China–US' },
];

/** Deterministic PRNG (mulberry32) so every run stores the same corpus. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticInput(i: number, rnd: () => number): ItemInput {
  const url = `https://wire.example/world/${i}`;
  const published = new Date(
    Date.parse('2026-11-25T00:00:00.000Z') - Math.floor(rnd() * 60 * 86_400_000),
  ).toISOString();
  const topics: TopicMatch[] = TOPICS.filter(() => rnd() < 0.3).map((t) => ({
    id: t.id,
    name: t.name,
    score: 1 + Math.floor(rnd() * 5),
    evidence: [
      {
        clause: `SENTENCE(@${t.id})`,
        field: 'lead',
        text: `Evidence sentence for ${t.id} in story ${i}.`,
        start: 0,
        end: 40,
        terms: [],
      },
    ],
  }));
  const text = Array.from(
    { length: 12 },
    (_, p) => `Paragraph ${p} of story ${i}: ${'officials said talks continued on energy and security. '.repeat(8)}`,
  ).join('\n\n');
  return {
    canonicalUrl: url,
    aliasUrls: [],
    feedId: `feed-${i % 20}`,
    entry: {
      key: `url:${url}`,
      guid: null,
      url,
      title: `Story ${i}: ministers meet`,
      summary: null,
      contentHtml: null,
      publishedAt: published,
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
      siteName: 'Wire',
      lang: 'en',
      dir: 'ltr',
      publishedAt: null,
      modifiedAt: null,
      text,
      excerpt: null,
      wordCount: 900,
      status: 'full',
      reason: null,
      paywalled: false,
      leadImage: null,
      extractor: { name: 'readability', version: '0.6.0', dom: 'linkedom' },
    },
    topics,
    seenAt: published,
  };
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

async function main(): Promise<void> {
  const embedded = await startEmbeddedStore({ memory: true });
  const store = new Store({ client: embedded.client, tableName: 'bench', retentionDays: 3650 });
  await store.ensureTable();
  const rnd = prng(6);
  const seedStart = Date.now();
  const inputs = Array.from({ length: N }, (_, i) => syntheticInput(i, rnd));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < inputs.length) await store.saveItem(inputs[next++]!);
    }),
  );
  const seedMs = Date.now() - seedStart;
  const tagged = inputs.filter((x) => x.topics.some((t) => t.id === 'china-russia')).length;
  process.stderr.write(`seeded ${N} items (${tagged} tagged china-russia) in ${(seedMs / 1000).toFixed(1)} s\n`);

  const token = randomBytes(24).toString('base64url');
  const api = createApi({
    store,
    topics: TOPICS,
    cursorKey: randomBytes(32),
    tokens: TokenVerifier.fromTokens([token]),
  });
  const server = await startApiServer((r) => api.handle(r), { host: '127.0.0.1', port: 0 });
  const headers = { authorization: `Bearer ${token}` };

  // A page-2 cursor and an item id for the extra cases.
  const first = JSON.parse(
    (await api.handle({ method: 'GET', path: '/items', query: { topic: 'china-russia', limit: '20' }, headers })).body,
  ) as {
    items: Array<{ id: string }>;
    nextCursor: string;
  };
  if (first.items.length !== 20 || !first.nextCursor)
    throw new Error('benchmark store did not return a full first page');

  const cases: Array<{ name: string; path: string }> = [
    { name: 'baseline GET /healthz', path: '/healthz' },
    { name: 'GET /items?topic=china-russia&limit=20', path: '/items?topic=china-russia&limit=20' },
    {
      name: 'GET /items?topic=…&limit=20&cursor=(page 2)',
      path: `/items?topic=china-russia&limit=20&cursor=${first.nextCursor}`,
    },
    { name: 'GET /items?limit=20 (all items, gsi1)', path: '/items?limit=20' },
    {
      name: 'GET /items?topic=…&q=ministers&limit=20 (filter)',
      path: '/items?topic=china-russia&q=ministers&limit=20',
    },
    { name: `GET /items/{id}`, path: `/items/${itemIdFor('https://wire.example/world/17')}` },
  ];
  const loadBefore = loadavg()[0]!.toFixed(1);
  // Rounds are interleaved across cases, so a burst of load from other processes hits every case alike; each
  // figure reported is the median over rounds (the p99 range shows the spread).
  const runs = new Map<string, AutocannonResult[]>();
  for (const connections of [1, 10]) {
    for (const c of cases) await autocannon({ url: server.url + c.path, connections, duration: 1, headers }); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of cases) {
        const r = await autocannon({ url: server.url + c.path, connections, duration: DURATION, headers });
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${c.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        const key = `${connections}\u0000${c.name}`;
        runs.set(key, [...(runs.get(key) ?? []), r]);
        process.stderr.write(
          `round ${round + 1} ${c.name} c=${connections}: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${Math.round(r.requests.average)} req/s\n`,
        );
      }
    }
  }
  await server.close();
  // Let handlers still running for requests autocannon abandoned at its deadline finish before the store closes.
  await new Promise((r) => setTimeout(r, 500));
  await embedded.close();

  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  type Row = {
    name: string;
    connections: number;
    p50: number;
    p97_5: number;
    p99: number;
    p99min: number;
    p99max: number;
    max: number;
    mean: number;
    rps: number;
  };
  const rows: Row[] = [];
  for (const connections of [1, 10]) {
    for (const c of cases) {
      const rs = runs.get(`${connections}\u0000${c.name}`)!;
      rows.push({
        name: c.name,
        connections,
        p50: median(rs.map((r) => r.latency.p50)),
        p97_5: median(rs.map((r) => r.latency.p97_5)),
        p99: median(rs.map((r) => r.latency.p99)),
        p99min: Math.min(...rs.map((r) => r.latency.p99)),
        p99max: Math.max(...rs.map((r) => r.latency.p99)),
        max: Math.max(...rs.map((r) => r.latency.max)),
        mean: median(rs.map((r) => r.latency.average)),
        rps: median(rs.map((r) => r.requests.average)),
      });
    }
  }
  const lines = [
    `store: ${N} items in in-memory dynalite (${tagged} tagged china-russia); seeding ${(seedMs / 1000).toFixed(1)} s through Store.saveItem (8 concurrent)`,
    `autocannon: ${ROUNDS} interleaved rounds × ${DURATION} s per case (after a 1 s warm-up), medians over rounds; Node ${process.version}; ${cpus().length} cores; load average before/after ${loadBefore} / ${loadavg()[0]!.toFixed(1)}; ${new Date().toISOString()}`,
    '',
    '| case | conns | p50 ms | p97.5 ms | p99 ms (range over rounds) | max ms | mean ms | mean ÷ baseline mean | req/s | req/s ÷ baseline |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const base = rows.find((x) => x.connections === row.connections && x.name.startsWith('baseline'))!;
    lines.push(
      `| ${row.name} | ${row.connections} | ${fmt(row.p50)} | ${fmt(row.p97_5)} | ${fmt(row.p99)} (${fmt(row.p99min)}–${fmt(row.p99max)}) | ${fmt(row.max)} | ${fmt(row.mean)} | ${fmt(row.mean / Math.max(base.mean, 0.001))} | ${Math.round(row.rps)} | ${fmt(row.rps / base.rps)} |`,
    );
  }
  const target = rows.find(
    (x) => x.connections === 1 && x.name.startsWith('GET /items?topic=china-russia&limit=20'),
  )!.p99;
  lines.push(
    '',
    `target p99 < 50 ms for GET /items?topic=…&limit=20 (1 connection, median over rounds): ${fmt(target)} ms — ${target < 50 ? 'met' : 'NOT met'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ items: N, seedMs, rows }, null, 2));
}

await main();
