import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.ts';
import { cronPeriodMs, dueHorizonMs, isDue } from '../feeds/interval.ts';
import { catalogHash } from '../store/index.ts';
import type { ArticleJob, FeedSource, FeedState } from '../types.ts';
import type { PipelineContext } from './context.ts';
import type { FeedMessage } from './ports.ts';

/*
 * The schedule stage: which feeds are due, and the catalog upkeep of the due-time index. Each stage lives in its
 * own module so that a Lambda bundles only the stage it runs (the poller carries no extraction or channel code).
 */

/**
 * The feeds to poll now: every configured feed whose state says it is due (`isDue`: never polled, `nextPollAt` ≤ now,
 * or a healthy feed's `nextPollAt` within half a tick of `schedule`).
 * Read-only. A tick reads the catalog marker and then only the due feeds, from the store's due-time index (one
 * Query per shard): reads grow with the due feeds, not with all feeds. When the configured feed set changed (the
 * marker differs), the tick reads every configured feed's state by key instead, and adds a catalog message: the
 * poller then writes initial states for new feeds, so they are on the index from then on. With `force`, every
 * configured feed (conditional GET still applies inside `pollFeedStage`).
 * @returns feed-queue messages: one per due feed in configuration order, then the catalog message if any
 */
export async function selectDueFeeds(ctx: PipelineContext, opts: { force?: boolean } = {}): Promise<FeedMessage[]> {
  const feeds = ctx.config.feeds;
  if (opts.force) return feeds.map((f) => ({ feedId: f.id, force: true, correlationId: newCorrelationId() }));
  const now = ctx.now();
  const hash = catalogHash(feeds.map((f) => f.id));
  // A healthy feed due within half a tick is polled now (see `isDue`: it keeps polls from slipping a whole tick).
  const nowMs = now.getTime();
  const horizon = new Date(nowMs + dueHorizonMs(cronPeriodMs(ctx.config.schedule)));
  const states = new Map<string, FeedState>();
  const catalogChanged = (await ctx.store.getCatalogHash()) !== hash;
  if (catalogChanged) {
    for (const [id, s] of await ctx.store.getFeedStates(feeds.map((f) => f.id))) states.set(id, s);
  } else {
    for (const s of await ctx.store.listDueFeedStates(horizon)) states.set(s.feedId, s);
  }
  // Feeds removed from the configuration may still be on the index: only configured feeds are polled.
  const messages: FeedMessage[] = feeds
    .filter((f) => (catalogChanged || states.has(f.id)) && isDue(f, states.get(f.id), nowMs))
    .map((f) => ({ feedId: f.id, correlationId: newCorrelationId() }));
  if (catalogChanged) messages.push({ catalog: hash });
  return messages;
}

/**
 * The page jobs due now: retries of failed page fetches and rechecks of pages that matched a topic, from the page
 * schedules' due-time index (shared/store/pages.ts), oldest due first, at most `pages.maxDuePerTick` (one Query
 * per index shard, each bounded; the rest stay due for the next tick). Read-only, like `selectDueFeeds`: the
 * article stage advances each schedule with a conditional write, so a page enqueued twice is fetched once.
 * With `force` (`run --once`, a manual invoke) the same: only pages due at this moment.
 * @returns article-queue messages, each marked with its schedule (`ArticleJob.page`)
 */
export async function selectDuePages(ctx: PipelineContext): Promise<ArticleJob[]> {
  const due = await ctx.store.listDuePageSchedules(ctx.now(), ctx.config.pages.maxDuePerTick);
  return due
    .filter((s) => s.nextAt !== null && s.phase !== 'done')
    .map((s) => ({
      ...s.job,
      correlationId: newCorrelationId(),
      page: { mode: s.phase === 'recheck' ? 'recheck' : 'retry', itemId: s.itemId, due: s.nextAt! },
    }));
}

/** A fresh correlation id: `c_` + 16 hex characters (random, 64 bits). */
export function newCorrelationId(): string {
  return `c_${randomBytes(8).toString('hex')}`;
}

/** Configured feeds by id, built once per configuration (constant-time lookup for every queue message). */
const feedIndex = new WeakMap<readonly FeedSource[], Map<string, FeedSource>>();

/** Finds a configured feed by id. @throws InputError `unknown_feed` (the message is dropped as poison by callers). */
export function feedById(ctx: PipelineContext, feedId: string): FeedSource {
  let byId = feedIndex.get(ctx.config.feeds);
  if (!byId) {
    byId = new Map(ctx.config.feeds.map((f) => [f.id, f]));
    feedIndex.set(ctx.config.feeds, byId);
  }
  const feed = byId.get(feedId);
  if (!feed)
    throw new InputError('unknown_feed', `feed ${feedId} is not in the configuration (removed since it was queued?)`);
  return feed;
}
