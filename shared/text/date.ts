/**
 * Lenient date parsing for feeds. Never depends on the machine's time zone: a date without a
 * zone is UTC. Formats read:
 * - RFC 3339 / ISO 8601 / W3C-DTF (`2023-03-20T12:00:00Z`, `2023-03-20T12:00:00.5+01:00`, `2023-03-20 12:00`,
 *   `2023-03-20`, `2023-03`, `2023`, basic `20230320T120000Z`);
 * - RFC 822 / RFC 2822 §3.3 / RFC 5322 (`Mon, 20 Mar 2023 12:00:00 GMT`, 2-digit years, missing seconds or day
 *   name, named zones UT/GMT/EST/EDT/CST/CDT/MST/MDT/PST/PDT and common others, military letters, `+0100`);
 * - asctime (`Mon Mar 20 12:00:00 2023`) and `March 20, 2023 12:00 PM` style English dates.
 */

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
  // a few non-English abbreviations seen in feeds
  mär: 2,
  mrz: 2,
  mai: 4,
  okt: 9,
  dez: 11,
  ene: 0,
  abr: 3,
  ago: 7,
  dic: 11,
  fev: 1,
  set: 8,
  out: 9,
  janv: 0,
  févr: 1,
  fevr: 1,
  avr: 3,
  juil: 6,
  juin: 5,
  déc: 11,
  gen: 0,
  lug: 6,
  giu: 5,
};

/** Zone abbreviations → offset minutes east of UTC (RFC 822 §5.1 plus common extras). */
const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  wet: 0,
  bst: 60,
  cet: 60,
  met: 60,
  cest: 120,
  mest: 120,
  eet: 120,
  eest: 180,
  msk: 180,
  ist: 330,
  sgt: 480,
  hkt: 480,
  awst: 480,
  jst: 540,
  kst: 540,
  acst: 570,
  aest: 600,
  aedt: 660,
  nzst: 720,
  nzdt: 780,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
  akst: -540,
  akdt: -480,
  hst: -600,
  ast: -240,
  adt: -180,
  nst: -210,
  ndt: -150,
  brt: -180,
  art: -180,
};

function military(letter: string): number | null {
  // RFC 822 military zones; RFC 2822 §4.3 says treat them as -0000, but the original meaning is more useful.
  const c = letter.toLowerCase();
  if (c === 'z') return 0;
  if (c === 'j' || c.length !== 1 || c < 'a' || c > 'z') return null;
  const code = c.charCodeAt(0);
  if (c >= 'a' && c <= 'i') return (code - 96) * 60;
  if (c >= 'k' && c <= 'm') return (code - 97) * 60;
  return -(code - 109) * 60; // n..y → -1..-12
}

