import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type LocalApiServer } from '../../local/api-server.ts';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { TokenVerifier, apiRequestFromHttpApiEvent, createApi } from '../../shared/api/index.ts';
import { parseRawQuery } from '../../shared/api/query.ts';
import { Store } from '../../shared/store/index.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';
import { itemInput } from '../store/factories.ts';

/*
 * Request validation at the edges of the store's range and of the query-string format: each case answers a 400
 * naming the parameter and the problem (or the right 200), never a 500.
 */

const TOKEN = 'validation-token-0123456789';
let dynamo: EmbeddedStore;
let api: ReturnType<typeof createApi>;
let server: LocalApiServer;
let lateId: string;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  const store = new Store({ client: dynamo.client, tableName: 'validation-test', retentionDays: 90 });
  await store.ensureTable();
  await store.saveItem(itemInput('https://news.example/v/1', { publishedAt: '2026-11-20T10:00:00.000Z' }));
  lateId = (await store.saveItem(itemInput('https://news.example/v/2', { publishedAt: '9999-12-31T12:00:00.000Z' })))
    .item.id;
  api = createApi({ store, topics: [], cursorKey: randomBytes(32), tokens: TokenVerifier.fromTokens([TOKEN]) });
  server = await startApiServer((r) => api.handle(r), { port: 0 });
});
afterAll(async () => {
  await server?.close();
  await dynamo?.close();
});

async function get(target: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${target}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: await res.json() };
}

describe('dates within the store range', () => {
  it('since in year 9999 is a valid bound (it answered 500 before): the items of that day', async () => {
    const r = await get('/items?since=9999-12-31');
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { id: string }) => i.id)).toEqual([lateId]);
    expect((await get('/items?since=9999-12-31T23:59:59.999Z')).status).toBe(200);
    expect((await get('/items?until=9999-12-31')).body.items).toHaveLength(2);
  });

  it.each([
    ['since=1969-12-31T23:59:59Z', 'since'],
    ['since=0000-01-01', 'since'],
    ['until=9999-12-31T23:59:59-23:59', 'until'], // year 10000 in UTC
    ['until=0001-01-01T00:00:00%2B01:00', 'until'], // year 0 in UTC
  ])('%s → 400 naming %s and the range', async (query, param) => {
    const r = await get(`/items?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      code: 'invalid_parameter',
      message: expect.stringMatching(
        new RegExp(`^parameter ${param}: .* is outside 1970-01-01 to 9999-12-31 \\(UTC\\)$`),
      ),
    });
  });

  it('a year with five digits is not an ISO-8601 date here', async () => {
    const r = await get('/items?since=10000-01-01');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^parameter since: '10000-01-01' is not an ISO-8601 date/);
  });
});

describe('query-string format', () => {
  it.each([
    ['limit=1&limit=2', 'invalid_parameter', 'parameter limit: given more than once; give it once'],
    ['q=%FF', 'invalid_parameter', 'parameter q: not well-formed percent-encoded UTF-8'],
    ['q=%ED%A0%80', 'invalid_parameter', 'parameter q: not well-formed percent-encoded UTF-8'], // encoded lone surrogate
    ['q=50%', 'invalid_parameter', 'parameter q: not well-formed percent-encoded UTF-8'],
    ['q%ZZ=1', 'invalid_parameter', 'parameter q%ZZ: the name is not well-formed percent-encoded UTF-8'],
    ['=1', 'invalid_parameter', 'query: a parameter without a name'],
    [`q=${'x'.repeat(9000)}`, 'invalid_parameter', 'parameter q: longer than 8192 characters'],
    [Array.from({ length: 40 }, (_, i) => `p${i}=1`).join('&'), 'invalid_parameter', 'query: more than 32 parameters'],
    ['__proto__=1', 'unknown_parameter', 'parameter __proto__: not accepted here'],
  ])('%s → 400 %s: %s', async (query, code, message) => {
    const r = await get(`/items?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(code);
    expect(r.body.error.message).toContain(message);
  });

  it('empty segments and + as space are read as form-urlencoded; limit keeps its range', async () => {
    expect((await get('/items?&&limit=1&')).body.items).toHaveLength(1);
    expect((await get('/items?q=title+of')).body.items).toHaveLength(2);
    expect((await get('/items?limit=101')).body.error.message).toBe(
      'parameter limit: must be an integer from 1 to 100',
    );
  });

  it('a decoded query with a lone surrogate (a caller of the handler) is a 400, not a store error', async () => {
    const r = await api.handle({
      method: 'GET',
      path: '/items',
      query: { q: 'a\uD800' },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body).error.message).toBe('parameter q: not well-formed Unicode');
  });

  it('API Gateway events are read from rawQueryString, so repeats are refused there too', async () => {
    const r = await api.handle(
      apiRequestFromHttpApiEvent({
        rawPath: '/items',
        rawQueryString: 'limit=1&limit=2',
        queryStringParameters: { limit: '1,2' },
        requestContext: { http: { method: 'GET' } },
        headers: { Authorization: `Bearer ${TOKEN}` },
      }),
    );
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body).error.message).toContain('parameter limit: given more than once');
  });

  it('request targets the URL parser refuses are routed as paths, not thrown', async () => {
    const r = await get('//[');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });

  it('parseRawQuery returns a record without prototype', () => {
    const q = parseRawQuery('constructor=1&toString=2');
    expect(Object.getPrototypeOf(q)).toBeNull();
    expect({ ...q }).toEqual({ constructor: '1', toString: '2' });
  });
});
