/**
 * Feed evaluation: `npm run eval:feeds [-- --corpus DIR] [--json]`.
 *
 * Walks the read-only corpus (default `../shared/corpus/feeds`, beside the repo), parses every file with
 * `parseFeed`, and compares with the expectations shipped there:
 * - rss-parser `output/<name>.json` (items[].title, link, isoDate, count);
 * - feed-rs `<name>.serde.json` (entries[].title.content, links[].href, published/updated, count);
 * - feedparser `Expect:` lines, ported clause by clause where they name a field wirewatch has
 *   (feed/entry title, link, entry published/updated date, summary/description, author, id, len(entries));
 *   the encoding suite is also checked for U+FFFD where the expectation has none;
 * - feedjira and node-feedparser have no data expectations: parsed/crashed only.
 * Prints a table per suite: files, parsed, rejected (FeedError), crashed (anything else or a hang), field
 * agreement, and feeds/s with a same-run baseline (plain rss-parser `parseString` on UTF-8 text) as a ratio.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import Parser from 'rss-parser';
import { FeedError, canonicalizeUrl, parseFeed } from '../shared/feeds/index.ts';
import { collapseWhitespace, htmlToText } from '../shared/text/html.ts';
import type { ParsedFeed } from '../shared/types.ts';
import { decodeText } from '../shared/text/charset.ts';

type Field = 'title' | 'link' | 'date' | 'count' | 'summary' | 'author' | 'id';
const FIELDS: Field[] = ['title', 'link', 'date', 'count', 'summary', 'author', 'id'];

interface SuiteStats {
  files: number;
  parsed: number;
  rejected: number;
  crashed: number;
  agree: Record<Field, { ok: number; total: number }>;
  ms: number;
  baselineMs: number;
  baselineParsed: number;
  fffd: { checked: number; clean: number };
  failures: string[];
  disagreements: string[];
}

const newStats = (): SuiteStats => ({
  files: 0,
  parsed: 0,
  rejected: 0,
  crashed: 0,
  agree: Object.fromEntries(FIELDS.map((f) => [f, { ok: 0, total: 0 }])) as SuiteStats['agree'],
  ms: 0,
  baselineMs: 0,
  baselineParsed: 0,
  fffd: { checked: 0, clean: 0 },
  failures: [],
  disagreements: [],
});

function args(): { corpus: string; json: boolean; verbose: boolean } {
  const a = process.argv.slice(2);
  const i = a.indexOf('--corpus');
  const here = dirname(fileURLToPath(import.meta.url));
  const corpus = i !== -1 && a[i + 1] ? resolve(a[i + 1]!) : resolve(here, '../../shared/corpus/feeds');
  return { corpus, json: a.includes('--json'), verbose: a.includes('--verbose') };
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

const HANG_MS = 20_000;
const baselineParser = new Parser({ defaultRSS: 2 });

/** Parses one file, timing it; classifies the outcome. */
async function run(
  stats: SuiteStats,
  file: string,
  body: Buffer,
  url: string,
  contentType: string | null,
): Promise<ParsedFeed | null> {
  stats.files++;
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const hang = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`hang: no result after ${HANG_MS} ms`)), HANG_MS);
    });
    const r = await Promise.race([parseFeed(body, { url, contentType, now: new Date('2030-01-01T00:00:00Z') }), hang]);
    stats.parsed++;
    return r;
  } catch (err) {
    if (err instanceof FeedError) {
      stats.rejected++;
      stats.failures.push(`${file}: ${err.code}: ${err.message.slice(0, 160)}`);
    } else {
      stats.crashed++;
      stats.failures.push(`${file}: CRASH ${(err as Error)?.stack ?? String(err)}`.slice(0, 600));
    }
    return null;
  } finally {
    clearTimeout(timer);
    stats.ms += performance.now() - t0;
    // Same-run baseline: plain rss-parser on the bytes read as UTF-8 (no decoding, repair or normalisation).
    const b0 = performance.now();
    try {
      await baselineParser.parseString(body.toString('utf8'));
      stats.baselineParsed++;
    } catch {
      /* baseline failures only count as time */
    }
    stats.baselineMs += performance.now() - b0;
  }
}