function offsetFrom(zone: string | undefined): number | null {
  if (zone === undefined || zone === '') return 0;
  const z = zone.trim();
  const m = /^(?:(?:gmt|utc|ut)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(z);
  if (m) {
    const mins = Number(m[2]) * 60 + Number(m[3] ?? 0);
    if (Number(m[2]) > 14 || Number(m[3] ?? 0) > 59) return null;
    return m[1] === '-' ? -mins : mins;
  }
  const named = ZONES[z.toLowerCase()];
  if (named !== undefined) return named;
  if (z.length === 1) return military(z);
  return null;
}

function build(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  offsetMin: number,
): Date | null {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  if (h === 24 && (mi > 0 || s > 0)) return null;
  const t = Date.UTC(y, mo, d, h, mi, Math.min(s, 59), ms) - offsetMin * 60_000;
  const dt = new Date(t);
  if (Number.isNaN(dt.getTime())) return null;
  // Reject day overflow (Feb 30 etc.), checked in the stated zone.
  const check = new Date(Date.UTC(y, mo, d));
  if (check.getUTCDate() !== d) return null;
  return dt;
}

function fourDigitYear(y: string): number {
  const n = Number(y);
  if (y.length <= 2) return n < 50 ? 2000 + n : 1900 + n; // RFC 2822 §4.3
  if (y.length === 3) return 1900 + n; // RFC 2822 §4.3 obsolete 3-digit years
  return n;
}

const ISO =
  /^(\d{4})(?:-?(\d{2})(?:-?(\d{2})(?:[T\s]+(\d{1,2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z]{1,5})?)?)?)?$/;

const RFC822 =
  /^(?:[A-Za-z\u00c0-\u017f]+\.?,?\s*)?(\d{1,2})(?:\s+|-)([A-Za-z\u00c0-\u017f]{3,9})\.?(?:\s+|-)(\d{2,4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(?:(am|pm)\s*)?(?:([A-Za-z]{1,5}|(?:(?:gmt|utc|ut)\s*)?[+-]\d{1,2}(?::?\d{2})?)(?:\s*\([^)]*\))?)?)?$/i;

const MONTH_FIRST =
  /^(?:[A-Za-z]+\.?,?\s+)?([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(?:(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?\s*([A-Za-z]{1,5}|[+-]\d{2}:?\d{2})?\s+(\d{4})|(\d{4})(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?\s*([A-Za-z]{1,5}|(?:gmt|utc)?[+-]\d{1,2}:?\d{2})?)?)$/i;

function monthIndex(name: string): number | null {
  const n = name.toLowerCase();
  const v = MONTHS[n] ?? MONTHS[n.slice(0, 4)] ?? MONTHS[n.slice(0, 3)];
  return v === undefined ? null : v;
}

function hour12(h: number, ampm: string | undefined): number {
  if (!ampm) return h;
  const pm = ampm.toLowerCase() === 'pm';
  if (h === 12) return pm ? 12 : 0;
  return pm ? h + 12 : h;
}

/**
 * Parses a feed date string.
 * @param input the raw text (surrounding whitespace ignored)
 * @returns a `Date` (UTC instant), or null when the text is not a date this parser reads. Never throws, never
 *   uses the process time zone.
 */
export function parseDate(input: string | null | undefined): Date | null {
  if (typeof input !== 'string') return null;
  const s = input.trim().replace(/\s+/g, ' ');
  if (s === '' || s.length > 100) return null;

  let m = ISO.exec(s);
  if (m) {
    const off = offsetFrom(m[8]);
    if (off === null) return null;
    const frac = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    return build(
      Number(m[1]),
      m[2] ? Number(m[2]) - 1 : 0,
      m[3] ? Number(m[3]) : 1,
      m[4] ? Number(m[4]) : 0,
      m[5] ? Number(m[5]) : 0,
      m[6] ? Number(m[6]) : 0,
      frac,
      off,
    );
  }

  m = RFC822.exec(s);
  if (m) {
    const mo = monthIndex(m[2]!);
    if (mo === null) return null;
    const off = offsetFrom(m[9]);
    if (off === null) return null;
    const frac = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    return build(
      fourDigitYear(m[3]!),
      mo,
      Number(m[1]),
      hour12(m[4] ? Number(m[4]) : 0, m[8]),
      m[5] ? Number(m[5]) : 0,
      m[6] ? Number(m[6]) : 0,
      frac,
      off,
    );
  }

  // asctime: "Sun Nov  6 08:49:37 1994" (RFC 9110 §5.6.7), optionally with a zone before the year.
  m = MONTH_FIRST.exec(s);
  if (m) {
    const mo = monthIndex(m[1]!);
    if (mo === null) return null;
    if (m[8]) {
      const off = offsetFrom(m[7]);
      if (off === null) return null;
      return build(Number(m[8]), mo, Number(m[2]), hour12(Number(m[3]), m[6]), Number(m[4]), Number(m[5] ?? 0), 0, off);
    }
    const off = offsetFrom(m[14]);
    if (off === null) return null;
    return build(
      Number(m[9]),
      mo,
      Number(m[2]),
      hour12(m[10] ? Number(m[10]) : 0, m[13]),
      m[11] ? Number(m[11]) : 0,
      m[12] ? Number(m[12]) : 0,
      0,
      off,
    );
  }

  // "2023/03/20 12:00[:00] [zone]" and "20.03.2023 12:00"
  m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([A-Za-z]{1,5}|[+-]\d{2}:?\d{2})?)?$/.exec(
    s,
  );
  if (m) {
    const off = offsetFrom(m[7]);
    if (off === null) return null;
    return build(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
      0,
      off,
    );
  }
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (m) {
    return build(
      Number(m[3]),
      Number(m[2]) - 1,
      Number(m[1]),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
      0,
      0,
    );
  }
  return null;
}

/** `parseDate` then `toISOString()` (`2023-03-20T12:00:00.000Z`), or null. */
export function toIsoUtc(input: string | null | undefined): string | null {
  const d = parseDate(input);
  return d ? d.toISOString() : null;
}
