/**
 * Extraction isolation benchmark: three pages of one million `<p>` elements (generated, ~4 MB each, inside the
 * 5 MiB page cap) plus 40 normal news articles (newspaper-fulltext pages read from ../shared/corpus), all in one
 * `wirewatch run --once` against a local publisher on 127.0.0.1. Targets: the 40 extracted in full, the three
 * recorded with a reason, the run under 2 minutes, peak RSS under 1.5 GB.
 *
 *   npm run bench:isolation [-- --corpus DIR] [--json FILE]
 *
 * Scenario `cap`: the default `extract:` settings (the element cap refuses the pages before any DOM is built).
 * Scenario `limits`: the element cap raised out of the way (`maxElements: 10,000,000`), so the worker's time and
 * heap limits have to stop the pages.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Article, runOnce, startPublisher, type RunResult } from './local-publisher.ts';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

function articles(corpus: string): { normal: Article[]; huge: Article[] } {
  const dir = join(corpus, 'newspaper-fulltext');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{
    id: string;
    html: string;
    text: string;
    text_status: string;
  }>;
  const usable = manifest.filter((e) => e.text_status === 'text').sort((a, b) => (a.id < b.id ? -1 : 1));
  const normal = usable.slice(0, 40).map((e) => ({
    path: `/news/${e.id}`,
    title: `Article ${e.id}`,
    summary: readFileSync(join(dir, e.text), 'utf8').slice(0, 300),
    body: readFileSync(join(dir, e.html)),
  }));
  const hugeBody = Buffer.from(
    `<!DOCTYPE html><html><head><title>Huge</title></head><body>${'<p>x'.repeat(1_000_000)}</body></html>`,
  );
  const huge = [1, 2, 3].map((n) => ({
    path: `/huge/${n}`,
    title: `Huge page ${n}`,
    summary: `Feed summary of huge page ${n}.`,
    body: hugeBody,
  }));
  return { normal, huge };
}

interface Figures {
  scenario: string;
  wallSeconds: number;
  peakRssMB: number;
  normalFull: number;
  normalTotal: number;
  normalStatuses: Record<string, number>;
  /** Normal articles whose status equals the in-process `extractPage` status of the same page. */
  sameAsInProcess: number;
  huge: Array<{ url: string; status: string; reason: string | null; durationMs: number }>;
  exitCode: number | null;
}

function figures(
  scenario: string,
  run: RunResult,
  base: string,
  normal: Article[],
  huge: Article[],
  inProcess: Map<string, string>,
): Figures {
  const statuses: Record<string, number> = {};
  let full = 0;
  let same = 0;
  for (const a of normal) {
    const s = run.articles.get(`${base}${a.path}`)?.status ?? 'missing';
    statuses[s] = (statuses[s] ?? 0) + 1;
    if (s === 'full') full++;
    if (inProcess.get(a.path) === s) same++;
  }
  return {
    scenario,
    wallSeconds: run.wallSeconds,
    peakRssMB: run.peakRssBytes / 2 ** 20,
    normalFull: full,
    normalTotal: normal.length,
    normalStatuses: statuses,
    sameAsInProcess: same,
    huge: huge.map((h) => {
      const r = run.articles.get(`${base}${h.path}`);
      return { url: h.path, status: r?.status ?? 'missing', reason: r?.reason ?? null, durationMs: r?.durationMs ?? 0 };
    }),
    exitCode: run.exitCode,
  };
}

async function main(): Promise<void> {
  const corpus = resolve(arg('--corpus') ?? join(here, '..', '..', 'shared', 'corpus'));
  const { normal, huge } = articles(corpus);
  // The huge pages first in the feed, so they start before the normal ones.
  const pub = await startPublisher([...huge, ...normal], 1);
  const { extractPage } = await import('../shared/extract/index.ts');
  const inProcess = new Map<string, string>();
  for (const a of normal) {
    const x = await extractPage(
      { body: a.body, url: `${pub.base}${a.path}`, contentType: 'text/html; charset=utf-8' },
      { fallback: { title: a.title, summary: a.summary } },
    );
    inProcess.set(a.path, x.status);
  }
  const results: Figures[] = [];
  try {
    for (const [scenario, extract] of [
      ['cap', {}],
      ['limits', { maxElements: 10_000_000 }],
    ] as const) {
      process.stderr.write(`bench:isolation ${scenario}: run --once over ${huge.length + normal.length} articles…\n`);
      const run = await runOnce(pub, extract, { timeoutMs: 300_000 });
      results.push(figures(scenario, run, pub.base, normal, huge, inProcess));
    }
  } finally {
    await pub.close();
  }
  const lines = [
    `Node ${process.version}; one \`run --once\` per scenario (child process, --memory store), local publisher on 127.0.0.1.`,
    '',
    '| scenario | run wall s | peak RSS MB | normal articles full | normal statuses | same status as in-process | huge pages (status: reason) |',
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (f) =>
        `| ${f.scenario} | ${f.wallSeconds.toFixed(1)} | ${f.peakRssMB.toFixed(0)} | ${f.normalFull}/${f.normalTotal} | ${JSON.stringify(f.normalStatuses)} | ${f.sameAsInProcess}/${f.normalTotal} | ${f.huge.map((h) => `${h.status}: ${h.reason} (${(h.durationMs / 1000).toFixed(1)} s)`).join('<br>')} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const jsonOut = arg('--json');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
}

await main();
