import { describeError } from '../errors.ts';
import type { PageFetcher } from '../extract/index.ts';
import { HttpError, isRetryableStatus, parseRetryAfter } from '../http/errors.ts';
import type { AlertJob, ArticleJob, IsoDateTime, PageSchedule, StoredItem } from '../types.ts';
import type { PipelineContext } from './context.ts';
import {
  afterFetched,
  afterPermanent,
  afterTransient,
  blankSchedule,
  countFetch,
  pagePolicyOf,
  PAGE_LEASE_MS,
  scheduledJobOf,
  startRetry,
  type PageFetchOutcome,
} from './page-schedule.ts';
import { feedById } from './schedule.ts';

/*
 * Pages fetched again later, around the article stage (article.ts):
 * - after a feed's article job, `notePageFetch` turns the page fetch's outcome into the item's page schedule: a
 *   retry after a transient failure, rechecks after a page that matched a topic, a recorded permanent failure;
 * - a scheduled job (`ArticleJob.page`, enqueued by the scheduler from the due-time index) runs `processPageJob`:
 *   one fetch (a conditional GET for rechecks); a 304 or a failure only updates the schedule (one write), a 2xx
 *   goes through the normal article path (extract, classify, story, alerts) and then updates the schedule.
 * Every schedule write is conditional on the revision read, so duplicates (two ticks enqueueing one due time, an SQS
 * redelivery) do the work once; a job for a due time the schedule has moved past is dropped.
 */

/** Media types the extractor reads (WHATWG MIME Sniffing "HTML MIME type" + XHTML); others are permanent failures. */
function isHtml(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  return essence === '' || essence === 'text/html' || essence === 'application/xhtml+xml';
}

/**
 * Classifies one page fetch: a response of any status, or the error the HTTP chokepoint threw.
 * Transient: statuses `isRetryableStatus` accepts (408, 425, 429, 5xx but 501/505), with `Retry-After` (RFC 9110
 * §10.2.3, HTTP-dates against `now`); thrown errors marked `retryable` (timeouts, refused/reset connections, DNS
 * failures, a host booked out) and anything unexpected. Permanent: other statuses (404, 410, 403 …), guard
 * refusals (SSRF, bad URL, redirects), caps, TLS failures, non-HTML bodies.
 */
export function classifyFetch(
  result: { response: { status: number; headers: Record<string, string> } } | { error: unknown },
  now: Date,
): PageFetchOutcome {
  if ('error' in result) {
    const err = result.error;
    if (err instanceof HttpError && !err.retryable) return { kind: 'permanent', error: describeError(err) };
    return {
      kind: 'transient',
      error: describeError(err),
      retryAfterMs: err instanceof HttpError ? err.retryAfterMs : null,
    };
  }
  const { status, headers } = result.response;
  if (status === 304) return { kind: 'not_modified' };
  if (status >= 200 && status <= 299) {
    if (!isHtml(headers['content-type'])) {
      return { kind: 'permanent', error: `not html (${headers['content-type']!.split(';')[0]!.trim()})` };
    }
    return { kind: 'ok', status, etag: headers.etag ?? null, lastModified: headers['last-modified'] ?? null };
  }
  if (isRetryableStatus(status)) {
    return { kind: 'transient', error: `http ${status}`, retryAfterMs: parseRetryAfter(headers['retry-after'], now) };
  }
  return { kind: 'permanent', error: `http ${status}` };
}

/** A response as `PageFetcher.request` returns it. */
export type PageResponse = Awaited<ReturnType<PageFetcher['request']>>;

/**
 * Wraps a fetcher so the outcome of its (single) page request is kept: `fetcher.outcome` after the call, and the
 * response itself in `fetcher.response`. `headers` are added to the request (conditional GET validators).
 */
export function recordingFetcher(
  inner: PageFetcher,
  now: () => Date,
  headers: Record<string, string> = {},
): PageFetcher & { outcome: PageFetchOutcome | null; response: PageResponse | null } {
  const rec = {
    outcome: null as PageFetchOutcome | null,
    response: null as PageResponse | null,
    async request(url: string, init: { kind: 'page'; headers?: Record<string, string> }): Promise<PageResponse> {
      try {
        const res = await inner.request(url, { ...init, headers: { ...init.headers, ...headers } });
        rec.response = res;
        rec.outcome = classifyFetch({ response: res }, now());
        return res;
      } catch (error) {
        rec.outcome = classifyFetch({ error }, now());
        throw error;
      }
    },
  };
  return rec;
}

/** A fetcher that answers with a response already in hand (a page job fetched the page itself). */
export function replayFetcher(response: PageResponse): PageFetcher {
  return { request: async () => response };
}

