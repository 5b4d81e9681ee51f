/**
 * Page retries and rechecks through the Lambda handlers: schedule-feeds (due feeds and due pages), poll-feed,
 * process-article and fan-out-alerts, each invoked with SQS events as the event source mappings deliver them, over
 * dynalite, a scripted publisher on 127.0.0.1 and a stepped clock. Then what SQS adds: a page enqueued by two ticks,
 * a worker that dies mid-run and its redelivered message, and the per-tick bound.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { processArticleStage } from '../../shared/pipeline/article.ts';
import type { Store } from '../../shared/store/index.ts';
import { processPageJob } from '../../shared/pipeline/pages.ts';
import { selectDuePages } from '../../shared/pipeline/schedule.ts';
import { pageScenarios } from '../helpers/page-scenarios.ts';
import { articleHtml, lambdaWorld, SURVEY, T0, type PageWorld } from '../helpers/page-world.ts';

const MIN = 60_000;
const failOnce = (n: number) => (n === 0 ? { status: 500 } : { body: articleHtml('Wildlife survey', SURVEY) });

describe('page retries and rechecks (Lambda handlers)', () => {
  pageScenarios((over) => lambdaWorld(over));
});

describe('page jobs under SQS delivery', () => {
  let w: PageWorld;
  afterEach(async () => {
    await w?.close();
  });

  it('a due page enqueued by two ticks before either job ran is fetched once', async () => {
    w = await lambdaWorld();
    w.pub.page('twice', failOnce);
    await w.cycle({ force: true });
    w.advance(15 * MIN);
    const [a] = await selectDuePages(w.ctx);
    const [b] = await selectDuePages(w.ctx);
    expect(a?.page).toEqual(b?.page);
    const first = await processArticleStage(w.ctx, a!);
    const second = await processArticleStage(w.ctx, b!);
    expect(first.map((j) => j.topicId)).toEqual(['okapi']);
    expect(second).toEqual([]);
    expect(w.pub.hitsOf('twice').map((h) => h.status)).toEqual([500, 200]);
  });

  it('a worker that dies after fetching: the redelivered message resumes the run and plans its alerts', async () => {
    w = await lambdaWorld();
    w.pub.page('crash', failOnce);
    await w.cycle({ force: true });
    w.advance(15 * MIN);
    const [job] = await selectDuePages(w.ctx);
    const died = () => Promise.reject(new Error('worker died'));
    await expect(processPageJob(w.ctx, { ...job!, page: job!.page! }, died)).rejects.toThrow('worker died');
    const held = (await w.ctx.store.getPageSchedule((await w.item('crash')).id))!.schedule;
    expect(held.inFlight).toEqual({ due: job!.page!.due, since: new Date(T0 + 15 * MIN).toISOString() });
    expect(held.attempts).toBe(2);
    // Leased: the next tick does not enqueue it again while the run may still finish.
    expect(await selectDuePages(w.ctx)).toEqual([]);

    const alerts = await processArticleStage(w.ctx, job!);
    expect(alerts.map((j) => j.topicId)).toEqual(['okapi']);
    const item = await w.item('crash');
    expect(item.topics.map((t) => t.id)).toEqual(['okapi']);
    expect(item.fetch).toMatchObject({ state: 'rechecking', attempts: 2 });
    expect(await processArticleStage(w.ctx, job!)).toEqual([]); // a third delivery: stale
  });

  it('a run left in flight by a dead worker is due again after the lease, and counts as an attempt', async () => {
    w = await lambdaWorld();
    w.pub.page('lease', failOnce);
    await w.cycle({ force: true });
    w.advance(15 * MIN);
    const [job] = await selectDuePages(w.ctx);
    await expect(
      processPageJob(w.ctx, { ...job!, page: job!.page! }, () => Promise.reject(new Error('gone'))),
    ).rejects.toThrow();
    w.advance(15 * MIN);
    await w.cycle();
    expect((await w.item('lease')).fetch).toMatchObject({ state: 'rechecking', attempts: 3 });
    expect(w.pub.hitsOf('lease')).toHaveLength(3);
  });

  it('costs: an idle tick 4 Queries; a failed retry and a 304 recheck one GetItem and one PutItem each', async () => {
    w = await lambdaWorld();
    w.pub.page('cost', (n, req) =>
      n < 2
        ? { status: 503 }
        : req.headers['if-none-match'] === '"v1"'
          ? { status: 304, headers: { etag: '"v1"' } }
          : { body: articleHtml('Wildlife survey', SURVEY), headers: { etag: '"v1"' } },
    );
    await w.cycle({ force: true });
    const counters = (w.ctx.store as Store).table.counters;
    const requests = async (work: () => Promise<unknown>) => {
      const before = { ...counters };
      await work();
      return Object.fromEntries(
        Object.entries(counters)
          .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
          .filter(([, v]) => v > 0),
      );
    };
    const runDue = async () => {
      const [job] = await selectDuePages(w.ctx);
      expect(job).toBeDefined();
      return requests(() => processArticleStage(w.ctx, job!));
    };
    w.advance(5 * MIN);
    expect(await requests(() => selectDuePages(w.ctx))).toEqual({ Query: 4 });
    w.advance(10 * MIN);
    expect(await runDue()).toEqual({ GetItem: 1, PutItem: 1 }); // the second 503
    w.advance(30 * MIN);
    await runDue(); // 200: the article path, then rechecks
    w.advanceTo(new Date(T0 + 60 * MIN).toISOString());
    expect(await runDue()).toEqual({ GetItem: 1, PutItem: 1 }); // 304
    expect(w.pub.hitsOf('cost').map((h) => h.status)).toEqual([503, 503, 200, 304]);
  });

  it('a tick enqueues at most pages.maxDuePerTick pages with one bounded Query per index shard', async () => {
    w = await lambdaWorld({ pages: { maxDuePerTick: 2 } });
    for (const slug of ['p1', 'p2', 'p3']) w.pub.page(slug, failOnce);
    await w.cycle({ force: true });
    w.advance(15 * MIN);
    const counters = (w.ctx.store as Store).table.counters;
    const queriesBefore = counters.Query ?? 0;
    const due = await selectDuePages(w.ctx);
    expect(due).toHaveLength(2);
    expect((counters.Query ?? 0) - queriesBefore).toBe(4);
    await w.cycle();
    await w.cycle();
    for (const slug of ['p1', 'p2', 'p3']) expect(w.pub.hitsOf(slug), slug).toHaveLength(2);
  });
});
