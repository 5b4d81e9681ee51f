/**
 * Scale benchmark: can the scheduler and the poller hold N feeds polled every 5 minutes, mostly answered
 * `304 Not Modified`? For N = 1,000, 5,000 and 10,000 it runs the real `selectDueFeeds` and `pollFeedStage`
 * (PipelineContext from `createPipelineContext`, Powertools Logger and Metrics as in Lambda) against an in-memory
 * dynalite, a local publisher of N distinct feeds and a minimal SQS endpoint, all in a child process
 * (bench/scale-servers.ts), so `process.cpuUsage()` here is the pipeline's own CPU, as in Lambda.
 *
 *   npm run bench:scale [-- --sizes 1000,5000,10000] [--json FILE]
 *
 * Per N, on a simulated clock (ticks 5 minutes apart; polls run at the tick time plus a per-feed offset):
 * 1. first tick: no catalog marker → BatchGet of every configured state, every feed due, plus the catalog message
 *    (processed after the polls, then measured on its own);
 * 2. steady tick (a): every feed due (all were polled exactly at the previous tick); 10% of them are polled at the
 *    tick time, 90% four minutes later (beyond the half-tick tolerance of isDue);
 * 3. steady tick (b): 10% due (the rest were polled four minutes after the previous tick), polled 1 s after the tick;
 * 4. drift check: the due set 5 minutes after (b) — a feed polled after its tick time must be due at the next tick;
 * 5. removed feeds: 10% of the feeds leave the configuration; what a steady tick then reads;
 * 6. per-outcome poll CPU and requests: ~300 `304` polls and ~100 `200` polls (one new entry), one at a time
 *    (`force`), then 5 rounds of 1,000 polls with the heap measured after each (memory growth);
 * 7. same-run CPU baselines: bare GetItem, PutItem, conditional GET, SendMessageBatch, and a plain Query of every
 *    state; plus the size of the `GET /feeds` body (every state in one response).
 * DynamoDB requests are counted by an SDK middleware on the benchmark's client (checked against the table layer's
 * `table.counters` on every tick), which also asks for `ReturnConsumedCapacity: TOTAL`: dynalite computes it the
 * way DynamoDB does for reads (4 KB units, strongly consistent = 1, eventually consistent = 0.5, a Query's items
 * summed before rounding, a missing key still 1); for writes it reports the table's units only — index writes are
 * added from the items written, see `gsiWriteUnits`. Everything ends with a monthly cost extrapolation for the
 * largest N, every price and assumption named.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { request as undiciRequest } from 'undici';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { powertoolsLogger, SQS_SEND_CONCURRENCY, sqsQueue } from '../functions/lib/aws.ts';
import { feedHealth } from '../shared/api/index.ts';
import { resolveConfig, type Config } from '../shared/config/load.ts';
import { HostGate } from '../shared/http/gate.ts';
import { createPipelineContext, type PipelineContext } from '../shared/pipeline/context.ts';
import type { FeedMessage, MetricsPort } from '../shared/pipeline/ports.ts';
import { pollFeedStage, selectDueFeeds } from '../shared/pipeline/stages.ts';
import { FEED_DUE_SHARDS, GSI_PARTITIONS, TABLE_GSIS, catalogHash, type Store } from '../shared/store/index.ts';
import { feedPath } from './scale-servers.ts';

// ------------------------------------------------------------------------------------------------ arguments

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const SIZES = arg('sizes', '1000,5000,10000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n >= 100);
const JSON_OUT = process.argv.includes('--json') ? arg('json', 'bench-scale.json') : null;
/** The stack's feed queue → poll-feed mapping: batchSize 5, maxConcurrency 5 (infra/stack.ts, infra/settings.ts). */
const BATCH_SIZE = 5;
const LANES = 5;
const TICK_MS = 5 * 60_000;
const T0 = Date.parse('2026-12-01T12:00:00.000Z');
const TABLE = 'wirewatch-scale';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench:scale does)');

// ------------------------------------------------------------------------------------------------ stdout capture

/**
 * Powertools writes its log lines and EMF metrics to stdout (CloudWatch Logs in Lambda). Here they are counted
 * (bytes and lines: what CloudWatch Logs ingestion is billed on) and dropped; the report goes to stdout at the end.
 */
const sink = { bytes: 0, lines: 0 };
const realWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  sink.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  sink.lines++;
  const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
  cb?.();
  return true;
}) as typeof process.stdout.write;
const say = (line: string) => process.stderr.write(`${line}\n`);

// ------------------------------------------------------------------------------------------------ accounting

/** DynamoDB requests, items and capacity, by operation. */
interface Ops {
  requests: Record<string, number>;
  /** Items returned (Query: Count; GetItem: 0/1; BatchGetItem: found). */
  items: Record<string, number>;
  /** Keys asked for by BatchGetItem. */
  keys: number;
  /** ConsumedCapacity as dynalite reports it (reads: RRU; writes: table WRU only). */
  units: Record<string, number>;
  /** Write units on the due-time index (gsi2), from the items written (`gsiWriteUnits`). */
  gsiWru: number;
  /** Last known gsi2 sort key per record (from GetItem answers and puts), to tell index inserts from moves. */
  indexKeys: Map<string, string | null>;
}
const newOps = (): Ops => ({ requests: {}, items: {}, keys: 0, units: {}, gsiWru: 0, indexKeys: new Map() });
const bump = (r: Record<string, number>, k: string, v = 1) => {
  r[k] = (r[k] ?? 0) + v;
};

/** The phase being measured (null = not counted). */
let phase: Ops | null = null;
/** Pipeline metrics (`MetricsPort.count`) of the phase being measured: the poll outcomes. */
let phaseMetrics: Record<string, number> = {};

const CAPACITY_OPS = new Set(['GetItem', 'PutItem', 'Query', 'BatchGetItem', 'UpdateItem', 'DeleteItem']);

/** Adds the counting middleware to the benchmark's DynamoDB client (initialize step: before serialisation). */
function instrument(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      if (CAPACITY_OPS.has(op)) input.ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      const o = out.output as unknown as Record<string, unknown>;
      const cc = o.ConsumedCapacity as { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;
      const units = Array.isArray(cc) ? cc.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0) : (cc?.CapacityUnits ?? 0);
      let items = 0;
      let keys = 0;
      if (op === 'Query') items = Number(o.Count ?? 0);
      else if (op === 'GetItem') items = o.Item ? 1 : 0;
      else if (op === 'BatchGetItem') {
        items = Object.values((o.Responses ?? {}) as Record<string, unknown[]>).reduce((n, r) => n + r.length, 0);
        keys = Object.values((input.RequestItems ?? {}) as Record<string, { Keys: unknown[] }>).reduce(
          (n, r) => n + r.Keys.length,
          0,
        );
      }
      const g = TABLE_GSIS[1];
      const acc = phase;
      if (acc) {
        bump(acc.requests, op);
        bump(acc.items, op, items);
        bump(acc.units, op, units);
        acc.keys += keys;
        if (op === 'GetItem') {
          const pk = (input.Key as Record<string, AttributeValue>).pk?.S ?? '';
          const it = o.Item as Record<string, AttributeValue> | undefined;
          acc.indexKeys.set(pk, it?.[g.sortKey]?.S ?? null);
        } else if (op === 'PutItem') {
          const it = input.Item as Record<string, AttributeValue>;
          const sk = it[g.sortKey]?.S;
          if (sk !== undefined) {
            const pk = it.pk?.S ?? '';
            acc.gsiWru += gsiWriteUnits(itemSize(it), acc.indexKeys.get(pk), sk);
            acc.indexKeys.set(pk, sk);
          }
        }
      }
      return out;
    },
    { step: 'initialize', name: 'scaleBenchCapacity' },
  );
}

