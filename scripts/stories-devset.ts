/**
 * Seeded generator of the stories dev set: `test/fixtures/stories/dev.jsonl` from our own base stories
 * (`bases-*.yaml`, with their lower halves in `background.yaml`), writethru chains (`writethrus.yaml`) and hard
 * negatives (`negatives.yaml`).
 *
 * For each base story it writes the wire's original (agency furniture around the text: AP byline, dateline
 * `CITY (AP) —` and copyright; Reuters dateline `CITY, Month D (Reuters) -`, sign-off `Reporting by …;
 * Editing by …` and trust-principles line; AFP dateline `City (AFP) -` and `© 2026 AFP`), its later versions
 * (rewritten lead, paragraphs inserted below the lead, paragraphs dropped from the bottom, at the same URL),
 * and outlet copies of the original and of each version. Each copy draws a combination of the
 * transformations outlets apply: a rewritten or decorated headline; wire furniture kept, dropped or replaced;
 * cut from the bottom; outlet boilerplate (newsletter lines, `RELATED:` links, ads, an editor's note, share and
 * social lines, timestamps, captions, an origin note); a local lead paragraph; copy-edits (synonyms, numbers
 * and units, spelling, dropped day names); typographic noise (curly/straight quotes, NBSP, double spaces,
 * dashes, CRLF); merged paragraphs; the headline repeated as the first line. Hard negatives are written the
 * same way (with their pasted base paragraphs) and get copies of their own.
 *
 * Writethru chains (`writethrus.yaml`): later versions the wire republishes under a NEW URL — a rewritten lead,
 * paragraphs added below it, rewritten, removed or dropped from the bottom, figures updated, reporters added to
 * the byline or credit line, the same dateline place — and an optional short "urgent" before the full story;
 * 2–4 versions per story, each carried by 1–3 outlets. Negatives include same-desk follow-ups (same agency,
 * dateline and byline, the base's background pasted) and other agencies' reports with writethrus of their own.
 * Some outlet copies are re-paragraphed (`layout`): every break stripped (`flat`) or one paragraph per sentence
 * (`sentences`). These draw from a second generator, so the lines the first one writes do not change with them.
 *
 * Labels: `story` = the base or negative id; `event` = the news event, shared by a base and the negatives
 * about the same event. Deterministic: the same seed gives the same file byte for byte.
 *
 * Usage: `npx tsx scripts/stories-devset.ts [--seed N] [--out FILE] [--check]` (`--check`: exit 1 when the
 * committed file differs from what the generator writes).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { mulberry32 } from '../shared/stories/hash.ts';

const DIR = fileURLToPath(new URL('../test/fixtures/stories/', import.meta.url));
export const DEFAULT_SEED = 20260320;

interface Version {
  afterHours: number;
  title: string;
  lead?: string;
  insert?: string[];
  drop?: number;
}
interface Base {
  id: string;
  event: string;
  agency: 'AP' | 'Reuters' | 'AFP' | null;
  dateline: string | null;
  reporters?: string[];
  editors?: string[];
  publishedAt: string;
  titles: string[];
  text: string;
  versions?: Version[];
  // negatives only
  kind?: string;
  outlet?: string;
  copies?: number;
  paste?: { from: string; paragraphs: Array<number | 'last'>; at: number | 'end' };
}

/** A later version republished under a new URL (writethrus.yaml); see that file for the operations. */
interface Writethru {
  afterHours: number;
  title: string;
  lead: string;
  rewrite?: Record<string, string>;
  remove?: string[];
  insert?: Array<{ after: string; paragraphs: string[] }>;
  drop?: number;
  edits?: Array<[string, string]>;
  reporters?: string[];
  contributor?: string;
}
interface Chain {
  urgent?: { beforeMinutes: number; title: string; lead: string; paragraphs: number };
  writethrus: Writethru[];
}

