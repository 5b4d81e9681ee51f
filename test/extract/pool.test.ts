import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeExtractPools,
  extractConfigSchema,
  ExtractPool,
  extractPage,
  extractPoolFor,
} from '../../shared/extract/index.ts';
import { fixture } from './helpers.ts';

const URL_ = 'https://news.example.org/world/story-1';
const FEED = { title: 'Feed title', summary: 'China and Russia agreed a long-term gas supply deal on Tuesday.' };

/**
 * A page of one million `<p>` elements (about 4 MB: inside the 5 MiB size cap), generated, never committed. With
 * html, head, title and body it has 1,000,004 elements.
 */
function millionParagraphs(): Buffer {
  return Buffer.from(
    `<!DOCTYPE html><html><head><title>Huge</title></head><body>${'<p>x'.repeat(1_000_000)}</body></html>`,
  );
}

const pools: ExtractPool[] = [];
function pool(opts: ConstructorParameters<typeof ExtractPool>[0]): ExtractPool {
  const p = new ExtractPool(opts);
  pools.push(p);
  return p;
}

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await closeExtractPools();
});

describe('extraction worker pool', () => {
  it('ends a page of 1,000,000 <p> elements with the reason while a normal page extracted alongside finishes in full', async () => {
    const p = pool({ size: 2 });
    const huge = millionParagraphs();
    expect(huge.byteLength).toBeLessThan(5 * 1024 * 1024);
    const [bad, good] = await Promise.all([
      p.extract({ body: huge, url: `${URL_}/huge`, contentType: 'text/html' }, { fallback: FEED }),
      p.extract({ body: fixture('article.html'), url: URL_, contentType: 'text/html; charset=utf-8' }),
    ]);
    expect(bad.status).toBe('feed_only');
    expect(bad.reason).toBe('page too complex: 1,000,004 elements > cap 100,000');
    expect(bad.text).toBe(FEED.summary);
    const inProcess = await extractPage({
      body: fixture('article.html'),
      url: URL_,
      contentType: 'text/html; charset=utf-8',
    });
    expect(good.status).toBe('full');
    expect(good).toEqual(inProcess);
  });

  it('ends a page over the time limit, replaces the worker, and the page next to it still finishes', async () => {
    const p = pool({ size: 2, pageTimeoutMs: 1500 });
    // Above the element cap's reach (cap raised), so the DOM build itself runs into the limit.
    const [bad, good] = await Promise.all([
      p.extract({ body: millionParagraphs(), url: `${URL_}/huge` }, { fallback: FEED, maxElements: 10_000_000 }),
      p.extract({ body: fixture('article.html'), url: URL_ }),
    ]);
    expect(bad.status).toBe('feed_only');
    expect(bad.reason).toMatch(
      /^(page extraction did not finish within 1500 ms; worker ended \(extract\.pageTimeoutMs\)|page extraction passed the worker heap limit of 512 MB; worker ended \(extract\.workerHeapMb\))$/,
    );
    expect(bad.text).toBe(FEED.summary);
    expect(good.status).toBe('full');
    const after = await p.extract({ body: fixture('article.html'), url: URL_ });
    expect(after.status).toBe('full');
    expect(p.stats().started).toBe(3);
  });

  it('contains a worker that passes its heap limit: the page gets the reason, the pool goes on', async () => {
    const p = pool({ size: 1, heapMb: 64, pageTimeoutMs: 120_000 });
    // 90,003 elements: under the element cap, so only the heap limit can stop it.
    const body = Buffer.from(
      `<!DOCTYPE html><html><body>${'<div><p>The negotiators met again to discuss the pipeline route.</p></div>'.repeat(45_000)}</body></html>`,
    );
    const bad = await p.extract({ body, url: `${URL_}/big` }, { fallback: FEED });
    expect(bad.status).toBe('feed_only');
    expect(bad.reason).toBe(
      'page extraction passed the worker heap limit of 64 MB; worker ended (extract.workerHeapMb)',
    );
    expect(p.stats().crashed).toBe(1);
    const next = await p.extract({ body: fixture('article.html'), url: URL_ });
    expect(next.status).toBe('full');
    expect(p.stats().started).toBe(2);
  });

  it('without feed text a page ended by a limit is failed, with the reason', async () => {
    const p = pool({ size: 1 });
    const x = await p.extract({ body: millionParagraphs(), url: `${URL_}/huge` });
    expect(x.status).toBe('failed');
    expect(x.text).toBe('');
    expect(x.reason).toBe('page too complex: 1,000,004 elements > cap 100,000');
  });

  it('honours the pool size: never more workers than configured, however many pages wait', async () => {
    const p = pool({ size: 3 });
    const jobs = Array.from({ length: 9 }, (_, i) => p.extract({ body: fixture('article.html'), url: `${URL_}/${i}` }));
    expect(p.liveWorkers).toBe(3);
    const done = await Promise.all(jobs);
    expect(done.every((x) => x.status === 'full')).toBe(true);
    expect(p.stats()).toEqual({ extracted: 9, timedOut: 0, crashed: 0, started: 3 });
  });

  it('sizes the pool from the extract: config (null = one worker per core, 0 = in-process)', () => {
    const defaults = extractConfigSchema.parse({});
    expect(defaults.workers).toBeNull();
    expect(extractPoolFor(defaults)?.size).toBe(availableParallelism());
    expect(extractPoolFor({ ...defaults, workers: 2 })?.size).toBe(2);
    expect(extractPoolFor({ ...defaults, workers: 2 })).toBe(extractPoolFor({ ...defaults, workers: 2 }));
    expect(extractPoolFor({ ...defaults, workers: 0 })).toBeNull();
    expect(() => new ExtractPool({ size: 0 })).toThrow(RangeError);
  });
});
