import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startTestDynamo } from '../helpers/dynalite.ts';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { startApiServer, type LocalApiServer } from '../../local/api-server.ts';
import { Store, itemIdFor } from '../../shared/store/index.ts';
import {
  TokenVerifier,
  apiRequestFromHttpApiEvent,
  createApi,
  encodeCursor,
  queryFingerprint,
  type ApiRequest,
  type ApiResponse,
} from '../../shared/api/index.ts';
import { errorSchema, itemDetailSchema, itemsPageSchema } from '../../shared/api/schemas.ts';
import { itemInput, topic } from '../store/factories.ts';

const TOKEN = 'test-token-0123456789abcdef';
const NOW = new Date('2026-11-25T12:00:00.000Z');
const topics = [
  { id: 'china-russia', name: 'China–Russia relations' },
  { id: 'energy', name: 'Energy' },
];

let dynamo: EmbeddedStore;
let store: Store;
let api: ReturnType<typeof createApi>;
const cursorKey = randomBytes(32);
const urls: string[] = [];

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = new Store({ client: dynamo.client, tableName: 'api-test', retentionDays: 90, now: () => NOW });
  await store.ensureTable();
  for (let i = 0; i < 25; i++) {
    const url = `https://news.example/api/${i}`;
    urls.push(url);
    await store.saveItem(
      itemInput(url, {
        publishedAt: new Date(Date.parse('2026-11-25T11:00:00.000Z') - i * 12 * 3_600_000).toISOString(),
        topics: i % 2 === 0 ? [topic('china-russia')] : [topic('energy')],
        feedId: i < 5 ? 'feed-a' : 'feed-b',
        title: i === 3 ? 'Putin meets Xi in Moscow' : `Story ${i}`,
      }),
    );
  }
  await store.putFeedState({
    feedId: 'feed-a',
    url: 'https://a.example/rss',
    name: 'A',
    status: 'http_error',
    consecutiveFailures: 2,
    lastPolledAt: '2026-11-25T11:00:00.000Z',
    lastSuccessAt: '2026-11-24T11:00:00.000Z',
    lastNewEntryAt: null,
    nextPollAt: '2026-11-25T11:20:00.000Z',
    lastError: 'http 503 from a.example',
    etag: '"e1"',
    lastModified: null,
    bodyHash: null,
    goneSince: null,
  });
  api = createApi({
    store,
    topics,
    cursorKey,
    tokens: TokenVerifier.fromTokens(['old-token-xxxxxxxx', TOKEN]),
    now: () => NOW,
  });
});
afterAll(async () => {
  await dynamo?.close();
});

function req(
  path: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  method = 'GET',
): ApiRequest {
  return { method, path, query, headers };
}

function body(res: ApiResponse): any {
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  return JSON.parse(res.body);
}

function expectError(res: ApiResponse, status: number, code: string, mentions?: string): void {
  expect(res.statusCode).toBe(status);
  const b = errorSchema.parse(body(res));
  expect(b.error.code).toBe(code);
  if (mentions) expect(b.error.message).toContain(mentions);
  expect(res.body).not.toMatch(/\bat .*\.ts:\d+|node_modules|Error:/);
}

describe('authentication', () => {
  it('rejects anonymous and wrong tokens with 401 on every route but /healthz', async () => {
    for (const path of ['/items', '/items/i_000000000000000000000000', '/topics', '/feeds', '/openapi.json', '/nope']) {
      const anon = await api.handle(req(path, {}, {}));
      expectError(anon, 401, 'unauthorized');
      expect(anon.headers['www-authenticate']).toBe('Bearer realm="wirewatch"');
      const wrong = await api.handle(req(path, {}, { authorization: 'Bearer not-the-token' }));
      expectError(wrong, 401, 'unauthorized');
      expect(wrong.headers['www-authenticate']).toContain('invalid_token');
      expectError(await api.handle(req(path, {}, { authorization: `Basic ${TOKEN}` })), 401, 'unauthorized');
    }
    const health = await api.handle(req('/healthz', {}, {}));
    expect(health.statusCode).toBe(200);
    expect(body(health)).toEqual({ ok: true });
  });

  it('accepts every configured token (rotation) and a case-insensitive scheme', async () => {
    expect((await api.handle(req('/topics', {}, { authorization: 'Bearer old-token-xxxxxxxx' }))).statusCode).toBe(200);
    expect((await api.handle(req('/topics', {}, { authorization: `bearer ${TOKEN}` }))).statusCode).toBe(200);
  });
});

