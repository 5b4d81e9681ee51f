import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpClient,
  HttpError,
  errorForStatus,
  type DnsLookup,
  type HttpClient,
} from '../../shared/http/index.ts';
import { httpConfigSchema } from '../../shared/http/config-schema.ts';
import { startFixtureServer, type FixtureServer } from './fixture-server.ts';

let srv: FixtureServer;
let client: HttpClient;
const MiB = 1024 * 1024;

/** Guard on; the only exception is the fixture server's exact host:port. */
function configFor(extra: Record<string, unknown> = {}) {
  return httpConfigSchema.parse({ allowHosts: [srv.hostPort], hostGapMs: 0, ...extra });
}

async function expectHttpError(p: Promise<unknown>, code: string): Promise<HttpError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  expect((err as HttpError).code).toBe(code);
  return err as HttpError;
}

beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('/feed.xml', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml', 'x-multi': ['a', 'b'] });
    res.end('<rss version="2.0"><channel><title>t</title></channel></rss>');
  });
  srv.route('/loop-a', (_q, res) => {
    res.writeHead(302, { location: '/loop-b' });
    res.end();
  });
  srv.route('/loop-b', (_q, res) => {
    res.writeHead(301, { location: '/loop-a' });
    res.end();
  });
  for (let i = 0; i < 7; i++) {
    srv.route(`/chain-${i}`, (_q, res) => {
      res.writeHead(307, { location: `/chain-${i + 1}` });
      res.end();
    });
  }
  srv.route('/chain-ok-0', (_q, res) => {
    res.writeHead(301, { location: '/chain-ok-1' });
    res.end();
  });
  srv.route('/chain-ok-1', (_q, res) => {
    res.writeHead(308, { location: '/feed.xml' });
    res.end();
  });
  srv.route('/to-private', (_q, res) => {
    res.writeHead(302, { location: 'http://10.1.2.3/feed.xml' });
    res.end();
  });
  srv.route('/to-metadata', (_q, res) => {
    res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
    res.end();
  });
  srv.route('/to-internal-name', (_q, res) => {
    res.writeHead(302, { location: `http://intranet.test:${srv.port}/feed.xml` });
    res.end();
  });
  srv.route('/to-file', (_q, res) => {
    res.writeHead(302, { location: 'file:///etc/passwd' });
    res.end();
  });
  const bomb = zlib.gzipSync(Buffer.alloc(64 * MiB)); // 64 MiB of zeros, ~64 KiB on the wire
  srv.route('/bomb.xml', (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip' });
    res.end(bomb);
  });
  const brBomb = zlib.brotliCompressSync(Buffer.alloc(64 * MiB));
  srv.route('/bomb-br.xml', (_q, res) => {
    res.writeHead(200, { 'content-encoding': 'br' });
    res.end(brBomb);
  });
  srv.route('/gzip.xml', (_q, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end(zlib.gzipSync(Buffer.from('<rss version="2.0"><channel><title>zipped</title></channel></rss>')));
  });
  srv.route('/deflate-raw.xml', (_q, res) => {
    res.writeHead(200, { 'content-encoding': 'deflate' });
    res.end(zlib.deflateRawSync(Buffer.from('raw deflate body')));
  });
  srv.route('/deflate.xml', (_q, res) => {
    res.writeHead(200, { 'content-encoding': 'deflate' });
    res.end(zlib.deflateSync(Buffer.from('zlib deflate body')));
  });
  srv.route('/br.xml', (_q, res) => {
    res.writeHead(200, { 'content-encoding': 'br' });
    res.end(zlib.brotliCompressSync(Buffer.from('brotli body')));
  });
  srv.route('/big-plain', (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(MiB, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < 12 && res.write(chunk)) sent++;
      if (sent >= 12) res.end();
      else res.once('drain', pump);
    };
    pump();
  });
  srv.route('/drip', (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.write('<rss>');
    const t = setInterval(() => res.write(' '), 50);
    res.on('close', () => clearInterval(t));
  });
  srv.route('/slow-headers', (_q, res) => {
    const t = setTimeout(() => res.end('late'), 5_000);
    res.on('close', () => clearTimeout(t));
  });
  srv.route('/429', (_q, res) => {
    res.writeHead(429, { 'retry-after': '120' });
    res.end('slow down');
  });
  srv.route('/503-date', (_q, res) => {
    res.writeHead(503, { 'retry-after': 'Wed, 21 Oct 2015 07:30:00 GMT' });
    res.end();
  });
  srv.route('/slow', (_q, res) => {
    setTimeout(() => res.end('ok'), 40);
  });
  client = createHttpClient(configFor());
});

afterAll(async () => {
  await client.close();
  await srv.close();
});

