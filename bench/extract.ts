/**
 * Extraction benchmark: quality, speed and memory of wirewatch's extractor against a naive baseline
 * (`new JSDOM(html)` + `new Readability(doc).parse()`) measured in the same run, plus a soak.
 *
 *   npm run bench:extract [-- --corpus DIR] [--suite NAME] [--extractors naive,wirewatch,wirewatch-jsdom]
 *                             [--soak N] [--no-soak] [--soak-only] [--per-page] [--misses [--include-held-out]]
 *                             [--warmup-first3] [--json FILE]
 *
 * Suites (read from the corpus path, never copied): `readability-pages` (expected = text of expected.html),
 * `newspaper-fulltext` (only `text_status == "text"`), `newspaper4k-testdata`, and `news` (the news pages of those
 * corpora listed in test/fixtures/extract/news-suite.json). Quality = mean precision / recall / F1 of word 4-shingles
 * (multiset) against the expected text, as in the article-extraction benchmark, reported for the whole suite and
 * separately for its dev part and its held-out part: every 4th page by sorted id of its source suite (index % 4 == 3)
 * is held out, a split fixed before any tuning. Metadata agreement = title, byline, lang, published time where the
 * suite has them. Every extractor × suite runs in its own child process (one at a time, so one core each) for clean
 * pages/s and peak RSS (`process.resourceUsage().maxRSS`), after an untimed warm-up pass over the suite's pages
 * (steady state, as in a long-running worker; `--warmup-first3` warms up on the first 3 pages only).
 *
 * `--misses` prints, for each dev page (held-out pages only with `--include-held-out`, so tuning never reads them),
 * the expected sentences missing from the output (`-`: less than half of their word 4-shingles found) and the
 * output sentences absent from the expected text (`+`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** One benchmark page. */
interface Page {
  id: string;
  file: string;
  url: string;
  expectedFile: string;
  expectedKind: 'html' | 'text';
  /** Held out from tuning (every 4th page by sorted id of its source suite). */
  heldOut: boolean;
  meta: {
    title?: string | null;
    byline?: string | null;
    authors?: string[];
    lang?: string | null;
    published?: string | null;
  };
}

/** What a worker reports per page. */
interface PageResult {
  id: string;
  /** Wall-clock time of the extraction, ms. */
  ms: number;
  /** CPU time (user + system, all threads of the worker process) spent on the extraction, ms. */
  cpuMs: number;
  text: string;
  title: string | null;
  byline: string | null;
  lang: string | null;
  published: string | null;
  status?: string;
  dom?: string | null;
}

type ExtractorName = 'wirewatch' | 'wirewatch-jsdom' | 'naive';
const SUITES = ['readability-pages', 'newspaper-fulltext', 'newspaper4k-testdata', 'news'] as const;
type Suite = (typeof SUITES)[number];
type SourceSuite = Exclude<Suite, 'news'>;

/** Marks every 4th page (by sorted id, index % 4 == 3) as held out. */
function withSplit(pages: Array<Omit<Page, 'heldOut'>>): Page[] {
  return [...pages]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((p, i) => ({ ...p, heldOut: i % 4 === 3 }));
}