describe('GET /items', () => {
  it('pages through a topic newest first with signed cursors', async () => {
    const want = urls.filter((_, i) => i % 2 === 0).map(itemIdFor); // already newest first
    const got: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.handle(req('/items', { topic: 'china-russia', limit: '5', ...(cursor ? { cursor } : {}) }));
      expect(res.statusCode).toBe(200);
      const page = itemsPageSchema.parse(body(res));
      got.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(got).toEqual(want);
  });

  it('defaults to 20 items and applies since/until/feed/q', async () => {
    expect(itemsPageSchema.parse(body(await api.handle(req('/items')))).items).toHaveLength(20);
    const since = itemsPageSchema.parse(
      body(await api.handle(req('/items', { since: '2026-11-24T11:00:00Z', limit: '100' }))),
    );
    expect(since.items.map((i) => i.url)).toEqual(urls.slice(0, 3));
    const until = itemsPageSchema.parse(body(await api.handle(req('/items', { until: '2026-11-14', limit: '100' }))));
    expect(until.items.map((i) => i.url)).toEqual(
      urls.filter(
        (_, i) => Date.parse('2026-11-25T11:00:00.000Z') - i * 12 * 3_600_000 < Date.parse('2026-11-15T00:00:00Z'),
      ),
    );
    const feed = itemsPageSchema.parse(body(await api.handle(req('/items', { feed: 'feed-a', topic: 'energy' }))));
    expect(feed.items.map((i) => i.url)).toEqual([urls[1], urls[3]]);
    const q = itemsPageSchema.parse(body(await api.handle(req('/items', { q: 'xi IN moscow' }))));
    expect(q.items.map((i) => i.title)).toEqual(['Putin meets Xi in Moscow']);
  });

  it('refuses tampered, foreign and other-key cursors with 400', async () => {
    const first = itemsPageSchema.parse(body(await api.handle(req('/items', { topic: 'china-russia', limit: '2' }))));
    const cursor = first.nextCursor!;
    expect(cursor).toBeTruthy();
    // Flip one character of the payload.
    const i = 5;
    const tampered = cursor.slice(0, i) + (cursor[i] === 'A' ? 'B' : 'A') + cursor.slice(i + 1);
    expectError(
      await api.handle(req('/items', { topic: 'china-russia', cursor: tampered })),
      400,
      'invalid_cursor',
      'cursor',
    );
    // Same cursor, other filters.
    expectError(await api.handle(req('/items', { topic: 'energy', cursor })), 400, 'invalid_cursor', 'cursor');
    // Well-formed cursor signed with another key.
    const fp = queryFingerprint({ topic: 'china-russia' });
    const foreign = encodeCursor(randomBytes(32), { pk: 'TOPIC#china-russia', sk: '2026' }, fp);
    expectError(await api.handle(req('/items', { topic: 'china-russia', cursor: foreign })), 400, 'invalid_cursor');
    expectError(await api.handle(req('/items', { cursor: 'garbage' })), 400, 'invalid_cursor');
    // The genuine cursor still works.
    expect((await api.handle(req('/items', { topic: 'china-russia', limit: '2', cursor }))).statusCode).toBe(200);
  });

  it('answers 400 naming the parameter for every invalid value', async () => {
    const bad: Array<[Record<string, string>, string, string]> = [
      [{ limit: '0' }, 'invalid_parameter', 'limit'],
      [{ limit: '101' }, 'invalid_parameter', 'limit'],
      [{ limit: '2.5' }, 'invalid_parameter', 'limit'],
      [{ limit: 'ten' }, 'invalid_parameter', 'limit'],
      [{ topic: 'no-such-topic' }, 'invalid_parameter', 'topic'],
      [{ topic: '' }, 'invalid_parameter', 'topic'],
      [{ feed: 'bad feed!' }, 'invalid_parameter', 'feed'],
      [{ since: 'yesterday' }, 'invalid_parameter', 'since'],
      [{ since: '2026-02-30' }, 'invalid_parameter', 'since'],
      [{ until: '2026-11-25T10:00:00' }, 'invalid_parameter', 'until'],
      [{ since: '2026-11-25', until: '2026-11-01' }, 'invalid_parameter', 'since'],
      [{ q: 'x'.repeat(201) }, 'invalid_parameter', 'q'],
      [{ sort: 'asc' }, 'unknown_parameter', 'sort'],
    ];
    for (const [query, code, param] of bad) {
      expectError(await api.handle(req('/items', query)), 400, code, `parameter ${param}`);
    }
  });
});

