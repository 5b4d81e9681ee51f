/**
 * Polling intervals as pure functions: durations, the period of a cron schedule, a feed's rhythm, the adaptive
 * interval, when a feed is due (with the tolerance that keeps polls on their tick) and its timing in the listing.
 */
import { describe, expect, it } from 'vitest';
import { feedHealth } from '../../shared/api/index.ts';
import { initialFeedState } from '../../shared/feeds/index.ts';
import {
  cronPeriodMs,
  entryTimeMs,
  feedTiming,
  formatDuration,
  intervalMsFor,
  isDue,
  medianGapMs,
  parseDuration,
  RHYTHM_KEEP,
  recordEntryTimes,
} from '../../shared/feeds/interval.ts';
import type { FeedInterval, FeedSource, FeedState } from '../../shared/types.ts';

const MIN = 60_000;
const T = Date.parse('2026-12-01T12:00:00.000Z');
const sec = (ms: number) => Math.floor(ms / 1000);

const feed = (interval?: FeedInterval): FeedSource => ({
  id: 'f',
  url: 'https://example.org/f.xml',
  name: null,
  interval,
});
const state = (over: Partial<FeedState> = {}): FeedState => ({
  ...initialFeedState(feed()),
  status: 'ok',
  lastPolledAt: new Date(T).toISOString(),
  ...over,
});
const fixed5: FeedInterval = { mode: 'fixed', ms: 5 * MIN, tickMs: 5 * MIN };
const adaptive: FeedInterval = { mode: 'adaptive', minMs: 5 * MIN, maxMs: 360 * MIN, tickMs: 5 * MIN };