/** The middleware must see exactly the requests the table layer counted, else the figures are wrong. */
function checkCounters(label: string, ops: Ops, before: Record<string, number>, after: Record<string, number>): void {
  for (const op of new Set([...Object.keys(ops.requests), ...Object.keys(after)])) {
    const layer = (after[op] ?? 0) - (before[op] ?? 0);
    if (layer !== (ops.requests[op] ?? 0)) {
      throw new Error(`${label}: ${op}: table.counters says ${layer}, the middleware ${ops.requests[op] ?? 0}`);
    }
  }
}

/** CPU (user + system) and wall time of `fn`, ms. */
async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wallMs, cpuMs: (c.user + c.system) / 1000 };
}

// ------------------------------------------------------------------------------------------------ item sizes

/**
 * Size of a DynamoDB item as billed (Developer Guide, "Item sizes and formats"): per attribute its name's UTF-8
 * bytes plus the value: strings and binaries their bytes, numbers ~1 byte per 2 significant digits + 1, booleans
 * and null 1, lists and maps 3 bytes + 1 per element + the elements.
 */
function itemSize(item: Record<string, AttributeValue>): number {
  let n = 0;
  for (const [name, v] of Object.entries(item)) n += Buffer.byteLength(name) + valueSize(v);
  return n;
}
function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^[-0.]+|\.|e.*$/gi, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (v.L) return 3 + v.L.reduce((n, x) => n + 1 + valueSize(x), 0);
  if (v.M) return 3 + Object.keys(v.M).length + itemSize(v.M);
  return 0;
}

/** Every feed-state record on the due-time index, raw (not counted). @returns item sizes, bytes */
async function stateSizes(client: DynamoDBClient): Promise<number[]> {
  const saved = phase;
  phase = null;
  const sizes: number[] = [];
  const g = TABLE_GSIS[1];
  for (let shard = 0; shard < FEED_DUE_SHARDS; shard++) {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await client.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: g.indexName,
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': g.partitionKey },
          ExpressionAttributeValues: { ':p': { S: `${GSI_PARTITIONS.feedsDue}${shard}` } },
          ExclusiveStartKey: start,
        }),
      );
      for (const it of out.Items ?? []) sizes.push(itemSize(it));
      start = out.LastEvaluatedKey;
    } while (start);
  }
  phase = saved;
  return sizes;
}

/**
 * Write units a PutItem of a feed state costs on the due-time index (Developer Guide, "Using Global Secondary
 * Indexes", writes to a GSI; 1 KB units; projection ALL, so the index entry is the whole item): a new entry is one
 * write, a changed sort key two (delete the old entry, put the new one), an unchanged key one (the projected
 * attributes). A poll always moves its feed's entry: the sort key is `<nextPollAt>#<feedId>`. dynalite reports
 * the table's units only.
 * @param before the record's index sort key before the put (null/undefined: not on the index)
 */
function gsiWriteUnits(sizeBytes: number, before: string | null | undefined, after: string): number {
  const u = Math.max(1, Math.ceil(sizeBytes / 1024));
  return before == null || before === after ? u : 2 * u;
}

// ------------------------------------------------------------------------------------------------ servers

interface Servers {
  child: ChildProcess;
  dynamo: string;
  publisherPort: number;
  sqsPort: number;
  call(msg: Record<string, unknown>): Promise<Record<string, unknown>>;
}

