import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startTestDynamo } from '../helpers/dynalite.ts';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { Store, itemIdFor } from '../../shared/store/index.ts';
import { ROUTES, TokenVerifier, buildOpenApi, createApi, type ApiRequest } from '../../shared/api/index.ts';
import { entryFor, itemInput, topic } from '../store/factories.ts';

/*
 * `/openapi.json` is a valid OpenAPI 3.1 document, lists exactly the routes the handler serves, and real
 * responses of every route validate against the schemas it declares (JSON Schema 2020-12, via Ajv).
 */

const TOKEN = 'openapi-test-token-0123456789';
let dynamo: EmbeddedStore;
let api: ReturnType<typeof createApi>;
let doc: any;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  const store = new Store({ client: dynamo.client, tableName: 'openapi-test', retentionDays: 90 });
  await store.ensureTable();
  const saved = await store.saveItem(
    itemInput('https://news.example/oa/1', { topics: [topic('china-russia')], publishedAt: null }),
  );
  // The item's story, as the pipeline's story step records it.
  const it = saved.item;
  await store.stories.putSummary(
    {
      id: it.id,
      title: it.title,
      original: { itemId: it.id, url: it.url, outlet: 'Example Wire', publishedAt: it.publishedAt, agency: 'AP' },
      firstSeenAt: it.firstSeenAt,
      lastActivityAt: it.firstSeenAt,
      members: 1,
      version: 1,
      topics: [{ id: 'china-russia', name: 'Topic china-russia', score: 3 }],
      feedIds: it.feedIds,
      memberIds: [it.id],
      latestItemId: it.id,
      topicMatches: it.topics,
    },
    null,
    null,
  );
  await store.stories.putMember(it.id, {
    itemId: it.id,
    url: it.url,
    outlet: 'Example Wire',
    feedId: it.feedIds[0] ?? null,
    role: 'original',
    firstSeenAt: it.firstSeenAt,
    publishedAt: it.publishedAt,
    similarity: 1,
    changes: null,
  });
  const second = await store.saveItem(itemInput('https://news.example/oa/2', { topics: [] }));
  // Its page failed and is being retried (the page schedule the pipeline writes; shared/pipeline/pages.ts).
  await store.putPageSchedule(
    {
      itemId: second.item.id,
      url: second.item.url,
      job: {
        feedId: 'feed-a',
        feedUrl: 'https://a.example/rss',
        entry: entryFor(second.item.url),
        discoveredAt: second.item.firstSeenAt,
      },
      firstSeenAt: second.item.firstSeenAt,
      phase: 'retry',
      nextAt: '2026-11-25T12:15:00.000Z',
      outcome: null,
      attempts: 1,
      maxAttempts: 8,
      firstFailureAt: '2026-11-25T12:00:00.000Z',
      lastAttemptAt: '2026-11-25T12:00:00.000Z',
      lastError: 'http 503',
      gaveUpAt: null,
      recheck: { next: 0, done: 0, of: 5, lastCheckedAt: null, lastOutcome: null },
      etag: null,
      lastModified: null,
      inFlight: null,
      updatedAt: '2026-11-25T12:00:00.000Z',
    },
    null,
  );
  await store.putFeedState({
    feedId: 'feed-a',
    url: 'https://a.example/rss',
    name: null,
    status: null,
    consecutiveFailures: 0,
    lastPolledAt: null,
    lastSuccessAt: null,
    lastNewEntryAt: null,
    nextPollAt: null,
    lastError: null,
    etag: null,
    lastModified: null,
    bodyHash: null,
    goneSince: null,
  });
  api = createApi({
    store,
    topics: [{ id: 'china-russia', name: 'China–Russia' }],
    cursorKey: randomBytes(32),
    tokens: TokenVerifier.fromTokens([TOKEN]),
    feeds: [{ id: 'feed-z', url: 'https://z.example/rss', name: 'Z' }],
  });
  const res = await api.handle(get('/openapi.json'));
  expect(res.statusCode).toBe(200);
  doc = JSON.parse(res.body);
});
afterAll(async () => {
  await dynamo?.close();
});

