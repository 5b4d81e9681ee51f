import type { Config } from '../config/load.ts';
import type { ArticleJob, FeedEntry, IsoDateTime, PageSchedule } from '../types.ts';

/*
 * The page schedule's policy, as pure functions of the schedule, the fetch outcome and the clock (no I/O): when a
 * failed page fetch is retried, when a page that matched a topic is re-checked, and when either stops. The I/O
 * around it is in pages.ts; the record layout in shared/store/pages.ts.
 *
 * Retries: exponential backoff `min(maxBackoff, backoff·2^(attempts-1))` — no jitter: the HTTP chokepoint spaces
 * requests to one host anyway (`http.hostGapMs`, shared across processes), so retries after a publisher outage
 * cannot stampede it. A `Retry-After` (RFC 9110 §10.2.3) replaces the computed delay, capped at `maxBackoff`.
 * Rechecks: `stories.recheck` delays counted from the item's first sight; a step whose time has passed (the page
 * was retried for hours first) is skipped, not run late in a burst.
 */

/** How one page fetch ended, as the schedule reads it. */
export type PageFetchOutcome =
  /** A 2xx HTML response; its validators (RFC 9110 §8.8) are kept for the next conditional GET. */
  | { kind: 'ok'; status: number; etag: string | null; lastModified: string | null }
  /** 304 Not Modified to a conditional GET (RFC 9110 §15.4.5). */
  | { kind: 'not_modified' }
  /** Worth trying later: 408/425/429/5xx (but 501/505), timeouts, refused/reset connections, DNS failures. */
  | { kind: 'transient'; error: string; retryAfterMs: number | null }
  /** Not worth trying again: 404, 410 and other 4xx, SSRF refusals, bad URLs, unsupported content types, caps. */
  | { kind: 'permanent'; error: string };

/** The policy's settings: `pages.retry` and `stories.recheck` (all ms). */
export interface PagePolicy {
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  giveUpAfterMs: number;
  /** Recheck delays from first sight, ms, ascending as configured. */
  recheckMs: readonly number[];
}

/** The policy of a configuration. */
export function pagePolicyOf(config: Pick<Config, 'pages' | 'stories'>): PagePolicy {
  const r = config.pages.retry;
  return {
    maxAttempts: r.maxAttempts,
    backoffMs: r.backoff,
    maxBackoffMs: r.maxBackoff,
    giveUpAfterMs: r.giveUpAfter,
    recheckMs: config.stories.recheck,
  };
}

/** How long a begun page job holds its schedule before the schedule is due again (a crashed worker's job). */
export const PAGE_LEASE_MS = 15 * 60_000;

const iso = (t: number): IsoDateTime => new Date(t).toISOString();

/**
 * Delay before the next attempt after `attempts` failed fetches (≥ 1).
 * @param retryAfterMs the server's `Retry-After`, ms from now, if any: used instead of the backoff
 * @returns ms, at most `maxBackoffMs`
 */
export function retryDelayMs(attempts: number, policy: PagePolicy, retryAfterMs: number | null = null): number {
  if (retryAfterMs !== null) return Math.min(policy.maxBackoffMs, Math.max(0, retryAfterMs));
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
}

/** Caps of the entry kept in a schedule (the record stays a few KB, so index reads stay cheap). */
const MAX_SUMMARY_CHARS = 2_000;
const MAX_TITLE_CHARS = 2_000;
const MAX_LIST = 20;

/** The article job kept in a schedule: the entry without `contentHtml`, summary and lists capped. */
export function scheduledJobOf(job: ArticleJob): PageSchedule['job'] {
  const e = job.entry;
  const entry: FeedEntry = {
    ...e,
    title: e.title.slice(0, MAX_TITLE_CHARS),
    summary: e.summary === null ? null : e.summary.slice(0, MAX_SUMMARY_CHARS),
    contentHtml: null,
    categories: e.categories.slice(0, MAX_LIST),
    enclosures: e.enclosures.slice(0, MAX_LIST),
  };
  return { feedId: job.feedId, feedUrl: job.feedUrl, entry, discoveredAt: job.discoveredAt };
}

/** A schedule with nothing scheduled yet (phase `done`, no outcome), for an item's page. */
export function blankSchedule(args: {
  itemId: string;
  url: string;
  job: ArticleJob;
  firstSeenAt: IsoDateTime;
  now: Date;
}): PageSchedule {
  return {
    itemId: args.itemId,
    url: args.url,
    job: scheduledJobOf(args.job),
    firstSeenAt: args.firstSeenAt,
    phase: 'done',
    nextAt: null,
    outcome: null,
    attempts: 0,
    maxAttempts: 0,
    firstFailureAt: null,
    lastAttemptAt: null,
    lastError: null,
    gaveUpAt: null,
    recheck: null,
    etag: null,
    lastModified: null,
    inFlight: null,
    updatedAt: args.now.toISOString(),
  };
}

/**
 * Counts one fetch made for a due schedule: a retry attempt (`attempts + 1`) or a recheck (`done + 1`, `next`
 * moves past the step just made).
 */
