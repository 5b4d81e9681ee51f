/**
 * selectDueFeeds on real dynalite: a tick reads only the feeds that are due (the due-time index), and a change of
 * the configured feeds is picked up by one tick that reads every configured feed's state by key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { resolveConfig } from '../../shared/config/load.ts';
import { createLogger } from '../../shared/log.ts';
import { startFixtureSite } from '../../scripts/fixture-site.ts';
import { initialFeedState } from '../../shared/feeds/index.ts';
import { createPipelineContext, type PipelineContext } from '../../shared/pipeline/context.ts';
import { feedById, pollFeedStage, selectDueFeeds } from '../../shared/pipeline/stages.ts';
import type { FeedMessage } from '../../shared/pipeline/ports.ts';
import type { Store } from '../../shared/store/index.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const iso = (msFromNow: number) => new Date(NOW.getTime() + msFromNow).toISOString();

let dyn: EmbeddedStore;
beforeAll(async () => {
  dyn = await startTestDynamo();
});
afterAll(async () => {
  await dyn.close();
});

async function contextFor(feedCount: number, tableName: string): Promise<PipelineContext> {
  const config = await resolveConfig({
    feeds: Array.from({ length: feedCount }, (_, i) => ({ id: `f${i}`, url: `https://feeds.example.org/${i}.xml` })),
  });
  const ctx = createPipelineContext({ config, dynamo: dyn.client, tableName, now: () => NOW });
  await ctx.store.ensureTable();
  return ctx;
}

/** Requests the store sent since `before` (a copy of the counters). */
function delta(store: Store, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(store.table.counters))
    if (n - (before[op] ?? 0) > 0) out[op] = n - (before[op] ?? 0);
  return out;
}

