import { initialFeedState, pollFeed } from '../feeds/index.ts';
import { entryTimeMs, intervalMsFor, recordEntryTimes } from '../feeds/interval.ts';
import { catalogHash } from '../store/index.ts';
import type { ArticleJob } from '../types.ts';
import type { PipelineContext } from './context.ts';
import type { FeedMessage } from './ports.ts';
import { feedById } from './schedule.ts';

/**
 * Polls one feed (conditional GET, feed state, backoff — shared/feeds) and returns the article jobs for
 * entries never processed for this feed, or whose content changed. A failing feed is recorded in its state and
 * returns no jobs; it never throws for feed problems, so one bad feed never stops the others.
 */
export async function pollFeedStage(ctx: PipelineContext, msg: FeedMessage): Promise<ArticleJob[]> {
  if (msg.catalog !== undefined) {
    await indexCatalogStage(ctx, msg.catalog);
    return [];
  }
  const feed = feedById(ctx, msg.feedId);
  const log = ctx.logger.child({ stage: 'poll', feedId: feed.id, feedUrl: feed.url, correlationId: msg.correlationId });
  const started = Date.now();
  const result = await pollFeed({ http: ctx.http, feedStates: ctx.store, now: ctx.now, logger: log }, feed, {
    force: msg.force,
  });
  if (result.outcome === 'skipped') return [];
  ctx.metrics.count('feedsPolled');
  if (result.outcome === 'not_modified') {
    ctx.metrics.count('feedsNotModified');
    // debug: most polls are 304s, and an info line for each was most of the poller's log volume (BENCHMARKS.md).
    log.debug('feed not modified', { durationMs: Date.now() - started });
    return [];
  }
  if (result.outcome === 'failed') {
    ctx.metrics.count('feedsFailed');
    log.warn(`feed failed: ${result.error ?? result.state.status}`, {
      status: result.state.status,
      consecutiveFailures: result.state.consecutiveFailures,
      nextPollAt: result.state.nextPollAt,
      durationMs: Date.now() - started,
    });
    return [];
  }
  ctx.metrics.count('feedsOk');
  ctx.metrics.count('entriesSeen', result.entries.length);
  const fresh = await ctx.store.filterNewEntries(feed.id, result.entries);
  ctx.metrics.count('entriesNew', fresh.length);
  if (fresh.length > 0) {
    // Only the pipeline knows which entries are new: their times join the feed's rhythm, and an adaptive interval
    // is worked out again from it.
    const nowMs = ctx.now().getTime();
    const rhythm = recordEntryTimes(
      result.state.rhythm,
      fresh.map((e) => entryTimeMs(e, nowMs)),
      nowMs,
    );
    const state = { ...result.state, lastNewEntryAt: ctx.now().toISOString(), rhythm };
    if (feed.interval?.mode === 'adaptive' && state.lastPolledAt) {
      state.nextPollAt = new Date(
        Date.parse(state.lastPolledAt) + intervalMsFor(feed.interval, state, nowMs),
      ).toISOString();
    }
    await ctx.store.putFeedState(state);
  }
  log.info('feed polled', { entries: result.entries.length, new: fresh.length, durationMs: Date.now() - started });
  const discoveredAt = ctx.now().toISOString();
  return fresh.map((entry) => ({
    feedId: feed.id,
    feedUrl: feed.url,
    entry,
    discoveredAt,
    ...(msg.correlationId ? { correlationId: msg.correlationId } : {}),
  }));
}

/**
 * Completes the due-time index after the configured feeds changed (a catalog message): initial, immediately due
 * states for feeds never polled, then the catalog marker. A message for an older configuration is ignored.
 * @returns the number of states written
 */
export async function indexCatalogStage(ctx: PipelineContext, hash: string): Promise<number> {
  const feeds = ctx.config.feeds;
  if (catalogHash(feeds.map((f) => f.id)) !== hash) return 0;
  const written = await ctx.store.indexCatalog(feeds, (id) => initialFeedState(feedById(ctx, id)), hash, ctx.now());
  ctx.logger.info('feed catalog indexed', { stage: 'schedule', feeds: feeds.length, written });
  return written;
}