async function startServers(feeds: number): Promise<Servers> {
  const child = fork(fileURLToPath(new URL('./scale-servers.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SCALE_FEEDS: String(feeds) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Record<string, unknown>));
    child.once('exit', (code) => reject(new Error(`scale-servers exited ${code} before it was ready`)));
  });
  let queue = Promise.resolve() as Promise<unknown>;
  const call = (msg: Record<string, unknown>) => {
    const p = queue.then(
      () =>
        new Promise<Record<string, unknown>>((resolve) => {
          child.once('message', (m) => resolve(m as Record<string, unknown>));
          child.send(msg);
        }),
    );
    queue = p;
    return p;
  };
  return {
    child,
    dynamo: String(ready.dynamo),
    publisherPort: Number(ready.publisherPort),
    sqsPort: Number(ready.sqsPort),
    call,
  };
}

// ------------------------------------------------------------------------------------------------ the run

interface SelectResult {
  label: string;
  configured: number;
  due: number;
  wallMs: number;
  cpuMs: number;
  requests: Record<string, number>;
  /** Items read by the due-time Query (state records), by key (BatchGet), and the marker GetItem. */
  items: Record<string, number>;
  batchKeys: number;
  rru: number;
  rruPerDueFeed: number;
  enqueue: { wallMs: number; cpuMs: number; sqsRequests: number; messageBytes: number };
  poll?: PollResult;
  heapMB: number;
  rssMB: number;
}

/** DynamoDB work of a set of polls, per poll: requests by operation, read and write units. */
interface PerPoll {
  polls: number;
  requests: Record<string, number>;
  rru: number;
  /** Table write units (as dynalite reports them). */
  tableWru: number;
  /** Due-time index write units (`gsiWriteUnits`). */
  indexWru: number;
}

function perPoll(ops: Ops, polls: number): PerPoll {
  const d = Math.max(1, polls);
  let rru = 0;
  for (const [op, u] of Object.entries(ops.units)) if (op !== 'PutItem') rru += u;
  return {
    polls,
    requests: Object.fromEntries(Object.entries(ops.requests).map(([op, c]) => [op, c / d])),
    rru: rru / d,
    tableWru: (ops.units.PutItem ?? 0) / d,
    indexWru: ops.gsiWru / d,
  };
}

interface PollResult extends PerPoll {
  wallMs: number;
  cpuMs: number;
  cpuPerPollMs: number;
  /** Outcomes: `304`, `200` (fetched and parsed), failed. */
  outcomes: { notModified: number; ok: number; failed: number };
  logBytesPerPoll: number;
  logLinesPerPoll: number;
}

/** One Lambda-like invocation context for the Powertools logger (what every line carries in AWS). */
function lambdaContext(memoryMB: number, fn: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${fn}`,
    memoryLimitInMB: String(memoryMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn}`,
    logStreamName: '2026/12/01/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Outcome of one poll from the pipeline metrics it counted. */
function outcomeOf(m: Record<string, number>): string {
  if (m.feedsNotModified) return '304';
  if (m.feedsFailed) return 'failed';
  if (m.feedsOk) return (m.entriesNew ?? 0) > 0 ? '200 new entries' : '200 nothing new';
  return 'skipped';
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version, loadavg: loadavg() },
    sizes: [] as unknown[],
  };
  say(`scale bench: sizes ${SIZES.join(', ')}; ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1))}`);
  process.env._X_AMZN_TRACE_ID ??= 'Root=1-674c5e00-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1';
  const ptLogger = new PowertoolsLogger({ serviceName: 'wirewatch', logLevel: 'INFO' });
  const ptMetrics = new Metrics({ namespace: 'Wirewatch', serviceName: 'wirewatch' });
  const sizes = out.sizes as unknown[];

  for (const n of SIZES) {
    say(`\n=== ${n.toLocaleString('en-US')} feeds`);
    const servers = await startServers(n);
    const client = new DynamoDBClient({
      endpoint: servers.dynamo,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 5,
    });
    instrument(client);
    const sqs = new SQSClient({
      endpoint: `http://127.0.0.1:${servers.sqsPort}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const feedQueue = sqsQueue<FeedMessage>(sqs, `http://127.0.0.1:${servers.sqsPort}/123456789012/wirewatch-feeds`);

    let baseMs = T0;
    const clock = () => new Date(baseMs);
    const metrics: MetricsPort = {
      count(name, value = 1) {
        bump(phaseMetrics, name, value);
        ptMetrics.addMetric(name, MetricUnit.Count, value);
      },
    };
    const feedsDoc = Array.from({ length: n }, (_, i) => ({
      url: `http://127.0.0.1:${servers.publisherPort}${feedPath(i)}`,
      name: `Example Wire – Section ${i}`,
    }));
    const makeConfig = (feeds: typeof feedsDoc): Promise<Config> =>
      resolveConfig({
        feeds,
        http: {
          allowHosts: [`127.0.0.1:${servers.publisherPort}`],
          contactUrl: 'https://example.org/wirewatch-scale-bench',
          // Every feed is on this one host here; in production they are on many hosts.
          hostGapMs: 0,
        },
      });
    const config = await makeConfig(feedsDoc);
    const indexOf = new Map(config.feeds.map((f, i) => [f.id, i] as const));
    const contextFor = (cfg: Config): PipelineContext =>
      createPipelineContext({
        config: cfg,
        dynamo: client,
        tableName: TABLE,
        logger: powertoolsLogger(ptLogger),
        metrics,
        now: clock,
      });
    const ctx = contextFor(config);
    const store = ctx.store as Store;
    await store.ensureTable();

    /**
     * Polls like the stack's event source mapping: LANES invocations at a time, BATCH_SIZE records each, in parallel,
     * one EMF flush per invocation. The clock stands at `at` for every poll of the call.
     */
    async function pollAll(pctx: PipelineContext, messages: FeedMessage[], at: number): Promise<PollResult> {
      baseMs = at;
      let next = 0;
      const log0 = { ...sink };
      const ops = newOps();
      phase = ops;
      phaseMetrics = {};
      const lane = async () => {
        while (next < messages.length) {
          const batch = messages.slice(next, next + BATCH_SIZE);
          next += batch.length;
          ptLogger.addContext(lambdaContext(512, 'wirewatch-PollFeed'));
          await Promise.all(batch.map((msg) => pollFeedStage(pctx, msg)));
          if (ptMetrics.hasStoredMetrics()) ptMetrics.publishStoredMetrics();
        }
      };
      const m = await measure(() => Promise.all(Array.from({ length: LANES }, lane)));
      phase = null;
      const pm = phaseMetrics;
      const d = Math.max(1, messages.length);
      return {
        ...perPoll(ops, messages.length),
        wallMs: m.wallMs,
        cpuMs: m.cpuMs,
        cpuPerPollMs: m.cpuMs / d,
        outcomes: {
          notModified: pm.feedsNotModified ?? 0,
          ok: pm.feedsOk ?? 0,
          failed: pm.feedsFailed ?? 0,
        },
        logBytesPerPoll: (sink.bytes - log0.bytes) / d,
        logLinesPerPoll: (sink.lines - log0.lines) / d,
      };
    }

    /** Merges the results of polls run in groups (different clock offsets) into one. */
    function merge(parts: PollResult[]): PollResult {
      const polls = parts.reduce((n, p) => n + p.polls, 0);
      const w = (f: (p: PollResult) => number) => parts.reduce((n, p) => n + f(p) * p.polls, 0) / Math.max(1, polls);
      const requests: Record<string, number> = {};
      for (const p of parts)
        for (const [op, c] of Object.entries(p.requests)) bump(requests, op, (c * p.polls) / polls);
      const cpuMs = parts.reduce((n, p) => n + p.cpuMs, 0);
      return {
        polls,
        requests,
        rru: w((p) => p.rru),
        tableWru: w((p) => p.tableWru),
        indexWru: w((p) => p.indexWru),
        wallMs: parts.reduce((n, p) => n + p.wallMs, 0),
        cpuMs,
        cpuPerPollMs: cpuMs / Math.max(1, polls),
        outcomes: {
          notModified: parts.reduce((n, p) => n + p.outcomes.notModified, 0),
          ok: parts.reduce((n, p) => n + p.outcomes.ok, 0),
          failed: parts.reduce((n, p) => n + p.outcomes.failed, 0),
        },
        logBytesPerPoll: w((p) => p.logBytesPerPoll),
        logLinesPerPoll: w((p) => p.logLinesPerPoll),
      };
    }

    /** One scheduler tick at `at` (+ its enqueue, + optionally the polls of the selected feeds). */
    async function tick(
      label: string,
      tctx: PipelineContext,
      at: number,
      opts: { tick?: number; poll?: Array<{ share: (feedId: string) => boolean; offsetMs: number }> } = {},
    ): Promise<{ result: SelectResult; messages: FeedMessage[] }> {
      baseMs = at;
      if (opts.tick !== undefined) await servers.call({ op: 'tick', tick: opts.tick });
      gc!();
      const ops = newOps();
      const before = { ...(tctx.store as Store).table.counters };
      phase = ops;
      const sel = await measure(() => selectDueFeeds(tctx));
      phase = null;
      checkCounters(label, ops, before, (tctx.store as Store).table.counters);
      const messages = sel.value;
      const due = messages.filter((m) => m.feedId !== undefined).length;
      const s0 = (await servers.call({ op: 'stats' })).stats as Record<string, number>;
      const enq = await measure(() => feedQueue.send(messages));
      const s1 = (await servers.call({ op: 'stats' })).stats as Record<string, number>;
      const rru = Object.values(ops.units).reduce((a, b) => a + b, 0);
      const result: SelectResult = {
        label,
        configured: tctx.config.feeds.length,
        due,
        wallMs: sel.wallMs,
        cpuMs: sel.cpuMs,
        requests: ops.requests,
        items: ops.items,
        batchKeys: ops.keys,
        rru,
        rruPerDueFeed: rru / Math.max(1, due),
        enqueue: {
          wallMs: enq.wallMs,
          cpuMs: enq.cpuMs,
          sqsRequests: s1.sqsRequests! - s0.sqsRequests!,
          messageBytes: (s1.sqsBytes! - s0.sqsBytes!) / Math.max(1, messages.length),
        },
        heapMB: 0,
        rssMB: 0,
      };
      if (opts.poll) {
        const feedMessages = messages.filter((m) => m.feedId !== undefined);
        const parts: PollResult[] = [];
        for (const g of opts.poll) {
          parts.push(
            await pollAll(
              tctx,
              feedMessages.filter((m) => g.share(m.feedId!)),
              at + g.offsetMs,
            ),
          );
        }
        result.poll = merge(parts);
        baseMs = at;
      }
      gc!();
      const mem = process.memoryUsage();
      result.heapMB = mem.heapUsed / 2 ** 20;
      result.rssMB = mem.rss / 2 ** 20;
      say(
        `${label.padEnd(34)} due ${String(due).padStart(6)}  select ${sel.wallMs.toFixed(0).padStart(5)} ms wall ` +
          `${sel.cpuMs.toFixed(0).padStart(5)} ms CPU  ${JSON.stringify(ops.requests)} RRU ${rru}` +
          (result.poll
            ? `  | ${result.poll.polls} polls ${(result.poll.wallMs / 1000).toFixed(1)} s, ` +
              `${result.poll.cpuPerPollMs.toFixed(2)} ms CPU/poll`
            : '') +
          `  heap ${result.heapMB.toFixed(0)} MB`,
      );
      return { result, messages };
    }

    const ticks: SelectResult[] = [];
    const all = (offsetMs: number) => [{ share: () => true, offsetMs }];
    // 1. First tick: no marker yet.
    const first = await tick('first tick (catalog pass)', ctx, T0, { tick: 0, poll: all(0) });
    ticks.push(first.result);
    const catalogMsg = first.messages.find((m) => m.catalog !== undefined)!;
    const catOps = newOps();
    phase = catOps;
    const cat = await measure(() => pollFeedStage(ctx, catalogMsg));
    phase = null;

    // 2. (a) every feed due: all were polled exactly at T0. 10% are polled at the tick time, 90% four minutes later
    // (more than the half-tick tolerance of isDue), so that (b) finds 10% due.
    const tenth = (id: string) => (indexOf.get(id) ?? 0) % 10 === 0;
    const a = await tick('steady (a): every feed due', ctx, T0 + TICK_MS, {
      tick: 1,
      poll: [
        { share: tenth, offsetMs: 0 },
        { share: (id) => !tenth(id), offsetMs: 4 * 60_000 },
      ],
    });
    ticks.push(a.result);
    const sizes2 = await stateSizes(client);
    // GET /feeds answers every feed in one body (shared/api: feedHealth over listFeedStates).
    const feedsBody = await measure(async () =>
      Buffer.byteLength(JSON.stringify({ feeds: feedHealth(await store.listFeedStates(), config.feeds) })),
    );
    say(`GET /feeds body: ${feedsBody.value} bytes, ${feedsBody.cpuMs.toFixed(0)} ms CPU`);
    // 3. (b) 10% due; polled 1 s after the tick (a poll always runs after its tick).
    const b = await tick('steady (b): 10% due', ctx, T0 + 2 * TICK_MS, { tick: 2, poll: all(1_000) });
    ticks.push(b.result);
    // 4. Drift: 5 minutes after (b), the feeds polled 1 s after (b)'s tick are due again (isDue's tolerance; without
    // it they would wait for the tick after).
    const c = await tick('drift check: 5 min after (b)', ctx, T0 + 3 * TICK_MS, { tick: 3 });
    ticks.push(c.result);
    const polledInB = new Set(b.messages.map((m) => m.feedId).filter(Boolean));
    const dueAgain = c.messages.filter((m) => m.feedId && polledInB.has(m.feedId)).length;

    // 5. Removed feeds: the last 10% leave the configuration. One catalog pass, then a steady tick.
    const keep = Math.floor(n * 0.9);
    const smaller = contextFor(await makeConfig(feedsDoc.slice(0, keep)));
    const passMsgs = await tick('removed 10%: catalog pass', smaller, T0 + 3 * TICK_MS);
    ticks.push(passMsgs.result);
    await pollFeedStage(smaller, passMsgs.messages.find((m) => m.catalog !== undefined)!);
    const afterRemoval = await tick('removed 10%: next tick', smaller, T0 + 3 * TICK_MS);
    ticks.push(afterRemoval.result);

    // 6. Per-outcome CPU, one poll at a time (nothing else runs): 300 × 304, 100 × 200 with one new entry.
    const at = T0 + 3 * TICK_MS;
    baseMs = at;
    const sample = config.feeds.filter((_, i) => i % Math.max(1, Math.floor(n / 400)) === 0).slice(0, 400);
    const changed = sample.slice(300);
    await servers.call({ op: 'bump', feeds: changed.map((f) => indexOf.get(f.id)!) });
    const per: Record<string, number[]> = {};
    const perOps: Record<string, Ops[]> = {};
    ptLogger.addContext(lambdaContext(512, 'wirewatch-PollFeed'));
    for (const f of sample) {
      const ops = newOps();
      phase = ops;
      phaseMetrics = {};
      const m = await measure(() => pollFeedStage(ctx, { feedId: f.id, force: true }));
      phase = null;
      const k = outcomeOf(phaseMetrics);
      per[k] = [...(per[k] ?? []), m.cpuMs];
      perOps[k] = [...(perOps[k] ?? []), ops];
    }
    /** Exact DynamoDB work per outcome (one poll at a time, so nothing else is counted). */
    const perOutcomeOps = Object.fromEntries(
      Object.entries(perOps).map(([k, list]) => {
        const sum = newOps();
        for (const o of list) {
          for (const [op, c] of Object.entries(o.requests)) bump(sum.requests, op, c);
          for (const [op, u] of Object.entries(o.units)) bump(sum.units, op, u);
          sum.gsiWru += o.gsiWru;
        }
        return [k, perPoll(sum, list.length)];
      }),
    );
    const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)] ?? 0;
    const mean = (xs: number[]) => xs.reduce((p, q) => p + q, 0) / Math.max(1, xs.length);
    const perOutcomeCpu = Object.fromEntries(
      Object.entries(per).map(([k, xs]) => [k, { polls: xs.length, meanMs: mean(xs), medianMs: median(xs) }]),
    );
    say(`per outcome, one poll at a time: ${JSON.stringify({ perOutcomeCpu, perOutcomeOps })}`);

    // Memory: 5 rounds of the same 1,000 not-modified polls; heap after a full GC after each round.
    const soakFeeds = config.feeds.filter((_, i) => !changed.some((c) => c.id === config.feeds[i]!.id)).slice(0, 1000);
    const heapAfterRound: number[] = [];
    for (let round = 0; round < 5; round++) {
      await pollAll(
        ctx,
        soakFeeds.map((f) => ({ feedId: f.id, force: true })),
        at + round * TICK_MS,
      );
      gc!();
      heapAfterRound.push(process.memoryUsage().heapUsed / 2 ** 20);
    }
    say(
      `heap after each of 5 rounds of ${soakFeeds.length} polls: ${heapAfterRound.map((h) => h.toFixed(1)).join(', ')} MB`,
    );

    // Same-run baselines: the bare requests a poll and a tick cannot do without, through the same SDKs and undici.
    const baseline = await baselines(servers, config.feeds[1]!.id, config.feeds[1]!.url);
    say(`baselines: ${JSON.stringify(baseline)}`);

    // EMF metrics line of one invocation of 5 not-modified polls.
    const emf0 = sink.bytes;
    ptMetrics.addMetric('feedsPolled', MetricUnit.Count, 5);
    ptMetrics.addMetric('feedsNotModified', MetricUnit.Count, 5);
    ptMetrics.publishStoredMetrics();
    const emfBytes = sink.bytes - emf0;

    const publisher = (await servers.call({ op: 'stats' })).stats;
    sizes.push({
      n,
      ticks,
      catalogStage: {
        wallMs: cat.wallMs,
        cpuMs: cat.cpuMs,
        requests: catOps.requests,
        rru: sumUnits(catOps) - (catOps.units.PutItem ?? 0),
      },
      stateSizeBytes: { min: Math.min(...sizes2), mean: mean(sizes2), max: Math.max(...sizes2) },
      feedsBody: { bytes: feedsBody.value, cpuMs: feedsBody.cpuMs },
      drift: { polledInB: polledInB.size, dueAgainAt5Min: dueAgain, dueAt5Min: c.result.due },
      removed: {
        configured: keep,
        removed: n - keep,
        stateItemsRead: afterRemoval.result.items.Query ?? 0,
        due: afterRemoval.result.due,
      },
      perOutcomeCpu,
      perOutcomeOps,
      baseline,
      heapAfterRound,
      emfBytesPerInvocation: emfBytes,
      publisher,
    });
    await servers.call({ op: 'stop' });
    client.destroy();
    sqs.destroy();
    servers.child.kill();
  }

  out.micro = await micro();
  out.cost = costModel(sizes.at(-1) as SizeResult);
  process.stdout.write = realWrite;
  realWrite(`${report(out)}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(out, null, 2));
}

/** CPU ms of the bare requests, each the mean of `reps` sequential calls (after 20 unmeasured ones). */
interface Baseline {
  getItemMs: number;
  putItemMs: number;
  conditionalGet304Ms: number;
  sendMessageBatch10Ms: number;
  /** Every feed state on the due-time index: one plain paginated Query per shard, no decoding. */
  queryAllStatesMs: number;
  /** `sqsQueue.send` of 10,000 feed messages (1,000 SendMessageBatch calls): one call at a time, and as shipped. */
  enqueue10k: { sequential: { wallMs: number; cpuMs: number }; parallel: { wallMs: number; cpuMs: number } };
}

async function baselines(servers: Servers, feedId: string, url: string): Promise<Baseline> {
  const creds = { accessKeyId: 'local', secretAccessKey: 'local' };
  const bare = new DynamoDBClient({ endpoint: servers.dynamo, region: 'local', credentials: creds, maxAttempts: 5 });
  const sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${servers.sqsPort}`,
    region: 'us-east-1',
    credentials: creds,
  });
  const key = { pk: { S: `FEED#${feedId}` }, sk: { S: 'STATE' } };
  const item = (await bare.send(new GetItemCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item!;
  const etag = (JSON.parse(item.state!.S!) as { etag: string }).etag;
  const each = async (reps: number, fn: () => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await fn();
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) await fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / reps;
  };
  const entries = Array.from({ length: 10 }, (_, i) => ({
    Id: String(i),
    MessageBody: JSON.stringify({ feedId, correlationId: `c_${i.toString(16).padStart(16, '0')}` }),
  }));
  const queueUrl = `http://127.0.0.1:${servers.sqsPort}/123456789012/wirewatch-feeds`;
  const tenThousand = Array.from({ length: 10_000 }, (_, i) => ({
    feedId,
    correlationId: `c_${i.toString(16).padStart(16, '0')}`,
  }));
  const enqueue = async (concurrency: number) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await sqsQueue(sqs, queueUrl, { concurrency }).send(tenThousand);
    const c = process.cpuUsage(c0);
    return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
  };
  const result: Baseline = {
    enqueue10k: { sequential: await enqueue(1), parallel: await enqueue(SQS_SEND_CONCURRENCY) },
    getItemMs: await each(200, () =>
      bare.send(new GetItemCommand({ TableName: TABLE, Key: key, ConsistentRead: true })),
    ),
    putItemMs: await each(200, () => bare.send(new PutItemCommand({ TableName: TABLE, Item: item }))),
    conditionalGet304Ms: await each(200, async () => {
      const res = await undiciRequest(url, { headers: { 'if-none-match': etag } });
      await res.body.dump();
    }),
    sendMessageBatch10Ms: await each(100, () =>
      sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
    ),
    queryAllStatesMs: await each(3, async () => {
      const g = TABLE_GSIS[1];
      for (let shard = 0; shard < FEED_DUE_SHARDS; shard++) {
        let start: Record<string, AttributeValue> | undefined;
        do {
          const out = await bare.send(
            new QueryCommand({
              TableName: TABLE,
              IndexName: g.indexName,
              KeyConditionExpression: '#p = :p',
              ExpressionAttributeNames: { '#p': g.partitionKey },
              ExpressionAttributeValues: { ':p': { S: `${GSI_PARTITIONS.feedsDue}${shard}` } },
              ExclusiveStartKey: start,
            }),
          );
          start = out.LastEvaluatedKey;
        } while (start);
      }
    }),
  };
  bare.destroy();
  sqs.destroy();
  return result;
}

