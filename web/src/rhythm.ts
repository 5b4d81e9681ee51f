/*
 * A feed's rhythm: how often it usually publishes, from the publication times of its latest items (pure, so tests
 * run it in node).
 */

/** How many usual gaps a feed may stay quiet before the dashboard warns. */
export const SILENCE_FACTOR = 3;
/** The least quiet time that warns, ms (a feed publishing every few minutes is not "silent" after ten). */
export const MIN_SILENCE_MS = 3_600_000;

/**
 * The median gap between consecutive items and the newest item's time (ms since the epoch).
 * @param times the items' times, any order (NaN ignored, equal times counted once)
 * @returns null with fewer than three distinct times (one gap is no rhythm)
 */
export function rhythmOf(times: number[]): { medianGapMs: number; newest: number } | null {
  // Items published at the same instant (a feed's first batch, a site that stamps every entry alike) are one event.
  const sorted = [...new Set(times.filter((t) => !Number.isNaN(t)))].sort((a, b) => b - a);
  if (sorted.length < 3) return null;
  const gaps = sorted
    .slice(1)
    .map((t, i) => sorted[i]! - t)
    .sort((a, b) => a - b);
  const medianGapMs = gaps[Math.floor(gaps.length / 2)]!;
  return { medianGapMs, newest: sorted[0]! };
}

/** Whether a feed whose newest item is at `newest` is silent at `now`, given its rhythm. */
export function isSilent(r: { medianGapMs: number; newest: number }, now: number): boolean {
  return now - r.newest > Math.max(MIN_SILENCE_MS, SILENCE_FACTOR * r.medianGapMs);
}
