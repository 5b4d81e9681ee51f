/**
 * Polling intervals: durations as written in the config (`15m`, `2h`), the period of the `schedule` cron, a feed's
 * publishing rhythm (kept in its state) and the adaptive interval that follows it, and when a feed is due.
 */
import { Cron } from 'croner';
import { ConfigError } from '../errors.ts';
import type { FeedEntry, FeedInterval, FeedRhythm, FeedSource, FeedState } from '../types.ts';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Parses a duration: one or more of `<n>d`, `<n>h`, `<n>m`, `<n>s`, largest unit first (`90s`, `15m`, `2h`, `1h30m`,
 * `1d`). At least one second.
 * @returns ms, or a one-sentence problem when `text` is not a duration
 */
export function parseDuration(text: string): number | string {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === '') return `"${text}" is not a duration like 90s, 15m, 2h, 1h30m or 1d`;
  const ms =
    Number(m[1] ?? 0) * UNIT_MS.d +
    Number(m[2] ?? 0) * UNIT_MS.h +
    Number(m[3] ?? 0) * UNIT_MS.m +
    Number(m[4] ?? 0) * UNIT_MS.s;
  if (ms < 1000) return `"${text}" is shorter than one second`;
  return ms;
}

/** A duration in ms as the config writes it, whole units only: `1h30m`, `15m`, `45s`, `2d`; `0s` for less. */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000) * 1000;
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}

const periodCache = new Map<string, number>();
/** Where `cronPeriodMs` starts looking: a fixed Monday, so the answer does not depend on the day it is asked. */
const PERIOD_FROM = new Date('2025-01-06T00:00:00.000Z');

/**
 * The period of a cron schedule (UTC, croner): the shortest gap between consecutive runs among its next 64 runs
 * from a fixed date (`*\/2 * * * *` → 2 min, `0 * * * *` → 1 h, `0 9,17 * * *` → 8 h). The scheduler runs once
 * per run, so this is the shortest interval at which a feed can be polled. Cached per expression.
 * @throws ConfigError when croner refuses the expression or it has fewer than two runs
 */
export function cronPeriodMs(expr: string): number {
  const cached = periodCache.get(expr);
  if (cached !== undefined) return cached;
  let runs: Date[];
  try {
    runs = new Cron(expr, { timezone: 'UTC', paused: true }).nextRuns(64, PERIOD_FROM);
  } catch (err) {
    throw new ConfigError(`schedule: invalid cron expression "${expr}": ${(err as Error).message}`);
  }
  if (runs.length < 2) throw new ConfigError(`schedule: "${expr}" does not repeat, so it has no period`);
  let period = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) period = Math.min(period, runs[i]!.getTime() - runs[i - 1]!.getTime());
  periodCache.set(expr, period);
  return period;
}

/** Times kept in `FeedRhythm.times` (so 11 gaps). */
export const RHYTHM_KEEP = 12;
/** Gaps needed before a rhythm is trusted. */
export const RHYTHM_MIN_GAPS = 2;
/** A feed is silent when nothing appeared for this many times its median gap… */
export const SILENT_FACTOR = 4;
/** …and for at least this long, ms (a feed publishing every few minutes is not "silent" after a quarter hour). */
export const SILENT_MIN_MS = 3_600_000;

/**
 * When an entry appeared, for the rhythm: its publication time, else `nowMs` (when it was first seen); a time in
 * the future (a publisher's clock ahead) counts as now.
 * @returns epoch ms
 */
export function entryTimeMs(entry: Pick<FeedEntry, 'publishedAt'>, nowMs: number): number {
  const t = entry.publishedAt ? Date.parse(entry.publishedAt) : Number.NaN;
  return Number.isFinite(t) ? Math.min(t, nowMs) : nowMs;
}

/**
 * Adds the times of new entries to a rhythm: distinct seconds, ascending, the `RHYTHM_KEEP` most recent. Pure.
 * @param timesMs epoch ms (see `entryTimeMs`)
 * @param nowMs starts a new rhythm's `since`
 */
export function recordEntryTimes(rhythm: FeedRhythm | undefined, timesMs: number[], nowMs: number): FeedRhythm {
  const all = new Set(rhythm?.times ?? []);
  for (const t of timesMs) all.add(Math.floor(t / 1000));
  const times = [...all].sort((a, b) => a - b).slice(-RHYTHM_KEEP);
  return { since: rhythm?.since ?? Math.floor(nowMs / 1000), times };
}

/** The median gap between a rhythm's entries, ms; null with fewer than `RHYTHM_MIN_GAPS` gaps. */
export function medianGapMs(rhythm: FeedRhythm | undefined): number | null {
  const t = rhythm?.times ?? [];
  if (t.length < RHYTHM_MIN_GAPS + 1) return null;
  const gaps = t
    .slice(1)
    .map((x, i) => x - t[i]!)
    .sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  const median = gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
  return median * 1000;
}

/**
 * How long the feed has been quiet, ms: since its latest entry, else since it has been watched; 0 when unknown.
 */