const sumUnits = (o: Ops) => Object.values(o.units).reduce((a, b) => a + b, 0);

interface SizeResult {
  n: number;
  ticks: SelectResult[];
  catalogStage: { wallMs: number; cpuMs: number; requests: Record<string, number>; rru: number };
  stateSizeBytes: { min: number; mean: number; max: number };
  feedsBody: { bytes: number; cpuMs: number };
  drift: { polledInB: number; dueAgainAt5Min: number; dueAt5Min: number };
  removed: { configured: number; removed: number; stateItemsRead: number; due: number };
  perOutcomeCpu: Record<string, { polls: number; meanMs: number; medianMs: number }>;
  perOutcomeOps: Record<string, PerPoll>;
  baseline: Baseline;
  heapAfterRound: number[];
  emfBytesPerInvocation: number;
}

// ------------------------------------------------------------------------------------------------ micro-measures

/**
 * Parts of a tick whose cost grows with all configured feeds, and the HTTP chokepoint's host map:
 * - `catalogHash` of every configured feed id (sorted, hashed) runs on every tick, whatever is due;
 * - HostGate forgets idle hosts by iterating its whole map, on every request once it holds > 10,000 hosts.
 */
async function micro(): Promise<{ catalogHashCpuMs: Record<string, number>; gate: number[] }> {
  const ids = (k: number) =>
    Array.from({ length: k }, (_, i) => `f_${(i * 2654435761).toString(16).padStart(12, '0')}`);
  const catalog: Record<string, number> = {};
  for (const k of [1_000, 5_000, 10_000]) {
    const list = ids(k);
    catalogHash(list);
    const c0 = process.cpuUsage();
    for (let r = 0; r < 20; r++) catalogHash(list);
    const c = process.cpuUsage(c0);
    catalog[String(k)] = (c.user + c.system) / 1000 / 20;
  }
  const gateCost = async (hosts: number) => {
    const gate = new HostGate();
    for (let h = 0; h < hosts; h++) await gate.run(`h${h}.example`, 0, async () => undefined);
    const c0 = process.cpuUsage();
    for (let r = 0; r < 2_000; r++) await gate.run(`h${r % 100}.example`, 0, async () => undefined);
    const c = process.cpuUsage(c0);
    return ((c.user + c.system) / 2_000) as number; // µs per request
  };
  return { catalogHashCpuMs: catalog, gate: [await gateCost(100), await gateCost(10_001)] };
}

