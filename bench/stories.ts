/**
 * Story assignment benchmark: CPU per article, port requests per article, flatness against the size of the
 * index, and memory over a long stream.
 *
 * Input: synthetic wire stories from a seeded generator (pseudo-words with a Zipf-like frequency, 12–16
 * paragraphs of 3 sentences ≈ 800 words; every story ends with 2 of 300 shared "background" paragraphs, so hot keys
 * and saturated key rows exist as in real wire copy). Copies are cut from the bottom (first 3–8 paragraphs)
 * with a newsletter line added.
 *
 * 1. CPU (`process.cpuUsage`, user + system): `fingerprintDoc`, `verify` (one copy against its original), and
 *    the whole `assignStory` on the in-memory port, per article; baseline in the same run: `words()` over the
 *    body (tokenising alone — the floor of any fingerprint).
 * 2. Port requests per article by role (new story, copy), from `MemoryStoryIndex.stats`.
 * 3. Flatness: CPU per article for 460 articles (half copies, half new) with 1,000 and with 100,000 stories
 *    already in the index (prefilled with the records and claims a new story writes).
 * 4. Memory: 10,000 articles, one every 10 simulated minutes (69 days; window 7 days, so the live index
 *    stays bounded), heap and RSS after a forced GC every 1,000 articles.
 * 5. The DynamoDB port (`DynamoStoryIndex` on embedded dynalite, one table per size): requests, items read and
 *    capacity units per article by role (new story, copy, version: a writethru under a new URL), with 1,000 and
 *    with `--dyn-big` (10,000) stories already in the index. An SDK middleware on the benchmark's client counts the
 *    requests (checked against the table layer's own counters) and asks for `ReturnConsumedCapacity: TOTAL`;
 *    dynalite computes read units as DynamoDB does (4 KB units, strongly consistent = 1 per 4 KB) and write units
 *    of the table (story records and key rows have no index attributes, so that is all they cost). The counted
 *    requests are checked against the table layer's own counters.
 *
 * Versions (3) are writethrus of a story: a new lead and a new paragraph, the last paragraph dropped, the same
 * wire furniture, a new URL on the wire's site. Every synthetic story has the same dateline place, so the
 * writethru rule is evaluated for every candidate (the worst case for `verify`).
 *
 * Usage: `npm run bench:stories [-- --big 100000 --stream 10000 --dyn-big 10000 --json FILE]`
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { startEmbeddedStore } from '../local/embedded-store.ts';
import { N, S } from '../shared/store/codec.ts';
import { DynamoStoryIndex } from '../shared/store/story-index.ts';
import { Table } from '../shared/store/table.ts';
import { mulberry32 } from '../shared/stories/hash.ts';
import {
  ASSIGN_DEFAULTS,
  MemoryStoryIndex,
  type StoryDoc,
  assignStory,
  fingerprintDoc,
  readBody,
  verify,
  words,
} from '../shared/stories/index.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const jsonOut = (() => {
  const i = process.argv.indexOf('--json');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();

const rnd = mulberry32(42);
const SYL = [
  'ka',
  'ro',
  'mi',
  'ten',
  'sa',
  'lo',
  'vi',
  'der',
  'un',
  'pa',
  'shi',
  'gor',
  'el',
  'tu',
  'nar',
  'bi',
  'os',
  'qua',
];
const VOCAB = Array.from({ length: 6000 }, (_, i) => {
  let w = '';
  let x = i + 7;
  do {
    w += SYL[x % SYL.length];
    x = Math.floor(x / SYL.length);
  } while (x > 0);
  return w;
});
const word = (): string => VOCAB[Math.floor(VOCAB.length * rnd() ** 2.2)]!;
const sentence = (): string => {
  const n = 12 + Math.floor(rnd() * 14);
  const ws = Array.from({ length: n }, word);
  return `${ws[0]![0]!.toUpperCase()}${ws.join(' ').slice(1)}.`;
};
const paragraph = (): string => `${sentence()} ${sentence()} ${sentence()}`;
const BACKGROUND = Array.from({ length: 300 }, paragraph);

let seq = 0;
function story(at: number): { doc: StoryDoc; paragraphs: string[] } {
  const n = 12 + Math.floor(rnd() * 5);
  const paragraphs = Array.from({ length: n - 2 }, paragraph);
  paragraphs.push(BACKGROUND[Math.floor(rnd() * 300)]!, BACKGROUND[Math.floor(rnd() * 300)]!);
  const id = `s${++seq}`;
  return {
    paragraphs,
    doc: {
      id,
      url: `https://wire.example/${id}`,
      outlet: 'AP News',
      title: sentence(),
      text: `CAPITAL (AP) — ${paragraphs.join('\n\n')}\n\nCopyright 2026 The Associated Press. All rights reserved.`,
      publishedAt: new Date(at).toISOString(),
    },
  };
}
function copyOf(src: { doc: StoryDoc; paragraphs: string[] }, at: number): StoryDoc {
  const k = 3 + Math.floor(rnd() * 6);
  const ps = src.paragraphs.slice(0, k);
  ps.splice(2, 0, 'Sign up for our morning newsletter to get the top stories delivered to your inbox.');
  const id = `c${++seq}`;
  return {
    ...src.doc,
    id,
    url: `https://outlet.example/${id}`,
    outlet: 'Daily Courier',
    text: ps.join('\n\n'),
    publishedAt: new Date(at).toISOString(),
  };
}

/** A writethru of a story: a new lead and a new paragraph below it, the last paragraph dropped, a new URL. */
function versionOf(src: { doc: StoryDoc; paragraphs: string[] }, at: number): StoryDoc {
  const ps = [paragraph(), paragraph(), ...src.paragraphs.slice(1, -1)];
  const id = `v${++seq}`;
  return {
    ...src.doc,
    id,
    url: `https://wire.example/${id}`,
    text: `CAPITAL (AP) — ${ps.join('\n\n')}\n\nCopyright 2026 The Associated Press. All rights reserved.`,
    publishedAt: new Date(at).toISOString(),
  };
}

