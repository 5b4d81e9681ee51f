import { createHash, randomBytes } from 'node:crypto';
import { pollFeed, canonicalizeUrl, initialFeedState } from '../feeds/index.ts';
import { fetchAndExtract, extractPage, extractPoolFor } from '../extract/index.ts';

import { InputError } from '../errors.ts';
import { catalogHash, itemIdFor } from '../store/index.ts';
import type { Assignment } from '../stories/assign.ts';
import { outletOf } from '../text/outlet.ts';
import type { AlertJob, ArticleJob, Extraction, FeedSource, IsoDateTime, StoredItem, StoryVersion } from '../types.ts';
import { assignArticle, recordStory } from './stories.ts';
import type { PipelineContext } from './context.ts';
import type { FeedMessage } from './ports.ts';

/*
 * The pipeline's use-cases, one per stage. Data flows one way:
 *   schedule → selectDueFeeds → (feed queue) → pollFeedStage → (article queue) → processArticleStage
 *   → store (conditional write) → (alert queue) → deliverAlertStage
 * Lambda handlers (functions/) and the local runtime (local/) call these and nothing else.
 */

/**
 * The feeds to poll now: every configured feed whose state says it is due (`nextPollAt` ≤ now, or never polled).
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
  const due = new Set<string>();
  const catalogChanged = (await ctx.store.getCatalogHash()) !== hash;
  if (catalogChanged) {
    const states = await ctx.store.getFeedStates(feeds.map((f) => f.id));
    for (const f of feeds) {
      const next = states.get(f.id)?.nextPollAt;
      if (!next || Date.parse(next) <= now.getTime()) due.add(f.id);
    }
  } else {
    for (const s of await ctx.store.listDueFeedStates(now)) due.add(s.feedId);
  }
  // Feeds removed from the configuration may still be on the index: only configured feeds are polled.
  const messages: FeedMessage[] = feeds
    .filter((f) => due.has(f.id))
    .map((f) => ({ feedId: f.id, correlationId: newCorrelationId() }));
  if (catalogChanged) messages.push({ catalog: hash });
  return messages;
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
    log.info('feed not modified', { durationMs: Date.now() - started });
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
    await ctx.store.putFeedState({ ...result.state, lastNewEntryAt: ctx.now().toISOString() });
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

const fallbackStatuses = new Set(['partial', 'feed_only', 'blocked_consent', 'paywalled', 'no_content']);

/** Host of a URL without a leading `www.`, or null. */
function siteOf(url: string): string | null {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return null;
  }
}

/**
 * Picks the item's canonical URL: the page's declared canonical when it is on the same site and not the site's
 * home page (a guard against templates that declare one canonical for every page), else the final page URL,
 * else the entry's URL. All canonicalised (tracking parameters removed, etc.).
 */
export function chooseCanonicalUrl(extraction: Extraction, entryUrl: string | null): string | null {
  const page = canonicalizeUrl(extraction.url) ?? entryUrl;
  const declared = extraction.canonicalUrl ? canonicalizeUrl(extraction.canonicalUrl, extraction.url) : null;
  if (declared && page && siteOf(declared) === siteOf(page) && new URL(declared).pathname !== '/') return declared;
  return page ?? declared;
}

/**
 * Processes one article job: fetch + extract (falling back to the feed's text), classify, store with a
 * conditional write, record the entry as processed, and return alert jobs for new topic hits.
 * Idempotent: re-processing the same job stores nothing new and returns no alert jobs.
 * @throws only for infrastructure failures (store unavailable) — the queue then retries the record
 */
export async function processArticleStage(ctx: PipelineContext, job: ArticleJob): Promise<AlertJob[]> {
  // Jobs for the same article URL run one after another within a process, so the second finds the first's item.
  const key = job.entry.url;
  if (!key) return processArticle(ctx, job);
  const previous = urlTurns.get(key) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(() => processArticle(ctx, job));
  const turn = mine.then(
    () => undefined,
    () => undefined,
  );
  urlTurns.set(key, turn);
  try {
    return await mine;
  } finally {
    if (urlTurns.get(key) === turn) urlTurns.delete(key);
  }
}

/** Per-process queue of jobs per article URL (see processArticleStage). */
const urlTurns = new Map<string, Promise<void>>();

