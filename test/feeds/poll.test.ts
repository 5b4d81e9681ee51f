import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DEFAULT_POLL_POLICY, backoffDelayMs, pollFeed, type FeedStateRepo } from '../../shared/feeds/index.ts';
import { createHttpClient, type HttpClient } from '../../shared/http/index.ts';
import { httpConfigSchema } from '../../shared/http/config-schema.ts';
import type { FeedSource, FeedState } from '../../shared/types.ts';
import { startFixtureServer, type FixtureServer } from '../http/fixture-server.ts';

/** In-memory FeedStateRepo (the port; the DynamoDB adapter belongs to the store). */
class MemoryFeedStates implements FeedStateRepo {
  readonly map = new Map<string, FeedState>();
  puts = 0;
  async getFeedState(id: string) {
    const s = this.map.get(id);
    return s ? structuredClone(s) : null;
  }
  async putFeedState(state: FeedState) {
    this.puts++;
    this.map.set(state.feedId, structuredClone(state));
  }
}

const RSS = readFileSync(new URL('../fixtures/feeds/rss2-news.xml', import.meta.url));
const HTML = readFileSync(new URL('../fixtures/feeds/not-a-feed.html', import.meta.url));
const ETAG = '"v1"';
const LAST_MODIFIED = 'Mon, 20 Mar 2023 12:00:00 GMT';

let srv: FixtureServer;
let http: HttpClient;
let states: MemoryFeedStates;
let clock: Date;
const now = () => clock;
const feed = (path: string, id = path.replace(/\W/g, '_')): FeedSource => ({
  id,
  url: `${srv.origin}${path}`,
  name: `feed ${id}`,
});
const deps = () => ({ http, feedStates: states, now, random: () => 0.5 });
const advance = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

let statusFor404 = 404;
let flappingOk = false;

beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('/conditional.xml', (req, res) => {
    if (req.headers['if-none-match'] === ETAG || req.headers['if-modified-since'] === LAST_MODIFIED) {
      res.writeHead(304, { etag: ETAG });
      return res.end();
    }
    res.writeHead(200, {
      'content-type': 'application/rss+xml; charset=utf-8',
      etag: ETAG,
      'last-modified': LAST_MODIFIED,
    });
    res.end(RSS);
  });
  srv.route('/lm-only.xml', (req, res) => {
    if (req.headers['if-modified-since'] === LAST_MODIFIED) {
      res.writeHead(304);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/rss+xml', 'last-modified': LAST_MODIFIED });
    res.end(RSS);
  });
  srv.route('/no-validators.xml', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(RSS);
  });
  srv.route('/429.xml', (_req, res) => {
    res.writeHead(429, { 'retry-after': '3600' });
    res.end();
  });
  srv.route('/500.xml', (_req, res) => {
    res.writeHead(500);
    res.end();
  });
  srv.route('/gone.xml', (_req, res) => {
    if (flappingOk) {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      return res.end(RSS);
    }
    res.writeHead(statusFor404);
    res.end();
  });
  srv.route('/page.html', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(HTML);
  });
  srv.route('/broken.xml', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end('<?xml version="1.0"?><rss version="2.0"><chan');
  });
  srv.route('/to-private.xml', (_req, res) => {
    res.writeHead(302, { location: 'http://192.168.0.10/feed.xml' });
    res.end();
  });
  http = createHttpClient(httpConfigSchema.parse({ allowHosts: [srv.hostPort], hostGapMs: 0 }));
});

afterAll(async () => {
  await http.close();
  await srv.close();
});

beforeEach(() => {
  states = new MemoryFeedStates();
  clock = new Date('2023-03-21T12:00:00Z');
});