const cpuMs = (f: () => void): number => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
async function cpuMsAsync(f: () => Promise<void>): Promise<number> {
  const c0 = process.cpuUsage();
  await f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const T0 = Date.parse('2026-11-01T00:00:00Z');
const results: Record<string, unknown> = {};

async function cpuSection(): Promise<void> {
  const n = 1000;
  const srcs = Array.from({ length: n }, () => story(T0));
  const copies = srcs.map((s) => copyOf(s, T0 + 60_000));
  const meanWords =
    srcs.reduce((a, s) => a + readBody(s.doc.title, s.doc.text).paragraphs.join(' ').split(' ').length, 0) / n;
  // warm-up
  for (const s of srcs.slice(0, 100)) fingerprintDoc(s.doc);
  const base = cpuMs(() => {
    for (const s of srcs) words(s.doc.text);
  });
  const fps: ReturnType<typeof fingerprintDoc>[] = [];
  const fpMs = cpuMs(() => {
    for (const s of srcs) fps.push(fingerprintDoc(s.doc));
  });
  const cfps = copies.map((c) => fingerprintDoc(c));
  const verMs = cpuMs(() => {
    for (let i = 0; i < n; i++) verify(fps[i]!.member, cfps[i]!.member);
  });
  const versions = srcs.map((s, i) => (i % 4 === 0 ? versionOf(s, T0 + 120_000) : null));
  // verify, a writethru against its original: same origin, so the writethru rule's measures are computed too
  const vfps = srcs.slice(0, 250).map((s) => fingerprintDoc(versionOf(s, T0)));
  const verVersionMs = cpuMs(() => {
    for (let i = 0; i < vfps.length; i++) verify(fps[i]!.member, vfps[i]!.member);
  });
  let clock = T0;
  const port = new MemoryStoryIndex({ now: () => clock });
  const perRole: Record<string, { n: number; reads: number; writes: number; items: number }> = {};
  const run = async (d: StoryDoc) => {
    clock = Date.parse(d.publishedAt);
    const before = port.stats;
    const a = await assignStory(port, d, { now: clock });
    const after = port.stats;
    perRole[a.role] ??= { n: 0, reads: 0, writes: 0, items: 0 };
    const r = perRole[a.role]!;
    r.n++;
    r.reads += after.reads - before.reads;
    r.writes += after.writes - before.writes;
    r.items += after.itemsRead - before.itemsRead;
  };
  // originals and copies (the stream of earlier runs), then the versions on the filled index
  const assignMs = await cpuMsAsync(async () => {
    for (let i = 0; i < n; i++) for (const d of [srcs[i]!.doc, copies[i]!]) await run(d);
  });
  const versionDocs = versions.filter((x): x is StoryDoc => x !== null);
  const assignVersionMs = await cpuMsAsync(async () => {
    for (const d of versionDocs) await run(d);
  });
  const keys = fps.reduce((a, f) => a + f.keys.length, 0) / n;
  results.cpu = {
    articles: n,
    meanBodyWords: Math.round(meanWords),
    tokeniseMsPerArticle: base / n,
    fingerprintMsPerArticle: fpMs / n,
    verifyMsPerPair: verMs / n,
    assignMsPerArticle: assignMs / (2 * n),
    verifyWritethruMsPerPair: verVersionMs / vfps.length,
    assignVersionMsPerArticle: assignVersionMs / versionDocs.length,
    fingerprintOverTokenise: fpMs / base,
    meanKeys: keys,
  };
  results.port = Object.fromEntries(
    Object.entries(perRole).map(([role, r]) => [
      role,
      {
        articles: r.n,
        readsPerArticle: r.reads / r.n,
        writesPerArticle: r.writes / r.n,
        itemsReadPerArticle: r.items / r.n,
      },
    ]),
  );
}

/**
 * Fills the index with `n` stories through the port, writing exactly what `assignStory` writes for a new
 * story (the record, then a claim per key) without verifying candidates first — the state is the same, and
 * 100,000 stories fill in minutes rather than tens of minutes on a loaded machine.
 */
async function prefill(port: MemoryStoryIndex, n: number): Promise<Array<{ doc: StoryDoc; paragraphs: string[] }>> {
  const kept: Array<{ doc: StoryDoc; paragraphs: string[] }> = [];
  const expiresAt = Math.floor(T0 / 1000) + 7 * 86400;
  for (let i = 0; i < n; i++) {
    const s = story(T0 + i);
    const fp = fingerprintDoc(s.doc);
    await port.putStory({
      storyId: s.doc.id,
      createdAt: new Date(T0 + i).toISOString(),
      original: { itemId: s.doc.id, publishedAt: s.doc.publishedAt, agency: fp.origin.agency },
      members: [fp.member],
      rev: 0,
      mergedInto: null,
      expiresAt,
    });
    for (const k of fp.keys) await port.claimKey(k, s.doc.id, expiresAt, ASSIGN_DEFAULTS.maxCarriers);
    if (kept.length < 300 || rnd() < 300 / n) kept.push(s);
  }
  return kept;
}

async function flatSection(big: number): Promise<void> {
  const out: Record<string, unknown> = {};
  for (const size of [1000, big]) {
    let clock = T0;
    const port = new MemoryStoryIndex({ now: () => clock });
    const t0 = performance.now();
    const pool = await prefill(port, size);
    const fillS = (performance.now() - t0) / 1000;
    const docs: StoryDoc[] = [];
    for (let i = 0; i < 250; i++) {
      docs.push(copyOf(pool[Math.floor(rnd() * pool.length)]!, T0 + big + i));
      docs.push(story(T0 + big + i).doc);
    }
    for (const d of docs.slice(0, 40)) await assignStory(port, d, { now: T0 + big }); // warm-up (these join or create)
    port.resetStats();
    clock = T0 + big + 1000;
    const measured = docs.slice(40);
    const ms = await cpuMsAsync(async () => {
      for (const d of measured) await assignStory(port, d, { now: clock });
    });
    const st = port.stats;
    out[String(size)] = {
      storiesInIndex: port.size().stories,
      keyRows: port.size().keys,
      prefillSeconds: Number(fillS.toFixed(1)),
      cpuMsPerArticle: ms / measured.length,
      readsPerArticle: st.reads / measured.length,
      itemsReadPerArticle: st.itemsRead / measured.length,
    };
  }
  const small = out['1000'] as { cpuMsPerArticle: number };
  const large = out[String(big)] as { cpuMsPerArticle: number };
  out.ratio = large.cpuMsPerArticle / small.cpuMsPerArticle;
  results.flat = out;
}

/** DynamoDB requests, items and capacity units, by operation (what the benchmark's client sent). */
interface DynOps {
  requests: Record<string, number>;
  items: number;
  rru: number;
  wru: number;
}
const newDynOps = (): DynOps => ({ requests: {}, items: 0, rru: 0, wru: 0 });
let dynPhase: DynOps | null = null;
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** Counts every request of the client in the current phase, asking DynamoDB (dynalite) for consumed capacity. */
function instrument(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      if (op !== 'CreateTable' && op !== 'DescribeTable') input.ReturnConsumedCapacity = 'TOTAL';
      let out: Awaited<ReturnType<typeof next>>;
      try {
        out = await next(args);
      } catch (err) {
        // A conditional write whose condition fails (a saturated key row, a lost race) is still a request and
        // still costs write units (Developer Guide, "Condition expressions": 1 WRU for an item under 1 KB).
        const acc = dynPhase;
        if (acc) {
          acc.requests[op] = (acc.requests[op] ?? 0) + 1;
          if (WRITES.has(op)) acc.wru += 1;
        }
        throw err;
      }
      const o = out.output as unknown as Record<string, unknown>;
      const cc = o.ConsumedCapacity as { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;
      const units = Array.isArray(cc) ? cc.reduce((a, c) => a + (c.CapacityUnits ?? 0), 0) : (cc?.CapacityUnits ?? 0);
      const acc = dynPhase;
      if (acc) {
        acc.requests[op] = (acc.requests[op] ?? 0) + 1;
        if (WRITES.has(op)) acc.wru += units;
        else acc.rru += units;
        if (op === 'GetItem') acc.items += o.Item ? 1 : 0;
        else if (op === 'BatchGetItem')
          acc.items += Object.values((o.Responses ?? {}) as Record<string, unknown[]>).reduce(
            (a, r) => a + r.length,
            0,
          );
      }
      return out;
    },
    { step: 'initialize', name: 'storiesBenchCapacity' },
  );
}

