/**
 * Pipeline stages on real parts: a node:http publisher on 127.0.0.1, the in-memory embedded store, the local
 * runtime composing the Lambda handlers.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../shared/config/load.ts';
import { createLogger } from '../../shared/log.ts';
import { LocalRuntime } from '../../local/runtime.ts';
import { startFixtureSite, type FixtureSite } from '../../scripts/fixture-site.ts';

const NO_LINK_FEED = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>No links</title><link>{{BASE}}/</link>
<item><title>Xi Jinping meets Vladimir Putin in Moscow</title><guid isPermaLink="false">n1</guid><pubDate>{{RFC822_RECENT}}</pubDate>
<description>Chinese President Xi Jinping held talks with Russian President Vladimir Putin in Moscow on energy and trade cooperation between China and Russia.</description></item>
<item><title>Local weather: rain on Tuesday</title><guid isPermaLink="false">n2</guid><pubDate>{{RFC822_RECENT}}</pubDate>
<description>Rain is expected across the region on Tuesday.</description></item>
<item><title>Scripted link</title><link>javascript:alert(1)</link><guid isPermaLink="false">n3</guid><pubDate>{{RFC822_RECENT}}</pubDate>
<description>An entry whose only link is a script URL.</description></item>
</channel></rss>`;

describe('processArticleStage', () => {
  let dir: string;
  let site: FixtureSite;
  let runtime: LocalRuntime;
  let alerts: string[];
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-stages-'));
    await mkdir(join(dir, 'feeds'));
    await writeFile(join(dir, 'feeds', 'nolink.rss'), NO_LINK_FEED);
    site = await startFixtureSite(dir);
    const config = await resolveConfig({
      feeds: [{ url: `${site.base}/feeds/nolink.rss` }],
      http: { allowHosts: [site.hostPort], hostGapMs: 0 },
    });
    alerts = [];
    runtime = await LocalRuntime.start({
      config,
      dataDir: '',
      memory: true,
      logger: createLogger({ level: 'debug', write: (l) => logLines.push(JSON.parse(l)) }),
      consoleWrite: (l) => alerts.push(l),
    });
  });

  afterAll(async () => {
    await runtime?.close();
    await site?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps each entry without a usable link as its own item, text from the feed', async () => {
    const summary = await runtime.runCycle({ force: true });
    expect(summary.entries).toEqual({ seen: 3, new: 3 });
    expect(summary.items.stored).toBe(3);
    expect(summary.items.tagged).toBe(1);
    // Nothing was fetched but the feed: there is no page to fetch.
    expect(site.requests).toEqual(['GET /feeds/nolink.rss 200']);

    const { items } = await runtime.ctx.store.queryItems({ limit: 10 });
    expect(items.map((i) => i.title).sort()).toEqual([
      'Local weather: rain on Tuesday',
      'Scripted link',
      'Xi Jinping meets Vladimir Putin in Moscow',
    ]);
    for (const summaryItem of items) {
      expect(summaryItem.url).toMatch(/^urn:wirewatch:entry:[0-9a-f]{32}$/);
      const item = (await runtime.ctx.store.getItem(summaryItem.id))!;
      expect(item.extraction.status).not.toBe('full');
      expect(item.extraction.reason).toBe('entry has no link: text from the feed');
      expect(item.text.length).toBeGreaterThan(10);
    }
    const xi = items.find((i) => i.title.startsWith('Xi'))!;
    expect(xi.topics.map((t) => t.id)).toContain('china-russia');
    expect(alerts.filter((l) => l.includes('china-russia'))).toHaveLength(1);
    expect(alerts.join('\n')).toContain('Xi Jinping meets Vladimir Putin');

    // One correlation id follows the feed poll to its articles and to the alert.
    const polled = logLines.find((l) => l.message === 'feed polled');
    expect(polled?.correlationId).toMatch(/^c_[0-9a-f]{16}$/);
    const same = logLines.filter((l) => l.correlationId === polled?.correlationId).map((l) => l.message);
    expect(same.filter((m) => m === 'article processed')).toHaveLength(3);
    expect(same).toContain('alert sent');
  });

  it('a second cycle finds the feed unchanged and stores nothing', async () => {
    const summary = await runtime.runCycle({ force: true });
    expect(summary.feeds.notModified).toBe(1);
    expect(summary.items.stored).toBe(0);
    expect(alerts.filter((l) => l.includes('china-russia'))).toHaveLength(1);
  });
});