/** The `news` suite: pages of the other suites named in test/fixtures/extract/news-suite.json, split kept. */
function loadNewsSuite(corpus: string): Page[] {
  const manifest = JSON.parse(
    readFileSync(join(here, '..', 'test', 'fixtures', 'extract', 'news-suite.json'), 'utf8'),
  ) as { pages: Array<{ suite: SourceSuite; id: string }> };
  const bySuite = new Map<SourceSuite, Map<string, Page>>();
  const out: Page[] = [];
  for (const { suite, id } of manifest.pages) {
    if (!bySuite.has(suite)) bySuite.set(suite, new Map(loadSuite(corpus, suite).map((p) => [p.id, p])));
    const page = bySuite.get(suite)!.get(id);
    if (!page) throw new Error(`news-suite.json: no page ${suite}/${id} in ${corpus}`);
    out.push({ ...page, id: `${suite}/${id}` });
  }
  return out;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Lists the pages of a suite with their expectations. */
function loadSuite(corpus: string, suite: Suite): Page[] {
  if (suite === 'news') return loadNewsSuite(corpus);
  const dir = join(corpus, suite);
  if (suite === 'readability-pages') {
    return withSplit(
      readdirSync(dir)
        .sort()
        .map((name) => {
          const m = JSON.parse(readFileSync(join(dir, name, 'expected-metadata.json'), 'utf8')) as Record<
            string,
            string | null
          >;
          return {
            id: name,
            file: join(dir, name, 'source.html'),
            url: 'http://fakehost/test/page.html',
            expectedFile: join(dir, name, 'expected.html'),
            expectedKind: 'html' as const,
            meta: {
              title: m.title ?? null,
              byline: m.byline ?? null,
              lang: m.lang ?? null,
              published: m.publishedTime ?? null,
            },
          };
        }),
    );
  }
  if (suite === 'newspaper-fulltext') {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{
      id: string;
      url: string;
      html: string;
      text: string;
      text_status: string;
    }>;
    return withSplit(
      manifest
        .filter((e) => e.text_status === 'text')
        .map((e) => ({
          id: e.id,
          file: join(dir, e.html),
          url: e.url,
          expectedFile: join(dir, e.text),
          expectedKind: 'text' as const,
          meta: {},
        })),
    );
  }
  return withSplit(
    readdirSync(join(dir, 'html'))
      .filter((f) => f.endsWith('.html'))
      .sort()
      .map((f) => {
        const name = f.replace(/\.html$/, '');
        const metaFile = join(dir, 'metadata', `${name}.json`);
        const m = existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>) : null;
        return {
          id: name,
          file: join(dir, 'html', f),
          url: (typeof m?.url === 'string' && m.url) || `http://fakehost/${name}.html`,
          expectedFile: join(dir, 'txt', `${name}.txt`),
          expectedKind: 'text' as const,
          meta: m
            ? {
                title: typeof m.title === 'string' ? m.title : null,
                authors: Array.isArray(m.authors) ? (m.authors as string[]) : [],
                lang: typeof m.language === 'string' ? m.language : null,
                published: typeof m.publish_date === 'string' ? m.publish_date : null,
              }
            : {},
        };
      }),
  );
}

// ---------------------------------------------------------------- worker (child process)