/**
 * Fills a DynamoDB story index with `n` stories in the state `assignStory` leaves them in (each story's record;
 * each key row with its first claimer as owner and up to 16 carriers), with batch writes of the key rows instead
 * of one conditional claim per key — the same records, in minutes rather than hours on dynalite.
 */
async function prefillDynamo(
  port: DynamoStoryIndex,
  table: Table,
  n: number,
): Promise<Array<{ doc: StoryDoc; paragraphs: string[] }>> {
  const kept: Array<{ doc: StoryDoc; paragraphs: string[] }> = [];
  const expiresAt = Math.floor(T0 / 1000) + 7 * 86400;
  const rows = new Map<string, string[]>();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const s = story(T0 + i);
    const fp = fingerprintDoc(s.doc);
    pending.push(
      port.putStory({
        storyId: s.doc.id,
        createdAt: new Date(T0 + i).toISOString(),
        original: { itemId: s.doc.id, publishedAt: s.doc.publishedAt, agency: fp.origin.agency },
        members: [fp.member],
        rev: 0,
        mergedInto: null,
        expiresAt,
      }),
    );
    if (pending.length >= 16) await Promise.all(pending.splice(0));
    for (const k of fp.keys) {
      const c = rows.get(k) ?? [];
      if (c.length < ASSIGN_DEFAULTS.maxCarriers) c.push(s.doc.id);
      rows.set(k, c);
    }
    if (kept.length < 300 || rnd() < 300 / n) kept.push(s);
  }
  await Promise.all(pending);
  const items = [...rows].map(([k, carriers]) => ({
    PutRequest: {
      Item: {
        pk: S(`SKEY#${k}`),
        sk: S('SKEY'),
        owner: S(carriers[0]!),
        carriers: { SS: carriers },
        expiresAt: N(expiresAt),
      },
    },
  }));
  for (let i = 0; i < items.length; i += 25 * 8)
    await Promise.all(
      Array.from({ length: 8 }, (_, j) => items.slice(i + j * 25, i + (j + 1) * 25))
        .filter((b) => b.length)
        .map((b) => table.batchWrite(b, 'story key rows')),
    );
  return kept;
}

