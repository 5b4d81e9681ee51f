import { Cron } from 'croner';
import { ConfigError } from '../errors.ts';

/** A parsed digest schedule: `hourly`, or `daily HH:MM [Area/City]` (zone default UTC). */
export type DigestSchedule =
  | { kind: 'hourly'; text: string }
  | { kind: 'daily'; text: string; hour: number; minute: number; timeZone: string };

const DAILY = /^daily\s+([01]\d|2[0-3]):([0-5]\d)(?:\s+(\S+))?$/;

/** True when `zone` is an IANA time zone name this runtime knows (ECMA-402 `Intl.DateTimeFormat`). */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses a digest schedule string.
 * @param text `hourly` | `daily HH:MM` | `daily HH:MM Area/City` (24-hour clock, IANA zone)
 * @returns the schedule, or a one-sentence problem when invalid
 */
export function parseDigestSchedule(text: string): DigestSchedule | string {
  const t = text.trim();
  if (t === 'hourly') return { kind: 'hourly', text: t };
  const m = DAILY.exec(t);
  if (!m) return `schedule "${text}" is not "hourly" or "daily HH:MM Area/City"`;
  const timeZone = m[3] ?? 'UTC';
  if (!isValidTimeZone(timeZone)) return `schedule "${text}": unknown time zone "${timeZone}"`;
  return { kind: 'daily', text: t, hour: Number(m[1]), minute: Number(m[2]), timeZone };
}

/**
 * Like `parseDigestSchedule`, throwing.
 * @throws ConfigError `config_invalid` naming `where` (e.g. `subscriptions[desk-mail]`)
 */
export function requireDigestSchedule(text: string, where: string): DigestSchedule {
  const s = parseDigestSchedule(text);
  if (typeof s === 'string') throw new ConfigError(`${where}: ${s}`);
  return s;
}

/**
 * The first occurrence of `schedule` strictly after `after` (wall-clock in the schedule's zone, DST-aware via croner).
 * @returns a UTC Date
 */
export function nextOccurrence(schedule: DigestSchedule, after: Date): Date {
  const cron =
    schedule.kind === 'hourly'
      ? new Cron('0 * * * *', { timezone: 'UTC', paused: true })
      : new Cron(`${schedule.minute} ${schedule.hour} * * *`, { timezone: schedule.timeZone, paused: true });
  const next = cron.nextRun(after);
  // A daily/hourly pattern always has a next run; the fallback only satisfies the type.
  return next ?? new Date(after.getTime() + 24 * 3600_000);
}
