import { InfraError } from './errors.ts';

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** Unix day-of-week token (0-7, 0 and 7 = Sunday, or a 3-letter name) → its index 0..6 (0 = Sunday). */
function dayIndex(token: string, expr: string): number {
  const upper = token.toUpperCase();
  const byName = DAY_NAMES.indexOf(upper as (typeof DAY_NAMES)[number]);
  if (byName >= 0) return byName;
  if (/^[0-7]$/.test(token)) return Number(token) % 7;
  throw new InfraError('infra_schedule_invalid', `schedule "${expr}": day-of-week "${token}" is not 0-7 or SUN..SAT`);
}

/**
 * Converts the Unix day-of-week field (0/7 = Sunday; lists and ranges) to EventBridge day names, which avoids
 * the off-by-one between the two numberings (EventBridge counts 1 = Sunday). Wrapping ranges (`FRI-SUN`) are
 * expanded to lists. Steps (`/`), `L` and `#` are rejected: write an AWS `cron(...)` expression for those.
 */
function convertDayOfWeek(field: string, expr: string): string {
  const out: string[] = [];
  for (const part of field.split(',')) {
    if (/[/#L]/i.test(part)) {
      throw new InfraError(
        'infra_schedule_invalid',
        `schedule "${expr}": day-of-week "${part}" uses a step, L or #; give an AWS cron(...) expression instead`,
      );
    }
    const range = part.split('-');
    if (range.length === 1) {
      out.push(DAY_NAMES[dayIndex(part, expr)]!);
    } else if (range.length === 2) {
      const from = dayIndex(range[0]!, expr);
      // `7` as a range end means Sunday *after* Saturday, i.e. the end of the week.
      const to = range[1] === '7' ? 7 : dayIndex(range[1]!, expr);
      if (from <= to) {
        out.push(to === 7 ? `${DAY_NAMES[from]}-SAT,SUN` : `${DAY_NAMES[from]}-${DAY_NAMES[to]}`);
      } else {
        for (let d = from; d !== (to + 1) % 7; d = (d + 1) % 7) out.push(DAY_NAMES[d]!);
      }
    } else {
      throw new InfraError('infra_schedule_invalid', `schedule "${expr}": bad day-of-week range "${part}"`);
    }
  }
  return out.join(',');
}

/**
 * Turns a schedule as written in `wirewatch.yaml` (a croner/Unix cron expression, UTC) or in CDK context into an
 * EventBridge schedule expression (AWS EventBridge User Guide, "Schedule expressions for rules").
 *
 * Accepted input:
 * - `rate(5 minutes)` / `cron(0 12 * * ? *)` — already EventBridge syntax, returned unchanged (trimmed);
 * - 5 fields `min hour day-of-month month day-of-week` (Unix cron);
 * - 6 fields `sec min hour day-of-month month day-of-week` (croner) when the seconds field is `0`
 *   (EventBridge has minute granularity).
 *
 * Unix cron fires when day-of-month OR day-of-week matches; EventBridge needs one of them to be `?`, so the
 * unrestricted one becomes `?`. Day-of-week numbers are converted to names (Unix 0 = Sunday, EventBridge 1 = Sunday).
 *
 * @param expr schedule text, e.g. `*\/5 * * * *`
 * @returns e.g. `cron(*\/5 * * * ? *)`
 * @throws InfraError `infra_schedule_invalid` when the expression has the wrong number of fields, non-zero
 *   seconds, or restricts both day fields (EventBridge cannot express that)
 */
export function toEventBridgeSchedule(expr: string): string {
  const text = expr.trim();
  if (/^rate\(\s*\d+\s+(minute|minutes|hour|hours|day|days)\s*\)$/i.test(text)) return text;
  if (/^cron\(.+\)$/i.test(text)) {
    const inner = text.slice(5, -1).trim().split(/\s+/);
    if (inner.length !== 6) {
      throw new InfraError('infra_schedule_invalid', `schedule "${expr}": an AWS cron(...) expression has 6 fields`);
    }
    return text;
  }
  let fields = text.split(/\s+/);
  if (fields.length === 6) {
    if (fields[0] !== '0') {
      throw new InfraError(
        'infra_schedule_invalid',
        `schedule "${expr}": EventBridge schedules have minute granularity; the seconds field must be 0`,
      );
    }
    fields = fields.slice(1);
  }
  if (fields.length !== 5) {
    throw new InfraError(
      'infra_schedule_invalid',
      `schedule "${expr}": expected 5 cron fields (min hour day-of-month month day-of-week), got ${fields.length}`,
    );
  }
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const domFree = dom === '*' || dom === '?';
  const dowFree = dow === '*' || dow === '?';
  let domOut: string;
  let dowOut: string;
  if (dowFree) {
    domOut = domFree ? '*' : dom;
    dowOut = '?';
  } else if (domFree) {
    domOut = '?';
    dowOut = convertDayOfWeek(dow, expr);
  } else {
    throw new InfraError(
      'infra_schedule_invalid',
      `schedule "${expr}": EventBridge cannot restrict both day-of-month and day-of-week; set one of them to *`,
    );
  }
  return `cron(${minute} ${hour} ${domOut} ${month} ${dowOut} *)`;
}
