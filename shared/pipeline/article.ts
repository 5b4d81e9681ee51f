import { createHash } from 'node:crypto';
import { canonicalizeUrl } from '../feeds/index.ts';
import { fetchAndExtract, extractPage, extractPoolFor } from '../extract/index.ts';
import { itemIdFor } from '../store/index.ts';
import type { Assignment } from '../stories/assign.ts';
import { outletOf } from '../text/outlet.ts';
import type { AlertJob, ArticleJob, Extraction, IsoDateTime, StoredItem, StoryVersion } from '../types.ts';
import type { PipelineContext } from './context.ts';
import {
  notePageFetch,
  processPageJob,
  recordingFetcher,
  replayFetcher,
  type PageArticleResult,
  type PageResponse,
} from './pages.ts';
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
  const work = () => {
    const { page } = job;
    // A retry or recheck the scheduler enqueued from the item's page schedule (pages.ts), else a feed's entry.
    if (page) return processPageJob(ctx, { ...job, page }, runPageArticle);
    return processArticle(ctx, job).then((r) => r.alerts);
  };
  if (!key) return work();
  const previous = urlTurns.get(key) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(work);
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

/** The article path as a page job runs it: the response in hand, the item it belongs to. */
const runPageArticle = (
  ctx: PipelineContext,
  job: ArticleJob,
  run: { response: PageResponse; item: StoredItem; replanUnchanged: boolean },
): Promise<PageArticleResult> => processArticle(ctx, job, run);

/** Statuses whose text is the page's own (not the feed's): what a page job may store over the item's text. */
const pageTextStatuses = new Set(['full', 'partial']);

/**
 * One article job. For a feed's job (`run` absent) the page is fetched here; for a page job (pages.ts) the
 * response is in hand and the item is the page schedule's: the text is stored only when it is the page's own
 * (`full`/`partial`, and for a recheck of a `full` page, `full` again), so a consent wall or an error page never
 * replaces the text; and it is stored on that same item, whatever canonical URL the page declares now.
 */
