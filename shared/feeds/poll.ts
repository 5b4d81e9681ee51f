/**
 * Polling one feed with conditional GET, change detection, backoff and health state.
 * Validators per RFC 9110 §13.1 (If-None-Match / If-Modified-Since, 304 per §15.4.5); Retry-After per
 * RFC 9110 §10.2.3; backoff is exponential with "equal jitter" (AWS Architecture Blog, "Exponential Backoff
 * and Jitter"), capped, and never stops: every feed always has a next poll time.
 */
import type { FeedEntry, FeedSource, FeedState, FeedStatus } from '../types.ts';
import type { HttpClient, HttpResponse } from '../http/types.ts';
import { HttpError, errorForStatus } from '../http/errors.ts';
import { describeError, WirewatchError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { parseFeed } from './parse.ts';
import { FeedError } from './errors.ts';
import { sha256Hex } from './identity.ts';
import { intervalMsFor, isDue } from './interval.ts';

/** The port through which polling reads and writes per-feed state (the store implements it on DynamoDB). */
export interface FeedStateRepo {
  /** @returns the state of `feedId`, or null before its first poll */
  getFeedState(feedId: string): Promise<FeedState | null>;
  /** Replaces the state of `state.feedId`. */
  putFeedState(state: FeedState): Promise<void>;
}

/** Timing policy of `pollFeed`; all durations ms. */
export interface PollPolicy {
  /**
   * Interval after a successful or not-modified poll, for a feed without its own `interval` (feeds from the config
   * always have one: theirs, `polling.interval`, or the period of `schedule`). Default 5 min.
   */
  intervalMs: number;
  /** First failure's backoff; doubles per consecutive failure. Default 5 min. */
  backoffBaseMs: number;
  /** Backoff cap. Default 6 h. */
  backoffCapMs: number;
  /** Longest Retry-After honoured; longer values are cut to this. Default 24 h. */
  retryAfterCapMs: number;
  /** A run of 404/410 lasting this long (and `goneAfterFailures` polls) marks the feed `gone`. Default 7 days. */
  goneAfterMs: number;
  /** Minimum consecutive failures before `gone`. Default 5. */
  goneAfterFailures: number;
  /** Interval between checks of a `gone` feed. Default 24 h. */
  goneIntervalMs: number;
}

/** Defaults of `PollPolicy`. */
export const DEFAULT_POLL_POLICY: Readonly<PollPolicy> = Object.freeze({
  intervalMs: 5 * 60_000,
  backoffBaseMs: 5 * 60_000,
  backoffCapMs: 6 * 3600_000,
  retryAfterCapMs: 24 * 3600_000,
  goneAfterMs: 7 * 24 * 3600_000,
  goneAfterFailures: 5,
  goneIntervalMs: 24 * 3600_000,
});

/** Dependencies of `pollFeed`. */
export interface PollDeps {
  http: HttpClient;
  feedStates: FeedStateRepo;
  /** Clock (default `() => new Date()`). */
  now?: () => Date;
  logger?: Logger;
  /** Overrides of `DEFAULT_POLL_POLICY`. */
  policy?: Partial<PollPolicy>;
  /** Uniform [0,1) source for jitter (default `Math.random`); tests pin it. */
  random?: () => number;
}

/**
 * What one poll did. `ok` = fetched and parsed (`entries` = every entry of the document; the pipeline filters
 * the ones it has seen); `not_modified` = 304 or an identical body; `failed` = see `error` and `state.status`;
 * `skipped` = not due yet and not forced (state unchanged, nothing fetched).
 */
export interface PollResult {
  outcome: 'ok' | 'not_modified' | 'failed' | 'skipped';
  state: FeedState;
  entries: FeedEntry[];
  /** One-line error (`code: message`) when `outcome` is `failed`, else null. */
  error: string | null;
  /** Non-fatal notes: parse warnings, permanent redirects. */
  warnings: string[];
}

/** A fresh state for a feed never polled. */
export function initialFeedState(feed: FeedSource): FeedState {
  return {
    feedId: feed.id,
    url: feed.url,
    name: feed.name,
    status: null,
    consecutiveFailures: 0,
    lastPolledAt: null,
    lastSuccessAt: null,
    lastNewEntryAt: null,
    nextPollAt: null,
    lastError: null,
    etag: null,
    lastModified: null,
    bodyHash: null,
    goneSince: null,
  };
}

/**
 * Backoff delay after `failures` consecutive failures (≥ 1): `d = min(cap, base·2^(failures-1))`, then equal
 * jitter `d/2 + random·d/2`.
 * @returns delay in ms, in `[base/2, cap]`
 */
export function backoffDelayMs(failures: number, policy: PollPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * Polls one feed if it is due (`isDue`) or `force`, persisting its new state through `deps.feedStates`. The next
 * poll is one interval later: the feed's `interval` (fixed, or adaptive from `state.rhythm`), else the policy's.
 * Sends If-None-Match / If-Modified-Since from the stored validators; 304 or an unchanged body hash →
 * `not_modified`. On failure: status from the error (`http_error`, `network_error`, `parse_error`,
 * `not_a_feed`, `blocked`, `gone`), exponential backoff with jitter (cap 6 h), Retry-After honoured on any
 * failure that carries it (429/503), and 404/410 lasting `goneAfterMs` → `gone` (then checked every
 * `goneIntervalMs`).
 * `lastNewEntryAt` is left as stored: only the caller knows which entries are new (it filters them through the
 * store) and records it, e.g. `putFeedState({...result.state, lastNewEntryAt})`.
 * @param feed the configured feed (its `url` may differ from the stored one: validators are then dropped)
 * @param opts `force` polls even when `nextPollAt` is in the future
 * @returns the outcome; never throws for feed problems (HTTP, parse); rethrows FeedStateRepo failures (StoreError)
 */
export async function pollFeed(deps: PollDeps, feed: FeedSource, opts: { force?: boolean } = {}): Promise<PollResult> {
  const clock = deps.now ?? (() => new Date());
  const policy: PollPolicy = { ...DEFAULT_POLL_POLICY, ...deps.policy };
  const random = deps.random ?? Math.random;
  const stored = await deps.feedStates.getFeedState(feed.id);
  const startedAt = clock();
  const prev: FeedState = stored
    ? stored.url === feed.url
      ? stored
      : { ...stored, url: feed.url, etag: null, lastModified: null, bodyHash: null, goneSince: null }
    : initialFeedState(feed);

  // Due as the scheduler counts it (see `isDue`: a healthy feed up to half a tick early).
  if (!opts.force && !isDue(feed, prev, startedAt.getTime())) {
    return { outcome: 'skipped', state: prev, entries: [], error: null, warnings: [] };
  }

  const log = deps.logger?.child({ feedId: feed.id, feedUrl: feed.url, stage: 'poll' });
  const warnings: string[] = [];
  const headers: Record<string, string> = {};
  if (prev.etag) headers['if-none-match'] = prev.etag;
  if (prev.lastModified) headers['if-modified-since'] = prev.lastModified;

  const base: FeedState = { ...prev, name: feed.name, lastPolledAt: startedAt.toISOString() };
  const at = (ms: number) => new Date(clock().getTime() + ms).toISOString();

  const fail = async (status: FeedStatus, err: unknown, extra: Partial<FeedState> = {}): Promise<PollResult> => {
    const failures = prev.consecutiveFailures + 1;
    let delay = backoffDelayMs(failures, policy, random);
    const retryAfter = err instanceof HttpError ? err.retryAfterMs : null;
    if (retryAfter !== null) delay = Math.max(delay, Math.min(retryAfter, policy.retryAfterCapMs));
    let finalStatus = status;
    let goneSince: string | null = null;
    if (err instanceof HttpError && (err.status === 404 || err.status === 410)) {
      goneSince = prev.goneSince ?? startedAt.toISOString();
      const longEnough = startedAt.getTime() - Date.parse(goneSince) >= policy.goneAfterMs;
      if (prev.status === 'gone' || (longEnough && failures >= policy.goneAfterFailures)) {
        finalStatus = 'gone';
        delay = policy.goneIntervalMs;
      }
    }
    const error = describeError(err);
    const state: FeedState = {
      ...base,
      ...extra,
      status: finalStatus,
      consecutiveFailures: failures,
      lastError: error,
      goneSince,
      nextPollAt: at(delay),
    };
    if (finalStatus !== 'not_a_feed') delete state.suggestions;
    await deps.feedStates.putFeedState(state);
    // debug: the pipeline stage logs the outcome once, with the reason (shared/pipeline/stages.ts).
    log?.debug('feed poll failed', {
      status: finalStatus,
      errorCode: err instanceof WirewatchError ? err.code : 'unknown',
      durationMs: clock().getTime() - startedAt.getTime(),
      consecutiveFailures: failures,
      nextPollAt: state.nextPollAt,
    });
    return { outcome: 'failed', state, entries: [], error, warnings };
  };

  const succeed = async (
    outcome: 'ok' | 'not_modified',
    res: HttpResponse,
    fields: Partial<FeedState>,
    entries: FeedEntry[],
  ): Promise<PollResult> => {
    const state: FeedState = {
      ...base,
      ...fields,
      status: outcome,
      consecutiveFailures: 0,
      lastSuccessAt: startedAt.toISOString(),
      lastError: null,
      goneSince: null,
      etag: res.headers.etag ?? (res.status === 304 ? prev.etag : null),
      lastModified: res.headers['last-modified'] ?? (res.status === 304 ? prev.lastModified : null),
      // The watch starts with the first success, so a feed that never publishes still has a quiet time.
      rhythm: prev.rhythm ?? { since: Math.floor(startedAt.getTime() / 1000), times: [] },
    };
    state.nextPollAt = at(feed.interval ? intervalMsFor(feed.interval, state, clock().getTime()) : policy.intervalMs);
    delete state.suggestions;
    await deps.feedStates.putFeedState(state);
    log?.debug('feed polled', {
      status: outcome,
      entries: entries.length,
      durationMs: clock().getTime() - startedAt.getTime(),
    });
    return { outcome, state, entries, error: null, warnings };
  };

  let res: HttpResponse;
  try {
    res = await deps.http.request(feed.url, { kind: 'feed', headers });
  } catch (err) {
    return fail(statusForTransport(err), err);
  }
  for (const hop of res.redirects) {
    if (hop === feed.url && res.url !== feed.url) {
      warnings.push(`feed ${feed.url} redirects to ${res.url}; consider updating the configured URL`);
      break;
    }
  }
  if (res.status === 304) return succeed('not_modified', res, {}, []);
  if (res.status < 200 || res.status > 299) return fail('http_error', errorForStatus(res, clock()));

  const bodyHash = sha256Hex(res.body);
  if (prev.bodyHash && bodyHash === prev.bodyHash) return succeed('not_modified', res, { bodyHash }, []);

  try {
    const parsed = await parseFeed(res.body, { url: res.url, contentType: res.headers['content-type'], now: clock() });
    warnings.push(...parsed.warnings);
    return succeed('ok', res, { bodyHash }, parsed.entries);
  } catch (err) {
    if (err instanceof FeedError) {
      // Forget hash and validators of a bad body, so a fixed feed is fetched and parsed in full next time.
      const extra: Partial<FeedState> = { bodyHash: null, etag: null, lastModified: null };
      if (err.code === 'not_a_feed') extra.suggestions = err.suggestions;
      return fail(err.code === 'not_a_feed' ? 'not_a_feed' : 'parse_error', err, extra);
    }
    return fail('parse_error', err, { bodyHash: null });
  }
}

/** FeedStatus for a transport/guard failure. */
function statusForTransport(err: unknown): FeedStatus {
  if (err instanceof HttpError) {
    if (err.code === 'blocked_address' || err.code === 'bad_url') return 'blocked';
    if (err.code === 'too_many_redirects' || err.code === 'insecure_redirect' || err.code === 'response_too_large') {
      return 'http_error';
    }
  }
  return 'network_error';
}