async function processArticle(ctx: PipelineContext, job: ArticleJob): Promise<AlertJob[]> {
  const { entry } = job;
  const feed = feedById(ctx, job.feedId);
  const log = ctx.logger.child({
    stage: 'process',
    feedId: job.feedId,
    entryUrl: entry.url ?? undefined,
    correlationId: job.correlationId,
  });
  const withCorrelation = (jobs: AlertJob[]): AlertJob[] =>
    job.correlationId ? jobs.map((j) => ({ ...j, correlationId: job.correlationId })) : jobs;
  const started = Date.now();

  // The same article already stored from another feed (wire copy linked from several desks): record this feed on
  // the item without fetching the page again — politeness towards the publisher. A changed article reaches the
  // item through the feed that first brought it.
  if (entry.url) {
    const knownId = await ctx.store.findItemIdByUrl(entry.url);
    const known = knownId ? await ctx.store.getItem(knownId) : null;
    if (known && !known.feedIds.includes(job.feedId) && !known.textTruncated) {
      const saved = await ctx.store.saveItem({
        canonicalUrl: known.url,
        aliasUrls: entry.url === known.url ? [] : [entry.url],
        feedId: job.feedId,
        entry: { ...entry, title: known.title },
        extraction: extractionOf(known),
        topics: known.topics,
        seenAt: job.discoveredAt,
      });
      // The same item in its story's lineage: this feed is recorded on it (no change report: same page).
      const story = await recordStory(ctx, {
        assignment: sameItem(saved.item),
        item: saved.item,
        previous: null,
        feedId: job.feedId,
        outlet: outletOf({ feedName: feed.name, siteName: saved.item.siteName, url: saved.item.url }),
      });
      const jobs = withCorrelation(ctx.alerter.planAlerts({ ...saved.item, storyId: story.storyId }, saved.newTopics));
      await ctx.alerter.recordIntents(jobs, saved.item);
      await ctx.store.markEntrySeen(job.feedId, entry, saved.item.id);
      log.info('article already stored from another feed; feed recorded', {
        itemId: saved.item.id,
        outcome: saved.outcome,
        durationMs: Date.now() - started,
      });
      return jobs;
    }
  }

  const fallback = { title: entry.title, summary: entry.summary, contentHtml: entry.contentHtml };
  // The `extract:` config section (DOM engine, jsdom fallback, size and word thresholds) plus the feed's text.
  const opts = { ...ctx.config.extract, fallback };
  let extraction: Extraction;
  let canonical: string;
  if (entry.url) {
    // Parsing and extraction run in the process-wide worker pool (limits per page; the fetch stays here).
    extraction = await fetchAndExtract(ctx.http, entry.url, { ...opts, pool: extractPoolFor(ctx.config.extract) });
    canonical = chooseCanonicalUrl(extraction, entry.url) ?? entry.url;
  } else {
    // No usable link (none, or javascript:/data:): the feed's own content is the article. The item gets a stable
    // pseudo-URL from the feed and the entry's identity key, so each such entry is its own item.
    canonical = `urn:wirewatch:entry:${createHash('sha256')
      .update(`${job.feedId}\n${entry.key}`)
      .digest('hex')
      .slice(0, 32)}`;
    const fromFeed = await extractPage(
      { body: entry.contentHtml ?? '', url: job.feedUrl, contentType: 'text/html' },
      opts,
    );
    extraction = {
      ...fromFeed,
      url: canonical,
      canonicalUrl: null,
      reason: fromFeed.status === 'full' ? null : 'entry has no link: text from the feed',
    };
  }

  if (extraction.status === 'full') ctx.metrics.count('articlesExtracted');
  else if (extraction.status === 'failed') ctx.metrics.count('articlesFailed');
  else if (fallbackStatuses.has(extraction.status)) ctx.metrics.count('articlesFallback');

  const aliasUrls = [entry.url, canonicalizeUrl(extraction.url)].filter(
    (u): u is string => typeof u === 'string' && u !== canonical,
  );
  const title = extraction.title ?? entry.title;
  const topics = ctx.topics.classify({ title: title ?? '', text: extraction.text });
  const seenAt: IsoDateTime = job.discoveredAt;
  const itemId = itemIdFor(canonical);
  const outlet = outletOf({ feedName: feed.name, siteName: extraction.siteName, url: canonical });

  // The story: the earlier item this article is a copy or version of, or a story of its own. An item keeps the
  // story it already has (a re-fetched page is a version of its own story).
  const existing = await ctx.store.getItem(itemId);
  const assignment = await assignArticle(ctx, {
    itemId,
    url: canonical,
    outlet,
    title: (entry.title || extraction.title || '').trim(),
    text: extraction.text,
    publishedAt: entry.publishedAt ?? extraction.publishedAt ?? seenAt,
  });
  const saved = await ctx.store.saveItem({
    canonicalUrl: canonical,
    aliasUrls: [...new Set(aliasUrls)],
    feedId: job.feedId,
    entry,
    extraction,
    topics,
    seenAt,
    storyId: existing?.storyId ?? assignment.storyId,
  });
  const story =
    saved.outcome === 'unchanged'
      ? { storyId: saved.item.storyId, version: null }
      : await recordStory(ctx, {
          assignment: existing ? { ...assignment, storyId: existing.storyId } : assignment,
          item: saved.item,
          previous: saved.previous,
          feedId: job.feedId,
          outlet,
        });
  const item = { ...saved.item, storyId: story.storyId };
  // An `unchanged` outcome means this job is a replay (the entry is marked seen only after the save), e.g. after
  // a crash between the save and the alert queue. Re-plan every topic: alert records make the repeats no-ops,
  // and an alert lost in the crash is sent. Alerts are per story: a later copy finds the story's alert records
  // and sends nothing; a material new version alerts again as an update.
  const alertTopics = saved.outcome === 'unchanged' ? saved.item.topics : saved.newTopics;
  const jobs = withCorrelation([
    ...ctx.alerter.planAlerts(item, alertTopics),
    ...(story.version?.verdict === 'material' ? updateJobs(item, story.version) : []),
  ]);
  // The outbox: alert intents are durable before the entry counts as processed, so a crash after this point
  // loses no alert (the sweep delivers intents no queue message carried).
  await ctx.alerter.recordIntents(jobs, saved.item);
  await ctx.store.markEntrySeen(job.feedId, entry, saved.item.id);

  // Stored = written with new content (created, or text/title changed); a second feed linking the same
  // article only extends the item's feed ids and is not a new stored item.
  if (saved.contentChanged) {
    ctx.metrics.count('itemsStored');
    if (saved.item.topics.length > 0) ctx.metrics.count('itemsTagged');
  }
  log.info('article processed', {
    itemId: saved.item.id,
    storyId: story.storyId,
    storyRole: saved.outcome === 'unchanged' ? undefined : assignment.role,
    storyVersion: story.version?.version,
    outcome: saved.outcome,
    extraction: extraction.status,
    reason: extraction.reason ?? undefined,
    topics: saved.item.topics.map((t) => t.id),
    durationMs: Date.now() - started,
  });
  return jobs;
}