// ------------------------------------------------------------------------------------------------ cost model

/**
 * Prices (USD, us-east-1, as listed on the AWS pricing pages; check them before relying on the total):
 * - DynamoDB on-demand (aws.amazon.com/dynamodb/pricing/on-demand/): $0.625 per million write request units,
 *   $0.125 per million read request units; storage $0.25 per GB-month.
 * - Lambda (aws.amazon.com/lambda/pricing/), Arm: $0.0000133334 per GB-second (first 7.5 billion GB-s),
 *   $0.20 per million requests.
 * - SQS standard queue (aws.amazon.com/sqs/pricing/): $0.40 per million requests (each 64 KB chunk of a request
 *   is one request; a SendMessageBatch of 10 small messages is one).
 * - CloudWatch Logs (aws.amazon.com/cloudwatch/pricing/): $0.50 per GB ingested (standard class).
 * - X-Ray (aws.amazon.com/xray/pricing/): $5.00 per million traces recorded, first 100,000 free.
 */
const PRICE = {
  wru: 0.625 / 1e6,
  rru: 0.125 / 1e6,
  lambdaGbS: 0.0000133334,
  lambdaReq: 0.2 / 1e6,
  sqsReq: 0.4 / 1e6,
  logsGb: 0.5 / 1e9,
  xrayTrace: 5 / 1e6,
};
/** Assumptions of the Lambda duration model (not measured here). */
const ASSUME = {
  /** Wall time of one conditional GET to a publisher over HTTPS (DNS, TCP, TLS, one round trip), ms. */
  httpWaitMs: 150,
  /** DynamoDB GetItem / PutItem round trip inside the region, ms each. */
  dynamoWaitMs: 5,
  /** SendMessageBatch round trip, ms. */
  sqsWaitMs: 10,
  /** Lambda gives 1 vCPU at 1,769 MB and CPU in proportion to memory (Lambda developer guide, "memory"). */
  mbPerVcpu: 1769,
  /** A Graviton core is taken as fast as one core of this machine (arm64 vs x86_64 not measured). */
  cpuSpeedFactor: 1,
  /** Share of polls that answer 200 with a new entry (the rest 304), as the benchmark's publisher does. */
  changedShare: 0.05,
  /** X-Ray default sampling rule: the first request each second, then 5% (X-Ray developer guide). */
  xrayReservoirPerS: 1,
  xrayRate: 0.05,
};

