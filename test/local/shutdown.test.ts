/**
 * Shutdown keeps unprocessed work: in-flight batches finish, queued messages are written to the data dir and
 * re-enqueued at the next start — even though the feed then answers 304 (its entries would not be seen again).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../shared/config/load.ts';
import { silentLogger } from '../../shared/log.ts';
import { LocalRuntime, PENDING_FILE } from '../../local/runtime.ts';

// More entries than the article queue has in flight at once (2 batches of 5).
const N = 20;

/** A publisher with one feed of N entries (ETag "v1", so a repeat poll gets 304) and slow article pages. */
interface SlowPublisher {
  base: string;
  hostPort: string;
  pagesServed(): number;
  close(): Promise<void>;
}

async function startSlowPublisher(): Promise<SlowPublisher> {
  let base = '';
  let served = 0;
  const items = Array.from(
    { length: N },
    (_, i) =>
      `<item><title>Story ${i}</title><link>BASE/p/${i}</link><guid>g${i}</guid><description>Summary ${i}.</description></item>`,
  ).join('');
  const server: Server = createServer((req, res) => {
    if (req.url === '/feed.xml') {
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"' });
      return void res.end(
        `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>${base}/</link>${items.replaceAll('BASE', base)}</channel></rss>`,
      );
    }
    // Slow article pages, so that a shutdown finds work still queued.
    setTimeout(() => {
      served++;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<html><head><title>${req.url}</title></head><body><article><h1>${req.url}</h1>${'<p>Body text of a story long enough to be an article. </p>'.repeat(8)}</article></body></html>`,
      );
    }, 150);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hostPort: base.replace('http://', ''),
    pagesServed: () => served,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const configFor = (pub: SlowPublisher) =>
  resolveConfig({ feeds: [{ url: `${pub.base}/feed.xml` }], http: { allowHosts: [pub.hostPort], hostGapMs: 0 } });

describe('LocalRuntime.close', () => {
  let dir: string;
  let pub: SlowPublisher;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-shutdown-'));
    pub = await startSlowPublisher();
  });

  afterAll(async () => {
    await pub.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps queued article jobs across a restart and processes them then', async () => {
    const config = await configFor(pub);
    const dataDir = join(dir, 'data');
    const first = await LocalRuntime.start({ config, dataDir, logger: silentLogger });
    void first.runCycle({ force: true });
    while (pub.pagesServed() < 1) await new Promise((r) => setTimeout(r, 20));
    await first.close();
    expect(existsSync(join(dataDir, PENDING_FILE))).toBe(true);
    const storedBefore = (await countItems(config, dataDir)).length;
    expect(storedBefore).toBeGreaterThan(0);
    expect(storedBefore).toBeLessThan(N);

    const second = await LocalRuntime.start({ config, dataDir, logger: silentLogger });
    try {
      const summary = await second.runCycle({ force: true });
      expect(summary.feeds.notModified).toBe(1); // the feed itself brings nothing new
    } finally {
      await second.close();
    }
    expect(existsSync(join(dataDir, PENDING_FILE))).toBe(false);
    const titles = (await countItems(config, dataDir)).map((i) => i.url).sort();
    expect(titles).toEqual(Array.from({ length: N }, (_, i) => `${pub.base}/p/${i}`).sort());
  });
});

describe('after an unclean shutdown (kill -9 mid-cycle)', () => {
  let dir: string;
  let pub: SlowPublisher;
  const BIN = fileURLToPath(new URL('../../bin/wirewatch.mjs', import.meta.url));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-crash-'));
    pub = await startSlowPublisher();
  });

  afterAll(async () => {
    await pub.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('re-reads every feed in full once, so entries queued in memory are not lost', async () => {
    const configFile = join(dir, 'wirewatch.yaml');
    await writeFile(
      configFile,
      `feeds:\n  - url: "${pub.base}/feed.xml"\nhttp:\n  allowHosts: ["${pub.hostPort}"]\n  hostGapMs: 0\n`,
    );
    const dataDir = join(dir, 'data');
    const child = spawn(process.execPath, [BIN, 'run', '--once', '--config', configFile, '--data-dir', dataDir], {
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.once('exit', r));
    const deadline = Date.now() + 30_000;
    // The 11th page is fetched only once one of the two batches of 5 in flight has finished, so by then the crashed
    // run has recorded some entries (2 pages were too few on a loaded machine: none might be recorded yet).
    while (pub.pagesServed() < 11 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(dataDir, 'wirewatch.lock'))).toBe(true); // left behind by the crash

    const config = await configFor(pub);
    const runtime = await LocalRuntime.start({ config, dataDir, logger: silentLogger });
    try {
      const summary = await runtime.runCycle({ force: true });
      expect(summary.feeds.ok).toBe(1); // read in full, not 304
      expect(summary.entries.seen).toBe(N);
      expect(summary.entries.new).toBeLessThan(N); // what the crashed run finished is not redone
    } finally {
      await runtime.close();
    }
    const urls = (await countItems(config, dataDir)).map((i) => i.url).sort();
    expect(urls).toEqual(Array.from({ length: N }, (_, i) => `${pub.base}/p/${i}`).sort());
  });
});

async function countItems(config: Awaited<ReturnType<typeof resolveConfig>>, dataDir: string) {
  const rt = await LocalRuntime.start({ config, dataDir, logger: silentLogger });
  try {
    return (await rt.ctx.store.queryItems({ limit: 100 })).items;
  } finally {
    await rt.close();
  }
}