function check(stats: SuiteStats, field: Field, ok: boolean, what: string): void {
  // A golden value holding U+FFFD is itself mis-decoded (rss-parser's uolNoticias output): not a fair reference.
  if (what.includes('\ufffd')) return;
  stats.agree[field].total++;
  if (ok) stats.agree[field].ok++;
  else stats.disagreements.push(`${field}: ${what}`.slice(0, 400));
}

const norm = (s: string | null | undefined) => collapseWhitespace(s ?? '');
function sameText(ours: string | null | undefined, expected: string): boolean {
  const o = norm(ours);
  return o === norm(expected) || o === htmlToText(expected) || o === norm(htmlToText(expected));
}
function sameUrl(ours: string | null | undefined, expected: string, base: string): boolean {
  if (!ours) return false;
  const e = canonicalizeUrl(expected, base);
  if (ours === e || ours === expected) return true;
  // Deliberate difference: FeedBurner proxy links (`/~r/<feed>/~3/<id>/…`) are replaced by the entry's
  // feedburner:origLink. Same article slug = agreement.
  if (e && /\/~r\/.+\/~3\//.test(e)) {
    const slug = (u: string) => new URL(u).pathname.split('/').filter(Boolean).pop() ?? '';
    try {
      return slug(e) !== '' && slug(e) === slug(ours);
    } catch {
      return false;
    }
  }
  return false;
}
function sameInstant(ours: string | null | undefined, expected: string | null | undefined): boolean {
  if (!ours || !expected) return !ours && !expected;
  return Date.parse(ours) === Date.parse(expected);
}

// ---- rss-parser ------------------------------------------------------------------------------------------

async function rssParserSuite(root: string, stats: SuiteStats): Promise<void> {
  const input = join(root, 'input');
  for (const file of walk(input)) {
    const name = basename(file, extname(file));
    const url = `http://fakehost/rss-parser/${basename(file)}`;
    const contentType = name === 'encoding' ? 'text/xml; charset=latin1' : null;
    const r = await run(stats, relative(root, file), readFileSync(file), url, contentType);
    let expected: { feed: { items?: Array<Record<string, unknown>> } } | null = null;
    try {
      const raw = readFileSync(join(root, 'output', `${name}.json`));
      // encoding.json is stored in latin1 (SOURCES.md)
      expected = JSON.parse(name === 'encoding' ? raw.toString('latin1') : raw.toString('utf8'));
    } catch {
      expected = null;
    }
    if (!r || !expected) continue;
    const items = expected.feed.items ?? [];
    check(stats, 'count', items.length === r.entries.length, `${name}: ${r.entries.length} vs ${items.length}`);
    items.forEach((it, i) => {
      const e = r.entries[i];
      if (typeof it.title === 'string')
        check(
          stats,
          'title',
          sameText(e?.title, it.title),
          `${name}[${i}] ${JSON.stringify(e?.title)} vs ${JSON.stringify(it.title)}`,
        );
      if (typeof it.link === 'string' && it.link.trim())
        check(stats, 'link', sameUrl(e?.url, it.link.trim(), url), `${name}[${i}] ${e?.url} vs ${it.link}`);
      if (typeof it.isoDate === 'string')
        check(
          stats,
          'date',
          sameInstant(e?.publishedAt ?? e?.updatedAt, it.isoDate),
          `${name}[${i}] ${e?.publishedAt ?? e?.updatedAt} vs ${it.isoDate}`,
        );
    });
  }
}

// ---- feed-rs ---------------------------------------------------------------------------------------------

const UUIDISH = /^[0-9a-f]{32}$|^[0-9a-f-]{36}$/;

