/**
 * End-to-end pipeline benchmark: `wirewatch run --once` over 2,000 articles (20 RSS feeds × 100 entries) served
 * by a local publisher on 127.0.0.1 from the corpus pages of ../shared/corpus (readability-pages,
 * newspaper-fulltext, newspaper4k-testdata; each page under several URLs), against a naive baseline measured in
 * the same run: every article fetched through the same HTTP chokepoint and extracted with
 * `new JSDOM(bytes, {url})` + `new Readability(document).parse()`, in one process.
 *
 *   npm run bench:pipeline [-- --corpus DIR] [--articles N] [--naive-articles N] [--no-in-process] [--rounds N]
 *                              [--cpu-prof DIR] [--json FILE]
 *
 * Runs: `pool` = default settings (extraction in the worker pool, one worker per core); `in-process` =
 * `extract.workers: 0` (extraction on the main thread, as before the pool); `naive`. Throughput = articles per
 * wall-clock second of the whole run (feeds, fetch, extraction, topics, store); the naive baseline does only fetch
 * + extraction, so the ratio is conservative. `--naive-articles` limits the baseline to the first N articles of the
 * same list (its rate is per article, so the ratio stays comparable). `--rounds N` repeats the runs (pool,
 * in-process, naive, in that order, N times) so that each round's ratio is measured under the same machine load;
 * the load average is recorded around every run. CPU time (user + system of every thread of the run's process) is
 * reported beside wall time: on a shared machine it is the steadier figure. `--cpu-prof DIR` writes V8 CPU
 * profiles of the pool run (main thread and each worker) into DIR.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Article, runOnce, startPublisher, type RunResult } from './local-publisher.ts';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** Every corpus page (bytes), in a fixed order. */
function corpusPages(corpus: string): Buffer[] {
  const out: Buffer[] = [];
  const rp = join(corpus, 'readability-pages');
  for (const d of readdirSync(rp).sort()) out.push(readFileSync(join(rp, d, 'source.html')));
  const nf = join(corpus, 'newspaper-fulltext', 'html');
  for (const f of readdirSync(nf).sort()) out.push(readFileSync(join(nf, f)));
  const n4 = join(corpus, 'newspaper4k-testdata', 'html');
  for (const f of readdirSync(n4).sort()) out.push(readFileSync(join(n4, f)));
  return out;
}

/** Naive baseline in a child process: fetch each URL through shared/http, JSDOM + Readability, one at a time. */
async function naiveWorker(listFile: string, hostPort: string): Promise<void> {
  const urls = JSON.parse(readFileSync(listFile, 'utf8')) as string[];
  const { createHttpClient, httpConfigSchema } = await import('../shared/http/index.ts');
  const { JSDOM } = await import('jsdom');
  const { Readability } = await import('@mozilla/readability');
  const http = createHttpClient(httpConfigSchema.parse({ allowHosts: [hostPort], hostGapMs: 0 }));
  const t0 = performance.now();
  let words = 0;
  let failed = 0;
  for (const url of urls) {
    try {
      const res = await http.request(url, { kind: 'page' });
      const dom = new JSDOM(res.body, { url: res.url });
      const a = new Readability(dom.window.document).parse();
      words += (a?.textContent ?? '').split(/\s+/).length;
      dom.window.close();
    } catch (err) {
      failed++;
      process.stderr.write(`naive: ${url}: ${String(err).slice(0, 200)}\n`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const u = process.resourceUsage();
  process.stdout.write(
    `${JSON.stringify({ seconds, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6, articles: urls.length, failed, words, maxRssBytes: u.maxRSS * 1024 })}\n`,
  );
}

/** What the naive baseline reports. */
interface NaiveResult {
  seconds: number;
  cpuSeconds: number;
  articles: number;
  maxRssBytes: number;
}

function runNaive(urls: string[], hostPort: string): Promise<NaiveResult> {
  const list = join(process.env.TMPDIR ?? '/tmp', `ww-bench-naive-${process.pid}.json`);
  writeFileSync(list, JSON.stringify(urls));
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--naive-worker', list, hostPort],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', rej);
    child.on('exit', (code) =>
      code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!)) : rej(new Error(`naive baseline exited ${code}`)),
    );
  });
}

const load = () => loadavg()[0]!;