/** What the article stage reports to `notePageFetch` about a feed job. */
export interface PageFetchNote {
  job: ArticleJob;
  /** The item the page belongs to (saved now, or kept as it was). */
  item: StoredItem;
  outcome: PageFetchOutcome;
  /** The item or its story matched a topic (its page is then re-checked). */
  matched: boolean;
}

/**
 * Updates an item's page schedule after a feed's article job fetched its page. Reads the schedule only for an item
 * that existed before (`existed`), so a new item that fetched fine and matched nothing costs no request; writes
 * only when something is scheduled or recorded (a retry, rechecks, a permanent failure).
 * @throws StoreError when the table fails (the article job is then retried by its queue)
 */
export async function notePageFetch(ctx: PipelineContext, note: PageFetchNote, existed: boolean): Promise<void> {
  const now = ctx.now();
  const policy = pagePolicyOf(ctx.config);
  for (let attempt = 0; attempt < 3; attempt++) {
    const stored = existed || attempt > 0 ? await ctx.store.getPageSchedule(note.item.id) : null;
    const prev =
      stored?.schedule ??
      blankSchedule({
        itemId: note.item.id,
        url: note.job.entry.url ?? note.item.url,
        job: note.job,
        firstSeenAt: note.item.firstSeenAt,
        now,
      });
    // The job this schedule replays: the latest entry the feed brought.
    const base: PageSchedule = { ...prev, job: scheduledJobOf(note.job) };
    let next: PageSchedule | null;
    const o = note.outcome;
    if (o.kind === 'transient') next = afterTransient(startRetry(base, now), o, now, policy);
    else if (o.kind === 'permanent') next = afterPermanent(startRetry(base, now), o.error, now);
    else if (!stored && !note.matched)
      next = null; // fetched fine, nothing to re-check: no record
    else {
      next = afterFetched(
        base,
        o.kind === 'ok'
          ? { matched: note.matched, etag: o.etag, lastModified: o.lastModified }
          : { matched: note.matched },
        now,
        policy,
      );
    }
    if (!next || (stored && sameSchedule(stored.schedule, next))) return; // nothing new to record
    if (next.phase === 'done' && next.outcome === 'gave_up') ctx.metrics.count('pagesGaveUp');
    if (await ctx.store.putPageSchedule({ ...next, maxAttempts: policy.maxAttempts }, stored ? stored.rev : null)) {
      logSchedule(ctx, next, 'page schedule updated');
      return;
    }
  }
  ctx.logger.warn('page schedule kept changing under concurrent writers; left as it is', {
    stage: 'process',
    itemId: note.item.id,
  });
}

/** True when two schedules differ at most in their write time (e.g. a replayed feed job changed nothing). */
function sameSchedule(a: PageSchedule, b: PageSchedule): boolean {
  const strip = (s: PageSchedule) => JSON.stringify({ ...s, updatedAt: null, maxAttempts: null });
  return strip(a) === strip(b);
}

function logSchedule(ctx: PipelineContext, s: PageSchedule, message: string): void {
  ctx.logger.info(message, {
    stage: 'pages',
    itemId: s.itemId,
    entryUrl: s.url,
    phase: s.phase,
    outcome: s.outcome ?? undefined,
    attempts: s.attempts,
    nextAt: s.nextAt ?? undefined,
    lastError: s.lastError ?? undefined,
    recheck: s.recheck ? `${s.recheck.done}/${s.recheck.of}` : undefined,
  });
}

/** What the article stage did with a page job's response. */
export interface PageArticleResult {
  alerts: AlertJob[];
  /** How the stored item changed: `changed` (new text), `unchanged`, or `failed` (no usable page text: not saved). */
  found: 'changed' | 'unchanged' | 'failed';
  /** Why the page text was not used (`found: failed`), e.g. the extraction's reason. */
  reason: string | null;
  matched: boolean;
}

/** The article stage as a page job calls it: extraction of a response in hand, then the normal path. */
export type RunPageArticle = (
  ctx: PipelineContext,
  job: ArticleJob,
  run: { response: PageResponse; item: StoredItem; replanUnchanged: boolean },
) => Promise<PageArticleResult>;

/**
 * Runs one scheduled page job (`job.page`): a retry of a failed fetch or a recheck.
 * 1. Reads the schedule; a job for a due time the schedule moved past (a duplicate, a late redelivery) is dropped.
 *    A redelivered job whose run began but did not finish (a crashed worker) resumes it.
 * 2. Fetches the page once through the HTTP chokepoint (same per-host gate as every fetch), with `If-None-Match` /
 *    `If-Modified-Since` from the last 2xx on a recheck (RFC 9110 §13.1).
 * 3. A 304, a transient or a permanent failure: one conditional write of the schedule (next retry or step, give-up,
 *    stop). The stored item is never touched, so a failed fetch never replaces page text with feed text.
 * 4. A 2xx: the schedule is marked in flight (one write, so a crash cannot repeat the fetch forever), then the
 *    normal article path runs on the response (`run`), then the schedule records what it found (one write).
 * @returns the alert jobs of the article path (empty for steps 1 and 3)
 * @throws StoreError when the table fails (the queue retries; the schedule's revision keeps that idempotent)
 */