describe('selectDueFeeds', () => {
  it('first tick: every configured feed is due and enters the index; later ticks read only the due feeds', async () => {
    const ctx = await contextFor(200, 'due-a');
    const store = ctx.store as Store;
    const before0 = { ...store.table.counters };
    const first = await selectDueFeeds(ctx);
    // The scheduler only reads: every feed is due, plus one catalog message for the poller.
    expect(first.filter((m) => m.feedId !== undefined)).toHaveLength(200);
    const catalog = first.at(-1) as FeedMessage;
    expect(catalog.catalog).toMatch(/^[0-9a-f]{64}$/);
    expect(
      Object.keys(delta(store, before0)).filter((op) => !['GetItem', 'BatchGetItem', 'Query'].includes(op)),
    ).toEqual([]);
    expect(await pollFeedStage(ctx, catalog)).toEqual([]);
    expect(await store.listFeedStates()).toHaveLength(200);

    // 190 feeds polled recently and not due for 5 minutes; 10 are due.
    for (let i = 0; i < 200; i++) {
      const state = { ...initialFeedState(feedById(ctx, `f${i}`)), status: 'ok' as const };
      await store.putFeedState({ ...state, nextPollAt: i % 20 === 0 ? iso(-1_000) : iso(300_000) });
    }
    const before = { ...store.table.counters };
    const due = await selectDueFeeds(ctx);
    expect(due.map((m) => m.feedId).sort()).toEqual(Array.from({ length: 10 }, (_, k) => `f${k * 20}`).sort());
    // One GetItem (the catalog marker) and one Query per shard; no read of the 190 feeds that are not due.
    const ops = delta(store, before);
    expect(ops.GetItem).toBe(1);
    expect(ops.Query).toBe(4);
    expect(ops.BatchGetItem).toBeUndefined();
  });

  it('a feed added to the configuration is due on the next tick; a removed feed is never selected', async () => {
    const small = await contextFor(3, 'due-b');
    await pollFeedStage(small, (await selectDueFeeds(small)).at(-1)!);
    for (const f of small.config.feeds) {
      await small.store.putFeedState({ ...initialFeedState(f), status: 'ok', nextPollAt: iso(300_000) });
    }
    // f2 is removed from the configuration while due; f3 and f4 are new.
    await small.store.putFeedState({ ...initialFeedState(feedById(small, 'f2')), nextPollAt: iso(-1) });
    const bigger = await contextFor(5, 'due-b');
    const withoutF2 = {
      ...bigger,
      config: { ...bigger.config, feeds: bigger.config.feeds.filter((f) => f.id !== 'f2') },
    };
    const due = await selectDueFeeds(withoutF2);
    expect(due.map((m) => m.feedId ?? 'catalog')).toEqual(['f3', 'f4', 'catalog']);
    await pollFeedStage(withoutF2, due.at(-1)!);
    // The marker now matches: the next tick uses the index and still ignores the removed feed.
    expect((await selectDueFeeds(withoutF2)).map((m) => m.feedId)).toEqual(['f3', 'f4']);
  });

  it('a removed feed leaves the due side of the index at the catalog pass, stays listed, and returns when re-added', async () => {
    const all = await contextFor(4, 'due-e');
    await pollFeedStage(all, (await selectDueFeeds(all)).at(-1)!);
    // Every state is due (never polled); f1 and f3 then leave the configuration.
    const fewer = {
      ...all,
      config: { ...all.config, feeds: all.config.feeds.filter((f) => f.id === 'f0' || f.id === 'f2') },
    };
    const pass = await selectDueFeeds(fewer);
    expect(pass.map((m) => m.feedId ?? 'catalog')).toEqual(['f0', 'f2', 'catalog']);
    expect(await pollFeedStage(fewer, pass.at(-1)!)).toEqual([]);
    const farFuture = new Date('2100-01-01T00:00:00.000Z');
    // A tick reads only the configured feeds now, however long the removed ones wait.
    expect((await fewer.store.listDueFeedStates(farFuture)).map((s) => s.feedId).sort()).toEqual(['f0', 'f2']);
    const store = fewer.store as Store;
    const before = { ...store.table.counters };
    expect((await selectDueFeeds(fewer)).map((m) => m.feedId)).toEqual(['f0', 'f2']);
    expect(delta(store, before)).toEqual({ GetItem: 1, Query: 4 });
    // Feed health still lists them, with their state kept.
    expect((await fewer.store.listFeedStates()).map((s) => s.feedId)).toEqual(['f0', 'f1', 'f2', 'f3']);
    // f1 configured again: the catalog pass puts it back on the due side.
    const again = { ...all, config: { ...all.config, feeds: all.config.feeds.filter((f) => f.id !== 'f3') } };
    const back = await selectDueFeeds(again);
    expect(back.map((m) => m.feedId ?? 'catalog')).toEqual(['f0', 'f1', 'f2', 'catalog']);
    await pollFeedStage(again, back.at(-1)!);
    expect((await again.store.listDueFeedStates(farFuture)).map((s) => s.feedId).sort()).toEqual(['f0', 'f1', 'f2']);
  });

  it('a feed that answers 304 logs it at debug, not info', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const site = await startFixtureSite();
    try {
      const config = await resolveConfig({
        feeds: [{ id: 'f0', url: `${site.base}/feeds/world.rss` }],
        http: { allowHosts: [site.hostPort], hostGapMs: 0 },
      });
      const logger = createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l)) });
      const live = createPipelineContext({ config, dynamo: dyn.client, tableName: 'due-f', logger });
      await live.store.ensureTable();
      await pollFeedStage(live, { feedId: 'f0', force: true });
      await pollFeedStage(live, { feedId: 'f0', force: true });
      expect(site.requests.at(-1)).toBe('GET /feeds/world.rss 304');
      const notModified = lines.filter((l) => l.message === 'feed not modified');
      expect(notModified).toHaveLength(1);
      expect(notModified[0]!.level).toBe('debug');
    } finally {
      await site.close();
    }
  });

  it('a catalog message for an older configuration changes nothing; a state a poll wrote is never replaced', async () => {
    const ctx = await contextFor(2, 'due-d');
    const polled = { ...initialFeedState(feedById(ctx, 'f0')), status: 'ok' as const, nextPollAt: iso(60_000) };
    await ctx.store.putFeedState(polled);
    expect(await pollFeedStage(ctx, { catalog: 'a'.repeat(64) })).toEqual([]);
    expect(await ctx.store.getFeedState('f1')).toBeNull();
    await pollFeedStage(ctx, (await selectDueFeeds(ctx)).at(-1)!);
    expect(await ctx.store.getFeedState('f0')).toEqual(polled);
    expect((await ctx.store.getFeedState('f1'))?.status).toBeNull();
  });

  it('feedById finds a feed by id and refuses an unknown one', async () => {
    const ctx = await contextFor(1_000, 'due-c');
    expect(feedById(ctx, 'f999').url).toBe('https://feeds.example.org/999.xml');
    expect(() => feedById(ctx, 'nope')).toThrow(/feed nope is not in the configuration/);
  });
});
