import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type LocalApiServer } from '../../local/api-server.ts';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import {
  TokenVerifier,
  apiRequestFromHttpApiEvent,
  createApi,
  type ApiRequest,
  type ApiResponse,
} from '../../shared/api/index.ts';
import { errorSchema } from '../../shared/api/schemas.ts';
import { Store } from '../../shared/store/index.ts';
import { AlertRepo } from '../../shared/alerts/records.ts';
import { dashboardFromFiles } from '../../shared/api/dashboard.ts';
import { buildDashboard } from '../../web/build.mjs';
import { startTestDynamo } from '../helpers/dynalite.ts';
import { itemInput, topic } from '../store/factories.ts';

/*
 * No request input makes the API answer 5xx. Property-based (fast-check): random paths, query strings (documented
 * and unknown names, repeated names, boundary dates, huge and non-numeric limits, forged cursors, percent-encoded
 * bytes that are not UTF-8, malformed percent signs, lone surrogates), methods, headers and raw bytes are sent to
 * every route the served OpenAPI document lists — so routes added later are covered without editing this test —
 * with a valid token, against a real store on dynalite: over real HTTP to the local server, to the handler
 * directly, and through the API Gateway event adapter. Every answer is < 500, and every 4xx carries the
 * `{"error":{"code","message"}}` body.
 */

const TOKEN = 'fuzz-token-0123456789abcdef';
let dynamo: EmbeddedStore;
let api: ReturnType<typeof createApi>;
let server: LocalApiServer;
let port: number;
let routes: Array<{ template: string; params: string[] }>;
let itemId: string;
let cursor: string;

/** One HTTP/1.1 exchange over a raw socket (Connection: close), so any byte can be sent. */
function exchange(request: Buffer): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    // Half-close only if the server has not answered by then (a request cut short by random bytes), so that it
    // sees the end of input; a complete request is answered first (Connection: close).
    const halfClose = setTimeout(() => socket.end(), 1_000);
    const timer = setTimeout(() => socket.destroy(new Error('no answer within 5 s')), 5_000);
    socket.on('data', (b) => chunks.push(b));
    socket.on('error', (e) => {
      clearTimeout(timer);
      clearTimeout(halfClose);
      // The server may close right after answering a request it refused; keep what arrived.
      if (chunks.length > 0 && (e as NodeJS.ErrnoException).code === 'ECONNRESET') finish();
      else reject(e);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      clearTimeout(halfClose);
      socket.end();
      finish();
    });
    socket.write(request);
    function finish() {
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      const head = split < 0 ? raw : raw.slice(0, split);
      let body = split < 0 ? '' : raw.slice(split + 4);
      if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
        let out = '';
        for (let rest = body; ; ) {
          const nl = rest.indexOf('\r\n');
          const size = Number.parseInt(rest.slice(0, nl), 16);
          if (!size) break;
          out += rest.slice(nl + 2, nl + 2 + size);
          rest = rest.slice(nl + 2 + size + 2);
        }
        body = out;
      } else {
        // Only the first response counts (random bytes may have made the server read a second request).
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (length) body = body.slice(0, Number(length[1]));
      }
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0),
        headers: head,
        body: Buffer.from(body, 'latin1').toString('utf8'),
      });
    }
  });
}

/** RFC 3986 percent-encoding of the UTF-8 bytes of `s` (lone surrogates become U+FFFD, as Buffer does). */
const encode = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
const percentBytes = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function arbitraries() {
  const special = fc.constantFrom(
    '9999-12-31',
    '9999-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59-23:59',
    '1970-01-01',
    '1969-12-31T23:59:59Z',
    '0000-01-01',
    '10000-01-01',
    '+275760-09-13',
    '2026-02-30',
    '2026-11-29T24:00:00Z',
    '2026-11-29T12:00:00.123456789+14:00',
    '1',
    '0',
    '100',
    '101',
    '-1',
    '1e2',
    '0x10',
    '99999999999999999999',
    '',
    ' ',
    'NaN',
    'china-russia',
    'feed-a',
    'hour',
    'day',
    '7',
    '30',
    'failed',
    'sent',
    'i_000000000000000000000000',
    itemId,
    cursor,
    `${cursor.slice(0, -3)}AAA`,
    `v1.${'A'.repeat(4096)}.${'A'.repeat(43)}`,
  );
  const text = fc.oneof(
    { weight: 5, arbitrary: special },
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.integer().map(String),
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }), // lone surrogates included
    fc.string({ minLength: 200, maxLength: 9_000 }),
  );
  /** The documented routes, weighted by how many parameters they take (where inputs can go wrong). */
  const route = fc.oneof(...routes.map((r) => ({ weight: 1 + r.params.length, arbitrary: fc.constant(r) })));
  /** A query or path component as it appears on the wire. */
  const component = fc.oneof(
    { weight: 6, arbitrary: text.map(encode) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 12 }).map(percentBytes) }, // often not UTF-8
    {
      weight: 1,
      arbitrary: fc.tuple(text.map(encode), fc.constantFrom('%', '%G1', '%e', '%%', '+')).map(([a, b]) => a + b),
    },
  );
  return { text, component, route };
}

