/**
 * A local publisher for the pipeline benchmarks: a node:http server on 127.0.0.1 serving RSS 2.0 feeds and article
 * pages held in memory, plus a helper that runs `wirewatch run --once` against it in a child process and reads what
 * happened to every article from the JSON log lines (`article processed`: entryUrl, extraction status, reason).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** One article the publisher serves. */
export interface Article {
  path: string;
  title: string;
  summary: string;
  body: Buffer;
}

/** A running publisher. */
export interface Publisher {
  base: string;
  hostPort: string;
  feedUrls: string[];
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Serves `articles` split over `feeds` RSS feeds (`/feeds/<n>.rss`), each article at its `path`. */
export async function startPublisher(articles: Article[], feeds: number): Promise<Publisher> {
  const byPath = new Map(articles.map((a) => [a.path, a]));
  const perFeed = Math.ceil(articles.length / feeds);
  let base = '';
  const feedXml = (n: number) => {
    const items = articles
      .slice(n * perFeed, (n + 1) * perFeed)
      .map(
        (a) =>
          `<item><title>${esc(a.title)}</title><link>${base}${a.path}</link><guid>${base}${a.path}</guid><description>${esc(a.summary)}</description><pubDate>Thu, 03 Dec 2026 08:00:00 GMT</pubDate></item>`,
      )
      .join('');
    return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench feed ${n}</title><link>${base}/</link><description>bench</description>${items}</channel></rss>`;
  };
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const feed = /^\/feeds\/(\d+)\.rss$/.exec(url);
    if (feed) {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(feedXml(Number(feed[1])));
      return;
    }
    const a = byPath.get(url);
    if (!a) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': a.body.byteLength });
    res.end(a.body);
  });
  // Keep idle keep-alive connections longer than a slow client takes between two requests (no races on reuse).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    base,
    hostPort: `127.0.0.1:${port}`,
    feedUrls: Array.from({ length: feeds }, (_, n) => `${base}/feeds/${n}.rss`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What one `run --once` did. */
export interface RunResult {
  wallSeconds: number;
  /** Peak resident set of the whole process (all its threads), bytes (`process.resourceUsage().maxRSS`). */
  peakRssBytes: number;
  /** CPU time of the whole process (all its threads, user + system), seconds. */
  cpuSeconds: number;
  exitCode: number | null;
  /** The `run --once --json` summary. */
  summary: unknown;
  /** Per article (by entry URL): extraction status, reason, processing ms. */
  articles: Map<string, { status: string; reason: string | null; durationMs: number }>;
}

/**
 * Prints the process's peak RSS and CPU time (user + system of every thread, µs) on exit (loaded into the child
 * with `--import`).
 */
const MAX_RSS_HOOK =
  'data:text/javascript,import{isMainThread}from"node:worker_threads";if(isMainThread)process.on("exit",()=>{const u=process.resourceUsage();process.stderr.write(JSON.stringify({benchMaxRss:u.maxRSS*1024,benchCpuMicros:u.userCPUTime+u.systemCPUTime})+"\\n")})';

/**
 * Runs `wirewatch --config <tmp> --memory --json run --once` in a child process (this process's tsx loader) with
 * the publisher's feeds and `extract` settings, a 0 ms host gap (one loopback host serves every page).
 * @param opts.timeoutMs the child is killed past this (default 10 min)
 * @param opts.nodeArgs extra Node.js options for the child (`--cpu-prof`, `--cpu-prof-dir=…`)
 */
export async function runOnce(
  publisher: Publisher,
  extract: Record<string, unknown>,
  opts: { timeoutMs?: number; nodeArgs?: string[] } = {},
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ww-bench-run-'));
  const configFile = join(dir, 'wirewatch.yaml');
  writeFileSync(
    configFile,
    toYaml({
      feeds: publisher.feedUrls.map((url, i) => ({ id: `bench-${i}`, name: `Bench ${i}`, url })),
      http: { allowHosts: [publisher.hostPort], hostGapMs: 0, contactUrl: 'https://example.org/bench' },
      alerts: { maxItemAgeHours: 0 },
      subscriptions: [],
      extract,
    }),
  );
  const started = performance.now();
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          ...process.execArgv,
          ...(opts.nodeArgs ?? []),
          '--import',
          MAX_RSS_HOOK,
          join(ROOT, 'local', 'cli.ts'),
          '--config',
          configFile,
          '--memory',
          '--json',
          'run',
          '--once',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
      let out = '';
      let errBuf = '';
      let peakRssBytes = 0;
      let cpuSeconds = Number.NaN;
      const articles: RunResult['articles'] = new Map();
      const onLine = (line: string) => {
        if (!line.startsWith('{')) return;
        try {
          const o = JSON.parse(line) as Record<string, unknown>;
          if (typeof o.benchMaxRss === 'number') {
            peakRssBytes = Math.max(peakRssBytes, o.benchMaxRss);
            cpuSeconds = Number(o.benchCpuMicros) / 1e6;
          } else if (o.message === 'article processed' && typeof o.entryUrl === 'string') {
            articles.set(o.entryUrl, {
              status: String(o.extraction),
              reason: typeof o.reason === 'string' ? o.reason : null,
              durationMs: Number(o.durationMs),
            });
          }
        } catch {
          /* not a JSON log line */
        }
      };
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        errBuf += d.toString();
        const lines = errBuf.split('\n');
        errBuf = lines.pop() ?? '';
        for (const l of lines) onLine(l);
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (errBuf) onLine(errBuf);
        let summary: unknown = null;
        try {
          summary = JSON.parse(out);
        } catch {
          summary = out.slice(0, 2000);
        }
        resolve({
          wallSeconds: (performance.now() - started) / 1000,
          peakRssBytes,
          cpuSeconds,
          exitCode: code,
          summary,
          articles,
        });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