/** The monthly extrapolation: quantities and USD per service. */
interface CostResult {
  feeds: number;
  ticksPerMonth: number;
  pollsPerMonth: number;
  cpuPerPollMs: number;
  dynamo: { schedulerRru: number; pollRru: number; pollWru: number; indexShareOfWru: number; usd: number };
  lambda: {
    pollInvocations: number;
    pollDurationMs: number;
    pollGbS: number;
    scheduleDurationMs: number;
    scheduleParts: { selectCpuMs: number; enqueueCpuMs: number; waitsMs: number };
    scheduleGbS: number;
    /** poll-feed USD with the CPU part of the duration halved / doubled (this machine's CPU time is load-sensitive). */
    pollUsdHalfCpu: number;
    pollUsdDoubleCpu: number;
    neededPollsPerS: number;
    /** What LANES × BATCH_SIZE records in flight can poll per second at the modelled duration. */
    maxPollsPerS: number;
    /** The longest mean invocation that still polls every feed once per tick. */
    maxMeanInvocationMs: number;
    usd: number;
  };
  sqs: { sends: number; receives: number; deletes: number; articleSends: number; usd: number };
  logs: { gb: number; usd: number };
  xray: { traces: number; usd: number };
  totalUsd: number;
  prices: typeof PRICE;
  assumptions: typeof ASSUME;
}