/** A documented path with its `{id}` filled in: a topic id for topic routes, else the stored item's id. */
function concretePath(path: string): string {
  return path.replace('{id}', path.startsWith('/topics/') ? 'china-russia' : itemIdFor('https://news.example/oa/1'));
}

function get(path: string, query: Record<string, string> = {}, auth = true): ApiRequest {
  return { method: 'GET', path, query, headers: auth ? { authorization: `Bearer ${TOKEN}` } : {} };
}

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc).toEqual(buildOpenApi());
    // The validator does reject a broken document (no info, a parameter without `in`).
    const broken = structuredClone(doc);
    delete broken.info;
    broken.paths['/items'].get.parameters[0] = { name: 'topic' };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('lists exactly the routes the handler serves, each answering 200', async () => {
    expect(Object.keys(doc.paths).sort()).toEqual(ROUTES.map((r) => r.path).sort());
    for (const path of Object.keys(doc.paths)) {
      const concrete = concretePath(path);
      const res = await api.handle(get(concrete));
      expect(res.statusCode, path).toBe(200);
    }
    // And nothing else is routed.
    for (const path of ['/item', '/items/x/y', '/openapi.yaml', '/'])
      expect((await api.handle(get(path))).statusCode).toBe(404);
  });

  it('declares bearer auth everywhere but /healthz, matching the handler', async () => {
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      const open = Array.isArray(ops.get.security) && ops.get.security.length === 0;
      const res = await api.handle(get(concretePath(path), {}, false));
      expect(res.statusCode === 401, path).toBe(!open);
      if (!open) expect(ops.get.responses['401']).toBeDefined();
    }
  });

  it('real responses validate against the declared response schemas', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const schemaFor = (path: string, status: string) => {
      const ref: string = doc.paths[path].get.responses[status].content['application/json'].schema.$ref;
      return doc.components.schemas[ref.split('/').pop()!];
    };
    const cases: Array<[string, ApiRequest, string]> = [
      ['/items', get('/items'), '200'],
      ['/items', get('/items', { topic: 'china-russia', limit: '1' }), '200'],
      ['/items', get('/items', { limit: '1' }), '200'],
      ['/items', get('/items', { limit: '0' }), '400'],
      ['/items', get('/items', {}, false), '401'],
      ['/items/{id}', get(`/items/${itemIdFor('https://news.example/oa/1')}`), '200'],
      ['/items/{id}', get(`/items/${itemIdFor('https://news.example/oa/2')}`), '200'],
      ['/items/{id}', get(`/items/${itemIdFor('https://absent.example/')}`), '404'],
      ['/topics', get('/topics'), '200'],
      ['/topics/{id}/timeline', get('/topics/china-russia/timeline'), '200'],
      ['/topics/{id}/timeline', get('/topics/china-russia/timeline', { bucket: 'hour', days: '30' }), '200'],
      ['/topics/{id}/timeline', get('/topics/china-russia/timeline', { bucket: 'week' }), '400'],
      ['/topics/{id}/timeline', get('/topics/no-such-topic/timeline'), '404'],
      ['/alerts', get('/alerts'), '200'],
      ['/alerts', get('/alerts', { status: 'failed', limit: '1' }), '200'],
      ['/alerts', get('/alerts', { status: 'parked' }), '400'],
      ['/feeds', get('/feeds'), '200'],
      ['/openapi.json', get('/openapi.json'), '200'],
      ['/healthz', get('/healthz', {}, false), '200'],
    ];
    for (const [path, request, status] of cases) {
      const res = await api.handle(request);
      expect(String(res.statusCode), `${path} ${JSON.stringify(request.query)}`).toBe(status);
      const validate = ajv.compile(schemaFor(path, status));
      const ok = validate(JSON.parse(res.body));
      if (request.path.endsWith(itemIdFor('https://news.example/oa/2'))) {
        expect(JSON.parse(res.body).fetch).toMatchObject({
          state: 'retrying',
          nextRetryAt: '2026-11-25T12:15:00.000Z',
        });
      }
      expect(validate.errors ?? [], `${path} ${status}`).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('the schemas are strict: an undeclared field fails validation', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(doc.components.schemas.ItemsPage);
    expect(validate({ items: [], nextCursor: null })).toBe(true);
    expect(validate({ items: [], nextCursor: null, extra: 1 })).toBe(false);
  });
});