export function countFetch(s: PageSchedule, now: Date): PageSchedule {
  const at = now.toISOString();
  if (s.phase === 'recheck' && s.recheck) {
    return {
      ...s,
      lastAttemptAt: at,
      recheck: { ...s.recheck, done: s.recheck.done + 1, next: s.recheck.next + 1, lastCheckedAt: at },
      updatedAt: at,
    };
  }
  return { ...s, attempts: s.attempts + 1, lastAttemptAt: at, updatedAt: at };
}

/**
 * A normal (feed) job's fetch failed transiently: the page starts, or continues, a run of retries. Counts the fetch.
 */
export function startRetry(prev: PageSchedule, now: Date): PageSchedule {
  const at = now.toISOString();
  const continuing = prev.phase === 'retry';
  return {
    ...prev,
    phase: 'retry',
    outcome: null,
    attempts: continuing ? prev.attempts + 1 : 1,
    firstFailureAt: continuing ? (prev.firstFailureAt ?? at) : at,
    gaveUpAt: null,
    lastAttemptAt: at,
    updatedAt: at,
  };
}

/**
 * After a transient failure (the fetch already counted). In a run of retries: the next attempt after the backoff
 * (or `Retry-After`), or a give-up when `maxAttempts` fetches failed or the next one would fall after
 * `giveUpAfterMs` from the first failure. While rechecking: the failure is recorded and the next step scheduled
 * (a recheck is not retried; the next one comes anyway).
 */
export function afterTransient(
  s: PageSchedule,
  failure: { error: string; retryAfterMs: number | null },
  now: Date,
  policy: PagePolicy,
): PageSchedule {
  const t = now.getTime();
  const base = { ...s, lastError: failure.error, inFlight: null, updatedAt: iso(t) };
  if (s.phase === 'recheck' && s.recheck) {
    return scheduleNextRecheck({ ...base, recheck: { ...s.recheck, lastOutcome: 'failed' } }, now, policy);
  }
  const delay = retryDelayMs(s.attempts, policy, failure.retryAfterMs);
  const first = Date.parse(s.firstFailureAt ?? iso(t));
  if (s.attempts >= policy.maxAttempts || t + delay > first + policy.giveUpAfterMs) {
    return { ...base, phase: 'done', outcome: 'gave_up', nextAt: null, gaveUpAt: iso(t) };
  }
  return { ...base, phase: 'retry', outcome: null, nextAt: iso(t + delay) };
}

/** After a permanent failure: nothing more is scheduled (no retry, no further recheck). */
export function afterPermanent(s: PageSchedule, error: string, now: Date): PageSchedule {
  const at = now.toISOString();
  return {
    ...s,
    phase: 'done',
    outcome: 'permanent',
    nextAt: null,
    lastError: error,
    inFlight: null,
    updatedAt: at,
    recheck: s.recheck && s.phase === 'recheck' ? { ...s.recheck, lastOutcome: 'failed' } : s.recheck,
  };
}

/**
 * After the page answered (2xx or 304). A page being re-checked records what the check found and gets its next
 * step; any other page (first fetch, successful retry) starts its rechecks when it `matched` a topic and
 * `stories.recheck` has a step still ahead, else is done.
 * @param found what a recheck found: `not_modified` (304), `unchanged` (same text), `changed` (a new version),
 *   `failed` (the page answered without usable text); ignored outside rechecks
 */
export function afterFetched(
  s: PageSchedule,
  args: {
    matched: boolean;
    etag?: string | null;
    lastModified?: string | null;
    found?: 'not_modified' | 'unchanged' | 'changed' | 'failed';
    error?: string | null;
  },
  now: Date,
  policy: PagePolicy,
): PageSchedule {
  const at = now.toISOString();
  const next: PageSchedule = {
    ...s,
    etag: args.etag !== undefined ? args.etag : s.etag,
    lastModified: args.lastModified !== undefined ? args.lastModified : s.lastModified,
    lastError: args.found === 'failed' ? (args.error ?? s.lastError) : s.lastError,
    inFlight: null,
    updatedAt: at,
  };
  if (s.phase === 'recheck' && s.recheck) {
    return scheduleNextRecheck({ ...next, recheck: { ...s.recheck, lastOutcome: args.found ?? null } }, now, policy);
  }
  if (args.matched && policy.recheckMs.length > 0) {
    const recheck = s.recheck ?? {
      next: 0,
      done: 0,
      of: policy.recheckMs.length,
      lastCheckedAt: null,
      lastOutcome: null,
    };
    return scheduleNextRecheck({ ...next, phase: 'recheck', outcome: null, recheck }, now, policy);
  }
  return { ...next, phase: 'done', outcome: 'fetched', nextAt: null };
}

/** The first recheck step at or after `recheck.next` whose time (first sight + delay) is still ahead, else done. */
function scheduleNextRecheck(s: PageSchedule, now: Date, policy: PagePolicy): PageSchedule {
  const r = s.recheck!;
  const seen = Date.parse(s.firstSeenAt);
  const of = policy.recheckMs.length;
  for (let i = r.next; i < of; i++) {
    const at = seen + policy.recheckMs[i]!;
    if (at > now.getTime()) {
      return { ...s, phase: 'recheck', outcome: null, nextAt: iso(at), recheck: { ...r, next: i, of } };
    }
  }
  return { ...s, phase: 'done', outcome: 'fetched', nextAt: null, recheck: { ...r, next: of, of } };
}