describe('the API answers every input without a 5xx', () => {
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    const store = new Store({ client: dynamo.client, tableName: 'fuzz-test', retentionDays: 90 });
    await store.ensureTable();
    for (let i = 0; i < 12; i++) {
      const saved = await store.saveItem(
        itemInput(`https://news.example/fuzz/${i}`, {
          publishedAt: i === 0 ? '9999-12-31T12:00:00.000Z' : `2026-11-${10 + i}T10:00:00.000Z`,
          topics: i % 2 ? [topic('china-russia')] : [],
          feedId: i % 3 ? 'feed-a' : 'feed-b',
        }),
      );
      itemId = saved.item.id;
    }
    api = createApi({
      store,
      topics: [{ id: 'china-russia', name: 'China–Russia relations' }],
      cursorKey: randomBytes(32),
      tokens: TokenVerifier.fromTokens([TOKEN]),
      feeds: [{ id: 'feed-a', url: 'https://a.example/rss', name: 'A' } as never],
      alerts: new AlertRepo(store.table),
      dashboard: dashboardFromFiles((await buildDashboard()).files),
    });
    server = await startApiServer((r) => api.handle(r), { port: 0 });
    port = Number(new URL(server.url).port);
    const doc = JSON.parse(
      (await exchange(Buffer.from(`GET /openapi.json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`)))
        .body,
    );
    routes = Object.entries<any>(doc.paths).map(([template, ops]) => ({
      template,
      params: (ops.get.parameters ?? []).map((p: { name: string }) => p.name),
    }));
    expect(routes.map((r) => r.template)).toContain('/items');
    // The dashboard's static paths are not API routes (not in the document), but take the same inputs.
    routes.push({ template: '/', params: [] }, { template: '/assets/{file}', params: [] });
    const page = await api.handle({
      method: 'GET',
      path: '/items',
      query: { limit: '2' },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    cursor = JSON.parse(page.body).nextCursor;
    expect(cursor).toMatch(/^v1\./);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await dynamo?.close();
  });

  const checkAnswer = (status: number, contentType: string, body: string, what: string, head = false) => {
    expect(status, what).toBeGreaterThanOrEqual(200);
    expect(status, what).toBeLessThan(500);
    if (head) return;
    // A dashboard file (the page or an asset); every error is JSON like the API's.
    if (status < 300 && /^(text\/html|text\/javascript|text\/css|image\/svg\+xml)/.test(contentType)) return;
    expect(contentType, what).toMatch(/application\/json/);
    const parsed = JSON.parse(body);
    if (status >= 400) expect(errorSchema.safeParse(parsed).success, `${what}: ${body.slice(0, 200)}`).toBe(true);
  };

  it('over HTTP: random paths, queries, methods, headers and bytes to every documented route', async () => {
    const { component, route } = arbitraries();
    const pathArb = fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .tuple(route, fc.array(component, { minLength: 2, maxLength: 2 }), fc.constantFrom('', '/', '//', '/x'))
          .map(([r, [a, b], tail]) => {
            let i = 0;
            return r.template.replace(/\{\w+\}/g, () => (i++ === 0 ? a! : b!)) + tail;
          }),
      },
      { weight: 1, arbitrary: component.map((c) => `/${c}`) },
    );
    const queryArb = fc
      .tuple(
        route,
        fc.boolean(),
        fc.array(
          fc.tuple(
            fc.oneof(
              {
                weight: 4,
                arbitrary: fc.constantFrom(
                  'topic',
                  'feed',
                  'since',
                  'until',
                  'q',
                  'limit',
                  'cursor',
                  'bucket',
                  'days',
                  'status',
                ),
              },
              { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'id', '') },
              { weight: 1, arbitrary: component },
            ),
            component,
            fc.boolean(),
          ),
          { maxLength: 6 },
        ),
      )
      .map(([r, emptySegments, pairs]) =>
        pairs
          .map(([n, v, withValue]) => (r.params.includes(n) || withValue ? `${n}=${v}` : n))
          .join(emptySegments ? '&&' : '&'),
      );
    const methodArb = fc.constantFrom(
      'GET',
      'GET',
      'GET',
      'GET',
      'HEAD',
      'POST',
      'PUT',
      'DELETE',
      'OPTIONS',
      'FOO',
      'get',
    );
    const headerArb = fc.array(
      fc.tuple(
        fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/),
        fc.oneof(fc.stringMatching(/^[\x20-\x7e]{0,60}$/), fc.string({ unit: 'binary', maxLength: 20 })),
      ),
      { maxLength: 4 },
    );
    const authArb = fc.constantFrom(
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
      `bearer  ${TOKEN}`,
      'Bearer nope',
      '',
    );
    const rawArb = fc.option(fc.uint8Array({ minLength: 1, maxLength: 16 }), { freq: 8 });

    await fc.assert(
      fc.asyncProperty(
        methodArb,
        pathArb,
        queryArb,
        headerArb,
        authArb,
        rawArb,
        async (method, path, query, headers, auth, raw) => {
          const target = query ? `${path}?${query}` : path;
          let head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
          if (auth) head += `Authorization: ${auth}\r\n`;
          for (const [k, v] of headers) head += `${k}: ${v}\r\n`;
          let bytes = Buffer.from(`${head}Connection: close\r\n\r\n`, 'utf8');
          if (raw) {
            // Random bytes spliced into the request line or the headers.
            const at = Math.min(bytes.length - 4, 4 + (raw[0]! % Math.max(1, bytes.length - 8)));
            bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(raw), bytes.subarray(at)]);
          }
          const res = await exchange(bytes);
          const contentType = /\r\ncontent-type: *([^\r]*)/i.exec(res.headers)?.[1] ?? '';
          checkAnswer(
            res.status,
            contentType,
            res.body,
            `${JSON.stringify(bytes.toString('latin1').slice(0, 300))}`,
            method === 'HEAD',
          );
        },
      ),
      {
        numRuns: 300,
        examples: [
          ['GET', '/items', 'since=9999-12-31', [], `Bearer ${TOKEN}`, null],
          ['GET', '/items', 'limit=1&limit=2', [], `Bearer ${TOKEN}`, null],
          ['GET', '/items', 'q=%FF', [], `Bearer ${TOKEN}`, null],
          ['GET', '//[', '', [], `Bearer ${TOKEN}`, null],
          ['GET', '/items', `q=${'x'.repeat(20_000)}`, [], `Bearer ${TOKEN}`, null],
          // A byte spliced before `Host` turns it into another header: an HTTP/1.1 request without Host.
          ['GET', '/%00', '', [], `Bearer ${TOKEN}`, Uint8Array.from([115])],
        ],
      },
    );
  }, 120_000);

  it('to the handler: any method, path, decoded query and headers', async () => {
    const { text, route } = arbitraries();
    const pathArb = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(route, text).map(([r, v]) => r.template.replace(/\{\w+\}/g, v)) },
      { weight: 3, arbitrary: route.map((r) => r.template.replace(/\{\w+\}/g, itemId)) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant('GET'), fc.string({ maxLength: 8 })),
        pathArb,
        fc.dictionary(
          fc.oneof(
            fc.constantFrom('topic', 'feed', 'since', 'until', 'q', 'limit', 'cursor', 'bucket', 'days', 'status'),
            fc.string({ unit: 'binary', maxLength: 12 }),
          ),
          fc.option(text, { freq: 8 }).map((v) => v ?? undefined),
          { maxKeys: 6 },
        ),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 20 }), { maxKeys: 3 }),
        async (method, path, query, headers) => {
          const req: ApiRequest = { method, path, query, headers: { ...headers, authorization: `Bearer ${TOKEN}` } };
          const res: ApiResponse = await api.handle(req);
          checkAnswer(res.statusCode, res.headers['content-type'] ?? '', res.body, JSON.stringify(req).slice(0, 300));
        },
      ),
      {
        numRuns: 300,
        examples: [
          ['GET', '/items', { since: '9999-12-31' }, {}],
          ['GET', '/items', { until: '9999-12-31T23:59:59-23:59' }, {}],
          ['GET', '/items', { q: '\uD800' }, {}],
        ],
      },
    );
  }, 60_000);

  it('through the API Gateway adapter: any raw query string', async () => {
    const { component, route } = arbitraries();
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.array(
          fc.tuple(
            fc.constantFrom('since', 'until', 'limit', 'q', 'cursor', 'bucket', 'days', 'status', 'x'),
            component,
          ),
          { maxLength: 5 },
        ),
        async (route, pairs) => {
          const rawQueryString = pairs.map(([k, v]) => `${k}=${v}`).join('&');
          const event = {
            rawPath: route.template.replace(/\{\w+\}/g, itemId),
            rawQueryString,
            requestContext: { http: { method: 'GET' } },
            headers: { Authorization: `Bearer ${TOKEN}` },
          };
          const res = await api.handle(apiRequestFromHttpApiEvent(event));
          checkAnswer(res.statusCode, res.headers['content-type'] ?? '', res.body, rawQueryString.slice(0, 300));
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});