/**
 * Delivers one alert job to every matching subscription (alerts module: dedupe record, channel, retries,
 * parking). Counts sent/failed/suppressed. Never throws for channel failures; those are parked.
 */
export async function deliverAlertStage(ctx: PipelineContext, job: AlertJob): Promise<void> {
  const res = await ctx.alerter.deliver(job);
  // Every subscription now has its alert record (sent, deferred, parked…): the outbox intent has done its job.
  await ctx.alerter.completeIntent(job);
  ctx.metrics.count('alertsSent', res.sent);
  ctx.metrics.count('alertsFailed', res.failed);
  ctx.metrics.count('alertsSuppressed', res.suppressed);
  ctx.metrics.count('alertsDeferred', res.deferred);
}

/**
 * Update alert jobs for a material new version: one per topic the new text matches (the alerter sends them only to
 * subscriptions that asked for updates and already received the story's first alert).
 */
function updateJobs(item: StoredItem, version: StoryVersion): AlertJob[] {
  const summary = version.reasons.slice(0, 5);
  return [...new Set(item.topics.map((t) => t.id))].map((topicId) => ({
    itemId: item.id,
    topicId,
    storyId: item.storyId,
    update: { version: version.version, previousVersion: version.version - 1, summary },
  }));
}

/** An assignment that keeps an item in the story it is in (a second feed bringing the same page). */
function sameItem(item: StoredItem): Assignment {
  return {
    storyId: item.storyId,
    role: 'copy',
    matchedItemId: item.id,
    similarity: 1,
    rule: null,
    origin: { agency: null, signals: [] },
    original: { itemId: '', publishedAt: item.publishedAt ?? item.firstSeenAt, agency: null },
    merged: [],
  };
}

/** The stored item's content as an `Extraction`, so re-saving it changes nothing but what the caller adds. */
function extractionOf(item: StoredItem): Extraction {
  return {
    url: item.url,
    canonicalUrl: item.url,
    title: item.title,
    byline: item.byline,
    siteName: item.siteName,
    lang: item.lang,
    dir: null,
    publishedAt: item.publishedAt,
    modifiedAt: null,
    text: item.text,
    excerpt: null,
    wordCount: item.text.split(/\s+/).filter(Boolean).length,
    status: item.extraction.status,
    reason: item.extraction.reason,
    paywalled: item.extraction.status === 'paywalled',
    leadImage: null,
    extractor: { name: item.extraction.extractor.name, version: item.extraction.extractor.version, dom: null },
  };
}
