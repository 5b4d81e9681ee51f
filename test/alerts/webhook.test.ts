import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlerter, verifyWebhookSignature } from '../../shared/alerts/index.ts';
import {
  httpFor,
  makeConfig,
  recordingSleep,
  saveArticle,
  startReceiver,
  startTable,
  topicMatch,
  type Receiver,
} from './helpers.ts';

const SECRET = 'wh-secret-0123456789';

/**
 * The receiver-side check exactly as README.md#alerts documents it (independent of wirewatch's own code):
 * HMAC-SHA256 over `<timestamp>.<raw body>`, hex, prefixed `v1=`, constant-time compare, 5-minute window.
 */
function documentedVerify(
  secret: string,
  rawBody: Buffer,
  timestamp: string,
  signature: string,
  nowSec: number,
): boolean {
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSec - Number(timestamp)) > 300) return false;
  const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  return a.length === b.length && timingSafeEqual(a, b);
}

describe('webhook channel', () => {
  let table: Awaited<ReturnType<typeof startTable>>;
  let rx: Receiver;
  let verified: boolean[] = [];

  beforeAll(async () => {
    table = await startTable();
    rx = await startReceiver((_i, req, res) => {
      const ok = documentedVerify(
        SECRET,
        req.body,
        String(req.headers['x-wirewatch-timestamp']),
        String(req.headers['x-wirewatch-signature']),
        Math.floor(Date.now() / 1000),
      );
      verified.push(ok);
      res.writeHead(ok ? 204 : 401).end();
    });
  });
  afterAll(async () => {
    await rx.close();
    await table.db.close();
  });

  async function alerterWith(secret: string, subId: string) {
    const config = await makeConfig(
      {
        channels: [{ id: 'hook', type: 'webhook', url: rx.url, secretEnv: 'WEBHOOK_SECRET' }],
        subscriptions: [{ id: subId, topics: ['*'], channel: 'hook', mode: 'realtime' }],
      },
      [rx.hostPort],
    );
    return createAlerter({
      config,
      table: table.store.table,
      items: table.store,
      http: httpFor(config),
      env: { WEBHOOK_SECRET: secret },
      sleep: recordingSleep().sleep,
    });
  }

  it('POSTs signed JSON with a timestamp and a story × topic × subscription idempotency key', async () => {
    verified = [];
    const alerter = await alerterWith(SECRET, 'hook-ok');
    const title = 'China & Russia: "joint" drills <b>';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/w/1',
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 2.25, title, ['China', 'Russia'])],
    });
    const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
    expect(res.sent).toBe(1);
    expect(verified).toEqual([true]);
    const req = rx.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.headers['x-wirewatch-idempotency-key']).toBe(`${item.storyId}#china-russia#hook-ok`);
    expect(req.headers['idempotency-key']).toBe(`${item.storyId}#china-russia#hook-ok`);
    expect(
      verifyWebhookSignature({
        secret: SECRET,
        body: req.body,
        timestamp: req.headers['x-wirewatch-timestamp'] as string,
        signature: req.headers['x-wirewatch-signature'] as string,
      }),
    ).toBe(true);
    const body = JSON.parse(req.body.toString('utf8'));
    expect(body).toMatchObject({
      type: 'alert',
      id: `${item.storyId}#china-russia#hook-ok`,
      subscription: 'hook-ok',
      alerts: [
        {
          itemId: item.id,
          url: 'https://news.example/w/1',
          title, // JSON carries the string verbatim
          outlet: 'Example Wire',
          topic: { id: 'china-russia', name: 'China–Russia relations', score: 2.25 },
        },
      ],
    });
    expect(body.alerts[0].evidence.terms).toEqual([
      { start: 0, end: 5 },
      { start: 8, end: 14 },
    ]);
  });

  it('a wrong secret fails verification at the receiver: 401 parks the alert as not retryable', async () => {
    verified = [];
    const alerter = await alerterWith('not-the-secret', 'hook-bad');
    const title = 'Beijing and Moscow trade';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/w/2',
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, ['Beijing'])],
    });
    const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
    expect(res).toMatchObject({ sent: 0, failed: 1 });
    expect(res.failures[0]).toMatchObject({ code: 'channel_rejected', retryable: false });
    expect(verified).toEqual([false]);
  });

  it('verifyWebhookSignature rejects tampered bodies, stale timestamps and malformed headers', () => {
    const body = Buffer.from('{"a":1}');
    const now = new Date('2026-11-29T12:00:00Z');
    const ts = String(Math.floor(now.getTime() / 1000));
    const sig = `v1=${createHmac('sha256', SECRET).update(`${ts}.`).update(body).digest('hex')}`;
    expect(verifyWebhookSignature({ secret: SECRET, body, timestamp: ts, signature: sig, now })).toBe(true);
    expect(
      verifyWebhookSignature({ secret: SECRET, body: Buffer.from('{"a":2}'), timestamp: ts, signature: sig, now }),
    ).toBe(false);
    expect(
      verifyWebhookSignature({ secret: SECRET, body, timestamp: String(Number(ts) - 301), signature: sig, now }),
    ).toBe(false);
    expect(verifyWebhookSignature({ secret: SECRET, body, timestamp: undefined, signature: sig, now })).toBe(false);
    expect(verifyWebhookSignature({ secret: SECRET, body, timestamp: ts, signature: 'v1=00', now })).toBe(false);
  });
});