function summarise(name: string, round: number, run: RunResult, total: number, loads: [number, number]) {
  const statuses: Record<string, number> = {};
  for (const a of run.articles.values()) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  return {
    name,
    round,
    articles: run.articles.size,
    of: total,
    wallSeconds: run.wallSeconds,
    articlesPerSecond: run.articles.size / run.wallSeconds,
    cpuSeconds: run.cpuSeconds,
    cpuMsPerArticle: (1000 * run.cpuSeconds) / run.articles.size,
    peakRssMB: run.peakRssBytes / 2 ** 20,
    load: loads,
    statuses,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const naiveIdx = process.argv.indexOf('--naive-worker');
  if (naiveIdx >= 0) {
    await naiveWorker(process.argv[naiveIdx + 1]!, process.argv[naiveIdx + 2]!);
    return;
  }
  const corpus = resolve(arg('--corpus') ?? join(here, '..', '..', 'shared', 'corpus'));
  const total = Number(arg('--articles') ?? 2000);
  const pages = corpusPages(corpus);
  const articles: Article[] = Array.from({ length: total }, (_, i) => ({
    path: `/story/${i}`,
    title: `Story ${i}`,
    summary: `Summary of story ${i}.`,
    body: pages[i % pages.length]!,
  }));
  const pub = await startPublisher(articles, 20);
  const rounds = Number(arg('--rounds') ?? 1);
  const profDir = arg('--cpu-prof');
  const rows: Array<ReturnType<typeof summarise>> = [];
  const naives: Array<NaiveResult & { round: number; load: [number, number] }> = [];
  const n = Number(arg('--naive-articles') ?? total);
  try {
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`bench:pipeline round ${round}/${rounds} pool: run --once over ${total} articles…\n`);
      let l0 = load();
      const nodeArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profDir)}`] : [];
      const pool = await runOnce(pub, {}, { timeoutMs: 1_800_000, nodeArgs });
      rows.push(summarise('pool', round, pool, total, [l0, load()]));
      if (!process.argv.includes('--no-in-process')) {
        process.stderr.write(
          `bench:pipeline round ${round}/${rounds} in-process: run --once over ${total} articles…\n`,
        );
        l0 = load();
        const inProcess = await runOnce(pub, { workers: 0 }, { timeoutMs: 1_800_000 });
        rows.push(summarise('in-process', round, inProcess, total, [l0, load()]));
      }
      process.stderr.write(
        `bench:pipeline round ${round}/${rounds} naive: fetch + JSDOM + Readability over ${n} articles…\n`,
      );
      l0 = load();
      const naive = await runNaive(
        articles.slice(0, n).map((a) => `${pub.base}${a.path}`),
        pub.hostPort,
      );
      naives.push({ ...naive, round, load: [l0, load()] });
    }
  } finally {
    await pub.close();
  }
  const naiveOf = (round: number) => naives.find((x) => x.round === round)!;
  const rate = (x: NaiveResult) => x.articles / x.seconds;
  const cpuMs = (x: NaiveResult) => (1000 * x.cpuSeconds) / x.articles;
  const lines = [
    `Node ${process.version}; ${total} articles (${pages.length} corpus pages cycled), 20 feeds; local publisher on 127.0.0.1; one run at a time; ${rounds} round(s).`,
    '',
    '| round | run | articles | wall s | articles/s | ÷ naive (wall) | CPU ms/article | naive CPU ÷ run CPU | load avg (start → end) | peak RSS MB | statuses |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (let round = 1; round <= rounds; round++) {
    const nv = naiveOf(round);
    for (const r of rows.filter((x) => x.round === round)) {
      lines.push(
        `| ${round} | ${r.name} | ${r.articles}/${r.of} | ${r.wallSeconds.toFixed(1)} | ${r.articlesPerSecond.toFixed(2)} | ${(r.articlesPerSecond / rate(nv)).toFixed(2)}× | ${r.cpuMsPerArticle.toFixed(0)} | ${(cpuMs(nv) / r.cpuMsPerArticle).toFixed(2)}× | ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)} | ${r.peakRssMB.toFixed(0)} | ${JSON.stringify(r.statuses)} |`,
      );
    }
    lines.push(
      `| ${round} | naive (fetch + JSDOM + Readability) | ${nv.articles} | ${nv.seconds.toFixed(1)} | ${rate(nv).toFixed(2)} | 1.00× | ${cpuMs(nv).toFixed(0)} | 1.00× | ${nv.load[0].toFixed(1)} → ${nv.load[1].toFixed(1)} | ${(nv.maxRssBytes / 2 ** 20).toFixed(0)} | |`,
    );
  }
  if (rounds > 1) {
    for (const name of [...new Set(rows.map((r) => r.name))]) {
      const ratios = rows.filter((r) => r.name === name).map((r) => r.articlesPerSecond / rate(naiveOf(r.round)));
      lines.push(
        '',
        `${name}: median ÷ naive (wall) ${median(ratios).toFixed(2)}× over ${ratios.length} rounds (${ratios.map((x) => x.toFixed(2)).join(', ')})`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const jsonOut = arg('--json');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ rows, naives }, null, 2));
}

await main();