export function quietForMs(rhythm: FeedRhythm | undefined, nowMs: number): number {
  const last = rhythm?.times.at(-1) ?? rhythm?.since;
  return last === undefined ? 0 : Math.max(0, nowMs - last * 1000);
}

/**
 * The interval to the next poll, ms. Fixed: `ms`. Adaptive: the median gap between the feed's entries, or — when the
 * feed has been quiet for longer than `SILENT_FACTOR` gaps, or has no rhythm yet — a quarter of the time it has been
 * quiet, whichever is longer; then kept within `minMs`…`maxMs`. So a new feed starts at the floor, a steady feed is
 * polled about once per entry, and a feed that stops publishing is polled less and less often, up to the ceiling,
 * until its next entry brings it back to its rhythm.
 */
export function intervalMsFor(interval: FeedInterval, state: FeedState | null | undefined, nowMs: number): number {
  if (interval.mode === 'fixed') return interval.ms;
  const median = medianGapMs(state?.rhythm) ?? 0;
  const estimate = Math.max(median, quietForMs(state?.rhythm, nowMs) / SILENT_FACTOR);
  return Math.round(Math.min(interval.maxMs, Math.max(interval.minMs, estimate)));
}

/**
 * Whether a feed is due at `nowMs`: never scheduled, `nextPollAt` reached, or — for a healthy feed — `nextPollAt`
 * within half a tick (and half its interval) from now.
 *
 * Why the tolerance: the scheduler runs once per tick (`schedule`), and a poll runs some time after its tick (the
 * feed queue drains over seconds to minutes). `nextPollAt = poll time + interval` therefore lands just *after* the
 * tick one interval later, and without a tolerance the feed waits for the tick after that: under `*\/5 * * * *` a
 * 5-minute feed was polled every 10 minutes (measured by bench:scale). Counting a feed due up to half a tick early
 * rounds every next poll to the nearest tick instead, so the effective interval is the configured one (rounded to
 * ticks) however long the queue took. Half its interval at most, so a duplicate message right after a poll still
 * finds it not due. A failing feed gets no tolerance: its backoff and a server's Retry-After are kept to the letter.
 * @param feed the configured feed (without `interval`: no tolerance)
 */
export function isDue(feed: FeedSource, state: FeedState | null | undefined, nowMs: number): boolean {
  if (!state?.nextPollAt) return true;
  const next = Date.parse(state.nextPollAt);
  if (!(next > nowMs)) return true;
  if (!feed.interval || state.consecutiveFailures > 0) return false;
  const tolerance = Math.min(feed.interval.tickMs, intervalMsFor(feed.interval, state, nowMs)) / 2;
  return next <= nowMs + tolerance;
}

/** The longest time before `nextPollAt` at which `isDue` may count a feed due with this tick: half a tick, ms. */
export function dueHorizonMs(tickMs: number): number {
  return tickMs / 2;
}

/**
 * A feed's interval and health against its rhythm, as the feed listing shows them.
 * - `interval`: `15m` (fixed) or `adaptive` — as configured; `intervalMs`: the interval in force now;
 * - `rhythmMs`: the median gap between its entries (null until known);
 * - `overdue`: a polled feed whose `nextPollAt` passed more than one tick (and one interval) ago — nothing polled it;
 * - `lastEntryAt`: when its newest entry appeared (publication time, else first sight; ISO-8601 UTC), or null;
 * - `silent`: no new entry for `SILENT_FACTOR` × its median gap, and for at least `SILENT_MIN_MS`.
 * Without `feed` (a stored feed no longer configured) the interval fields are null and it is never overdue.
 */
export function feedTiming(
  feed: FeedSource | undefined,
  state: FeedState | undefined,
  nowMs: number,
): {
  interval: string | null;
  intervalMs: number | null;
  rhythmMs: number | null;
  lastEntryAt: string | null;
  overdue: boolean;
  silent: boolean;
} {
  const rhythmMs = medianGapMs(state?.rhythm);
  const latest = state?.rhythm?.times.at(-1);
  const lastEntryAt = latest === undefined ? null : new Date(latest * 1000).toISOString();
  const silent =
    rhythmMs !== null && quietForMs(state?.rhythm, nowMs) > Math.max(SILENT_MIN_MS, SILENT_FACTOR * rhythmMs);
  if (!feed?.interval) return { interval: null, intervalMs: null, rhythmMs, lastEntryAt, overdue: false, silent };
  const intervalMs = intervalMsFor(feed.interval, state, nowMs);
  const next = state?.nextPollAt ? Date.parse(state.nextPollAt) : Number.NaN;
  const overdue =
    state?.status !== null &&
    state?.status !== undefined &&
    Number.isFinite(next) &&
    nowMs - next > Math.max(feed.interval.tickMs, intervalMs);
  return {
    interval: feed.interval.mode === 'fixed' ? formatDuration(feed.interval.ms) : 'adaptive',
    intervalMs,
    rhythmMs,
    lastEntryAt,
    overdue,
    silent,
  };
}