async function dynamoSection(big: number): Promise<void> {
  const dyn = await startEmbeddedStore({ memory: true });
  instrument(dyn.client);
  const out: Record<string, unknown> = {};
  try {
    for (const size of [1000, big]) {
      const table = new Table({ client: dyn.client, tableName: `bench-stories-${size}` });
      await table.ensure();
      let clock = T0;
      const port = new DynamoStoryIndex(table, () => clock);
      const t0 = performance.now();
      const pool = await prefillDynamo(port, table, size);
      const fillS = (performance.now() - t0) / 1000;
      const docs: StoryDoc[] = [];
      const at = T0 + 2 * big;
      for (let i = 0; i < 90; i++) {
        const src = pool[Math.floor(rnd() * pool.length)]!;
        docs.push(copyOf(src, at + i), story(at + i).doc, versionOf(src, at + i));
      }
      const perRole: Record<string, DynOps & { n: number }> = {};
      const measured = docs.slice(15);
      for (const d of docs.slice(0, 15)) await assignStory(port, d, { now: at }); // warm-up
      clock = at + 1000;
      const layer0 = { ...table.counters };
      const c0 = process.cpuUsage();
      for (const d of measured) {
        dynPhase = newDynOps();
        const a = await assignStory(port, d, { now: clock });
        const ops = dynPhase;
        dynPhase = null;
        perRole[a.role] ??= { n: 0, ...newDynOps() };
        const r = perRole[a.role]!;
        r.n++;
        for (const [op, k] of Object.entries(ops.requests)) r.requests[op] = (r.requests[op] ?? 0) + k;
        r.items += ops.items;
        r.rru += ops.rru;
        r.wru += ops.wru;
      }
      const c = process.cpuUsage(c0);
      // the middleware must have seen exactly the requests the table layer made, else the figures are wrong
      for (const op of new Set([...Object.keys(table.counters), ...Object.keys(layer0)])) {
        const layer = (table.counters[op] ?? 0) - (layer0[op] ?? 0);
        const seen = Object.values(perRole).reduce((a, r) => a + (r.requests[op] ?? 0), 0);
        if (layer !== seen)
          throw new Error(`${size} stories: ${op}: the table layer made ${layer}, the middleware saw ${seen}`);
      }
      const roles: Record<string, unknown> = {};
      for (const [role, r] of Object.entries(perRole)) {
        const reads = (r.requests.GetItem ?? 0) + (r.requests.BatchGetItem ?? 0);
        const writes = (r.requests.PutItem ?? 0) + (r.requests.UpdateItem ?? 0);
        roles[role] = {
          articles: r.n,
          readsPerArticle: reads / r.n,
          writesPerArticle: writes / r.n,
          requestsPerArticle: Object.fromEntries(Object.entries(r.requests).map(([op, k]) => [op, k / r.n])),
          itemsReadPerArticle: r.items / r.n,
          rruPerArticle: r.rru / r.n,
          wruPerArticle: r.wru / r.n,
        };
      }
      const all = Object.values(perRole);
      const total = (f: (r: DynOps & { n: number }) => number) => all.reduce((a, r) => a + f(r), 0) / measured.length;
      out[String(size)] = {
        storiesInIndex: size,
        prefillSeconds: Number(fillS.toFixed(1)),
        cpuMsPerArticle: (c.user + c.system) / 1000 / measured.length,
        requestsPerArticle: total((r) => Object.values(r.requests).reduce((a, b) => a + b, 0)),
        rruPerArticle: total((r) => r.rru),
        wruPerArticle: total((r) => r.wru),
        roles,
      };
    }
  } finally {
    await dyn.close();
  }
  const small = out['1000'] as { requestsPerArticle: number; rruPerArticle: number; cpuMsPerArticle: number };
  const large = out[String(big)] as typeof small;
  out.ratio = {
    requests: large.requestsPerArticle / small.requestsPerArticle,
    rru: large.rruPerArticle / small.rruPerArticle,
    cpu: large.cpuMsPerArticle / small.cpuMsPerArticle,
  };
  results.dynamo = out;
}