async function processArticle(
  ctx: PipelineContext,
  job: ArticleJob,
  run?: { response: PageResponse; item: StoredItem; replanUnchanged: boolean },
): Promise<PageArticleResult> {
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
  let known: StoredItem | null = run?.item ?? null;
  if (entry.url && !run) {
    const knownId = await ctx.store.findItemIdByUrl(entry.url);
    known = knownId ? await ctx.store.getItem(knownId) : null;
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
      return { alerts: jobs, found: 'unchanged', reason: null, matched: saved.item.topics.length > 0 };
    }
  }

  // A page job's entry carries no `contentHtml` (kept small in the schedule): an item whose text came from the feed
  // offers that text instead, so a page shorter than the feed's text still falls back to it (and is not stored).
  const fallback =
    run && !pageTextStatuses.has(run.item.extraction.status)
      ? { title: entry.title, summary: run.item.text, contentHtml: null }
      : { title: entry.title, summary: entry.summary, contentHtml: entry.contentHtml };
  // The `extract:` config section (DOM engine, jsdom fallback, size and word thresholds) plus the feed's text.
  const opts = { ...ctx.config.extract, fallback };
  let extraction: Extraction;
  let canonical: string;
  // Records how the page fetch ended (the page schedule reads it); a page job's response is replayed.
  const fetcher = recordingFetcher(run ? replayFetcher(run.response) : ctx.http, ctx.now);
  if (entry.url) {
    // Parsing and extraction run in the process-wide worker pool (limits per page; the fetch stays here).
    extraction = await fetchAndExtract(fetcher, entry.url, { ...opts, pool: extractPoolFor(ctx.config.extract) });
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

  const fetched = fetcher.outcome;
  /** A page job's own choice of canonical URL, kept as an alias of the schedule's item. */
  let declared: string | null = null;
  const fetchFailed = fetched !== null && (fetched.kind === 'transient' || fetched.kind === 'permanent');
  if (run) {
    // A page job: only the page's own text goes over the item's, and always onto that item.
    const usable =
      pageTextStatuses.has(extraction.status) &&
      (job.page?.mode !== 'recheck' || run.item.extraction.status !== 'full' || extraction.status === 'full');
    if (!usable) {
      log.info('page answered without usable text; item kept as it was', {
        itemId: run.item.id,
        extraction: extraction.status,
        reason: extraction.reason ?? undefined,
      });
      return { alerts: [], found: 'failed', reason: extraction.reason, matched: run.item.topics.length > 0 };
    }
    declared = canonical;
    canonical = run.item.url;
  } else if (known && fetchFailed && pageTextStatuses.has(known.extraction.status)) {
    // A feed's changed entry whose page failed now: the item keeps its page text (the feed's text never replaces
    // it); the page schedule retries a transient failure.
    await notePageFetch(ctx, { job, item: known, outcome: fetched!, matched: known.topics.length > 0 }, true);
    await ctx.store.markEntrySeen(job.feedId, entry, known.id);
    log.info('page fetch failed; stored page text kept', { itemId: known.id, reason: extraction.reason ?? undefined });
    return { alerts: [], found: 'failed', reason: extraction.reason, matched: known.topics.length > 0 };
  }

  if (extraction.status === 'full') ctx.metrics.count('articlesExtracted');
  else if (extraction.status === 'failed') ctx.metrics.count('articlesFailed');
  else if (fallbackStatuses.has(extraction.status)) ctx.metrics.count('articlesFallback');

  const aliasUrls = [entry.url, canonicalizeUrl(extraction.url), declared].filter(
    (u): u is string => typeof u === 'string' && u !== canonical,
  );
  const title = extraction.title ?? entry.title;
  const topics = ctx.topics.classify({ title: title ?? '', text: extraction.text });
  const seenAt: IsoDateTime = job.discoveredAt;
  const itemId = itemIdFor(canonical);
  const outlet = outletOf({ feedName: feed.name, siteName: extraction.siteName, url: canonical });

  // The story: the earlier item this article is a copy or version of, or a story of its own. An item keeps the
  // story it already has (a re-fetched page is a version of its own story).
  const existing = run && run.item.id === itemId ? run.item : await ctx.store.getItem(itemId);
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
      ? { storyId: saved.item.storyId, version: null, summary: null }
      : await recordStory(ctx, {
          assignment: existing ? { ...assignment, storyId: existing.storyId } : assignment,
          item: saved.item,
          // The page's first own text over text that came from the feed (a successful retry after a failed
          // fetch) is not a new version of the story (no update alert); its new topics alert as first alerts.
          previous:
            saved.previous &&
            !pageTextStatuses.has(saved.previous.extraction.status) &&
            pageTextStatuses.has(saved.item.extraction.status)
              ? null
              : saved.previous,
          feedId: job.feedId,
          outlet,
        });
  const item = { ...saved.item, storyId: story.storyId };
  // An `unchanged` outcome means this job is a replay (the entry is marked seen only after the save), e.g. after
  // a crash between the save and the alert queue. Re-plan every topic: alert records make the repeats no-ops,
  // and an alert lost in the crash is sent. Alerts are per story: a later copy finds the story's alert records
  // and sends nothing; a material new version alerts again as an update.
  // A page job that finds the page unchanged has nothing to replay (its alerts were planned when the text was
  // stored), unless it resumes a run that crashed.
  const replan = !run || run.replanUnchanged;
  const alertTopics = saved.outcome === 'unchanged' ? (replan ? saved.item.topics : []) : saved.newTopics;
  const jobs = withCorrelation([
    ...ctx.alerter.planAlerts(item, alertTopics),
    ...(story.version?.verdict === 'material' ? updateJobs(item, story.version) : []),
  ]);
  // The outbox: alert intents are durable before the entry counts as processed, so a crash after this point
  // loses no alert (the sweep delivers intents no queue message carried).
  await ctx.alerter.recordIntents(jobs, saved.item);
  const matched = saved.item.topics.length > 0 || (story.summary?.topics.length ?? 0) > 0;
  if (!run) {
    // A feed's entry: its page may need a retry or rechecks (pages.ts); then the entry counts as processed. A page
    // job leaves the entry record as the feed last brought it.
    if (fetched) await notePageFetch(ctx, { job, item: saved.item, outcome: fetched, matched }, existing !== null);
    await ctx.store.markEntrySeen(job.feedId, entry, saved.item.id);
  }

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
    page: job.page?.mode,
    durationMs: Date.now() - started,
  });
  return {
    alerts: jobs,
    found: saved.contentChanged ? 'changed' : 'unchanged',
    reason: null,
    matched,
  };
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