describe('other routes', () => {
  it('GET /items/{id} returns the full item, 404 when absent, 400 for a malformed id', async () => {
    const id = itemIdFor(urls[3]!);
    const res = await api.handle(req(`/items/${id}`));
    expect(res.statusCode).toBe(200);
    const item = itemDetailSchema.parse(body(res));
    expect(item).toEqual({ ...(await store.getItem(id)), fetch: null });
    expect(item.text).toContain('First paragraph');
    expect(item.topics[0]?.evidence).toHaveLength(1);
    expectError(await api.handle(req(`/items/${itemIdFor('https://absent.example/')}`)), 404, 'not_found');
    expectError(await api.handle(req('/items/../../etc')), 404, 'not_found');
    expectError(await api.handle(req('/items/I_XYZ')), 400, 'invalid_parameter', 'id');
  });

  it('GET /topics counts items of the last 24 h and 7 days per configured topic', async () => {
    const res = body(await api.handle(req('/topics')));
    // Items are 12 h apart starting 1 h before NOW: 24 h → i ∈ {0,1}; 7 d → i ≤ 13.
    expect(res).toEqual({
      topics: [
        { id: 'china-russia', name: 'China–Russia relations', counts: { last24h: 1, last7d: 7 } },
        { id: 'energy', name: 'Energy', counts: { last24h: 1, last7d: 7 } },
      ],
    });
  });

  it('GET /feeds returns feed health', async () => {
    const res = body(await api.handle(req('/feeds')));
    expect(res.feeds).toEqual([
      {
        id: 'feed-a',
        url: 'https://a.example/rss',
        name: 'A',
        status: 'http_error',
        consecutiveFailures: 2,
        lastSuccessAt: '2026-11-24T11:00:00.000Z',
        lastNewEntryAt: null,
        nextPollAt: '2026-11-25T11:20:00.000Z',
        lastError: 'http 503 from a.example',
        etag: '"e1"',
        lastModified: null,
        // A feed source built by hand has no interval; the state has no rhythm yet.
        interval: null,
        intervalMs: null,
        rhythmMs: null,
        lastEntryAt: null,
        overdue: false,
        silent: false,
      },
    ]);
  });

  it('unknown routes are 404, other methods 405, and trailing slashes are tolerated', async () => {
    expectError(await api.handle(req('/admin')), 404, 'not_found');
    const post = await api.handle(req('/items', {}, { authorization: `Bearer ${TOKEN}` }, 'POST'));
    expectError(post, 405, 'method_not_allowed');
    expect(post.headers.allow).toBe('GET');
    expect((await api.handle(req('/topics/'))).statusCode).toBe(200);
    expectError(await api.handle(req('/topics', { x: '1' })), 400, 'unknown_parameter', 'x');
  });

  it('answers 503 without internals when the store is down', async () => {
    const client = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const down = createApi({
      store: new Store({ client, tableName: 'x-down', retentionDays: 1 }),
      topics,
      cursorKey,
      tokens: TokenVerifier.fromTokens([TOKEN]),
    });
    const res = await down.handle(req('/items'));
    expectError(res, 503, 'unavailable');
    expect(res.body).not.toContain('127.0.0.1');
    client.destroy();
  });
});

describe('adapters', () => {
  it('serves the same handler over node:http on 127.0.0.1', async () => {
    let server: LocalApiServer | undefined;
    try {
      server = await startApiServer((r) => api.handle(r), { host: '127.0.0.1', port: 0 });
      const ok = await fetch(`${server.url}/items?topic=energy&limit=3`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.status).toBe(200);
      expect(itemsPageSchema.parse(await ok.json()).items).toHaveLength(3);
      const anon = await fetch(`${server.url}/items`);
      expect(anon.status).toBe(401);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server?.close();
    }
  });

  it('converts an API Gateway HTTP API v2 event', async () => {
    const r = apiRequestFromHttpApiEvent({
      rawPath: '/items',
      requestContext: { http: { method: 'GET', path: '/items' } },
      queryStringParameters: { topic: 'energy', limit: '2' },
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(r).toEqual({
      method: 'GET',
      path: '/items',
      query: { topic: 'energy', limit: '2' },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const res = await api.handle(r);
    expect(itemsPageSchema.parse(JSON.parse(res.body)).items).toHaveLength(2);
  });
});
