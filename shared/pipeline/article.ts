import { createHash } from 'node:crypto';
import { canonicalizeUrl } from '../feeds/index.ts';
import { fetchAndExtract, extractPage, extractPoolFor } from '../extract/index.ts';
import { itemIdFor } from '../store/index.ts';
import type { Assignment } from '../stories/assign.ts';
import { outletOf } from '../text/outlet.ts';
import type { AlertJob, ArticleJob, Extraction, IsoDateTime, StoredItem, StoryVersion } from '../types.ts';
import type { PipelineContext } from './context.ts';
import { feedById } from './schedule.ts';
import { assignArticle, recordStory } from './stories.ts';

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
