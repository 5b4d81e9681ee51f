import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { AlertRepo } from '../../shared/alerts/records.ts';
import type { AlertRecord, AlertStatus } from '../../shared/alerts/types.ts';
import { redactUrls } from '../../shared/api/alerts-query.ts';
import { DASHBOARD_CSP, dashboardFromFiles } from '../../shared/api/dashboard.ts';
import { TokenVerifier, createApi, type ApiRequest } from '../../shared/api/index.ts';
import { alertsPageSchema, topicTimelineSchema } from '../../shared/api/schemas.ts';
import { Store } from '../../shared/store/index.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';
import { itemInput, topic } from '../store/factories.ts';

/*
 * The dashboard's routes on a real store (dynalite): `GET /topics/{id}/timeline` counts a topic's matches per hour
 * and day from its index rows, `GET /alerts` pages through alert records of every status, and `/`, `/assets/<file>`
 * serve the dashboard without a token, with strict security headers.
 */

const TOKEN = 'dashboard-routes-token-0123456789';
const NOW = new Date('2026-11-29T15:30:00.000Z');
let dynamo: EmbeddedStore;
let store: Store;
let api: ReturnType<typeof createApi>;
let bare: ReturnType<typeof createApi>;

const get = (path: string, query: Record<string, string> = {}, auth = true, method = 'GET'): ApiRequest => ({
  method,
  path,
  query,
  headers: auth ? { authorization: `Bearer ${TOKEN}` } : {},
});
const body = async (req: ApiRequest) => {
  const res = await api.handle(req);
  return { status: res.statusCode, json: JSON.parse(res.body), headers: res.headers };
};

/** Match times of china-russia: 3 in the current hour, 2 an hour before, 1 three days ago, 1 twenty days ago. */
const MATCH_TIMES = [
  '2026-11-29T15:10:00.000Z',
  '2026-11-29T15:20:00.000Z',
  '2026-11-29T15:29:59.000Z',
  '2026-11-29T14:00:00.000Z',
  '2026-11-29T14:59:59.999Z',
  '2026-11-26T08:00:00.000Z',
  '2026-11-09T12:00:00.000Z',
];

function alert(i: number, status: AlertStatus, over: Partial<AlertRecord> = {}): AlertRecord {
  const at = new Date(NOW.getTime() - i * 60_000).toISOString();
  return {
    key: `i_story${i}#china-russia#desk`,
    itemId: `i_item${i}`,
    storyId: `i_story${i}`,
    topicId: 'china-russia',
    subscriptionId: 'desk',
    channelId: 'hook',
    channelType: 'webhook',
    mode: 'realtime',
    status,
    reason: status === 'deferred' ? 'digest' : null,
    attempts: status === 'failed' ? 5 : 1,
    lastError: null,
    lastErrorCode: null,
    retryable: null,
    via: status === 'sent' ? 'realtime' : null,
    createdAt: at,
    updatedAt: at,
    sentAt: status === 'sent' ? at : null,
    content: {
      itemId: `i_item${i}`,
      storyId: `i_story${i}`,
      url: `https://news.example/${i}`,
      title: `Story ${i}`,
      outlet: 'Example Wire',
      publishedAt: at,
      topicId: 'china-russia',
      topicName: 'China–Russia relations',
      score: 3,
      evidence: null,
    },
    ...over,
  };
}

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = new Store({ client: dynamo.client, tableName: 'dashboard-routes', retentionDays: 90, now: () => NOW });
  await store.ensureTable();
  for (const [i, at] of MATCH_TIMES.entries()) {
    await store.saveItem(
      itemInput(`https://news.example/m/${i}`, { publishedAt: at, topics: [topic('china-russia')] }),
    );
  }
  // Not counted: another topic, and a date in the future (a feed's bad clock).
  await store.saveItem(itemInput('https://news.example/other', { publishedAt: MATCH_TIMES[0], topics: [topic('x')] }));
  await store.saveItem(
    itemInput('https://news.example/future', {
      publishedAt: '2027-01-01T00:00:00.000Z',
      topics: [topic('china-russia')],
    }),
  );
  const repo = new AlertRepo(store.table);
  const statuses: AlertStatus[] = ['sent', 'failed', 'deferred', 'sent', 'suppressed', 'failed', 'sent'];
  for (const [i, st] of statuses.entries()) {
    await repo.claim(
      alert(
        i,
        st,
        st === 'failed'
          ? {
              lastError: `channel_unavailable: channel hook (webhook) answered HTTP 503 at https://hooks.example.org/services/T000/B000/SECRET?x=1`,
              lastErrorCode: 'channel_unavailable',
              retryable: i === 1,
            }
          : {},
      ),
      null,
    );
  }
  const deps = {
    store,
    topics: [{ id: 'china-russia', name: 'China–Russia relations', rule: 'SENTENCE(@china, @russia)', threshold: 2 }],
    cursorKey: randomBytes(32),
    tokens: TokenVerifier.fromTokens([TOKEN]),
    now: () => NOW,
  };
  api = createApi({
    ...deps,
    alerts: repo,
    dashboard: dashboardFromFiles(
      new Map([
        ['index.html', '<!doctype html><title>wirewatch</title><script type="module" src="/assets/app-1.js"></script>'],
        ['assets/app-1.js', 'console.log(1)'],
        ['assets/style-1.css', 'body{}'],
      ]),
    ),
  });
  bare = createApi(deps);
}, 60_000);

