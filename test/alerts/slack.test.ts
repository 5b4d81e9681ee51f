import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlerter } from '../../shared/alerts/index.ts';
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

/** Slack incoming webhook (real node:http receiver through the real HTTP chokepoint). */
describe('slack channel', () => {
  let table: Awaited<ReturnType<typeof startTable>>;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    table = await startTable();
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await table.db.close();
  });

  async function setup(respond: Parameters<typeof startReceiver>[0], extra: Record<string, unknown> = {}) {
    const rx = await startReceiver(respond);
    receivers.push(rx);
    const config = await makeConfig(
      {
        channels: [{ id: 'team-slack', type: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' }],
        subscriptions: [{ topics: ['china-russia'], channel: 'team-slack', mode: 'realtime' }],
        ...extra,
      },
      [rx.hostPort],
    );
    const rec = recordingSleep();
    const http = httpFor(config);
    const alerter = createAlerter({
      config,
      table: table.store.table,
      items: table.store,
      http,
      env: { SLACK_WEBHOOK_URL: rx.url },
      sleep: rec.sleep,
    });
    return { rx, alerter, waits: rec.waits, http };
  }

  it('honours 429 Retry-After once, then delivers exactly one Block Kit message', async () => {
    const { rx, alerter, waits } = await setup((i, _req, res) => {
      if (i === 0) {
        res.writeHead(429, { 'retry-after': '7' }).end('rate_limited');
      } else res.end('ok');
    });
    const title = 'Xi and Putin sign pipeline deal';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/a/1',
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 1.5, title, ['Xi', 'Putin'])],
    });
    const [job] = alerter.planAlerts(item, newTopics);
    const res = await alerter.deliver(job!);
    expect(res).toMatchObject({ sent: 1, failed: 0, suppressed: 0, deferred: 0 });
    expect(rx.requests).toHaveLength(2);
    expect(waits).toEqual([7000]);
    const a = JSON.parse(rx.requests[0]!.body.toString('utf8'));
    const b = JSON.parse(rx.requests[1]!.body.toString('utf8'));
    expect(b).toEqual(a); // the retry is the same message, so exactly one message arrives
    expect(rx.requests[1]!.headers['content-type']).toMatch(/^application\/json/);
    const text = JSON.stringify(b.blocks);
    expect(text).toContain('<https://news.example/a/1|Xi and Putin sign pipeline deal>');
    expect(text).toContain('*Xi*');
    expect(text).toContain('*Putin*');
    expect(text).toContain('China–Russia relations');
    expect(text).toContain('score 1.50');
    expect(text).toContain('Example Wire');

    const [record] = await alerter.listAlerts({ status: 'sent' });
    expect(record).toMatchObject({ status: 'sent', attempts: 2, via: 'realtime', channelId: 'team-slack' });
  });

  it('parks at once (retryable) when Retry-After exceeds maxRetryAfterMs', async () => {
    const { rx, alerter, waits } = await setup(
      (_i, _req, res) => res.writeHead(429, { 'retry-after': '120' }).end('rate_limited'),
      {
        subscriptions: [{ id: 'long-429', topics: ['china-russia'], channel: 'team-slack' }],
      },
    );
    const title = 'Putin and Xi, long wait';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/a/long-429',
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, ['Putin'])],
    });
    const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
    expect(res.failures).toEqual([expect.objectContaining({ code: 'rate_limited', retryable: true })]);
    expect(rx.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('renders a hostile feed title as inert text', async () => {
    const { rx, alerter } = await setup(undefined);
    const title = 'Russia and China <!channel> <@U123|x> <https://evil.example|click> & more';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/a/hostile',
      title,
      siteName: '<!here> Outlet',
      topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, ['Russia', 'China'])],
    });
    const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
    expect(res.sent).toBe(1);
    const msg = JSON.parse(rx.requests[0]!.body.toString('utf8')) as { text: string; blocks: unknown[] };
    const all = msg.text + JSON.stringify(msg.blocks);
    // Slack control sequences only exist between raw < and >; the only raw link is ours.
    const raw = [...all.matchAll(/<([^<>]*)>/g)].map((m) => m[1]);
    expect(raw).toEqual([
      'https://news.example/a/hostile|Russia and China &lt;!channel&gt; &lt;@U123¦x&gt; &lt;https://evil.example¦click&gt; &amp; more',
    ]);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;@U123|x&gt;'); // in the evidence quote, outside any link
    expect(all).toContain('&lt;!here&gt; Outlet');
    expect(all).not.toMatch(/<!|<@/);
  });

  it('backs off on 5xx, parks after maxAttempts, and alerts retry re-drives it', async () => {
    let healthy = false;
    const { rx, alerter, waits } = await setup(
      (_i, _req, res) => {
        if (healthy) res.end('ok');
        else res.writeHead(503).end('upstream down');
      },
      { alerts: { maxAttempts: 3, backoffBaseMs: 100 } },
    );
    const title = 'Moscow hosts Beijing delegation';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/a/503',
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, ['Moscow', 'Beijing'])],
    });
    const job = alerter.planAlerts(item, newTopics)[0]!;
    const res = await alerter.deliver(job);
    expect(res).toMatchObject({ sent: 0, failed: 1 });
    expect(res.failures).toEqual([
      { key: `${item.id}#china-russia#team-slack:china-russia:realtime`, code: 'channel_unavailable', retryable: true },
    ]);
    expect(rx.requests).toHaveLength(3);
    expect(waits).toEqual([100, 200]);
    const [parked] = await alerter.listAlerts({ status: 'failed' });
    expect(parked).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastErrorCode: 'channel_unavailable',
      retryable: true,
    });
    expect(parked!.lastError).toContain('HTTP 503');

    // A redelivered job finds the record and sends nothing, even while parked.
    expect(await alerter.deliver(job)).toMatchObject({ sent: 0, failed: 0 });
    expect(rx.requests).toHaveLength(3);

    healthy = true;
    // (Parked alerts of other tests' subscriptions, unknown to this config, stay parked and count as failed.)
    expect((await alerter.retryParked()).sent).toBe(1);
    expect(rx.requests).toHaveLength(4);
    const [sent] = await alerter.listAlerts({ status: 'sent' });
    expect(sent).toMatchObject({ key: parked!.key, status: 'sent', attempts: 4, via: 'retry' });
    expect((await alerter.retryParked()).sent).toBe(0);
    expect(rx.requests).toHaveLength(4);
  });

  it('parks without retrying when the receiver rejects (4xx) or the env var is unset', async () => {
    const { rx, alerter } = await setup((_i, _req, res) => res.writeHead(404).end('no_service'));
    const title = 'Kremlin and Beijing statement';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/a/404',
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, ['Kremlin'])],
    });
    const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
    expect(res.failed).toBe(1);
    expect(res.failures[0]).toMatchObject({ code: 'channel_rejected', retryable: false });
    expect(rx.requests).toHaveLength(1);

    const config = await makeConfig(
      {
        channels: [{ id: 'team-slack', type: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' }],
        subscriptions: [{ id: 'noenv', topics: ['china-russia'], channel: 'team-slack' }],
      },
      [rx.hostPort],
    );
    const noEnv = createAlerter({
      config,
      table: table.store.table,
      items: table.store,
      http: httpFor(config),
      env: {},
    });
    const r2 = await noEnv.deliver(noEnv.planAlerts(item, newTopics)[0]!);
    expect(r2.failures[0]).toMatchObject({ code: 'channel_misconfigured', retryable: false });
    expect(rx.requests).toHaveLength(1);
  });

  it('cannot reach a loopback receiver that is not in http.allowHosts', async () => {
    const rx = await startReceiver();
    receivers.push(rx);
    const config = await makeConfig({
      channels: [{ id: 'team-slack', type: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' }],
      subscriptions: [{ id: 'blocked', topics: ['china-russia'], channel: 'team-slack' }],
    });
    const alerter = createAlerter({
      config,
      table: table.store.table,
      items: table.store,
      http: httpFor(config),
      env: { SLACK_WEBHOOK_URL: rx.url },
      sleep: recordingSleep().sleep,
    });
    const title = 'Putin meets Xi';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/a/blocked',
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, ['Putin', 'Xi'])],
    });
    const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
    expect(res.failed).toBe(1);
    expect(res.failures[0]!.retryable).toBe(false);
    expect(rx.requests).toHaveLength(0);
    const rec = (await alerter.listAlerts({ status: 'failed' })).find((r) => r.subscriptionId === 'blocked');
    expect(rec?.lastError).toMatch(/blocked_address/);
  });

  it('resolves a webhook URL held in Secrets Manager when the env var names its ARN', async () => {
    const rx = await startReceiver();
    receivers.push(rx);
    const secrets = new SecretsManagerClient({ region: 'eu-west-1' });
    const smMock = mockClient(secrets);
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-url-AbCdEf';
    smMock.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: rx.url });
    try {
      const config = await makeConfig(
        {
          channels: [{ id: 'team-slack', type: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' }],
          subscriptions: [{ id: 'sm', topics: ['china-russia'], channel: 'team-slack' }],
        },
        [rx.hostPort],
      );
      const alerter = createAlerter({
        config,
        table: table.store.table,
        items: table.store,
        http: httpFor(config),
        env: { SLACK_WEBHOOK_URL: arn },
        secrets,
      });
      for (const n of [1, 2]) {
        const title = `Xi and Putin, secret ${n}`;
        const { item, newTopics } = await saveArticle(table.store, {
          url: `https://news.example/a/secret-${n}`,
          title,
          topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, ['Xi'])],
        });
        expect((await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!)).sent).toBe(1);
      }
      expect(rx.requests).toHaveLength(2);
      expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(1); // cached
    } finally {
      smMock.restore();
    }
  });
});
