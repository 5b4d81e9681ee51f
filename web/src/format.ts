import { h } from './dom.ts';

/*
 * Times for people: relative ("5 min ago", "in 3 min") with the exact UTC time in a <time> element's title, so
 * both are there without a second column.
 */

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** `5 min. ago` / `in 3 min.` for an ISO-8601 time relative to `now` (ms). */
export function relative(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = t - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'second') return rtf.format(Math.round(diff / ms), unit);
  }
  return iso;
}

/** `2026-11-29 14:05 UTC`. */
export function utc(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A <time> element: relative text, exact UTC in the title; `–` when absent. */
export function time(iso: string | null | undefined): HTMLElement {
  if (!iso) return h('span', { class: 'muted' }, '–');
  return h('time', { datetime: iso, title: utc(iso) }, relative(iso));
}

/** A duration in words: `3 d`, `5 h`, `12 min`. */
export function duration(ms: number): string {
  if (ms >= 2 * 86_400_000) return `${Math.round(ms / 86_400_000)} d`;
  if (ms >= 2 * 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.max(1, Math.round(ms / 60_000))} min`;
}
