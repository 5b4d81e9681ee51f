/**
 * The servers of `bench/scale.ts`, in a child process of their own so that the benchmark process's CPU time
 * (`process.cpuUsage`) is the pipeline's alone — as in Lambda, where DynamoDB, the publishers and SQS are remote:
 * - an in-memory dynalite (`startEmbeddedStore({memory: true})`),
 * - a publisher on 127.0.0.1 serving `feeds` distinct RSS 2.0 feeds at `/news/section-<i>/rss.xml`, each with a
 *   strong ETag and Last-Modified, answering `304 Not Modified` to a matching If-None-Match (RFC 9110 §13.1.2,
 *   §15.4.5). A feed gains one entry (20 entries kept, newest first) in each tick where `changedAt(i, tick)` holds:
 *   about 5% of the feeds per tick, a different pseudo-random 5% each tick,
 * - a minimal SQS endpoint (AWS JSON 1.0 protocol, `AmazonSQS.SendMessageBatch` only, with the MD5 of each body
 *   that the SDK checks) so the scheduler's enqueue cost can be measured with the real SQS client.
 *
 * Driven over the IPC channel: `{op: 'tick', tick}` sets the publisher's tick, `{op: 'bump', feeds}` gives those
 * feeds one extra entry now, `{op: 'stats'}` returns request counters, `{op: 'stop'}` closes everything. Started
 * with `{op: 'ready', dynamo, publisherPort, sqsPort}` once listening.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmbeddedStore } from '../local/embedded-store.ts';

/** Entries per feed document. */
export const ENTRIES_PER_FEED = 20;
/** Share of feeds that gain an entry in a tick. */
export const CHANGE_RATE = 0.05;

/** Deterministic uniform [0,1) from two integers (a 32-bit integer hash; the same run gives the same feeds). */
function unit(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** True when feed `i` gains one entry in tick `tick` (ticks ≥ 1; tick 0 is every feed's first document). */
export function changedAt(i: number, tick: number): boolean {
  return tick > 0 && unit(i, tick) < CHANGE_RATE;
}

/** The path of feed `i` on the publisher. */
export function feedPath(i: number): string {
  return `/news/section-${i}/rss.xml`;
}

const T0 = Date.UTC(2026, 11, 1, 0, 0, 0);

function rssDocument(i: number, version: number): string {
  const items: string[] = [];
  for (let k = ENTRIES_PER_FEED - 1; k >= 0; k--) {
    const e = version + k;
    const when = new Date(T0 + e * 3_600_000).toUTCString();
    items.push(
      `<item><title>Section ${i} report ${e}: talks continue on trade and energy</title>` +
        `<link>https://wire.example/news/section-${i}/story-${e}.html</link>` +
        `<guid isPermaLink="false">urn:wire.example:${i}:${e}</guid><pubDate>${when}</pubDate>` +
        `<description>${`Officials from both sides met on day ${e} to discuss the agreement, the pipeline and `.repeat(3)}` +
        `what comes next.</description></item>`,
    );
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Example Wire – Section ${i}</title>` +
    `<link>https://wire.example/news/section-${i}/</link><description>Section ${i}</description>` +
    `<lastBuildDate>${new Date(T0 + (version + ENTRIES_PER_FEED) * 3_600_000).toUTCString()}</lastBuildDate>` +
    `${items.join('')}</channel></rss>\n`
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

async function main(): Promise<void> {
  const feeds = Number(process.env.SCALE_FEEDS ?? 1000);
  let tick = 0;
  /** Entries gained per feed so far (the document's version). */
  const version = new Int32Array(feeds);
  const stats = { ok: 0, notModified: 0, notFound: 0, bytesOut: 0, sqsRequests: 0, sqsMessages: 0, sqsBytes: 0 };
  const cache = new Map<number, { version: number; body: Buffer }>();

  const publisher = createServer((req, res) => {
    const m = /^\/news\/section-(\d+)\/rss\.xml$/.exec(req.url ?? '');
    const i = m ? Number(m[1]) : -1;
    if (i < 0 || i >= feeds) {
      stats.notFound++;
      res.writeHead(404).end();
      return;
    }
    const v = version[i]!;
    const etag = `"s${i.toString(36)}-v${v}"`;
    const lastModified = new Date(T0 + v * 3_600_000).toUTCString();
    if (req.headers['if-none-match'] === etag) {
      stats.notModified++;
      res.writeHead(304, { etag, 'last-modified': lastModified, 'cache-control': 'max-age=60' }).end();
      return;
    }
    let doc = cache.get(i);
    if (!doc || doc.version !== v) {
      doc = { version: v, body: Buffer.from(rssDocument(i, v), 'utf8') };
      cache.set(i, doc);
    }
    stats.ok++;
    stats.bytesOut += doc.body.length;
    res
      .writeHead(200, {
        'content-type': 'application/rss+xml; charset=utf-8',
        'content-length': doc.body.length,
        etag,
        'last-modified': lastModified,
        'cache-control': 'max-age=60',
      })
      .end(doc.body);
  });

  // AWS JSON 1.0 protocol of SQS (Amazon SQS API reference, SendMessageBatch): the SDK checks each MD5OfMessageBody.
  const sqs = createServer(async (req, res) => {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target !== 'AmazonSQS.SendMessageBatch') {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#UnsupportedOperation', message: target }));
      return;
    }
    const input = JSON.parse(body) as { Entries: Array<{ Id: string; MessageBody: string }> };
    stats.sqsRequests++;
    stats.sqsMessages += input.Entries.length;
    stats.sqsBytes += input.Entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody), 0);
    const Successful = input.Entries.map((e) => ({
      Id: e.Id,
      MessageId: `${stats.sqsMessages}-${e.Id}`,
      MD5OfMessageBody: createHash('md5').update(e.MessageBody, 'utf8').digest('hex'),
    }));
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ Successful, Failed: [] }));
  });

  const store = await startEmbeddedStore({ memory: true });
  const publisherPort = await listen(publisher);
  const sqsPort = await listen(sqs);

  process.on('message', async (msg: { op: string; tick?: number; feeds?: number[] }) => {
    if (msg.op === 'tick') {
      for (let t = tick + 1; t <= (msg.tick ?? tick); t++)
        for (let i = 0; i < feeds; i++) if (changedAt(i, t)) version[i]!++;
      tick = msg.tick ?? tick;
      process.send?.({ op: 'ack' });
    } else if (msg.op === 'bump') {
      for (const i of msg.feeds ?? []) version[i]!++;
      process.send?.({ op: 'ack' });
    } else if (msg.op === 'stats') {
      process.send?.({ op: 'stats', stats: { ...stats } });
    } else if (msg.op === 'stop') {
      publisher.closeAllConnections();
      sqs.closeAllConnections();
      await Promise.all([new Promise((r) => publisher.close(r)), new Promise((r) => sqs.close(r)), store.close()]);
      process.send?.({ op: 'stopped' });
      process.disconnect?.();
    }
  });
  process.send?.({ op: 'ready', dynamo: store.endpoint, publisherPort, sqsPort });
}

if (process.send) await main();