describe('pollFeed with a real local HTTP server', () => {
  it('first poll: ok, all entries, validators and health stored', async () => {
    const f = feed('/conditional.xml');
    const r = await pollFeed(deps(), f);
    expect(r.outcome).toBe('ok');
    expect(r.error).toBeNull();
    expect(r.entries.map((e) => e.title)).toHaveLength(3);
    expect(r.state).toMatchObject({
      feedId: f.id,
      url: f.url,
      name: f.name,
      status: 'ok',
      consecutiveFailures: 0,
      lastPolledAt: '2023-03-21T12:00:00.000Z',
      lastSuccessAt: '2023-03-21T12:00:00.000Z',
      lastNewEntryAt: null,
      nextPollAt: '2023-03-21T12:05:00.000Z',
      lastError: null,
      etag: ETAG,
      lastModified: LAST_MODIFIED,
    });
    expect(r.state.bodyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(states.map.get(f.id)).toEqual(r.state);
  });

  it('304 with ETag and Last-Modified → not_modified; validators were sent', async () => {
    const f = feed('/conditional.xml');
    await pollFeed(deps(), f);
    advance(5 * 60_000);
    const r = await pollFeed(deps(), f);
    const req = srv.seen.at(-1)!;
    expect(req.headers['if-none-match']).toBe(ETAG);
    expect(req.headers['if-modified-since']).toBe(LAST_MODIFIED);
    expect(r.outcome).toBe('not_modified');
    expect(r.entries).toEqual([]);
    expect(r.state.status).toBe('not_modified');
    expect(r.state.etag).toBe(ETAG);
    expect(r.state.lastModified).toBe(LAST_MODIFIED);
    expect(r.state.lastSuccessAt).toBe('2023-03-21T12:05:00.000Z');
  });

  it('304 driven by Last-Modified alone', async () => {
    const f = feed('/lm-only.xml');
    await pollFeed(deps(), f);
    advance(10 * 60_000);
    const r = await pollFeed(deps(), f);
    expect(srv.seen.at(-1)!.headers['if-none-match']).toBeUndefined();
    expect(r.outcome).toBe('not_modified');
    expect(r.state.lastModified).toBe(LAST_MODIFIED);
  });

  it('an unchanged body from a server that ignores validators → not_modified (hash)', async () => {
    const f = feed('/no-validators.xml');
    expect((await pollFeed(deps(), f)).outcome).toBe('ok');
    const r = await pollFeed(deps(), f, { force: true });
    expect(r.outcome).toBe('not_modified');
    expect(r.entries).toEqual([]);
  });

  it('not due and not forced → skipped without a request; force polls anyway', async () => {
    const f = feed('/no-validators.xml', 'skip');
    await pollFeed(deps(), f);
    const before = srv.seen.length;
    advance(60_000);
    const skipped = await pollFeed(deps(), f);
    expect(skipped.outcome).toBe('skipped');
    expect(srv.seen.length).toBe(before);
    const forced = await pollFeed(deps(), f, { force: true });
    expect(forced.outcome).toBe('not_modified');
    expect(srv.seen.length).toBe(before + 1);
  });

  it('429 with Retry-After → failed, next poll honours Retry-After', async () => {
    const r = await pollFeed(deps(), feed('/429.xml'));
    expect(r.outcome).toBe('failed');
    expect(r.state.status).toBe('http_error');
    expect(r.state.consecutiveFailures).toBe(1);
    expect(r.error).toContain('429');
    expect(r.state.lastError).toContain('429');
    expect(Date.parse(r.state.nextPollAt!) - clock.getTime()).toBe(3600_000);
  });

  it('failures back off exponentially with jitter up to the 6 h cap, and always resume', async () => {
    const f = feed('/500.xml');
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await pollFeed(deps(), f);
      expect(r.outcome).toBe('failed');
      const d = Date.parse(r.state.nextPollAt!) - clock.getTime();
      delays.push(d);
      clock = new Date(r.state.nextPollAt!);
    }
    // random pinned to 0.5 → 3/4 of min(cap, 5 min · 2^(n-1))
    expect(delays.slice(0, 4)).toEqual([225_000, 450_000, 900_000, 1_800_000]);
    expect(Math.max(...delays)).toBe(0.75 * DEFAULT_POLL_POLICY.backoffCapMs);
    expect(states.map.get(f.id)!.consecutiveFailures).toBe(9);
    expect(states.map.get(f.id)!.status).toBe('http_error');
  });

  it('backoff stays within [d/2, d] for any jitter draw', () => {
    for (const r of [0, 0.3, 0.999]) {
      const d = backoffDelayMs(3, DEFAULT_POLL_POLICY, () => r);
      expect(d).toBeGreaterThanOrEqual(10 * 60_000);
      expect(d).toBeLessThanOrEqual(20 * 60_000);
    }
    expect(backoffDelayMs(100, DEFAULT_POLL_POLICY, () => 0.999)).toBeLessThanOrEqual(DEFAULT_POLL_POLICY.backoffCapMs);
  });

  it('404/410 for a long time → gone, checked daily, and recovers when the feed returns', async () => {
    statusFor404 = 410;
    flappingOk = false;
    const f = feed('/gone.xml');
    let r = await pollFeed(deps(), f);
    expect(r.state.status).toBe('http_error');
    expect(r.state.goneSince).toBe('2023-03-21T12:00:00.000Z');
    for (let day = 1; day <= 8 && r.state.status !== 'gone'; day++) {
      advance(24 * 3600_000);
      r = await pollFeed(deps(), f, { force: true });
    }
    expect(r.state.status).toBe('gone');
    expect(Date.parse(r.state.nextPollAt!) - clock.getTime()).toBe(DEFAULT_POLL_POLICY.goneIntervalMs);
    // still checked: due after a day
    advance(24 * 3600_000);
    r = await pollFeed(deps(), f);
    expect(r.outcome).toBe('failed');
    expect(r.state.status).toBe('gone');
    flappingOk = true;
    advance(24 * 3600_000);
    r = await pollFeed(deps(), f);
    expect(r.outcome).toBe('ok');
    expect(r.state).toMatchObject({ status: 'ok', consecutiveFailures: 0, goneSince: null, lastError: null });
    flappingOk = false;
    statusFor404 = 404;
  });

  it('HTML instead of a feed → not_a_feed with suggestions', async () => {
    const r = await pollFeed(deps(), feed('/page.html'));
    expect(r.outcome).toBe('failed');
    expect(r.state.status).toBe('not_a_feed');
    expect(r.state.suggestions).toEqual([`${srv.origin}/rss/top.xml`, 'https://feeds.example.com/world.atom']);
    expect(r.error).toMatch(/^not_a_feed: /);
  });

  it('a broken document → parse_error; a redirect to a private address → blocked', async () => {
    const broken = await pollFeed(deps(), feed('/broken.xml'));
    expect(broken.state.status).toBe('parse_error');
    const blocked = await pollFeed(deps(), feed('/to-private.xml'));
    expect(blocked.state.status).toBe('blocked');
    expect(blocked.error).toMatch(/^blocked_address: /);
  });

  it('a network failure → network_error with backoff', async () => {
    const dead = await startFixtureServer();
    const port = dead.port;
    await dead.close();
    const c = createHttpClient(httpConfigSchema.parse({ allowHosts: [`127.0.0.1:${port}`], hostGapMs: 0 }));
    try {
      const r = await pollFeed(
        { ...deps(), http: c },
        { id: 'dead', url: `http://127.0.0.1:${port}/feed.xml`, name: null },
      );
      expect(r.state.status).toBe('network_error');
      expect(r.state.consecutiveFailures).toBe(1);
      expect(Date.parse(r.state.nextPollAt!)).toBeGreaterThan(clock.getTime());
    } finally {
      await c.close();
    }
  });

  it('a changed configured URL drops stored validators', async () => {
    const f = feed('/conditional.xml', 'moved');
    await pollFeed(deps(), f);
    const moved = { ...f, url: `${srv.origin}/no-validators.xml` };
    const r = await pollFeed(deps(), moved, { force: true });
    expect(srv.seen.at(-1)!.headers['if-none-match']).toBeUndefined();
    expect(r.outcome).toBe('ok');
    expect(r.state.url).toBe(moved.url);
    expect(r.state.etag).toBeNull();
  });
});