async function worker(extractor: ExtractorName, listFile: string, outFile: string): Promise<void> {
  const pages = JSON.parse(readFileSync(listFile, 'utf8')) as Page[];
  const out = createWriteStream(outFile);
  let run: (body: Buffer, url: string) => Promise<Omit<PageResult, 'id' | 'ms' | 'cpuMs'>>;
  if (extractor === 'naive') {
    const { JSDOM } = await import('jsdom');
    const { Readability } = await import('@mozilla/readability');
    run = async (body, url) => {
      const dom = new JSDOM(body, { url });
      const a = new Readability(dom.window.document).parse();
      return {
        text: a?.textContent ?? '',
        title: a?.title ?? null,
        byline: a?.byline ?? null,
        lang: a?.lang ?? null,
        published: a?.publishedTime ?? null,
      };
    };
  } else {
    const { extractPage } = await import('../shared/extract/index.ts');
    const dom = extractor === 'wirewatch-jsdom' ? 'jsdom' : 'linkedom';
    run = async (body, url) => {
      const x = await extractPage({ body, url }, { dom });
      return {
        text: x.text,
        title: x.title,
        byline: x.byline,
        lang: x.lang,
        published: x.publishedAt,
        status: x.status,
        dom: x.extractor.dom ?? null,
      };
    };
  }
  // Warm-up (not timed) so both sides are measured after module load and JIT: by default one whole pass over the
  // suite, as a long-running worker sees its pages (`--warmup-first3`: the first 3 pages only, as before).
  const warm = process.argv.includes('--warmup-first3') ? pages.slice(0, 3) : pages;
  for (const p of warm) await run(readFileSync(p.file), p.url);
  for (const p of pages) {
    const body = readFileSync(p.file);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let r: Omit<PageResult, 'id' | 'ms' | 'cpuMs'>;
    try {
      r = await run(body, p.url);
    } catch (err) {
      r = { text: '', title: null, byline: null, lang: null, published: null, status: `threw: ${String(err)}` };
    }
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    out.write(`${JSON.stringify({ id: p.id, ms, cpuMs: (c.user + c.system) / 1000, ...r })}\n`);
  }
  await new Promise<void>((res) => out.end(res));
  process.stdout.write(`${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

async function soakWorker(listFile: string, total: number): Promise<void> {
  const pages = JSON.parse(readFileSync(listFile, 'utf8')) as Page[];
  const { extractPage } = await import('../shared/extract/index.ts');
  const samples: Array<{ pages: number; rssBytes: number; heapBytes: number }> = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const p = pages[i % pages.length]!;
    await extractPage({ body: readFileSync(p.file), url: p.url });
    if ((i + 1) % 100 === 0) {
      // Sample what is retained, not where the GC sawtooth happens to be: a full GC first (node --expose-gc).
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      samples.push({ pages: i + 1, rssBytes: m.rss, heapBytes: m.heapUsed });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ samples, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

// ---------------------------------------------------------------- scoring

const NO_SPACE_SCRIPT =
  /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f\u1000-\u109f\uf900-\ufaff]/u;

/** Word tokens: letter/digit runs, lower-cased; scripts written without spaces count one token per character. */
export function tokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    const w = m[0];
    if (NO_SPACE_SCRIPT.test(w)) {
      for (const ch of w) out.push(ch);
    } else out.push(w);
  }
  return out;
}

/** Multiset of word 4-shingles (a shorter text is one shingle). */
function shingles(text: string): Map<string, number> {
  const t = tokens(text);
  const bag = new Map<string, number>();
  const n = 4;
  if (t.length === 0) return bag;
  if (t.length < n) {
    bag.set(t.join(' '), 1);
    return bag;
  }
  for (let i = 0; i + n <= t.length; i++) {
    const k = t.slice(i, i + n).join(' ');
    bag.set(k, (bag.get(k) ?? 0) + 1);
  }
  return bag;
}

/** Precision, recall and F1 of predicted vs expected word 4-shingles (empty prediction scores 0). */
export function prf(predicted: string, expected: string): { p: number; r: number; f1: number } {
  const a = shingles(predicted);
  const e = shingles(expected);
  let sizeA = 0;
  let sizeE = 0;
  let inter = 0;
  for (const v of a.values()) sizeA += v;
  for (const v of e.values()) sizeE += v;
  for (const [k, v] of a) inter += Math.min(v, e.get(k) ?? 0);
  if (sizeA === 0 && sizeE === 0) return { p: 1, r: 1, f1: 1 };
  if (sizeA === 0 || sizeE === 0) return { p: 0, r: 0, f1: 0 };
  const p = inter / sizeA;
  const r = inter / sizeE;
  return { p, r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
}

/**
 * The expected text of a page. With `withoutCaptions`, readability-pages expectations (Readability's own output,
 * which keeps `<figcaption>` text) lose their `<figcaption>` elements: the recall against that shows how much of a
 * recall change is caption text, which wirewatch drops as boilerplate on purpose.
 */
async function expectedText(page: Page, withoutCaptions = false): Promise<string> {
  const raw = readFileSync(page.expectedFile, 'utf8');
  if (page.expectedKind === 'text') return raw;
  const { parseHTML } = await import('linkedom');
  const { document } = parseHTML(`<!DOCTYPE html><html><body>${raw}</body></html>`);
  if (withoutCaptions) for (const el of Array.from(document.querySelectorAll('figcaption'))) el.remove();
  return document.body.textContent ?? '';
}

const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim().toLowerCase();
const instant = (s: string | null | undefined) => {
  if (!s) return NaN;
  const v = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s.trim())
    ? `${s.trim().replace(' ', 'T')}Z`
    : s.trim();
  return Date.parse(v);
};

/** Per-field agreement counters: [agree, total]. */
type Agreement = Record<'title' | 'byline' | 'lang' | 'published', [number, number]>;

function agreement(pages: Page[], results: Map<string, PageResult>): Agreement {
  const ag: Agreement = { title: [0, 0], byline: [0, 0], lang: [0, 0], published: [0, 0] };
  for (const p of pages) {
    const r = results.get(p.id);
    const m = p.meta;
    if (m.title) {
      ag.title[1]++;
      if (r && norm(r.title) === norm(m.title)) ag.title[0]++;
    }
    if (m.byline) {
      ag.byline[1]++;
      if (r && norm(r.byline) === norm(m.byline)) ag.byline[0]++;
    } else if (m.authors && m.authors.length > 0) {
      ag.byline[1]++;
      if (r && m.authors.every((a) => norm(r.byline).includes(norm(a)))) ag.byline[0]++;
    }
    if (m.lang) {
      ag.lang[1]++;
      const primary = (s: string | null | undefined) => norm(s).split(/[-_]/)[0];
      if (r && (norm(r.lang) === norm(m.lang) || (p.expectedKind === 'text' && primary(r.lang) === primary(m.lang))))
        ag.lang[0]++;
    }
    if (m.published) {
      ag.published[1]++;
      const exp = instant(m.published);
      const got = instant(r?.published);
      const sameDay =
        p.expectedKind === 'text' &&
        !Number.isNaN(got) &&
        new Date(got).toISOString().slice(0, 10) === m.published.slice(0, 10);
      if (r && ((!Number.isNaN(exp) && exp === got) || sameDay)) ag.published[0]++;
    }
  }
  return ag;
}

// ---------------------------------------------------------------- diagnostics (--misses)

/** The expected text as paragraphs (block elements of expected.html; blank-line paragraphs of a .txt). */
async function expectedParagraphs(page: Page, text: string): Promise<string[]> {
  if (page.expectedKind === 'text')
    return text
      .split(/\n\s*\n|\n/)
      .map((s) => s.trim())
      .filter(Boolean);
  const { parseHTML } = await import('linkedom');
  const { domToParagraphs } = await import('../shared/extract/text.ts');
  const raw = readFileSync(page.expectedFile, 'utf8');
  const { document } = parseHTML(`<!DOCTYPE html><html><body>${raw}</body></html>`);
  return domToParagraphs(document.body as unknown as Node);
}

/** Sentences of a paragraph (split after . ! ? and their CJK forms); short paragraphs stay whole. */
function sentencesOf(paragraph: string): string[] {
  return paragraph
    .split(/(?<=[.!?。！？])\s+(?=\S)/u)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Share of a sentence's word 4-shingles (a shorter sentence: the whole of it) found in another text's set. */
function coveredBy(sentence: string, set: Set<string>, joined: string): number {
  const t = tokens(sentence);
  if (t.length === 0) return 1;
  if (t.length < 4) return joined.includes(` ${t.join(' ')} `) ? 1 : 0;
  let hit = 0;
  for (let i = 0; i + 4 <= t.length; i++) if (set.has(t.slice(i, i + 4).join(' '))) hit++;
  return hit / (t.length - 3);
}

function shingleSetOf(text: string): { set: Set<string>; joined: string } {
  const t = tokens(text);
  const set = new Set<string>();
  for (let i = 0; i + 4 <= t.length; i++) set.add(t.slice(i, i + 4).join(' '));
  return { set, joined: ` ${t.join(' ')} ` };
}

/**
 * One page's recall misses (expected sentences less than half of whose shingles are in the output) and extras
 * (output sentences less than half of whose shingles are in the expected text), or null when there are none.
 */
async function missesReport(page: Page, output: string, expected: string): Promise<string | null> {
  const score = prf(output, expected);
  const out = shingleSetOf(output);
  const exp = shingleSetOf(expected);
  const clip = (s: string) => (s.length > 180 ? `${s.slice(0, 177)}…` : s);
  const missed: string[] = [];
  for (const para of await expectedParagraphs(page, expected))
    for (const s of sentencesOf(para)) if (coveredBy(s, out.set, out.joined) < 0.5) missed.push(s);
  const extra: string[] = [];
  for (const para of output.split(/\n\s*\n/))
    for (const s of sentencesOf(para.trim())) if (s && coveredBy(s, exp.set, exp.joined) < 0.5) extra.push(s);
  if (missed.length === 0 && extra.length === 0) return null;
  const lines = [
    `== ${page.heldOut ? '[held-out] ' : ''}${page.id}  P=${score.p.toFixed(3)} R=${score.r.toFixed(3)} F1=${score.f1.toFixed(3)}`,
    ...missed.map((s) => `  - ${clip(s)}`),
    ...extra.map((s) => `  + ${clip(s)}`),
  ];
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- orchestration

function runChild(args: string[], nodeArgs: string[] = []): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [...nodeArgs, ...process.execArgv, fileURLToPath(import.meta.url), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', rej);
    child.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`worker ${args.join(' ')} exited ${code}`))));
  });
}

/** Mean precision / recall / F1 over some pages. */
interface Quality {
  pages: number;
  p: number;
  r: number;
  f1: number;
  /** Recall against the expected text without its `<figcaption>`s (readability-pages expectations only). */
  rNoCaptions: number;
}

interface SuiteFigures {
  pages: number;
  p: number;
  r: number;
  f1: number;
  dev: Quality;
  heldOut: Quality;
  /** Per page: id, held out or not, and the page's P/R/F1. */
  perPage: Array<{ id: string; heldOut: boolean; p: number; r: number; f1: number; status?: string }>;
  pagesPerSecond: number;
  msPerPage: number;
  pagesPerCpuSecond: number;
  cpuMsPerPage: number;
  peakRssMB: number;
  agreement: Agreement;
  statuses?: Record<string, number>;
  jsdomFallbacks?: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const pct = (a: [number, number]) => (a[1] ? `${((100 * a[0]) / a[1]).toFixed(1)}% (${a[0]}/${a[1]})` : 'n/a');

async function main(): Promise<void> {
  if (process.argv.includes('--worker')) {
    await worker(arg('--worker') as ExtractorName, arg('--list')!, arg('--out')!);
    return;
  }
  if (process.argv.includes('--soak-worker')) {
    await soakWorker(arg('--list')!, Number(arg('--soak-worker')));
    return;
  }
  const corpus = resolve(arg('--corpus') ?? join(here, '..', '..', 'shared', 'corpus'));
  const suites = (arg('--suite') ? [arg('--suite')] : SUITES) as Suite[];
  const extractors = (arg('--extractors')?.split(',') ?? ['naive', 'wirewatch', 'wirewatch-jsdom']) as ExtractorName[];
  const soakPages = process.argv.includes('--no-soak') ? 0 : Number(arg('--soak') ?? 1000);
  const tmp = mkdtempSync(join(tmpdir(), 'ww-bench-extract-'));
  const report: Record<string, Record<string, SuiteFigures> & { identicalEngines?: unknown }> = {};
  const allPages: Page[] = [];
  try {
    const soakOnly = process.argv.includes('--soak-only');
    for (const suite of suites) {
      const pages = loadSuite(corpus, suite);
      allPages.push(...pages);
      if (soakOnly) continue;
      const list = join(tmp, `${suite}.json`);
      writeFileSync(list, JSON.stringify(pages));
      const expected = new Map<string, string>();
      const expectedNoCaptions = new Map<string, string>();
      for (const p of pages) {
        expected.set(p.id, await expectedText(p));
        expectedNoCaptions.set(p.id, await expectedText(p, true));
      }
      report[suite] = {} as Record<string, SuiteFigures>;
      const texts: Partial<Record<ExtractorName, Map<string, PageResult>>> = {};
      for (const ex of extractors) {
        const outFile = join(tmp, `${suite}.${ex}.jsonl`);
        process.stderr.write(`bench:extract ${suite} × ${ex} (${pages.length} pages)…\n`);
        const stdout = await runChild([
          '--worker',
          ex,
          '--list',
          list,
          '--out',
          outFile,
          ...(process.argv.includes('--warmup-first3') ? ['--warmup-first3'] : []),
        ]);
        const { maxRssBytes } = JSON.parse(stdout.trim().split('\n').pop()!) as { maxRssBytes: number };
        const results = new Map<string, PageResult>();
        for (const line of readFileSync(outFile, 'utf8').split('\n'))
          if (line) results.set((JSON.parse(line) as PageResult).id, JSON.parse(line) as PageResult);
        texts[ex] = results;
        const scores = pages.map((p) => prf(results.get(p.id)?.text ?? '', expected.get(p.id) ?? ''));
        const scoresNoCaptions = pages.map((p) =>
          prf(results.get(p.id)?.text ?? '', expectedNoCaptions.get(p.id) ?? ''),
        );
        const totalMs = [...results.values()].reduce((a, r) => a + r.ms, 0);
        const totalCpuMs = [...results.values()].reduce((a, r) => a + r.cpuMs, 0);
        const statuses: Record<string, number> = {};
        let jsdomFallbacks = 0;
        for (const r of results.values()) {
          if (r.status) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (ex === 'wirewatch' && r.dom === 'jsdom') jsdomFallbacks++;
        }
        const quality = (keep: (p: Page) => boolean): Quality => {
          const sc = scores.filter((_, i) => keep(pages[i]!));
          return {
            pages: sc.length,
            p: mean(sc.map((s) => s.p)),
            r: mean(sc.map((s) => s.r)),
            f1: mean(sc.map((s) => s.f1)),
            rNoCaptions: mean(scoresNoCaptions.filter((_, i) => keep(pages[i]!)).map((s) => s.r)),
          };
        };
        report[suite][ex] = {
          pages: pages.length,
          p: mean(scores.map((s) => s.p)),
          r: mean(scores.map((s) => s.r)),
          f1: mean(scores.map((s) => s.f1)),
          dev: quality((p) => !p.heldOut),
          heldOut: quality((p) => p.heldOut),
          perPage: pages.map((p, i) => ({
            id: p.id,
            heldOut: p.heldOut,
            ...scores[i]!,
            status: results.get(p.id)?.status,
          })),
          pagesPerSecond: (1000 * pages.length) / totalMs,
          msPerPage: totalMs / pages.length,
          pagesPerCpuSecond: (1000 * pages.length) / totalCpuMs,
          cpuMsPerPage: totalCpuMs / pages.length,
          peakRssMB: maxRssBytes / 2 ** 20,
          agreement: agreement(pages, results),
          ...(ex === 'naive' ? {} : { statuses, jsdomFallbacks }),
        };
        if (process.argv.includes('--misses') && ex !== 'naive') {
          const onlyDev = !process.argv.includes('--include-held-out');
          for (const p of pages) {
            if (onlyDev && p.heldOut) continue;
            const text = results.get(p.id)?.text ?? '';
            const report = await missesReport(p, text, expected.get(p.id) ?? '');
            if (report) process.stderr.write(report);
          }
        }
        if (process.argv.includes('--per-page') && ex === 'wirewatch') {
          const naive = texts.naive;
          for (const p of pages) {
            const s = prf(results.get(p.id)?.text ?? '', expected.get(p.id) ?? '');
            const b = naive ? prf(naive.get(p.id)?.text ?? '', expected.get(p.id) ?? '') : null;
            process.stderr.write(
              `  ${p.heldOut ? 'H' : ' '} ${p.id.padEnd(40)} ww f1=${s.f1.toFixed(3)} p=${s.p.toFixed(3)} r=${s.r.toFixed(3)}  naive f1=${b?.f1.toFixed(3)} p=${b?.p.toFixed(3)} r=${b?.r.toFixed(3)} ${results.get(p.id)?.status}\n`,
            );
          }
        }
      }
      const a = texts.wirewatch;
      const b = texts['wirewatch-jsdom'];
      if (!a || !b) continue;
      let identical = 0;
      let sameWords = 0;
      const differing: string[] = [];
      const words = (t: string | undefined) => (t ?? '').replace(/\s+/g, ' ').trim();
      for (const p of pages) {
        if ((a.get(p.id)?.text ?? '') === (b.get(p.id)?.text ?? '')) identical++;
        else differing.push(p.id);
        if (words(a.get(p.id)?.text) === words(b.get(p.id)?.text)) sameWords++;
      }
      report[suite].identicalEngines = { identical, sameWords, of: pages.length, differing };
    }

    let soak: {
      samples: Array<{ pages: number; rssBytes: number; heapBytes: number }>;
      seconds: number;
      maxRssBytes: number;
    } | null = null;
    if (soakPages > 0) {
      const list = join(tmp, 'soak.json');
      writeFileSync(list, JSON.stringify(allPages));
      process.stderr.write(`bench:extract soak: ${soakPages} pages in one process…\n`);
      const stdout = await runChild(['--soak-worker', String(soakPages), '--list', list], ['--expose-gc']);
      soak = JSON.parse(stdout.trim().split('\n').pop()!);
    }
    printReport(report, soak, corpus);
    const jsonOut = arg('--json');
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ report, soak }, null, 2));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function slopeMBPer100(samples: Array<{ pages: number; rssBytes: number }>): number {
  const xs = samples.map((s) => s.pages / 100);
  const ys = samples.map((s) => s.rssBytes / 2 ** 20);
  const mx = mean(xs);
  const my = mean(ys);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}

function printReport(
  report: Record<string, Record<string, SuiteFigures> & { identicalEngines?: unknown }>,
  soak: {
    samples: Array<{ pages: number; rssBytes: number; heapBytes: number }>;
    seconds: number;
    maxRssBytes: number;
  } | null,
  corpus: string,
): void {
  const lines: string[] = [];
  lines.push(`Corpus: ${corpus}; Node ${process.version}; one child process per extractor × suite, run one at a time.`);
  lines.push('');
  lines.push(
    '| suite | extractor | pages | P | R | F1 | pages/CPU-s | CPU ms/page | pages/s (wall) | peak RSS MB | title | byline | lang | published |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [suite, byEx] of Object.entries(report)) {
    for (const ex of ['naive', 'wirewatch', 'wirewatch-jsdom']) {
      const f = (byEx as Record<string, SuiteFigures>)[ex];
      if (!f) continue;
      lines.push(
        `| ${suite} | ${ex} | ${f.pages} | ${f.p.toFixed(4)} | ${f.r.toFixed(4)} | ${f.f1.toFixed(4)} | ${f.pagesPerCpuSecond.toFixed(1)} | ${f.cpuMsPerPage.toFixed(1)} | ${f.pagesPerSecond.toFixed(1)} | ${f.peakRssMB.toFixed(0)} | ${pct(f.agreement.title)} | ${pct(f.agreement.byline)} | ${pct(f.agreement.lang)} | ${pct(f.agreement.published)} |`,
      );
    }
  }
  lines.push('');
  lines.push(
    '| suite | F1 wirewatch − naive | throughput wirewatch ÷ naive (CPU; wall) | peak RSS wirewatch ÷ naive | linkedom text = jsdom text (exact; same words) | statuses (wirewatch) | jsdom fallbacks |',
  );
  lines.push('|---|---|---|---|---|---|---|');
  for (const [suite, byEx] of Object.entries(report)) {
    const n = (byEx as Record<string, SuiteFigures>).naive;
    const w = (byEx as Record<string, SuiteFigures>).wirewatch;
    const ie = (byEx.identicalEngines ?? { identical: 0, sameWords: 0, of: 0, differing: [] }) as {
      identical: number;
      sameWords: number;
      of: number;
      differing: string[];
    };
    if (!n || !w) continue;
    lines.push(
      `| ${suite} | ${(w.f1 - n.f1 >= 0 ? '+' : '') + (w.f1 - n.f1).toFixed(4)} | ${(w.pagesPerCpuSecond / n.pagesPerCpuSecond).toFixed(2)}×; ${(w.pagesPerSecond / n.pagesPerSecond).toFixed(2)}× | ${(w.peakRssMB / n.peakRssMB).toFixed(2)} | ${ie.identical}/${ie.of}; ${ie.sameWords}/${ie.of}${ie.differing.length ? ` (differ: ${ie.differing.slice(0, 8).join(', ')}${ie.differing.length > 8 ? ', …' : ''})` : ''} | ${JSON.stringify(w.statuses)} | ${w.jsdomFallbacks} |`,
    );
  }
  lines.push('');
  lines.push('Dev vs held-out (every 4th page by sorted id of its source suite is held out):');
  lines.push('');
  lines.push(
    '| suite | extractor | dev pages | dev P | dev R | dev F1 | dev R w/o captions | held-out pages | held-out P | held-out R | held-out F1 | held-out R w/o captions |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [suite, byEx] of Object.entries(report)) {
    for (const ex of ['naive', 'wirewatch', 'wirewatch-jsdom']) {
      const f = (byEx as Record<string, SuiteFigures>)[ex];
      if (!f) continue;
      const q = (x: Quality) =>
        `${x.pages} | ${x.p.toFixed(4)} | ${x.r.toFixed(4)} | ${x.f1.toFixed(4)} | ${x.rNoCaptions.toFixed(4)}`;
      lines.push(`| ${suite} | ${ex} | ${q(f.dev)} | ${q(f.heldOut)} |`);
    }
  }
  if (soak) {
    const last = soak.samples.at(-1)?.pages ?? 0;
    const half = soak.samples.filter((s) => s.pages >= last / 2);
    lines.push('');
    const heapSlope = slopeMBPer100(half.map((s) => ({ pages: s.pages, rssBytes: s.heapBytes })));
    lines.push(
      `Soak: ${last} pages in one process (linkedom + jsdom fallback, pages cycled over all suites) in ${soak.seconds.toFixed(1)} s; ` +
        `peak RSS ${(soak.maxRssBytes / 2 ** 20).toFixed(0)} MB. Samples after a full GC every 100 pages. Least-squares slope over the last ` +
        `half: RSS ${slopeMBPer100(half).toFixed(2)} MB/100 pages, heap ${heapSlope.toFixed(2)} MB/100 pages (whole run: RSS ${slopeMBPer100(soak.samples).toFixed(2)}).`,
    );
    lines.push('');
    lines.push(`| pages | ${soak.samples.map((s) => s.pages).join(' | ')} |`);
    lines.push(`|---|${soak.samples.map(() => '---').join('|')}|`);
    lines.push(`| RSS MB | ${soak.samples.map((s) => (s.rssBytes / 2 ** 20).toFixed(0)).join(' | ')} |`);
    lines.push(`| heap MB | ${soak.samples.map((s) => (s.heapBytes / 2 ** 20).toFixed(0)).join(' | ')} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
