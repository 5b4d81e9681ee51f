/**
 * The page schedule's policy (pure functions) and the classification of page fetches that drives it.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../shared/config/load.ts';
import { HttpError } from '../../shared/http/errors.ts';
import { classifyFetch } from '../../shared/pipeline/pages.ts';
import { pagePolicyOf, retryDelayMs } from '../../shared/pipeline/page-schedule.ts';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const res = (status: number, headers: Record<string, string> = {}) => ({ response: { status, headers } });

describe('page fetch classification', () => {
  it('retries 5xx (but 501/505), 408, 425 and 429; not other 4xx', () => {
    for (const s of [500, 502, 503, 504, 408, 425, 429])
      expect(classifyFetch(res(s), NOW).kind, String(s)).toBe('transient');
    for (const s of [400, 401, 403, 404, 410, 451, 501, 505])
      expect(classifyFetch(res(s), NOW).kind, String(s)).toBe('permanent');
    expect(classifyFetch(res(404), NOW)).toEqual({ kind: 'permanent', error: 'http 404' });
  });

  it('reads Retry-After as seconds or as an HTTP-date against the given clock', () => {
    expect(classifyFetch(res(429, { 'retry-after': '120' }), NOW)).toEqual({
      kind: 'transient',
      error: 'http 429',
      retryAfterMs: 120_000,
    });
    expect(classifyFetch(res(503, { 'retry-after': 'Tue, 01 Dec 2026 12:30:00 GMT' }), NOW)).toMatchObject({
      retryAfterMs: 2.5 * 3_600_000,
    });
    expect(classifyFetch(res(503), NOW)).toMatchObject({ retryAfterMs: null });
  });

  it('a 2xx that is not HTML is permanent; HTML keeps its validators; 304 is not modified', () => {
    expect(classifyFetch(res(200, { 'content-type': 'application/pdf' }), NOW)).toEqual({
      kind: 'permanent',
      error: 'not html (application/pdf)',
    });
    expect(classifyFetch(res(200, { 'content-type': 'text/html', etag: '"e"', 'last-modified': 'x' }), NOW)).toEqual({
      kind: 'ok',
      status: 200,
      etag: '"e"',
      lastModified: 'x',
    });
    expect(classifyFetch(res(304), NOW)).toEqual({ kind: 'not_modified' });
  });

  it('transport errors marked retryable are transient; guard refusals are permanent', () => {
    const timeout = new HttpError('timeout', 'no response headers', { url: 'u', retryable: true });
    const dns = new HttpError('network_error', 'DNS lookup of x failed (ENOTFOUND)', { url: 'u', retryable: true });
    const refused = new HttpError('network_error', 'request failed (ECONNREFUSED)', { url: 'u', retryable: true });
    for (const e of [timeout, dns, refused]) expect(classifyFetch({ error: e }, NOW).kind, e.message).toBe('transient');
    const ssrf = new HttpError('blocked_address', 'resolves to 10.0.0.1 (private)', { url: 'u' });
    const big = new HttpError('response_too_large', 'exceeds the cap', { url: 'u' });
    for (const e of [ssrf, big]) expect(classifyFetch({ error: e }, NOW).kind, e.code).toBe('permanent');
    expect(classifyFetch({ error: ssrf }, NOW)).toEqual({
      kind: 'permanent',
      error: 'blocked_address: resolves to 10.0.0.1 (private)',
    });
  });
});

describe('retry policy', () => {
  it('defaults: 8 attempts, 15 min doubling to 6 h, within a day; stories.recheck 1h…24h', async () => {
    const policy = pagePolicyOf(await resolveConfig({}));
    expect(policy).toEqual({
      maxAttempts: 8,
      backoffMs: 15 * 60_000,
      maxBackoffMs: 6 * 3_600_000,
      giveUpAfterMs: 24 * 3_600_000,
      recheckMs: [1, 3, 6, 12, 24].map((h) => h * 3_600_000),
    });
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, policy) / 60_000);
    expect(delays).toEqual([15, 30, 60, 120, 240, 360, 360]);
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThan(24 * 60);
    // Retry-After replaces the backoff, capped at maxBackoff.
    expect(retryDelayMs(1, policy, 7_200_000)).toBe(7_200_000);
    expect(retryDelayMs(1, policy, 86_400_000)).toBe(6 * 3_600_000);
  });

  it('reads pages: durations and refuses bad ones with the path', async () => {
    const c = await resolveConfig({
      pages: { retry: { maxAttempts: 3, backoff: '30s', maxBackoff: '1h' }, maxDuePerTick: 5 },
    });
    expect(c.pages).toEqual({
      retry: { maxAttempts: 3, backoff: 30_000, maxBackoff: 3_600_000, giveUpAfter: 86_400_000 },
      maxDuePerTick: 5,
    });
    await expect(resolveConfig({ pages: { retry: { backoff: '15 minutes' } } })).rejects.toThrow(
      /pages\.retry\.backoff: a duration like 30s, 15m, 6h or 1d/,
    );
    await expect(resolveConfig({ pages: { retrys: {} } })).rejects.toThrow(
      /pages\.retrys: unknown key; did you mean `retry`\?/,
    );
  });
});
