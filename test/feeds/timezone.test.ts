/**
 * Feed dates must not depend on the machine's time zone. The same
 * inputs are parsed in child processes under TZ=UTC, America/New_York and Asia/Kolkata, and must agree.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../helpers/print-dates.ts', import.meta.url));
const INPUTS = [
  'Sun, 29 Nov 2026 10:00:00 GMT',
  'Sun, 29 Nov 2026 10:00:00 +0200',
  'Sun, 29 Nov 2026 10:00:00 EST',
  '2026-11-29T10:00:00',
  '2026-11-29 10:00',
  '2026-11-29',
  '2026-03-08T02:30:00', // a wall time that does not exist in New York (DST gap)
  'Sun, 01 Nov 2026 01:30:00', // a wall time that happens twice in New York
  'not a date',
];
const EXPECTED = [
  '2026-11-29T10:00:00.000Z',
  '2026-11-29T08:00:00.000Z',
  '2026-11-29T15:00:00.000Z',
  '2026-11-29T10:00:00.000Z',
  '2026-11-29T10:00:00.000Z',
  '2026-11-29T00:00:00.000Z',
  '2026-03-08T02:30:00.000Z',
  '2026-11-01T01:30:00.000Z',
  null,
];

function parseUnder(tz: string): Array<string | null> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', SCRIPT, ...INPUTS.map((i) => JSON.stringify(i))], {
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
  });
  return JSON.parse(out) as Array<string | null>;
}

describe('feed dates are independent of the machine time zone', () => {
  it.each(['UTC', 'America/New_York', 'Asia/Kolkata'])('TZ=%s', (tz) => {
    expect(parseUnder(tz)).toEqual(EXPECTED);
  });
});