async function feedRsSuite(root: string, stats: SuiteStats): Promise<void> {
  for (const file of walk(root)) {
    if (file.endsWith('.serde.json')) continue;
    const url = `http://fakehost/feed-rs/${basename(file)}`;
    const r = await run(stats, relative(root, file), readFileSync(file), url, null);
    const serde = file.replace(/\.(xml|json|rss|atom)$/, '.serde.json');
    let expected: { entries?: Array<Record<string, any>> } | null = null;
    try {
      expected = JSON.parse(readFileSync(serde, 'utf8'));
    } catch {
      expected = null;
    }
    if (!r || !expected) continue;
    const entries = expected.entries ?? [];
    const name = basename(file);
    check(stats, 'count', entries.length === r.entries.length, `${name}: ${r.entries.length} vs ${entries.length}`);
    entries.forEach((x, i) => {
      const e = r.entries[i];
      const title = x.title?.content;
      if (typeof title === 'string')
        check(
          stats,
          'title',
          sameText(e?.title, title),
          `${name}[${i}] ${JSON.stringify(e?.title)} vs ${JSON.stringify(title)}`,
        );
      const hrefs: string[] = (x.links ?? []).map((l: { href: string }) => l.href).filter(Boolean);
      if (hrefs.length)
        check(
          stats,
          'link',
          hrefs.some((h) => sameUrl(e?.url, h, url)),
          `${name}[${i}] ${e?.url} vs ${hrefs.join(' ')}`,
        );
      const date = x.published ?? x.updated;
      if (typeof date === 'string')
        check(
          stats,
          'date',
          sameInstant(e?.publishedAt ?? e?.updatedAt, date),
          `${name}[${i}] ${e?.publishedAt ?? e?.updatedAt} vs ${date}`,
        );
      if (typeof x.id === 'string' && x.id && !UUIDISH.test(x.id))
        check(stats, 'id', e?.guid === x.id, `${name}[${i}] ${e?.guid} vs ${x.id}`);
    });
  }
}

// ---- feedparser ------------------------------------------------------------------------------------------

/** Decodes a Python string literal body (`\uXXXX`, `\xXX`, `\n`, `\'`…). */
function pyUnescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, esc: string) => {
    const c = esc[0]!;
    if (c === 'u' || c === 'U' || c === 'x') return String.fromCodePoint(parseInt(esc.slice(1), 16));
    if (/[0-7]/.test(c)) return String.fromCodePoint(parseInt(esc, 8));
    return ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[c] ?? `\\${esc}`;
  });
}

const PYSTR = String.raw`[uU]?(?:"""([\s\S]*?)"""|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")`;
const CLAUSE = new RegExp(String.raw`^(feed|entries\[(\d+)\])\[['"](\w+)['"]\]\s*==\s*(?:${PYSTR}|\(([\d,\s]+)\))\s*$`);