afterAll(async () => {
  await dynamo?.close();
});

describe('GET /topics/{id}/timeline', () => {
  it('counts matches per UTC hour over 7 days, the current hour last, from the topic index rows', async () => {
    const { status, json } = await body(get('/topics/china-russia/timeline', { bucket: 'hour', days: '7' }));
    expect(status).toBe(200);
    expect(topicTimelineSchema.parse(json)).toBeTruthy();
    expect(json.buckets).toHaveLength(7 * 24);
    expect(json.from).toBe('2026-11-22T16:00:00.000Z');
    expect(json.until).toBe(NOW.toISOString());
    const last = json.buckets.at(-1);
    expect(last).toEqual({ start: '2026-11-29T15:00:00.000Z', count: 3 });
    expect(json.buckets.at(-2)).toEqual({ start: '2026-11-29T14:00:00.000Z', count: 2 });
    expect(json.buckets.find((b: any) => b.start === '2026-11-26T08:00:00.000Z').count).toBe(1);
    // The 20-day-old match and the future-dated one are outside the window.
    expect(json.total).toBe(6);
    expect(json.truncated).toBe(false);
    expect(json.topic).toEqual({
      id: 'china-russia',
      name: 'China–Russia relations',
      rule: 'SENTENCE(@china, @russia)',
      threshold: 2,
    });
  });

  it('counts per day over 30 days (the default bucket is day, the default window 7 days)', async () => {
    const month = await body(get('/topics/china-russia/timeline', { days: '30' }));
    expect(month.json.bucket).toBe('day');
    expect(month.json.buckets).toHaveLength(30);
    expect(month.json.buckets.at(-1)).toEqual({ start: '2026-11-29T00:00:00.000Z', count: 5 });
    expect(month.json.total).toBe(7);
    const week = await body(get('/topics/china-russia/timeline'));
    expect(week.json).toMatchObject({ bucket: 'day', days: 7, total: 6 });
  });

  it('reads at most the row cap and says so', async () => {
    const { topicTimeline } = await import('../../shared/api/timeline.ts');
    const t = await topicTimeline(store, [{ id: 'china-russia', name: 'x' }], 'china-russia', { days: '30' }, NOW, 4);
    expect(t?.truncated).toBe(true);
    // The newest four rows were counted.
    expect(t?.total).toBe(4);
    expect(t?.buckets.at(-1)?.count).toBe(4);
  });

  it('refuses bad parameters with 400 naming them, an unknown topic with 404, and needs the token', async () => {
    const bad = await body(get('/topics/china-russia/timeline', { bucket: 'week' }));
    expect(bad.status).toBe(400);
    expect(bad.json.error).toEqual({
      code: 'invalid_parameter',
      message: 'parameter bucket: must be one of hour, day',
    });
    expect((await body(get('/topics/china-russia/timeline', { days: '8' }))).json.error.message).toBe(
      'parameter days: must be one of 7, 30',
    );
    expect((await body(get('/topics/china-russia/timeline', { topic: 'x' }))).json.error.code).toBe(
      'unknown_parameter',
    );
    expect((await body(get('/topics/Not_A_Topic/timeline'))).status).toBe(400);
    const missing = await body(get('/topics/no-such-topic/timeline'));
    expect(missing.status).toBe(404);
    expect((await body(get('/topics/china-russia/timeline', {}, false))).status).toBe(401);
  });
});