export async function processPageJob(
  ctx: PipelineContext,
  job: ArticleJob & { page: NonNullable<ArticleJob['page']> },
  run: RunPageArticle,
): Promise<AlertJob[]> {
  const now = ctx.now();
  const policy = pagePolicyOf(ctx.config);
  const marker = job.page;
  const log = ctx.logger.child({
    stage: 'pages',
    itemId: marker.itemId,
    entryUrl: job.entry.url ?? undefined,
    mode: marker.mode,
    correlationId: job.correlationId,
  });
  const stored = await ctx.store.getPageSchedule(marker.itemId);
  const s = stored?.schedule;
  const resumed = s?.inFlight?.due === marker.due;
  if (!stored || !s || s.phase !== marker.mode || (!resumed && s.nextAt !== marker.due)) {
    log.debug('page job is stale (its schedule moved on); dropped', { due: marker.due });
    return [];
  }
  let rev = stored.rev;
  const write = async (next: PageSchedule, message = `page ${marker.mode} done`): Promise<boolean> => {
    if (!(await ctx.store.putPageSchedule({ ...next, maxAttempts: policy.maxAttempts }, rev))) {
      log.info('page schedule changed meanwhile (another worker); this job stops');
      return false;
    }
    rev += 1;
    logSchedule(ctx, next, message);
    return true;
  };

  const stop = async () => {
    // The item expired, or its feed left the configuration: nothing to fetch for.
    await write({ ...s, phase: 'done', outcome: s.outcome ?? 'fetched', nextAt: null, inFlight: null });
    return [];
  };
  if (!isConfigured(ctx, job.feedId)) return stop();
  if (!resumed && s.phase === 'retry' && s.attempts >= policy.maxAttempts) {
    // Only after a crashed run: every attempt was used.
    ctx.metrics.count('pagesGaveUp');
    await write(afterTransient(s, { error: s.lastError ?? 'interrupted', retryAfterMs: null }, now, policy));
    return [];
  }

  const counted = resumed ? s : countFetch(s, now);
  ctx.metrics.count(marker.mode === 'retry' ? 'pagesRetried' : 'pagesRechecked');
  const validators: Record<string, string> = {};
  if (marker.mode === 'recheck') {
    if (s.etag) validators['if-none-match'] = s.etag;
    if (s.lastModified) validators['if-modified-since'] = s.lastModified;
  }
  const fetcher = recordingFetcher(ctx.http, ctx.now, validators);
  try {
    await fetcher.request(s.url, { kind: 'page', headers: { accept: PAGE_ACCEPT } });
  } catch {
    /* classified in fetcher.outcome */
  }
  const outcome = fetcher.outcome!;
  const at = ctx.now();
  if (outcome.kind !== 'ok' || !fetcher.response) {
    if (outcome.kind === 'not_modified') {
      ctx.metrics.count('pagesNotModified');
      await write(afterFetched(counted, { matched: true, found: 'not_modified' }, at, policy));
    } else if (outcome.kind === 'transient') {
      const next = afterTransient(counted, outcome, at, policy);
      if (next.outcome === 'gave_up') ctx.metrics.count('pagesGaveUp');
      await write(next);
    } else if (outcome.kind === 'permanent') {
      await write(afterPermanent(counted, outcome.error, at));
    }
    return [];
  }

  // A 2xx: the item is read only now (a 304 or a failure costs no item read; the schedule expires with the item).
  const item = await ctx.store.getItem(marker.itemId);
  if (!item) return stop();
  // Mark the run in flight before the article path, so a crash there is counted and retried after a lease.
  if (!resumed) {
    const inFlight = {
      ...counted,
      inFlight: { due: marker.due, since: at.toISOString() },
      nextAt: new Date(at.getTime() + PAGE_LEASE_MS).toISOString() as IsoDateTime,
    };
    if (!(await write(inFlight, `page ${marker.mode}: page fetched, processing`))) return [];
  }
  const result = await run(ctx, job, { response: fetcher.response, item, replanUnchanged: resumed });
  await write(
    afterFetched(
      counted,
      {
        matched: result.matched,
        etag: outcome.etag,
        lastModified: outcome.lastModified,
        found: result.found,
        error: result.reason,
      },
      ctx.now(),
      policy,
    ),
  );
  return result.alerts;
}

/** The Accept header of article page requests (as `fetchAndExtract` sends it). */
export const PAGE_ACCEPT = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1';

function isConfigured(ctx: PipelineContext, feedId: string): boolean {
  try {
    feedById(ctx, feedId);
    return true;
  } catch {
    return false;
  }
}