/** Splits `a and b and c` on top-level `and` (outside string literals). */
function splitAnd(expr: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | null = null;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i]!;
    if (q) {
      cur += ch;
      if (ch === '\\') {
        cur += expr[++i] ?? '';
      } else if (expr.startsWith(q, i)) {
        cur += q.slice(1);
        i += q.length - 1;
        q = null;
      }
      continue;
    }
    if (expr.startsWith('"""', i)) {
      q = '"""';
      cur += '"""';
      i += 2;
      continue;
    }
    if (ch === '"' || ch === "'") {
      q = ch;
      cur += ch;
      continue;
    }
    if (expr.startsWith(' and ', i)) {
      out.push(cur.trim());
      cur = '';
      i += 4;
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** The first comment's `Header:` and `Expect:` values (read as latin1 for ASCII-compatible files; UTF-16/32 too). */
function readMeta(body: Buffer): { header: string | null; expect: string | null } {
  // BOM / BOM-less UTF-16 and UTF-32 are handled by the decoder; the comment itself is ASCII.
  const text = decodeText(body, []).text;
  const header = /Header:\s*Content-type:\s*(.+)/i.exec(text)?.[1]?.trim() ?? null;
  const expect = /Expect:\s*(.+)/.exec(text)?.[1]?.trim() ?? null;
  return { header, expect };
}

function tupleIso(t: string): string | null {
  const n = t.split(',').map((x) => Number(x.trim()));
  if (n.length < 6 || n.some((x) => Number.isNaN(x))) return null;
  return new Date(Date.UTC(n[0]!, n[1]! - 1, n[2]!, n[3]!, n[4]!, n[5]!)).toISOString();
}

async function feedparserSuite(root: string, sub: string, stats: SuiteStats): Promise<void> {
  const dir = join(root, sub);
  for (const file of walk(dir)) {
    const body = readFileSync(file);
    const meta = readMeta(body);
    // Upstream serves these files from http://127.0.0.1:8097/tests/… (its docuri expectations use that URL).
    const url = `http://127.0.0.1:8097/tests/${relative(root, file)}`;
    const r = await run(stats, relative(root, file), body, url, meta.header);
    if (!r) continue;
    const name = relative(root, file);
    if (sub === 'encoding' || sub === 'illformed') {
      const all = [
        r.feed.title ?? '',
        ...r.entries.flatMap((e) => [e.title, e.summary ?? '', e.contentHtml ?? '']),
      ].join(' ');
      // Files whose expectation is `bozo` (feedparser flags them malformed, e.g. invalid bytes under a BOM)
      // are excluded, as are expectations that contain U+FFFD themselves.
      if (meta.expect && !meta.expect.includes('\\ufffd') && !/^bozo\b/.test(meta.expect)) {
        stats.fffd.checked++;
        if (!all.includes('\ufffd')) stats.fffd.clean++;
        else stats.disagreements.push(`fffd: ${name}`);
      }
    }
    if (!meta.expect) continue;
    for (const clause of splitAnd(meta.expect)) {
      const lenM = /^len\(entries\)\s*==\s*(\d+)$/.exec(clause);
      if (lenM) {
        check(stats, 'count', r.entries.length === Number(lenM[1]), `${name}: ${r.entries.length} vs ${lenM[1]}`);
        continue;
      }
      const m = CLAUSE.exec(clause);
      if (!m) continue;
      const [, scope, idx, key] = m;
      const str = m[4] ?? m[5] ?? m[6];
      const expected = str !== undefined ? pyUnescape(str) : null;
      const tuple = m[7];
      const entry = scope === 'feed' ? null : r.entries[Number(idx)];
      const what = `${name} ${clause}`;
      if (scope === 'feed') {
        if (key === 'title' && expected !== null)
          check(stats, 'title', sameText(r.feed.title, expected), `${what} → ${JSON.stringify(r.feed.title)}`);
        else if (key === 'link' && expected !== null)
          check(stats, 'link', sameUrl(r.feed.link, expected, url), `${what} → ${r.feed.link}`);
        continue;
      }
      if (key === 'title' && expected !== null)
        check(stats, 'title', sameText(entry?.title, expected), `${what} → ${JSON.stringify(entry?.title)}`);
      else if (key === 'link' && expected !== null)
        check(stats, 'link', sameUrl(entry?.url, expected, url), `${what} → ${entry?.url}`);
      else if ((key === 'published_parsed' || key === 'updated_parsed') && tuple) {
        const ours = key === 'published_parsed' ? entry?.publishedAt : (entry?.updatedAt ?? entry?.publishedAt);
        check(stats, 'date', sameInstant(ours, tupleIso(tuple)), `${what} → ${ours}`);
      } else if ((key === 'summary' || key === 'description') && expected !== null) {
        check(stats, 'summary', sameText(entry?.summary, expected), `${what} → ${JSON.stringify(entry?.summary)}`);
      } else if (key === 'author' && expected !== null) {
        check(stats, 'author', sameText(entry?.author, expected), `${what} → ${JSON.stringify(entry?.author)}`);
      } else if (key === 'id' && expected !== null) {
        check(stats, 'id', entry?.guid === expected, `${what} → ${JSON.stringify(entry?.guid)}`);
      }
    }
  }
}

async function plainSuite(root: string, stats: SuiteStats): Promise<void> {
  for (const file of walk(root)) {
    await run(
      stats,
      relative(root, file),
      readFileSync(file),
      `http://fakehost/${basename(root)}/${basename(file)}`,
      null,
    );
  }
}

// ---- report ----------------------------------------------------------------------------------------------

const pct = (a: { ok: number; total: number }) =>
  a.total ? `${((100 * a.ok) / a.total).toFixed(1)}% (${a.ok}/${a.total})` : '-';

async function main(): Promise<void> {
  const { corpus, json, verbose } = args();
  const suites: Array<[string, (s: SuiteStats) => Promise<void>]> = [
    ['rss-parser', (s) => rssParserSuite(join(corpus, 'rss-parser'), s)],
    ['feed-rs', (s) => feedRsSuite(join(corpus, 'feed-rs'), s)],
    ['feedjira', (s) => plainSuite(join(corpus, 'feedjira'), s)],
    ['node-feedparser', (s) => plainSuite(join(corpus, 'node-feedparser'), s)],
    ['feedparser/wellformed', (s) => feedparserSuite(join(corpus, 'feedparser'), 'wellformed', s)],
    ['feedparser/illformed', (s) => feedparserSuite(join(corpus, 'feedparser'), 'illformed', s)],
    ['feedparser/encoding', (s) => feedparserSuite(join(corpus, 'feedparser'), 'encoding', s)],
    ['feedparser/entities', (s) => feedparserSuite(join(corpus, 'feedparser'), 'entities', s)],
    ['feedparser/json', (s) => feedparserSuite(join(corpus, 'feedparser'), 'json', s)],
  ];
  const results: Record<string, SuiteStats> = {};
  let uncaught = 0;
  process.on('uncaughtException', (err) => {
    uncaught++;
    console.error('uncaught exception:', err);
  });
  for (const [name, fn] of suites) {
    const s = newStats();
    await fn(s);
    results[name] = s;
  }
  const total = newStats();
  for (const s of Object.values(results)) {
    total.files += s.files;
    total.parsed += s.parsed;
    total.rejected += s.rejected;
    total.crashed += s.crashed;
    total.ms += s.ms;
    total.baselineMs += s.baselineMs;
    total.baselineParsed += s.baselineParsed;
    total.fffd.checked += s.fffd.checked;
    total.fffd.clean += s.fffd.clean;
    for (const f of FIELDS) {
      total.agree[f].ok += s.agree[f].ok;
      total.agree[f].total += s.agree[f].total;
    }
  }
  results.total = total;

  if (json) {
    const slim = Object.fromEntries(
      Object.entries(results).map(([k, s]) => [
        k,
        { ...s, disagreements: s.disagreements.length, failures: s.failures },
      ]),
    );
    console.log(JSON.stringify({ corpus, uncaught, results: slim }, null, 2));
    return;
  }
  console.log(`corpus: ${corpus}`);
  console.log(
    '| suite | files | parsed | rejected | crashed | title | link | date | count | summary | author | id | feeds/s | vs rss-parser alone |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [name, s] of Object.entries(results)) {
    const fps = s.ms ? (s.files / (s.ms / 1000)).toFixed(0) : '-';
    const ratio = s.baselineMs ? `${(s.ms / s.baselineMs).toFixed(2)}× time` : '-';
    console.log(
      `| ${name} | ${s.files} | ${s.parsed} | ${s.rejected} | ${s.crashed} | ${FIELDS.map((f) => pct(s.agree[f])).join(' | ')} | ${fps} | ${ratio} |`,
    );
  }
  console.log(
    `\nU+FFFD check (feedparser encoding + illformed, where the expectation has none): ${total.fffd.clean}/${total.fffd.checked} clean`,
  );
  console.log(`uncaught exceptions: ${uncaught}; crashes: ${total.crashed}`);
  console.log(
    `baseline (plain rss-parser parseString on the bytes as UTF-8): parsed ${total.baselineParsed}/${total.files}; ` +
      `parse time ours ${total.ms.toFixed(0)} ms vs baseline ${total.baselineMs.toFixed(0)} ms (${(total.ms / total.baselineMs).toFixed(2)}×)`,
  );
  const tl = {
    ok: total.agree.title.ok + total.agree.link.ok,
    total: total.agree.title.total + total.agree.link.total,
  };
  console.log(`title+link agreement overall: ${pct(tl)}`);
  for (const name of ['rss-parser', 'feed-rs', 'feedjira', 'node-feedparser']) {
    const s = results[name]!;
    if (s.failures.length) console.log(`\n${name}: not parsed:\n  ${s.failures.join('\n  ')}`);
  }
  if (verbose) {
    for (const [name, s] of Object.entries(results)) {
      if (name === 'total') continue;
      if (s.disagreements.length) console.log(`\n${name}: disagreements:\n  ${s.disagreements.join('\n  ')}`);
      if (name.startsWith('feedparser') && s.failures.length)
        console.log(`\n${name}: not parsed:\n  ${s.failures.join('\n  ')}`);
    }
  }
  if (total.crashed || uncaught) process.exitCode = 1;
}

await main();