/** One line of the dev set. */
export interface DevLine {
  id: string;
  url: string;
  outlet: string;
  title: string;
  text: string;
  publishedAt: string;
  story: string;
  event: string;
  kind: string;
  /** How an outlet re-paragraphed the copy, when it did: `flat` (one paragraph) or `sentences` (one per sentence). */
  layout?: 'flat' | 'sentences';
}

const OUTLETS = [
  { name: 'Daily Courier', host: 'www.dailycourier.example', region: 'the Ohio Valley' },
  { name: 'Harbor City Times', host: 'harborcitytimes.example', region: 'Harbor County' },
  { name: 'Valley Herald', host: 'www.valleyherald.example', region: 'the Central Valley' },
  { name: 'The Northern Star', host: 'northernstar.example', region: 'the North Country' },
  { name: 'Metro Tribune', host: 'www.metrotribune.example', region: 'the metro area' },
  { name: 'Lakeside Gazette', host: 'lakesidegazette.example', region: 'the Lakeshore region' },
  { name: 'Capital Post', host: 'www.capitalpost.example', region: 'the capital region' },
  { name: 'Prairie News', host: 'prairienews.example', region: 'the Plains' },
  { name: 'Coastal Observer', host: 'www.coastalobserver.example', region: 'the coast' },
  { name: 'Riverbend Journal', host: 'riverbendjournal.example', region: 'Riverbend' },
  { name: 'Summit Daily', host: 'www.summitdaily.example', region: 'the mountain towns' },
  { name: 'Union-Record', host: 'unionrecord.example', region: 'Union County' },
  { name: 'Bay Area Dispatch', host: 'bayareadispatch.example', region: 'the Bay Area' },
  { name: 'Pacific Sentinel', host: 'www.pacificsentinel.example', region: 'the Pacific Northwest' },
  { name: 'Midland Reporter', host: 'midlandreporter.example', region: 'the Midlands' },
  { name: 'Global Wire Digest', host: 'globalwiredigest.example', region: 'our readership' },
  { name: 'Newsline Asia', host: 'www.newslineasia.example', region: 'Southeast Asia' },
  { name: 'EuroNews Today', host: 'euronewstoday.example', region: 'Europe' },
  { name: 'The Commonwealth Mail', host: 'commonwealthmail.example', region: 'the Commonwealth' },
  { name: 'Frontier Times', host: 'www.frontiertimes.example', region: 'the border region' },
];