describe('HTTP chokepoint against a real local server', () => {
  it('puts the configured contact URL in the User-Agent', async () => {
    const c = createHttpClient(configFor({ contactUrl: 'https://ops.example.org/crawler' }));
    await c.request(`${srv.origin}/feed.xml`, { kind: 'feed' });
    expect(srv.seen.at(-1)!.headers['user-agent']).toMatch(
      /^wirewatch\/\d+\.\d+\.\d+ \(\+https:\/\/ops\.example\.org\/crawler\)$/,
    );
  });

  it('returns status, lower-case headers, body and the identifying User-Agent / Accept', async () => {
    const res = await client.request(`${srv.origin}/feed.xml`, { kind: 'feed' });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${srv.origin}/feed.xml`);
    expect(res.headers['content-type']).toBe('application/rss+xml');
    expect(res.headers['x-multi']).toBe('a, b');
    expect(res.body.toString()).toContain('<title>t</title>');
    expect(res.redirects).toEqual([]);
    const seen = srv.seen.at(-1)!;
    // No contact configured: wirewatch names itself and invents no contact URL.
    expect(seen.headers['user-agent']).toMatch(/^wirewatch\/\d+\.\d+\.\d+$/);
    expect(seen.headers.accept).toContain('application/rss+xml');
    expect(seen.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('returns non-2xx responses and turns them into typed errors on demand', async () => {
    const res = await client.request(`${srv.origin}/nope`, { kind: 'page' });
    expect(res.status).toBe(404);
    const err = errorForStatus(res);
    expect(err.code).toBe('http_status');
    expect(err.status).toBe(404);
    expect(err.retryable).toBe(false);
  });

  it('429 with Retry-After seconds → retryable error with retryAfterMs', async () => {
    const res = await client.request(`${srv.origin}/429`, { kind: 'feed' });
    expect(res.status).toBe(429);
    const err = errorForStatus(res);
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(120_000);
  });

  it('503 with Retry-After HTTP-date → delay relative to now', async () => {
    const res = await client.request(`${srv.origin}/503-date`, { kind: 'feed' });
    const err = errorForStatus(res, new Date('2015-10-21T07:28:00Z'));
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(120_000);
  });

  it('follows up to 5 redirects and records them', async () => {
    const res = await client.request(`${srv.origin}/chain-ok-0`, { kind: 'feed' });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${srv.origin}/feed.xml`);
    expect(res.redirects).toEqual([`${srv.origin}/chain-ok-0`, `${srv.origin}/chain-ok-1`]);
  });

  it('a redirect loop fails with too_many_redirects', async () => {
    const err = await expectHttpError(client.request(`${srv.origin}/loop-a`, { kind: 'feed' }), 'too_many_redirects');
    expect(err.message).toContain('loop');
  });

  it('more than 5 hops fail with too_many_redirects', async () => {
    await expectHttpError(client.request(`${srv.origin}/chain-0`, { kind: 'feed' }), 'too_many_redirects');
  });

  it('a redirect to a private address is refused (blocked_address)', async () => {
    const err = await expectHttpError(client.request(`${srv.origin}/to-private`, { kind: 'feed' }), 'blocked_address');
    expect(err.message).toContain('10.1.2.3');
    await expectHttpError(client.request(`${srv.origin}/to-metadata`, { kind: 'page' }), 'blocked_address');
  });

  it('a redirect to a name resolving to loopback is refused even on the allowed port', async () => {
    const lookup: DnsLookup = async (host) =>
      host === 'intranet.test' ? [{ address: '127.0.0.1', family: 4 }] : Promise.reject(new Error('ENOTFOUND'));
    const c = createHttpClient(configFor(), { lookup });
    try {
      const err = await expectHttpError(
        c.request(`${srv.origin}/to-internal-name`, { kind: 'feed' }),
        'blocked_address',
      );
      expect(err.message).toMatch(/intranet\.test resolves to 127\.0\.0\.1/);
    } finally {
      await c.close();
    }
  });

  it('refuses when ANY DNS answer is private (one public, one private)', async () => {
    const lookup: DnsLookup = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '::ffff:192.168.1.5', family: 6 },
    ];
    const c = createHttpClient(configFor(), { lookup });
    try {
      await expectHttpError(c.request('http://mixed.test/feed.xml', { kind: 'feed' }), 'blocked_address');
    } finally {
      await c.close();
    }
  });

  it('connects to the address it checked (allowHosts name resolved by our lookup, no second lookup)', async () => {
    let lookups = 0;
    const lookup: DnsLookup = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const c = createHttpClient(configFor({ allowHosts: [`feeds.example.test:${srv.port}`] }), { lookup });
    try {
      const res = await c.request(`http://feeds.example.test:${srv.port}/feed.xml`, { kind: 'feed' });
      expect(res.status).toBe(200);
      expect(srv.seen.at(-1)!.headers.host).toBe(`feeds.example.test:${srv.port}`);
      expect(lookups).toBe(1);
    } finally {
      await c.close();
    }
  });

  it('refuses IP literals in decimal, hex and octal notation even when they normalise to an allowed host', async () => {
    for (const host of ['2130706433', '0x7f000001', '0177.0.0.1', '0x7f.1']) {
      const err = await expectHttpError(
        client.request(`http://${host}:${srv.port}/feed.xml`, { kind: 'feed' }),
        'blocked_address',
      );
      expect(err.message).toContain(host);
    }
    await expectHttpError(client.request('http://[::1]/', { kind: 'feed' }), 'blocked_address');
    await expectHttpError(client.request('http://[::ffff:7f00:1]/', { kind: 'feed' }), 'blocked_address');
    await expectHttpError(client.request('http://8.8.8.8/', { kind: 'feed' }), 'blocked_address');
  });

  it('only the exact allowHosts host:port is exempt: the same host on another port is refused', async () => {
    await expectHttpError(client.request(`http://127.0.0.1:${srv.port + 1}/`, { kind: 'feed' }), 'blocked_address');
    await expectHttpError(client.request(`http://localhost:${srv.port}/feed.xml`, { kind: 'feed' }), 'blocked_address');
  });

  it('refuses non-http schemes, also as a redirect target (bad_url)', async () => {
    await expectHttpError(client.request('file:///etc/passwd', { kind: 'feed' }), 'bad_url');
    await expectHttpError(client.request('not a url', { kind: 'feed' }), 'bad_url');
    await expectHttpError(client.request(`${srv.origin}/to-file`, { kind: 'feed' }), 'bad_url');
  });

  it('stops a 64 MiB gzip bomb at the 10 MiB cap with buffer memory well under 2x the cap', async () => {
    if (global.gc) global.gc();
    const before = process.memoryUsage();
    let peak = 0;
    const sample = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.arrayBuffers - before.arrayBuffers);
    }, 2);
    try {
      const err = await expectHttpError(
        client.request(`${srv.origin}/bomb.xml`, { kind: 'feed' }),
        'response_too_large',
      );
      expect(err.retryable).toBe(false);
    } finally {
      clearInterval(sample);
    }
    const after = process.memoryUsage();
    peak = Math.max(peak, after.arrayBuffers - before.arrayBuffers);
    // Buffer memory (where body and zlib output live) never got near 2x the cap; 64 MiB were never held.
    expect(peak).toBeLessThan(1.5 * 10 * MiB);
  });

  it('stops a brotli bomb too', async () => {
    await expectHttpError(client.request(`${srv.origin}/bomb-br.xml`, { kind: 'page' }), 'response_too_large');
  });

  it('caps uncompressed bodies (page cap 5 MiB, or maxBytes per request)', async () => {
    await expectHttpError(client.request(`${srv.origin}/big-plain`, { kind: 'page' }), 'response_too_large');
    const err = await expectHttpError(
      client.request(`${srv.origin}/feed.xml`, { kind: 'feed', maxBytes: 10 }),
      'response_too_large',
    );
    expect(err.message).toContain('10-byte cap');
  });

  it('decodes gzip, zlib and raw deflate, and br', async () => {
    expect((await client.request(`${srv.origin}/gzip.xml`, { kind: 'feed' })).body.toString()).toContain('zipped');
    expect((await client.request(`${srv.origin}/deflate-raw.xml`, { kind: 'feed' })).body.toString()).toBe(
      'raw deflate body',
    );
    expect((await client.request(`${srv.origin}/deflate.xml`, { kind: 'feed' })).body.toString()).toBe(
      'zlib deflate body',
    );
    expect((await client.request(`${srv.origin}/br.xml`, { kind: 'feed' })).body.toString()).toBe('brotli body');
  });

  it('a slow-drip body hits the whole-body timeout', async () => {
    const c = createHttpClient(configFor({ timeouts: { bodyMs: 300 } }));
    try {
      const err = await expectHttpError(c.request(`${srv.origin}/drip`, { kind: 'feed' }), 'timeout');
      expect(err.retryable).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('headers that never come hit the headers timeout', async () => {
    const c = createHttpClient(configFor({ timeouts: { headersMs: 200 } }));
    try {
      await expectHttpError(c.request(`${srv.origin}/slow-headers`, { kind: 'feed' }), 'timeout');
    } finally {
      await c.close();
    }
  });

  it('connection refused is a retryable network_error', async () => {
    const closed = await startFixtureServer();
    const port = closed.port;
    await closed.close();
    const c = createHttpClient(httpConfigSchema.parse({ allowHosts: [`127.0.0.1:${port}`], hostGapMs: 0 }));
    try {
      const err = await expectHttpError(c.request(`http://127.0.0.1:${port}/`, { kind: 'feed' }), 'network_error');
      expect(err.retryable).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('a TLS handshake failure (https to a plain HTTP server) is a non-retryable tls_error', async () => {
    const err = await expectHttpError(
      client.request(`https://${srv.hostPort}/feed.xml`, { kind: 'feed' }),
      'tls_error',
    );
    expect(err.retryable).toBe(false);
  });

  it('per-host concurrency is 1 and requests to one host keep hostGapMs apart', async () => {
    const c = createHttpClient(configFor({ hostGapMs: 150 }));
    const start = srv.seen.length;
    const maxBefore = srv.maxInFlight;
    try {
      await Promise.all([0, 1, 2].map(() => c.request(`${srv.origin}/slow`, { kind: 'feed' })));
    } finally {
      await c.close();
    }
    const times = srv.seen.slice(start).map((s) => s.at);
    expect(times).toHaveLength(3);
    expect(srv.maxInFlight).toBe(Math.max(1, maxBefore));
    // Each request started at least the gap after the previous one ended (ended ≥ started + 40 ms).
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(150);
  });
});