async function memorySection(n: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let clock = T0;
  const port = new MemoryStoryIndex({ now: () => clock });
  const samples: Array<{ articles: number; heapMB: number; rssMB: number; liveStories: number }> = [];
  const recent: Array<{ doc: StoryDoc; paragraphs: string[] }> = [];
  for (let i = 1; i <= n; i++) {
    clock = T0 + i * 600_000;
    let d: StoryDoc;
    if (i % 3 === 0 && recent.length) d = copyOf(recent[Math.floor(rnd() * recent.length)]!, clock);
    else {
      const s = story(clock);
      recent.push(s);
      if (recent.length > 200) recent.shift();
      d = s.doc;
    }
    await assignStory(port, d, { now: clock });
    if (i % 1000 === 0) {
      port.purgeExpired();
      gc?.();
      const m = process.memoryUsage();
      samples.push({
        articles: i,
        heapMB: m.heapUsed / 2 ** 20,
        rssMB: m.rss / 2 ** 20,
        liveStories: port.size().stories,
      });
    }
  }
  results.memory = { gcForced: Boolean(gc), samples };
}

async function main(): Promise<void> {
  const load0 = loadavg()[0]!;
  await cpuSection();
  await flatSection(arg('big', 100_000));
  await memorySection(arg('stream', 10_000));
  await dynamoSection(arg('dyn-big', 10_000));
  results.machine = { node: process.version, cores: cpus().length, loadAverage: [load0, loadavg()[0]] };
  const c = results.cpu as Record<string, number>;
  const f = results.flat as Record<string, Record<string, number>> & { ratio: number };
  const m = results.memory as { samples: Array<Record<string, number>> };
  const lines = [
    `node ${process.version}, ${cpus().length} cores, load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
    `CPU per article (${c.articles} articles, ${c.meanBodyWords} body words): tokenise ${c.tokeniseMsPerArticle!.toFixed(3)} ms (baseline), fingerprint ${c.fingerprintMsPerArticle!.toFixed(3)} ms (${c.fingerprintOverTokenise!.toFixed(1)}× baseline), verify ${c.verifyMsPerPair!.toFixed(3)} ms per pair (copy) / ${c.verifyWritethruMsPerPair!.toFixed(3)} ms (writethru, same origin), assignStory ${c.assignMsPerArticle!.toFixed(3)} ms (originals and copies) / ${c.assignVersionMsPerArticle!.toFixed(3)} ms (versions); ${c.meanKeys!.toFixed(1)} keys per article`,
    `port requests per article: ${JSON.stringify(results.port)}`,
  ];
  for (const k of Object.keys(f).filter((x) => x !== 'ratio'))
    lines.push(`index of ${k} stories: ${JSON.stringify(f[k])}`);
  lines.push(`CPU per article, large ÷ small index: ${f.ratio.toFixed(2)}`);
  const dy = results.dynamo as Record<string, Record<string, unknown>> & { ratio: Record<string, number> };
  for (const k of Object.keys(dy).filter((x) => x !== 'ratio'))
    lines.push(`DynamoDB port (dynalite), ${k} stories: ${JSON.stringify(dy[k])}`);
  lines.push(
    `DynamoDB port, large ÷ small index: requests ${dy.ratio.requests!.toFixed(2)}, read units ${dy.ratio.rru!.toFixed(2)}, CPU ${dy.ratio.cpu!.toFixed(2)}`,
  );
  for (const s of m.samples)
    lines.push(
      `after ${s.articles} articles: heap ${s.heapMB!.toFixed(1)} MB, RSS ${s.rssMB!.toFixed(1)} MB, live stories ${s.liveStories}`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
}

await main();