const MONTHS = ['Jan', 'Feb', 'March', 'April', 'May', 'June', 'July', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'];

const LOCAL_LEADS = [
  'The developments are being closely followed in {region}, where business leaders said on Friday they were assessing what the news could mean for local companies, workers and families.',
  'Local officials in {region} said they were monitoring the situation and would share guidance with residents as more information becomes available in the coming days.',
  'For readers in {region}, the news below matters more than it might seem: several employers here depend on the trade and travel links it affects, according to the regional chamber of commerce.',
  'Residents of {region} have been asking what this means for them. Here is the latest from the wire, with reaction from the area expected later today.',
];

const NEWSLETTER = [
  'Sign up for our morning newsletter to get the top stories delivered to your inbox.',
  'Get the latest headlines sent straight to your inbox. Subscribe to our free daily briefing.',
  'Never miss a story: download our app and turn on breaking news alerts.',
  'Want more world news? Sign up for the {outlet} newsletter here.',
];
const SOCIAL = ['Follow {outlet} on Facebook and X for more updates.', 'Follow us on Instagram for more stories.'];
const EDITOR_NOTES = [
  "Editor's note: This story is from The Associated Press and has been edited for length.",
  "Editor's note: {outlet} is publishing this wire report as part of our world news coverage.",
  "EDITOR'S NOTE: This article has been updated with additional details.",
];
const ORIGIN_NOTES = ['This article originally appeared on {wire}.', 'This story was first published by {wire}.'];
const ADS = ['ADVERTISEMENT', 'Advertisement', 'Story continues below advertisement', 'SPONSORED CONTENT'];
const SHARE = ['Share', 'Share this article', 'Share Tweet Email'];

/** Copy-edit substitutions outlets make: [pattern, replacement]. Each copy applies a few, once each. */
const EDITS: Array<[RegExp, string]> = [
  [/\bsaid on (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b/, 'said $1'],
  [/\bon (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b/, '$1'],
  [/\bmore than\b/, 'over'],
  [/ percent\b/, '%'],
  [/(\d)%/, '$1 percent'],
  [/\bU\.S\./, 'US'],
  [/\bcenter\b/, 'centre'],
  [/\bhonor\b/, 'honour'],
  [/\bdefense\b/, 'defence'],
  [/\btold reporters\b/, 'said'],
  [/\bhowever\b/, 'but'],
  [/\bapproximately\b/, 'about'],
  [/\babout\b/, 'around'],
  [/\bthe United States\b/, 'the U.S.'],
  [/\bofficials said\b/, 'according to officials'],
  [/\bexpected to\b/, 'set to'],
];

function loadYaml<T = Base[]>(name: string): T {
  return parseYaml(readFileSync(`${DIR}${name}`, 'utf8')) as T;
}

const paras = (t: string): string[] =>
  t
    .trim()
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter(Boolean);

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

/** The generator, over one PRNG. */
class Gen {
  readonly rnd: () => number;
  readonly lines: DevLine[] = [];
  constructor(seed: number) {
    this.rnd = mulberry32(seed);
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }
  shuffle<T>(xs: readonly T[]): T[] {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.rnd() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(this.rnd() * 16).toString(16);
    return s;
  }
}

function wireOutlet(agency: Base['agency']): string {
  return agency === 'AP' ? 'AP News' : agency === 'Reuters' ? 'Reuters' : agency === 'AFP' ? 'AFP' : '';
}

function wireUrl(b: Base, g: Gen): string {
  const s = slug(b.titles[0]!);
  if (b.agency === 'AP') return `https://apnews.com/article/${s}-${g.hex(32)}`;
  if (b.agency === 'Reuters') return `https://www.reuters.com/world/${s}-${b.publishedAt.slice(0, 10)}/`;
  if (b.agency === 'AFP') return `https://www.afp.com/en/news/${g.int(1000, 9999)}/${s}`;
  const host = `${slug(b.outlet ?? 'outlet').replace(/-/g, '')}.example`;
  return `https://${host}/${b.publishedAt.slice(0, 10)}/${s}`;
}

/**
 * Wire text: furniture around the body paragraphs. Returns paragraphs (with furniture as paragraphs).
 * @param contributor an AP contributor line, placed above the copyright line
 */
function wireText(b: Base, body: string[], contributor?: string): string[] {
  const out: string[] = [];
  const [first, ...rest] = body;
  if (!first) return out;
  const d = new Date(b.publishedAt);
  const reporters = b.reporters ?? [];
  if (b.agency === 'AP') {
    if (reporters.length) out.push(`By ${reporters.join(' and ')}\nAssociated Press`);
    out.push(`${b.dateline} (AP) — ${first}`, ...rest);
    if (contributor) out.push(contributor);
    out.push(
      'Copyright 2026 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed without permission.',
    );
  } else if (b.agency === 'Reuters') {
    out.push(`${b.dateline}, ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} (Reuters) - ${first}`, ...rest);
    const rep = reporters.length ? `Reporting by ${reporters.join(' and ')}` : 'Reporting by Reuters staff';
    out.push(`${rep}; Editing by ${(b.editors ?? ['Reuters staff']).join(' and ')}`);
    out.push('Our Standards: The Thomson Reuters Trust Principles.');
  } else if (b.agency === 'AFP') {
    out.push(`${b.dateline} (AFP) - ${first}`, ...rest);
    if (reporters.length) out.push(`By ${reporters.join(', ')}, AFP`);
    out.push('© 2026 AFP');
  } else {
    out.push(first, ...rest);
  }
  return out;
}

function versionBodies(b: Base): Array<{ v: Version | null; body: string[] }> {
  const out: Array<{ v: Version | null; body: string[] }> = [{ v: null, body: paras(b.text) }];
  let cur = paras(b.text);
  for (const v of b.versions ?? []) {
    let next = [...cur];
    if (v.lead) next[0] = paras(v.lead)[0]!;
    if (v.insert?.length) next.splice(1, 0, ...v.insert.flatMap(paras));
    if (v.drop) next = next.slice(0, Math.max(2, next.length - v.drop));
    out.push({ v, body: next });
    cur = next;
  }
  return out;
}

/** The paragraph of `body` starting with `prefix` (writethrus.yaml addresses paragraphs by their opening words). */
function at(body: string[], prefix: string, where: string): number {
  const i = body.findIndex((p) => p.startsWith(prefix));
  if (i < 0) throw new Error(`writethrus.yaml ${where}: no paragraph starts with "${prefix}"`);
  return i;
}

/** The next version's body paragraphs: a writethru's operations applied to the previous version's. */
function applyWritethru(prev: string[], wt: Writethru, where: string): string[] {
  let body = [...prev];
  body[0] = paras(wt.lead)[0]!;
  for (const [prefix, text] of Object.entries(wt.rewrite ?? {})) body[at(body, prefix, where)] = paras(text)[0]!;
  for (const prefix of wt.remove ?? []) body.splice(at(body, prefix, where), 1);
  for (const ins of wt.insert ?? []) body.splice(at(body, ins.after, where) + 1, 0, ...ins.paragraphs.flatMap(paras));
  if (wt.drop) body = body.slice(0, body.length - wt.drop);
  for (const [from, to] of wt.edits ?? []) {
    const i = body.findIndex((p) => p.includes(from));
    if (i < 0) throw new Error(`writethrus.yaml ${where}: no paragraph contains "${from}"`);
    body[i] = body[i]!.replace(from, to);
  }
  return body;
}

/**
 * Re-paragraphing some outlets' content systems apply to a whole copy: every break stripped (the text is one
 * paragraph), or one paragraph per sentence. Drawn from its own generator so the other lines do not change.
 */
function relayout(w: Gen, line: DevLine): DevLine {
  const r = w.rnd();
  if (r < 0.1)
    return {
      ...line,
      text: line.text
        .split(/\s*\n\s*/)
        .filter(Boolean)
        .join(' '),
      layout: 'flat',
    };
  if (r < 0.16) {
    const sentences = line.text
      .split(/\r?\n[ \t\u00a0]*\r?\n/)
      .flatMap((p) => p.trim().split(/(?<=[.!?]["'\u201d\u2019)]?)\s+(?=["'\u201c\u2018(]?[A-Z])/))
      .filter(Boolean);
    return { ...line, text: sentences.join('\n\n'), layout: 'sentences' };
  }
  return line;
}

/**
 * A story's versions under new URLs (writethrus.yaml): an optional urgent before the full story, then each
 * writethru applied to the previous version, each at its own URL with the wire's furniture (the Reuters dateline
 * dated the day of the version) and 1–3 outlet copies.
 */
function chainLines(
  w: Gen,
  b: Base,
  chain: Chain,
  body0: string[],
  t0: number,
  others: string[],
  copy: typeof makeCopy,
): DevLine[] {
  const out: DevLine[] = [];
  const emit = (
    id: string,
    kind: string,
    title: string,
    body: string[],
    published: number,
    reporters: string[] | undefined,
    contributor: string | undefined,
    copies: number,
  ): void => {
    const vb: Base = { ...b, reporters, publishedAt: iso(published), titles: [title] };
    out.push({
      id,
      url: wireUrl(vb, w),
      outlet: wireOutlet(b.agency) || b.outlet || 'Independent Desk',
      title,
      text: wireText(vb, body, contributor).join('\n\n'),
      publishedAt: iso(published),
      story: b.id,
      event: b.event,
      kind,
    });
    w.shuffle(OUTLETS)
      .slice(0, copies)
      .forEach((o, c) => {
        const src = { b: vb, body, title, published, label: b.id, kind };
        out.push(relayout(w, copy(w, src, o, `${id}-c${c + 1}`, published + w.int(8, 240) * 60_000, others)));
      });
  };
  if (chain.urgent) {
    const u = chain.urgent;
    const body = [paras(u.lead)[0]!, ...body0.slice(1, 1 + u.paragraphs)];
    emit(`${b.id}-urgent`, 'urgent', u.title, body, t0 - u.beforeMinutes * 60_000, b.reporters, undefined, w.int(1, 2));
  }
  let cur = body0;
  let reporters = b.reporters;
  let contributor: string | undefined;
  chain.writethrus.forEach((wt, k) => {
    cur = applyWritethru(cur, wt, `${b.id} writethru ${k + 1}`);
    reporters = wt.reporters ?? reporters;
    contributor = wt.contributor ?? contributor;
    const published = t0 + wt.afterHours * 3600_000;
    emit(`${b.id}-w${k + 2}`, 'writethru', wt.title, cur, published, reporters, contributor, w.int(2, 3));
  });
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Applies an outlet's transformations to a wire document. */
function makeCopy(
  g: Gen,
  src: { b: Base; body: string[]; title: string; published: number; label: string; kind: string },
  outlet: (typeof OUTLETS)[number],
  id: string,
  published: number,
  others: string[],
): DevLine {
  const { b } = src;
  const wire = wireOutlet(b.agency) || b.outlet || 'the wire';
  const fill = (s: string): string =>
    s.replace('{outlet}', outlet.name).replace('{region}', outlet.region).replace('{wire}', wire);
  let body = [...src.body];
  // cut from the bottom
  if (body.length > 3 && g.chance(0.6))
    body = body.slice(0, g.int(Math.max(2, Math.ceil(body.length * 0.25)), body.length - 1));
  // copy-edits
  if (g.chance(0.45)) {
    const n = g.int(1, 3);
    for (let k = 0; k < n; k++) {
      const [re, rep] = g.pick(EDITS);
      const i = g.int(0, body.length - 1);
      body[i] = body[i]!.replace(re, rep);
    }
  }
  // merged paragraphs (some content systems join short paragraphs)
  if (body.length > 4 && g.chance(0.1)) {
    const i = g.int(1, body.length - 2);
    body.splice(i, 2, `${body[i]} ${body[i + 1]}`);
  }
  // wire furniture kept, dropped or replaced
  let paragraphs: string[];
  const keepFurniture = g.chance(0.55);
  if (keepFurniture) {
    paragraphs = wireText(b, body);
    if (g.chance(0.4)) paragraphs = paragraphs.filter((p) => !/^(?:Copyright|©|Our Standards)/.test(p));
  } else {
    paragraphs = [...body];
    if (b.agency === 'AP' && g.chance(0.5)) paragraphs.unshift('By The Associated Press');
    if (b.agency === 'Reuters' && g.chance(0.4)) paragraphs[0] = `(Reuters) - ${paragraphs[0]}`;
    if (b.agency === 'AP' && g.chance(0.3)) paragraphs[0] = `${b.dateline} — ${paragraphs[0]}`;
  }
  // a local lead paragraph above the wire copy
  if (g.chance(0.2)) {
    const at = paragraphs[0]?.startsWith('By ') ? 1 : 0;
    paragraphs.splice(at, 0, fill(g.pick(LOCAL_LEADS)));
  }
  // outlet boilerplate
  const mid = (): number => g.int(Math.min(2, paragraphs.length), Math.max(2, paragraphs.length - 1));
  if (g.chance(0.4)) paragraphs.splice(mid(), 0, fill(g.pick(NEWSLETTER)));
  if (g.chance(0.35)) paragraphs.splice(mid(), 0, `RELATED: ${g.pick(others)}`);
  if (g.chance(0.3)) paragraphs.splice(mid(), 0, g.pick(ADS));
  if (g.chance(0.15)) paragraphs.unshift(fill(g.pick(EDITOR_NOTES)));
  if (g.chance(0.15)) paragraphs.push(fill(g.pick(SOCIAL)));
  if (g.chance(0.15)) paragraphs.push(fill(g.pick(ORIGIN_NOTES)));
  if (g.chance(0.15)) {
    const d = new Date(published);
    const h = d.getUTCHours() % 12 || 12;
    paragraphs.unshift(
      `Updated ${h}:${String(d.getUTCMinutes()).padStart(2, '0')} ${d.getUTCHours() < 12 ? 'a.m.' : 'p.m.'} UTC, ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, 2026`,
    );
  }
  if (g.chance(0.1)) paragraphs.unshift(g.pick(SHARE));
  if (b.agency && g.chance(0.15))
    paragraphs.splice(
      1,
      0,
      `FILE - A scene related to the story, photographed earlier this year. (${b.agency === 'AP' ? 'AP Photo' : `${b.agency} Photo`}/Staff, File)`,
    );
  // headline: the wire's, another headline, or decorated
  const r = g.rnd();
  let title = src.title;
  if (r < 0.5 && b.titles.length > 1) title = g.pick(b.titles.slice(1));
  else if (r < 0.65) title = `${src.title} | ${outlet.name}`;
  else if (r < 0.72) title = `WORLD NEWS: ${src.title}`;
  if (g.chance(0.1)) paragraphs.unshift(title);
  let text = paragraphs.join('\n\n');
  // typographic noise
  if (g.chance(0.5)) {
    const t = g.int(0, 4);
    if (t === 0) text = text.replace(/"([^"]*)"/g, '\u201c$1\u201d').replace(/'/g, '\u2019');
    else if (t === 1) text = text.replace(/ — /, '\u00a0— ').replace(/\. /g, '.  ');
    else if (t === 2) text = text.replace(/\n\n/g, '\r\n\r\n');
    else if (t === 3) text = text.replace(/ — /g, ' - ');
    else text = text.replace(/\n\n/g, '\n \n').replace(/([a-z]) ([a-z])/, '$1\u00a0$2');
  }
  return {
    id,
    url: `https://${outlet.host}/news/${slug(title.replace(/\|.*$/, ''))}-${g.int(100000, 999999)}`,
    outlet: outlet.name,
    title,
    text,
    publishedAt: iso(published),
    story: src.label,
    event: b.event,
    kind: `copy-of-${src.kind}`,
  };
}

/**
 * Builds the dev set.
 * @param seed PRNG seed (default {@link DEFAULT_SEED})
 * @returns the lines in generation order
 */
export function buildDevSet(seed = DEFAULT_SEED): DevLine[] {
  const g = new Gen(seed);
  // writethrus, re-paragraphed copies and the negatives added with them draw from their own generator, so the
  // lines the main generator writes stay as they were
  const w = new Gen(seed ^ 0x5bd1e995);
  const chains = loadYaml<Record<string, Chain>>('writethrus.yaml');
  const background = loadYaml<Record<string, string>>('background.yaml');
  const bases = [...loadYaml('bases-1.yaml'), ...loadYaml('bases-2.yaml'), ...loadYaml('bases-3.yaml')].map((b) => ({
    ...b,
    text: [b.text, background[b.id] ?? '', background[`${b.id}-closing`] ?? ''].join('\n\n'),
  }));
  const negatives = loadYaml('negatives.yaml');
  const byId = new Map(bases.map((b) => [b.id, b]));
  const allTitles = [...bases, ...negatives].map((b) => b.titles[0]!);
  const out: DevLine[] = [];
  for (const b of bases) {
    const others = allTitles.filter((t) => t !== b.titles[0]);
    const t0 = Date.parse(b.publishedAt);
    const url = wireUrl(b, g);
    versionBodies(b).forEach(({ v, body }, k) => {
      const published = v ? t0 + v.afterHours * 3600_000 : t0;
      const title = v ? v.title : b.titles[0]!;
      const id = k === 0 ? `${b.id}-orig` : `${b.id}-v${k + 1}`;
      out.push({
        id,
        url,
        outlet: wireOutlet(b.agency),
        title,
        text: wireText(b, body).join('\n\n'),
        publishedAt: iso(published),
        story: b.id,
        event: b.event,
        kind: k === 0 ? 'original' : 'version',
      });
      const n = k === 0 ? g.int(4, 7) : g.int(2, 3);
      const outlets = g.shuffle(OUTLETS).slice(0, n);
      outlets.forEach((o, c) => {
        const at = published + g.int(8, k === 0 ? 600 : 300) * 60_000;
        out.push(
          relayout(
            w,
            makeCopy(
              g,
              { b, body, title, published, label: b.id, kind: k === 0 ? 'original' : 'version' },
              o,
              `${id}-c${c + 1}`,
              at,
              others,
            ),
          ),
        );
      });
    });
    const chain = chains[b.id];
    if (chain) {
      if (b.versions?.length) throw new Error(`writethrus.yaml ${b.id}: the base has same-URL versions already`);
      out.push(...chainLines(w, b, chain, paras(b.text), t0, others, makeCopy));
    }
  }
  for (const nb of negatives) {
    let body = paras(nb.text);
    if (nb.paste) {
      const src = byId.get(nb.paste.from);
      if (!src) throw new Error(`negatives.yaml ${nb.id}: paste.from ${nb.paste.from} is not a base story`);
      const sp = paras(src.text);
      const pasted = nb.paste.paragraphs.map((n) => {
        const i = n === 'last' ? sp.length : n;
        const p = sp[i - 1];
        if (!p) throw new Error(`negatives.yaml ${nb.id}: ${nb.paste!.from} has no paragraph ${i}`);
        return p;
      });
      const at = nb.paste.at === 'end' ? body.length : nb.paste.at;
      body = [...body.slice(0, at), ...pasted, ...body.slice(at)];
    }
    const t0 = Date.parse(nb.publishedAt);
    const outletName = wireOutlet(nb.agency) || nb.outlet || 'Independent Desk';
    const others = allTitles.filter((t) => t !== nb.titles[0]);
    out.push({
      id: `${nb.id}-orig`,
      url: wireUrl({ ...nb, outlet: outletName }, g),
      outlet: outletName,
      title: nb.titles[0]!,
      text: wireText(nb, body).join('\n\n'),
      publishedAt: iso(t0),
      story: nb.id,
      event: nb.event,
      kind: nb.kind ?? 'negative',
    });
    const outlets = g.shuffle(OUTLETS).slice(0, nb.copies ?? 0);
    outlets.forEach((o, c) => {
      out.push(
        relayout(
          w,
          makeCopy(
            g,
            { b: nb, body, title: nb.titles[0]!, published: t0, label: nb.id, kind: nb.kind ?? 'negative' },
            o,
            `${nb.id}-c${c + 1}`,
            t0 + g.int(8, 480) * 60_000,
            others,
          ),
        ),
      );
    });
    const chain = chains[nb.id];
    if (chain) out.push(...chainLines(w, { ...nb, outlet: outletName }, chain, body, t0, others, makeCopy));
  }
  for (const id of Object.keys(chains))
    if (!byId.has(id) && !negatives.some((n) => n.id === id))
      throw new Error(`writethrus.yaml ${id}: neither a base story nor a negative`);
  return out;
}

/** The JSON Lines text of a dev set. */
export function devSetJsonl(lines: DevLine[]): string {
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
}

const invoked = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invoked) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const seed = Number(arg('seed') ?? DEFAULT_SEED);
  const outFile = arg('out') ?? `${DIR}dev.jsonl`;
  const text = devSetJsonl(buildDevSet(seed));
  if (process.argv.includes('--check')) {
    const same = readFileSync(outFile, 'utf8') === text;
    process.stdout.write(same ? `${outFile} is up to date\n` : `${outFile} differs from the generator's output\n`);
    process.exit(same ? 0 : 1);
  }
  writeFileSync(outFile, text);
  process.stdout.write(`wrote ${text.split('\n').length - 1} lines to ${outFile}\n`);
}