describe('durations', () => {
  it('parses units largest first and writes them back', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(15 * MIN);
    expect(parseDuration('1h30m')).toBe(90 * MIN);
    expect(parseDuration('2d')).toBe(2 * 86_400_000);
    for (const ms of [45_000, 15 * MIN, 90 * MIN, 2 * 86_400_000, 86_400_000 + 5_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
    expect(formatDuration(90 * MIN)).toBe('1h30m');
  });

  it('refuses what is not a duration, naming the forms it takes', () => {
    expect(parseDuration('15 minutes')).toMatch(/not a duration like 90s, 15m, 2h, 1h30m or 1d/);
    expect(parseDuration('30m2h')).toMatch(/not a duration/);
    expect(parseDuration('')).toMatch(/not a duration/);
    expect(parseDuration('0s')).toMatch(/shorter than one second/);
  });
});

describe('cronPeriodMs', () => {
  it('is the shortest gap between runs of the schedule', () => {
    expect(cronPeriodMs('*/2 * * * *')).toBe(2 * MIN);
    expect(cronPeriodMs('*/5 * * * *')).toBe(5 * MIN);
    expect(cronPeriodMs('0 * * * *')).toBe(60 * MIN);
    expect(cronPeriodMs('0 9,17 * * *')).toBe(8 * 60 * MIN);
    expect(cronPeriodMs('*/30 * * * * *')).toBe(30_000);
  });
});

describe('rhythm', () => {
  it('keeps distinct entry times, ascending, the most recent few; since is the first record', () => {
    const r1 = recordEntryTimes(undefined, [T - 20 * MIN, T - 40 * MIN, T - 20 * MIN + 300], T);
    expect(r1).toEqual({ since: sec(T), times: [sec(T - 40 * MIN), sec(T - 20 * MIN)] });
    const many = Array.from({ length: 30 }, (_, i) => T + i * MIN);
    const r2 = recordEntryTimes(r1, many, T + 30 * MIN);
    expect(r2.since).toBe(sec(T));
    expect(r2.times).toHaveLength(RHYTHM_KEEP);
    expect(r2.times.at(-1)).toBe(sec(T + 29 * MIN));
  });

  it('an entry time is its publication time, never in the future, else when it was seen', () => {
    expect(entryTimeMs({ publishedAt: new Date(T - MIN).toISOString() }, T)).toBe(T - MIN);
    expect(entryTimeMs({ publishedAt: new Date(T + 60 * MIN).toISOString() }, T)).toBe(T);
    expect(entryTimeMs({ publishedAt: null }, T)).toBe(T);
  });

  it('the median gap needs two gaps', () => {
    expect(medianGapMs({ since: 0, times: [0, 600] })).toBeNull();
    expect(medianGapMs({ since: 0, times: [0, 600, 1800] })).toBe(900_000);
    expect(medianGapMs({ since: 0, times: [0, 60, 1260, 2460] })).toBe(1_200_000);
  });
});

describe('adaptive interval', () => {
  const every20 = recordEntryTimes(
    undefined,
    Array.from({ length: 6 }, (_, i) => T - (5 - i) * 20 * MIN),
    T - 200 * MIN,
  );

  it('a new feed starts at the floor; a steady one follows its median gap', () => {
    expect(intervalMsFor(adaptive, state(), T)).toBe(5 * MIN);
    expect(intervalMsFor(adaptive, state({ rhythm: every20 }), T + MIN)).toBe(20 * MIN);
  });

  it('a feed that goes quiet is polled less and less often, up to the ceiling', () => {
    const quiet = (minutes: number) => intervalMsFor(adaptive, state({ rhythm: every20 }), T + minutes * MIN);
    expect(quiet(60)).toBe(20 * MIN);
    expect(quiet(200)).toBe(50 * MIN);
    expect(quiet(24 * 60)).toBe(360 * MIN);
    // Never below the floor, even for a feed publishing every minute.
    const busy = recordEntryTimes(undefined, [T - 2 * MIN, T - MIN, T], T);
    expect(intervalMsFor(adaptive, state({ rhythm: busy }), T)).toBe(5 * MIN);
  });

  it('a fixed interval is just that', () => {
    expect(intervalMsFor({ mode: 'fixed', ms: 15 * MIN, tickMs: 5 * MIN }, state({ rhythm: every20 }), T)).toBe(
      15 * MIN,
    );
  });
});

describe('isDue', () => {
  it('a healthy feed due within half a tick is due now; a duplicate message right after a poll is not', () => {
    const polledLate = state({ nextPollAt: new Date(T + 100_000).toISOString() });
    expect(isDue(feed(fixed5), polledLate, T)).toBe(true);
    expect(isDue(feed(fixed5), state({ nextPollAt: new Date(T + 3 * MIN).toISOString() }), T)).toBe(false);
    expect(isDue(feed(fixed5), state({ nextPollAt: new Date(T + 5 * MIN).toISOString() }), T)).toBe(false);
    // A 1-minute interval under a 5-minute tick: the tolerance is half the interval.
    const short: FeedInterval = { mode: 'fixed', ms: MIN, tickMs: 5 * MIN };
    expect(isDue(feed(short), state({ nextPollAt: new Date(T + 20_000).toISOString() }), T)).toBe(true);
    expect(isDue(feed(short), state({ nextPollAt: new Date(T + 40_000).toISOString() }), T)).toBe(false);
  });

  it('a failing feed waits for its backoff to the letter; a feed without interval has no tolerance', () => {
    const backoff = state({ consecutiveFailures: 1, nextPollAt: new Date(T + 60_000).toISOString() });
    expect(isDue(feed(fixed5), backoff, T)).toBe(false);
    expect(isDue(feed(fixed5), { ...backoff, nextPollAt: new Date(T).toISOString() }, T)).toBe(true);
    expect(isDue(feed(), state({ nextPollAt: new Date(T + 1).toISOString() }), T)).toBe(false);
    expect(isDue(feed(fixed5), null, T)).toBe(true);
  });
});

describe('feed timing in the listing', () => {
  const every20 = recordEntryTimes(undefined, [T - 60 * MIN, T - 40 * MIN, T - 20 * MIN, T], T - 60 * MIN);

  it('overdue when nothing polled it for over a tick; silent after four of its usual gaps', () => {
    const s = state({ rhythm: every20, nextPollAt: new Date(T + 5 * MIN).toISOString() });
    expect(feedTiming(feed(fixed5), s, T + 6 * MIN)).toEqual({
      interval: '5m',
      intervalMs: 5 * MIN,
      rhythmMs: 20 * MIN,
      lastEntryAt: new Date(T).toISOString(),
      overdue: false,
      silent: false,
    });
    expect(feedTiming(feed(fixed5), s, T + 11 * MIN).overdue).toBe(true);
    // Four gaps of 20 minutes are under the hour's floor: silent only after the hour.
    expect(feedTiming(feed(fixed5), s, T + 81 * MIN).silent).toBe(true);
    expect(feedTiming(feed(fixed5), s, T + 60 * MIN).silent).toBe(false);
    const every2 = recordEntryTimes(undefined, [T - 6 * MIN, T - 4 * MIN, T - 2 * MIN, T], T - 6 * MIN);
    expect(feedTiming(feed(fixed5), state({ rhythm: every2 }), T + 30 * MIN).silent).toBe(false);
    expect(feedTiming(feed(fixed5), state({ rhythm: every2 }), T + 61 * MIN).silent).toBe(true);
    expect(feedTiming(feed(fixed5), state(), T).lastEntryAt).toBeNull();
    // Adaptive: the interval in force now, and "adaptive" as configured.
    expect(feedTiming(feed(adaptive), s, T + MIN)).toMatchObject({ interval: 'adaptive', intervalMs: 20 * MIN });
    // Never polled: not overdue; not configured: no interval.
    expect(feedTiming(feed(fixed5), initialFeedState(feed()), T).overdue).toBe(false);
    expect(feedTiming(undefined, s, T + 11 * MIN)).toMatchObject({ interval: null, intervalMs: null, overdue: false });
  });

  it('feedHealth rows carry the timing, for configured and no longer configured feeds', () => {
    const s = state({ rhythm: every20, nextPollAt: new Date(T + 5 * MIN).toISOString() });
    const rows = feedHealth([s, { ...s, feedId: 'gone' }], [feed(fixed5)], new Date(T + 11 * MIN));
    expect(rows.map((r) => [r.id, r.interval, r.overdue, r.rhythmMs])).toEqual([
      ['f', '5m', true, 20 * MIN],
      ['gone', null, false, 20 * MIN],
    ]);
  });
});
