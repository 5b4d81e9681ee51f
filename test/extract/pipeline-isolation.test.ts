/**
 * Extraction isolation through the whole local pipeline (feed → fetch on the main thread → worker pool → store):
 * a page of one million elements is stored from its feed text with the reason, once, while the article beside
 * it is extracted in full. Real parts: a node:http publisher on 127.0.0.1, the in-memory embedded store.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.ts';
import { resolveConfig } from '../../shared/config/load.ts';
import { closeExtractPools } from '../../shared/extract/index.ts';
import { silentLogger } from '../../shared/log.ts';
import { fixture } from './helpers.ts';

const HUGE_SUMMARY = 'Feed summary of the huge page: ports reopen after the storm.';

describe('pipeline with the extraction worker pool', () => {
  let server: Server;
  let base: string;
  let runtime: LocalRuntime;
  const requests: string[] = [];

  beforeAll(async () => {
    const huge = Buffer.from(
      `<!DOCTYPE html><html><head><title>Huge</title></head><body>${'<p>x'.repeat(1_000_000)}</body></html>`,
    );
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/feed.rss') {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title><link>${base}/</link>
<item><title>Huge page</title><link>${base}/huge</link><guid>${base}/huge</guid><description>${HUGE_SUMMARY}</description></item>
<item><title>Energy pact</title><link>${base}/article</link><guid>${base}/article</guid><description>Pact signed.</description></item>
</channel></rss>`);
      } else if (req.url === '/huge') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(huge);
      } else if (req.url === '/article') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(fixture('article.html'));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = await resolveConfig({
      feeds: [{ url: `${base}/feed.rss` }],
      http: { allowHosts: [new URL(base).host], hostGapMs: 0 },
      extract: { workers: 2 },
      alerts: { maxItemAgeHours: 0 },
    });
    runtime = await LocalRuntime.start({
      config,
      dataDir: '',
      memory: true,
      logger: silentLogger,
      consoleWrite: () => {},
    });
  });

  afterAll(async () => {
    await runtime?.close();
    await closeExtractPools();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  it('stores the huge page from the feed with the reason, the article in full, and never fetches the page again', async () => {
    const first = await runtime.runCycle({ force: true });
    expect(first.items.stored).toBe(2);
    const { items } = await runtime.ctx.store.queryItems({ limit: 10 });
    const huge = (await runtime.ctx.store.getItem(items.find((i) => i.url.endsWith('/huge'))!.id))!;
    expect(huge.extraction.status).toBe('feed_only');
    expect(huge.extraction.reason).toBe('page too complex: 1,000,004 elements > cap 100,000');
    expect(huge.text).toBe(HUGE_SUMMARY);
    const article = (await runtime.ctx.store.getItem(items.find((i) => !i.url.endsWith('/huge'))!.id))!;
    expect(article.extraction.status).toBe('full');
    expect(article.text).toContain('European buyers, who once took most');

    // A permanent outcome: the next cycle sees both entries as processed and fetches neither page.
    const second = await runtime.runCycle({ force: true });
    expect(second.entries.new).toBe(0);
    expect(requests.filter((r) => r === '/huge')).toHaveLength(1);
  });
});