function costModel(r: SizeResult): CostResult {
  const n = r.n;
  const ticksPerMonth = 30 * 24 * 12;
  const polls = n * ticksPerMonth;
  const seconds = 30 * 86_400;
  const a = r.ticks[1]!;
  const pollA = a.poll!;
  const o304 = r.perOutcomeOps['304']!;
  const oNew = r.perOutcomeOps['200 new entries'] ?? o304;
  const share = ASSUME.changedShare;
  const mix = (f: (o: PerPoll) => number) => (1 - share) * f(o304) + share * f(oNew);
  // DynamoDB
  const schedRru = a.rru * ticksPerMonth;
  const pollRru = polls * mix((o) => o.rru);
  const pollWru = polls * mix((o) => o.tableWru + o.indexWru);
  const indexWru = polls * mix((o) => o.indexWru);
  const storageGb = (n * r.stateSizeBytes.mean * 2) / 1e9; // table + index copy
  const dynamo = {
    schedulerRru: schedRru,
    pollRru,
    pollWru,
    indexShareOfWru: indexWru / pollWru,
    usd: (schedRru + pollRru) * PRICE.rru + pollWru * PRICE.wru + storageGb * 0.25,
  };
  // Lambda poll-feed: 512 MB, BATCH_SIZE records per invocation in parallel. CPU per poll: tick (a), whose mix
  // of 304 and 200 is the publisher's (≈ 95% / 5%), polled concurrently as in Lambda (GC included).
  const cpuPerPoll = pollA.cpuPerPollMs;
  const stretch = (mb: number) => (ASSUME.mbPerVcpu / mb) * ASSUME.cpuSpeedFactor;
  const pollInvocations = polls / BATCH_SIZE;
  const pollDurationMs =
    ASSUME.httpWaitMs +
    2 * ASSUME.dynamoWaitMs +
    share * BATCH_SIZE * ASSUME.sqsWaitMs +
    BATCH_SIZE * cpuPerPoll * stretch(512);
  const pollGbS = pollInvocations * 0.5 * (pollDurationMs / 1000);
  const cpuPartMs = BATCH_SIZE * cpuPerPoll * stretch(512);
  const pollUsdAt = (cpuFactor: number) =>
    pollInvocations * 0.5 * ((pollDurationMs - cpuPartMs + cpuPartMs * cpuFactor) / 1000) * PRICE.lambdaGbS +
    pollInvocations * PRICE.lambdaReq;
  // Throughput of the feed queue mapping: LANES concurrent invocations of BATCH_SIZE records.
  const neededPerS = n / (TICK_MS / 1000);
  const maxPerS = (LANES * BATCH_SIZE) / (pollDurationMs / 1000);
  // schedule-feeds: 256 MB; select (measured CPU, stretched) + its Query pages + n/10 SendMessageBatch calls,
  // SQS_SEND_CONCURRENCY in flight at a time (functions/lib/aws.ts sqsQueue).
  const pages = (a.requests.Query ?? 0) + (a.requests.GetItem ?? 0);
  const schedParts = {
    selectCpuMs: a.cpuMs * stretch(256),
    enqueueCpuMs: a.enqueue.cpuMs * stretch(256),
    waitsMs: pages * ASSUME.dynamoWaitMs + Math.ceil(a.enqueue.sqsRequests / SQS_SEND_CONCURRENCY) * ASSUME.sqsWaitMs,
  };
  const schedDurationMs = schedParts.selectCpuMs + schedParts.enqueueCpuMs + schedParts.waitsMs;
  const schedGbS = ticksPerMonth * 0.25 * (schedDurationMs / 1000);
  const lambda = {
    pollInvocations,
    pollDurationMs,
    pollGbS,
    scheduleDurationMs: schedDurationMs,
    scheduleParts: schedParts,
    scheduleGbS: schedGbS,
    pollUsdHalfCpu: pollUsdAt(0.5),
    pollUsdDoubleCpu: pollUsdAt(2),
    neededPollsPerS: neededPerS,
    maxPollsPerS: maxPerS,
    maxMeanInvocationMs: ((LANES * BATCH_SIZE) / neededPerS) * 1000,
    usd: (pollGbS + schedGbS) * PRICE.lambdaGbS + (pollInvocations + ticksPerMonth) * PRICE.lambdaReq,
  };
  // SQS: feed queue sends (measured per tick), receives and deletes by the event source mapping (one each per
  // batch of BATCH_SIZE), article-queue sends (one SendMessageBatch per poll with new entries).
  const sends = a.enqueue.sqsRequests * ticksPerMonth;
  const receives = pollInvocations;
  const deletes = pollInvocations;
  const articleSends = polls * share;
  const sqsReqs = sends + receives + deletes + articleSends;
  const sqsCost = { sends, receives, deletes, articleSends, usd: sqsReqs * PRICE.sqsReq };
  // CloudWatch Logs: the measured log bytes per poll + one EMF line per invocation.
  const logBytes = polls * pollA.logBytesPerPoll + pollInvocations * r.emfBytesPerInvocation;
  const logs = { gb: logBytes / 1e9, usd: logBytes * PRICE.logsGb };
  // X-Ray (tracing ACTIVE on every function)
  const perS = pollInvocations / seconds;
  const traces =
    seconds * (Math.min(perS, ASSUME.xrayReservoirPerS) + ASSUME.xrayRate * Math.max(0, perS - 1)) + ticksPerMonth;
  const xray = { traces, usd: Math.max(0, traces - 100_000) * PRICE.xrayTrace };
  const total = dynamo.usd + lambda.usd + sqsCost.usd + logs.usd + xray.usd;
  return {
    feeds: n,
    ticksPerMonth,
    pollsPerMonth: polls,
    cpuPerPollMs: cpuPerPoll,
    dynamo,
    lambda,
    sqs: sqsCost,
    logs,
    xray,
    totalUsd: total,
    prices: PRICE,
    assumptions: ASSUME,
  };
}

// ------------------------------------------------------------------------------------------------ report

const f0 = (x: number) => Math.round(x).toLocaleString('en-US');
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const usd = (x: number) => `$${x.toFixed(2)}`;

