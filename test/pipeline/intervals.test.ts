/**
 * Polling intervals through the real schedule and poll stages, on dynalite and a node:http publisher on 127.0.0.1,
 * with a simulated clock: the default interval follows `schedule`, a feed's own interval is kept, an adaptive feed
 * follows the gaps between its entries, and a feed polled some time after its tick is due again at the tick one
 * interval later (not the one after).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { resolveConfig } from '../../shared/config/load.ts';
import { createPipelineContext, type PipelineContext } from '../../shared/pipeline/context.ts';
import { pollFeedStage, selectDueFeeds } from '../../shared/pipeline/stages.ts';
import type { FeedMessage } from '../../shared/pipeline/ports.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';

const MIN = 60_000;
const T = Date.parse('2026-12-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** RSS whose items were published at `times` (epoch ms). */
function rss(times: number[]): string {
  const items = times
    .map(
      (t, i) =>
        `<item><title>Entry ${i}</title><guid isPermaLink="false">e${t}</guid><pubDate>${new Date(t).toUTCString()}</pubDate><description>Entry ${i}.</description></item>`,
    )
    .join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://example.org/</link>${items}</channel></rss>`;
}

let dyn: EmbeddedStore;
let server: Server;
let base: string;
let hostPort: string;
const hits = new Map<string, number>();
const bodies: Record<string, string> = {
  // Six entries 20 minutes apart, the last 10 minutes before T.
  '/steady.rss': rss(Array.from({ length: 6 }, (_, i) => T - 10 * MIN - (5 - i) * 20 * MIN)),
  '/plain.rss': rss([T - 60 * MIN]),
};

beforeAll(async () => {
  dyn = await startTestDynamo();
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = bodies[path];
    if (!body) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  hostPort = `127.0.0.1:${port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await dyn.close();
});

/** A context on its own table with a clock the test moves. */
async function contextFor(
  doc: Record<string, unknown>,
  table: string,
): Promise<{ ctx: PipelineContext; at: (ms: number) => void }> {
  let now = T;
  const config = await resolveConfig({ ...doc, http: { allowHosts: [hostPort], hostGapMs: 0 } });
  const ctx = createPipelineContext({ config, dynamo: dyn.client, tableName: table, now: () => new Date(now) });
  await ctx.store.ensureTable();
  return {
    ctx,
    at: (ms) => {
      now = ms;
    },
  };
}

const nextPollOf = async (ctx: PipelineContext, id: string) => (await ctx.store.getFeedState(id))?.nextPollAt;

describe('polling intervals', () => {
  it('the default interval is the period of schedule: */2 polls every 2 minutes', async () => {
    const { ctx } = await contextFor(
      { schedule: '*/2 * * * *', feeds: [{ id: 'p', url: `${base}/plain.rss` }] },
      'iv-a',
    );
    await pollFeedStage(ctx, { feedId: 'p', force: true });
    expect(await nextPollOf(ctx, 'p')).toBe(iso(T + 2 * MIN));
  });

  it("a feed's own interval is kept", async () => {
    const { ctx } = await contextFor({ feeds: [{ id: 'p', url: `${base}/plain.rss`, interval: '15m' }] }, 'iv-b');
    await pollFeedStage(ctx, { feedId: 'p', force: true });
    expect(await nextPollOf(ctx, 'p')).toBe(iso(T + 15 * MIN));
  });

  it('an adaptive feed follows the median gap between its entries, kept in its state', async () => {
    const { ctx } = await contextFor(
      { feeds: [{ id: 's', url: `${base}/steady.rss`, interval: 'adaptive', maxInterval: '2h' }] },
      'iv-c',
    );
    const jobs = await pollFeedStage(ctx, { feedId: 's', force: true });
    expect(jobs).toHaveLength(6);
    const state = await ctx.store.getFeedState('s');
    expect(state?.rhythm?.times).toHaveLength(6);
    expect(state?.nextPollAt).toBe(iso(T + 20 * MIN));
  });

  it('a feed polled 100 s after its tick is due at the next tick and polled then; a duplicate message is not', async () => {
    const { ctx, at } = await contextFor({ feeds: [{ id: 'p', url: `${base}/plain.rss` }] }, 'iv-d');
    const catalog = (await selectDueFeeds(ctx)).at(-1) as FeedMessage;
    await pollFeedStage(ctx, catalog);
    // Tick at T; the queue reaches the feed 100 s later.
    at(T + 100_000);
    const before = hits.get('/plain.rss') ?? 0;
    await pollFeedStage(ctx, { feedId: 'p' });
    expect(await nextPollOf(ctx, 'p')).toBe(iso(T + 100_000 + 5 * MIN));
    // The next tick, 5 minutes after the first: the feed is 100 s short of nextPollAt, and due.
    at(T + 5 * MIN);
    const due = await selectDueFeeds(ctx);
    expect(due.map((m) => m.feedId)).toEqual(['p']);
    at(T + 5 * MIN + 100_000);
    await pollFeedStage(ctx, due[0]!);
    expect(hits.get('/plain.rss')).toBe(before + 2);
    // The same message delivered again a second later: not due, nothing fetched.
    at(T + 5 * MIN + 101_000);
    await pollFeedStage(ctx, due[0]!);
    expect(hits.get('/plain.rss')).toBe(before + 2);
    expect(await selectDueFeeds(ctx)).toEqual([]);
  });

  it('a failing feed is not polled before its backoff ends, tick or not', async () => {
    const { ctx, at } = await contextFor({ feeds: [{ id: 'm', url: `${base}/missing.rss` }] }, 'iv-e');
    await pollFeedStage(ctx, (await selectDueFeeds(ctx)).at(-1)!);
    await pollFeedStage(ctx, { feedId: 'm', force: true });
    const next = Date.parse((await nextPollOf(ctx, 'm'))!);
    expect((await ctx.store.getFeedState('m'))?.consecutiveFailures).toBe(1);
    at(next - 60_000);
    expect(await selectDueFeeds(ctx)).toEqual([]);
    const before = hits.get('/missing.rss') ?? 0;
    await pollFeedStage(ctx, { feedId: 'm' });
    expect(hits.get('/missing.rss')).toBe(before);
    at(next);
    expect((await selectDueFeeds(ctx)).map((m) => m.feedId)).toEqual(['m']);
  });
});