describe('GET /alerts', () => {
  it('lists every status merged, newest first, and pages through all of them with the cursor', async () => {
    const first = await body(get('/alerts', { limit: '3' }));
    expect(first.status).toBe(200);
    expect(alertsPageSchema.parse(first.json)).toBeTruthy();
    expect(first.json.alerts.map((a: any) => a.key)).toEqual([0, 1, 2].map((i) => `i_story${i}#china-russia#desk`));
    const seen = [...first.json.alerts];
    let cursor = first.json.nextCursor;
    while (cursor) {
      const next = await body(get('/alerts', { limit: '3', cursor }));
      expect(next.status).toBe(200);
      seen.push(...next.json.alerts);
      cursor = next.json.nextCursor;
    }
    expect(seen.map((a) => a.storyId)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `i_story${i}`));
  });

  it('filters by status; a failed alert that can be retried is parked, one that cannot is not', async () => {
    const failed = await body(get('/alerts', { status: 'failed' }));
    expect(failed.json.alerts.map((a: any) => [a.storyId, a.parked])).toEqual([
      ['i_story1', true],
      ['i_story5', false],
    ]);
    expect(failed.json.nextCursor).toBeNull();
    const deferred = await body(get('/alerts', { status: 'deferred' }));
    expect(deferred.json.alerts.map((a: any) => [a.storyId, a.reason])).toEqual([['i_story2', 'digest']]);
  });

  it("never shows a channel URL's path (a Slack webhook URL carries its secret there)", async () => {
    const failed = await body(get('/alerts', { status: 'failed', limit: '1' }));
    const text = failed.json.alerts[0].lastError as string;
    expect(text).toContain('https://hooks.example.org/…');
    expect(text).not.toContain('SECRET');
    expect(redactUrls('see http://a.example:8080/x/y?z and https://b.example')).toBe(
      'see http://a.example:8080/… and https://b.example/…',
    );
  });

  it('refuses bad parameters and a cursor of another status', async () => {
    expect((await body(get('/alerts', { status: 'parked' }))).json.error.message).toMatch(/^parameter status: must be/);
    expect((await body(get('/alerts', { limit: '0' }))).json.error.message).toBe(
      'parameter limit: must be an integer from 1 to 100',
    );
    expect((await body(get('/alerts', { q: 'x' }))).json.error.code).toBe('unknown_parameter');
    const page = await body(get('/alerts', { limit: '1' }));
    const other = await body(get('/alerts', { limit: '1', status: 'sent', cursor: page.json.nextCursor }));
    expect(other.status).toBe(400);
    expect(other.json.error.code).toBe('invalid_cursor');
  });

  it('lists nothing when the API has no alert records', async () => {
    const res = await bare.handle(get('/alerts'));
    expect(JSON.parse(res.body)).toEqual({ alerts: [], nextCursor: null });
  });
});

describe('the dashboard files', () => {
  it('serve the page and assets without a token, with strict security headers', async () => {
    const page = await api.handle(get('/', {}, false));
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    const csp = page.headers['content-security-policy']!;
    expect(csp).toBe(DASHBOARD_CSP);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const js = await api.handle(get('/assets/app-1.js', {}, false));
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(js.body).toBe('console.log(1)');
    const head = await api.handle(get('/', {}, false, 'HEAD'));
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('answer 404 (JSON, same headers) for files that do not exist, and 405 for other methods', async () => {
    for (const path of ['/assets/nope.js', '/assets/..', '/assets/.env', '/assets/', '/assets/%2e%2e%2fpackage.json']) {
      const res = await api.handle(get(path, {}, false));
      expect(res.statusCode, path).toBe(404);
      expect(JSON.parse(res.body).error.code, path).toBe('not_found');
      expect(res.headers['content-security-policy'], path).toBe(DASHBOARD_CSP);
    }
    // A path below an asset is not the dashboard's: the API's own answer (401 without a token).
    expect((await api.handle(get('/assets/app-1.js/x', {}, false))).statusCode).toBe(401);
    const post = await api.handle(get('/', {}, false, 'POST'));
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('are not served by an API built without them: / is an API path like any other', async () => {
    expect((await bare.handle(get('/', {}, false))).statusCode).toBe(401);
    expect((await bare.handle(get('/'))).statusCode).toBe(404);
  });
});