function report(out: Record<string, unknown>): string {
  const lines: string[] = [];
  const sizes = out.sizes as SizeResult[];
  lines.push('### Scheduler ticks', '');
  lines.push(
    '| feeds | tick | due | select wall ms | select CPU ms | Query pages | GetItem | BatchGetItem (keys) | state items read | RRU | RRU / due feed | enqueue: SendMessageBatch, CPU ms | heap MB |',
  );
  lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of sizes) {
    for (const t of s.ticks) {
      lines.push(
        `| ${f0(s.n)} | ${t.label} | ${f0(t.due)} | ${f0(t.wallMs)} | ${f0(t.cpuMs)} | ${t.requests.Query ?? 0} | ${t.requests.GetItem ?? 0} | ` +
          `${t.requests.BatchGetItem ?? 0} (${f0(t.batchKeys)}) | ${f0((t.items.Query ?? 0) + (t.items.BatchGetItem ?? 0))} | ${f1(t.rru)} | ` +
          `${f2(t.rruPerDueFeed)} | ${t.enqueue.sqsRequests}, ${f0(t.enqueue.cpuMs)} | ${f0(t.heapMB)} |`,
      );
    }
  }
  lines.push('', '### Polls (5 invocations × 5 records in parallel, as the stack maps the feed queue)', '');
  lines.push(
    '| feeds | tick | polls | 304 / 200 | wall s | CPU ms / poll | DynamoDB requests / poll | RRU / poll | WRU / poll (table + index) | log bytes / poll |',
  );
  lines.push('| ---: | --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: |');
  const reqs = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([op, c]) => `${f2(c)} ${op}`)
      .join(' + ');
  for (const s of sizes) {
    for (const t of s.ticks) {
      const p = t.poll;
      if (!p) continue;
      lines.push(
        `| ${f0(s.n)} | ${t.label} | ${f0(p.polls)} | ${f0(p.outcomes.notModified)} / ${f0(p.outcomes.ok)} | ${f1(p.wallMs / 1000)} | ` +
          `${f2(p.cpuPerPollMs)} | ${reqs(p.requests)} | ${f2(p.rru)} | ${f2(p.tableWru)} + ${f2(p.indexWru)} | ${f0(p.logBytesPerPoll)} |`,
      );
    }
  }
  lines.push('', '### One poll at a time, by outcome', '');
  lines.push(
    '| feeds | outcome | polls | CPU ms median (mean) | DynamoDB requests / poll | RRU / poll | WRU / poll (table + index) |',
  );
  lines.push('| ---: | --- | ---: | ---: | --- | ---: | ---: |');
  for (const s of sizes) {
    for (const [k, o] of Object.entries(s.perOutcomeOps)) {
      const c = s.perOutcomeCpu[k]!;
      lines.push(
        `| ${f0(s.n)} | ${k} | ${o.polls} | ${f2(c.medianMs)} (${f2(c.meanMs)}) | ${reqs(o.requests)} | ${f2(o.rru)} | ${f2(o.tableWru)} + ${f2(o.indexWru)} |`,
      );
    }
  }
  lines.push('', '### Per feed count', '');
  lines.push(
    '| feeds | state item bytes (min / mean / max) | catalog message: CPU ms, requests | drift: polled 1 s after (b), due 5 min later | removed 10%: state items read / due configured | heap MB after 5 × 1,000 polls | GET /feeds body |',
  );
  lines.push('| ---: | --- | --- | --- | --- | --- | ---: |');
  for (const s of sizes) {
    lines.push(
      `| ${f0(s.n)} | ${s.stateSizeBytes.min} / ${f0(s.stateSizeBytes.mean)} / ${s.stateSizeBytes.max} | ${f0(s.catalogStage.cpuMs)}, ${JSON.stringify(s.catalogStage.requests)} | ` +
        `${f0(s.drift.polledInB)} → ${f0(s.drift.dueAgainAt5Min)} due | ${f0(s.removed.stateItemsRead)} / ${f0(s.removed.due)} | ` +
        `${s.heapAfterRound.map((h) => f1(h)).join(', ')} | ${f2(s.feedsBody.bytes / 1e6)} MB |`,
    );
  }
  lines.push('', '### Against same-run baselines (CPU)', '');
  lines.push(
    '| feeds | 304 poll ÷ (bare GetItem + PutItem + conditional GET) | select (a) ÷ bare Query of every state | enqueue per SendMessageBatch ÷ bare SendMessageBatch of 10 | bare GetItem / PutItem / 304 GET / SendMessageBatch, ms |',
  );
  lines.push('| ---: | ---: | ---: | ---: | --- |');
  for (const s of sizes) {
    const b = s.baseline;
    const a = s.ticks[1]!;
    const bareParts = b.getItemMs + b.putItemMs + b.conditionalGet304Ms;
    lines.push(
      `| ${f0(s.n)} | ${f2((s.perOutcomeCpu['304']?.medianMs ?? 0) / bareParts)} (${f2(s.perOutcomeCpu['304']?.medianMs ?? 0)} ÷ ${f2(bareParts)} ms) | ` +
        `${f2(a.cpuMs / b.queryAllStatesMs)} (${f0(a.cpuMs)} ÷ ${f0(b.queryAllStatesMs)} ms) | ` +
        `${f2(a.enqueue.cpuMs / Math.max(1, a.enqueue.sqsRequests) / b.sendMessageBatch10Ms)} | ` +
        `${f2(b.getItemMs)} / ${f2(b.putItemMs)} / ${f2(b.conditionalGet304Ms)} / ${f2(b.sendMessageBatch10Ms)} |`,
    );
  }
  for (const s of sizes) {
    const e = s.baseline.enqueue10k;
    if (!e) continue;
    lines.push(
      '',
      `${f0(s.n)} feeds: enqueue of 10,000 feed messages (1,000 SendMessageBatch) one call at a time ` +
        `${f0(e.sequential.wallMs)} ms wall (${f0(e.sequential.cpuMs)} ms CPU), ${SQS_SEND_CONCURRENCY} in flight ` +
        `${f0(e.parallel.wallMs)} ms wall (${f0(e.parallel.cpuMs)} ms CPU): ${f2(e.sequential.wallMs / e.parallel.wallMs)}× faster.`,
    );
  }
  const micro = out.micro as { catalogHashCpuMs: Record<string, number>; gate: number[] };
  lines.push(
    '',
    `catalogHash (every tick, all configured ids): ${Object.entries(micro.catalogHashCpuMs)
      .map(([k, v]) => `${f0(Number(k))} ids ${f2(v)} ms`)
      .join(
        ', ',
      )}. HostGate CPU per request: ${f1(micro.gate[0]!)} µs with 100 hosts, ${f1(micro.gate[1]!)} µs with 10,001 hosts.`,
  );
  const c = out.cost as CostResult;
  const { dynamo: d, lambda: l, sqs: q, logs: lg, xray: x } = c;
  lines.push('', `### Monthly cost, ${f0(c.feeds)} feeds every 5 minutes (${f0(c.pollsPerMonth)} polls / 30 days)`, '');
  lines.push('| item | quantity / month | USD / month |', '| --- | --- | ---: |');
  lines.push(
    `| DynamoDB reads | scheduler ${f0(d.schedulerRru)} RRU + polls ${f0(d.pollRru)} RRU | ${usd((d.schedulerRru + d.pollRru) * PRICE.rru)} |`,
  );
  lines.push(
    `| DynamoDB writes | ${f0(d.pollWru)} WRU (${(d.indexShareOfWru * 100).toFixed(0)}% of them due-time index upkeep) | ${usd(d.pollWru * PRICE.wru)} |`,
  );
  lines.push(
    `| Lambda poll-feed (512 MB) | ${f0(l.pollInvocations)} invocations × ${f0(l.pollDurationMs)} ms = ${f0(l.pollGbS)} GB-s | ${usd(l.pollGbS * PRICE.lambdaGbS + l.pollInvocations * PRICE.lambdaReq)} |`,
  );
  lines.push(
    `| Lambda schedule-feeds (256 MB) | ${f0(c.ticksPerMonth)} invocations × ${f0(l.scheduleDurationMs)} ms = ${f0(l.scheduleGbS)} GB-s | ${usd(l.scheduleGbS * PRICE.lambdaGbS + c.ticksPerMonth * PRICE.lambdaReq)} |`,
  );
  lines.push(
    `| SQS | ${f0(q.sends)} feed sends + ${f0(q.receives)} receives + ${f0(q.deletes)} deletes + ${f0(q.articleSends)} article sends | ${usd(q.usd)} |`,
  );
  lines.push(`| CloudWatch Logs ingestion | ${f1(lg.gb)} GB | ${usd(lg.usd)} |`);
  lines.push(`| X-Ray traces | ${f0(x.traces)} | ${usd(x.usd)} |`);
  lines.push(`| **total** | | **${usd(c.totalUsd)}** |`);
  lines.push(
    '',
    `- poll-feed duration model: ${ASSUME.httpWaitMs} ms conditional GET + 2 × ${ASSUME.dynamoWaitMs} ms DynamoDB + ` +
      `${BATCH_SIZE} × ${f2(c.cpuPerPollMs)} ms CPU × ${f2(ASSUME.mbPerVcpu / 512)} (512 MB = ${f2(512 / ASSUME.mbPerVcpu)} vCPU) ` +
      `= ${f0(l.pollDurationMs)} ms per invocation of ${BATCH_SIZE} records; with the CPU part halved / doubled poll-feed costs ` +
      `${usd(l.pollUsdHalfCpu)} / ${usd(l.pollUsdDoubleCpu)}.`,
    `- feed queue throughput at pollConcurrency ${LANES} × batch ${BATCH_SIZE}: ${f0(l.maxPollsPerS)} polls/s at that duration, ` +
      `${f1(l.neededPollsPerS)} needed; the mean invocation must stay under ${f0(l.maxMeanInvocationMs)} ms.`,
    `- schedule-feeds at 256 MB (${f2(256 / ASSUME.mbPerVcpu)} vCPU): select ${f0(l.scheduleParts.selectCpuMs)} ms + ` +
      `enqueue ${f0(l.scheduleParts.enqueueCpuMs)} ms CPU + ${f0(l.scheduleParts.waitsMs)} ms of round trips ` +
      `(${ASSUME.sqsWaitMs} ms per SendMessageBatch, ${SQS_SEND_CONCURRENCY} in flight) = ${f0(l.scheduleDurationMs)} ms of its 60 s timeout.`,
  );
  return lines.join('\n');
}

const started = performance.now();
const resultPromise = main();
await resultPromise.catch((err) => {
  process.stdout.write = realWrite;
  console.error(err);
  process.exitCode = 1;
});
say(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
