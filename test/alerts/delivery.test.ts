import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertError, createAlerter, type AlertRecord } from '../../shared/alerts/index.ts';
import { AlertRepo } from '../../shared/alerts/records.ts';
import type { Config } from '../../shared/config/load.ts';
import {
  httpFor,
  lines,
  makeConfig,
  recordingSleep,
  saveArticle,
  startReceiver,
  startTable,
  topicMatch,
  type Receiver,
} from './helpers.ts';

const T0 = new Date('2026-11-29T10:15:00.000Z');
const HOUR = 3600_000;

describe('delivery records, budgets, digests, suppression', () => {
  let table: Awaited<ReturnType<typeof startTable>>;
  let hook: Receiver;
  let urlN = 0;

  beforeAll(async () => {
    table = await startTable();
    hook = await startReceiver((_i, _r, res) => res.writeHead(204).end());
  });
  afterAll(async () => {
    await hook.close();
    await table.db.close();
  });

  /** A fresh, uniquely named article about China–Russia, saved through the real Store. */
  async function article(opts: { publishedAt?: string; feedId?: string; url?: string; score?: number } = {}) {
    const title = `Putin and Xi meet, round ${++urlN}`;
    return saveArticle(table.store, {
      url: opts.url ?? `https://news.example/d/${urlN}`,
      title,
      feedId: opts.feedId,
      publishedAt: opts.publishedAt ?? new Date(T0.getTime() - HOUR).toISOString(),
      topics: [topicMatch('china-russia', 'China–Russia relations', opts.score ?? 1, title, ['Putin', 'Xi'])],
    });
  }

  function alerterFor(
    config: Config,
    opts: { now?: () => Date; write?: (l: string) => void; sns?: SNSClient; env?: NodeJS.ProcessEnv } = {},
  ) {
    return createAlerter({
      config,
      table: table.store.table,
      items: table.store,
      http: httpFor(config),
      now: opts.now ?? (() => T0),
      sleep: recordingSleep().sleep,
      consoleWrite: opts.write ?? (() => {}),
      sns: opts.sns,
      env: opts.env ?? { WEBHOOK_SECRET: 's3cret' },
    });
  }

  it("names the outlet by the configured feed name, else the page's site name", async () => {
    const out = lines();
    const config = await makeConfig({
      feeds: [{ id: 'ap-world', name: 'AP World desk', url: 'https://feeds.example.org/ap.xml' }],
      subscriptions: [{ id: 'outlet', topics: ['*'], channel: 'console' }],
    });
    const alerter = alerterFor(config, { write: out.write });
    const named = await article({ feedId: 'ap-world' });
    await alerter.deliver(alerter.planAlerts(named.item, named.newTopics)[0]!);
    const unnamed = await article({ feedId: 'f_unconfigured' });
    await alerter.deliver(alerter.planAlerts(unnamed.item, unnamed.newTopics)[0]!);
    const text = out.lines.join('\n');
    expect(text).toContain('AP World desk');
    expect(text).toContain('Example Wire');
  });

  it('processing the same batch twice sends each alert once (store dedupe + conditional alert record)', async () => {
    const out = lines();
    const config = await makeConfig({ subscriptions: [{ id: 'twice', topics: ['*'], channel: 'console' }] });
    const alerter = alerterFor(config, { write: out.write });
    const batch = [`https://news.example/batch/1`, `https://news.example/batch/2`, `https://news.example/batch/3`];
    const totals = { sent: 0, jobs: 0 };
    const allJobs = [];
    for (let round = 0; round < 2; round++) {
      for (const url of batch) {
        const title = `Moscow and Beijing ${url.slice(-1)}`;
        const { item, newTopics } = await saveArticle(table.store, {
          url,
          title,
          publishedAt: T0.toISOString(),
          topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, ['Moscow'])],
        });
        const jobs = alerter.planAlerts(item, newTopics);
        allJobs.push(...jobs);
        totals.jobs += jobs.length;
        for (const job of jobs) totals.sent += (await alerter.deliver(job)).sent;
      }
    }
    expect(totals).toEqual({ sent: 3, jobs: 3 });
    // Queue redelivery of the same jobs (at-least-once SQS) finds the records and sends nothing.
    for (const job of allJobs)
      expect(await alerter.deliver(job)).toMatchObject({ sent: 0, failed: 0, suppressed: 0, deferred: 0 });
    expect(out.lines).toHaveLength(3);
    // one write per alert: the alert line, then its evidence sentence
    expect(out.lines[0]!.split('\n')).toEqual([
      '[alert] china-russia 1.00 | Moscow and Beijing 1 | Example Wire | 2026-11-29 10:15 UTC | https://news.example/batch/1',
      '    > [Moscow] and Beijing 1',
    ]);
  });

  it('concurrent deliveries of the same job (two consumers) send it once', async () => {
    const out = lines();
    const config = await makeConfig({ subscriptions: [{ id: 'race', topics: ['china-russia'], channel: 'console' }] });
    const a1 = alerterFor(config, { write: out.write });
    const a2 = alerterFor(config, { write: out.write });
    const { item, newTopics } = await article();
    const [job] = a1.planAlerts(item, newTopics);
    const results = await Promise.all([a1.deliver(job!), a2.deliver(job!), a1.deliver(job!)]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect(out.lines).toHaveLength(1);
  });

  it('plans one job per distinct topic and marks re-tags', async () => {
    const config = await makeConfig({});
    const alerter = alerterFor(config);
    const { item } = await article();
    const t = item.topics[0]!;
    const other = { ...t, id: 'china-us', name: 'China–US relations' };
    expect(alerter.planAlerts(item, [t, other, t])).toEqual([
      { itemId: item.id, topicId: 'china-russia', storyId: item.storyId },
      { itemId: item.id, topicId: 'china-us', storyId: item.storyId },
    ]);
    expect(alerter.planAlerts(item, [t], { retag: true })).toEqual([
      { itemId: item.id, topicId: 'china-russia', storyId: item.storyId, retag: true },
    ]);
    expect(alerter.planAlerts(item, [])).toEqual([]);
  });

  it('one story, one alert: the same canonical article from two feeds, and a job of another item with the same storyId', async () => {
    const out = lines();
    const config = await makeConfig({ subscriptions: [{ id: 'story', topics: ['china-russia'], channel: 'console' }] });
    const alerter = alerterFor(config, { write: out.write });
    const a = await article({ feedId: 'f_one', url: 'https://news.example/story/1' });
    const b = await saveArticle(table.store, {
      url: 'https://news.example/story/1',
      title: a.item.title,
      feedId: 'f_two',
      publishedAt: a.item.publishedAt!,
      topics: a.item.topics,
    });
    const jobs = [...alerter.planAlerts(a.item, a.newTopics), ...alerter.planAlerts(b.item, b.newTopics)];
    let sent = 0;
    for (const j of jobs) sent += (await alerter.deliver(j)).sent;
    expect(sent).toBe(1);
    // Seam for wire copies: another item carrying the same story id is deduplicated on story × topic × subscription.
    const c = await article({ url: 'https://news.example/story/copy' });
    const [job] = alerter.planAlerts(c.item, c.newTopics);
    expect(await alerter.deliver({ ...job!, storyId: a.item.storyId })).toMatchObject({ sent: 0 });
    expect(out.lines).toHaveLength(1);
  });

  it('a budget of 2/hour with 5 matches sends 2 realtime and puts 3 in the next (hourly) digest', async () => {
    const config = await makeConfig(
      {
        channels: [{ id: 'hook', type: 'webhook', url: hook.url, secretEnv: 'WEBHOOK_SECRET' }],
        subscriptions: [
          { id: 'budget', topics: ['china-russia'], channel: 'hook', mode: 'realtime', budgetPerHour: 2 },
        ],
      },
      [hook.hostPort],
    );
    let now = T0;
    const alerter = alerterFor(config, { now: () => now });
    const before = hook.requests.length;
    const counts = { sent: 0, deferred: 0 };
    for (let i = 0; i < 5; i++) {
      const { item, newTopics } = await article();
      const r = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
      counts.sent += r.sent;
      counts.deferred += r.deferred;
    }
    expect(counts).toEqual({ sent: 2, deferred: 3 });
    expect(hook.requests.length - before).toBe(2);
    const deferred = (await alerter.listAlerts({ status: 'deferred' })).filter((r) => r.subscriptionId === 'budget');
    expect(deferred.map((r) => r.reason)).toEqual(['budget', 'budget', 'budget']);

    // Not yet: the next hourly digest is at 11:00.
    expect(await alerter.runDigests(new Date('2026-11-29T10:59:00Z'))).toMatchObject({ sent: 0, failed: 0 });
    now = new Date('2026-11-29T11:00:00Z');
    expect(await alerter.runDigests(now)).toMatchObject({ sent: 3, failed: 0 });
    expect(hook.requests.length - before).toBe(3);
    const digest = JSON.parse(hook.requests.at(-1)!.body.toString('utf8'));
    expect(digest.type).toBe('digest');
    expect(digest.alerts).toHaveLength(3);
    const sent = (await alerter.listAlerts({ status: 'sent', limit: 1000 })).filter(
      (r) => r.subscriptionId === 'budget',
    );
    expect(sent.map((r) => r.via).sort()).toEqual(['digest', 'digest', 'digest', 'realtime', 'realtime']);

    // A new hour brings a new budget.
    const { item, newTopics } = await article();
    expect((await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!)).sent).toBe(1);
  });

  it('a digest that cannot be delivered is parked, and retry re-drives it as one digest', async () => {
    let up = false;
    const flaky = await startReceiver((_i, _r, res) =>
      up ? res.writeHead(204).end() : res.writeHead(502).end('bad gateway'),
    );
    try {
      const config = await makeConfig(
        {
          channels: [{ id: 'flaky', type: 'webhook', url: flaky.url, secretEnv: 'WEBHOOK_SECRET' }],
          subscriptions: [
            { id: 'flaky-digest', topics: ['china-russia'], channel: 'flaky', mode: 'digest', schedule: 'hourly' },
          ],
          alerts: { maxAttempts: 2 },
        },
        [flaky.hostPort],
      );
      const alerter = alerterFor(config);
      for (let i = 0; i < 3; i++) {
        const { item, newTopics } = await article();
        expect((await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!)).deferred).toBe(1);
      }
      expect(await alerter.runDigests(new Date('2026-11-29T11:00:00Z'))).toMatchObject({ sent: 0, failed: 3 });
      expect(flaky.requests).toHaveLength(2); // one digest message, tried twice
      up = true;
      const res = await alerter.retryParked();
      expect(res.sent).toBe(3);
      expect(flaky.requests).toHaveLength(3);
      const body = JSON.parse(flaky.requests[2]!.body.toString('utf8'));
      expect(body).toMatchObject({ type: 'digest', subscription: 'flaky-digest' });
      expect(body.alerts).toHaveLength(3);
    } finally {
      await flaky.close();
    }
  });

  it('daily digests follow the wall clock of their time zone', async () => {
    const out = lines();
    const config = await makeConfig({
      subscriptions: [
        {
          id: 'berlin',
          topics: ['china-russia'],
          channel: 'console',
          mode: 'digest',
          schedule: 'daily 08:00 Europe/Berlin',
        },
      ],
    });
    const alerter = alerterFor(config, { write: out.write });
    for (let i = 0; i < 2; i++) {
      const { item, newTopics } = await article();
      expect(await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!)).toMatchObject({ deferred: 1, sent: 0 });
    }
    // 08:00 in Berlin on 30 Nov (CET, UTC+1) is 07:00 UTC.
    expect(await alerter.runDigests(new Date('2026-11-30T06:59:59Z'))).toMatchObject({ sent: 0, failed: 0 });
    expect(out.lines).toHaveLength(0);
    expect(await alerter.runDigests(new Date('2026-11-30T07:00:00Z'))).toMatchObject({ sent: 2, failed: 0 });
    expect(out.lines).toHaveLength(2);
    expect(out.lines[0]).toMatch(/^\[alert digest\] china-russia/);
  });

  it('old items and re-tags are stored but never alerted, and are counted as suppressed', async () => {
    const out = lines();
    const config = await makeConfig({ subscriptions: [{ id: 'old', topics: ['*'], channel: 'console' }] });
    const alerter = alerterFor(config, { write: out.write });
    const old = await article({ publishedAt: new Date(T0.getTime() - 49 * HOUR).toISOString() });
    expect(await alerter.deliver(alerter.planAlerts(old.item, old.newTopics)[0]!)).toMatchObject({
      suppressed: 1,
      sent: 0,
    });
    const recent = await article();
    const [retag] = alerter.planAlerts(recent.item, recent.newTopics, { retag: true });
    expect(retag!.retag).toBe(true);
    expect(await alerter.deliver(retag!)).toMatchObject({ suppressed: 1, sent: 0 });
    expect(out.lines).toHaveLength(0);
    const recs = (await alerter.listAlerts({ status: 'suppressed' })).filter((r) => r.subscriptionId === 'old');
    expect(recs.map((r) => r.reason).sort()).toEqual(['retag', 'too_old']);

    // maxItemAgeHours: 0 means no limit.
    const noLimit = await makeConfig({
      subscriptions: [{ id: 'nolimit', topics: ['*'], channel: 'console' }],
      alerts: { maxItemAgeHours: 0 },
    });
    const a2 = alerterFor(noLimit, { write: out.write });
    expect(await a2.deliver(a2.planAlerts(old.item, old.newTopics)[0]!)).toMatchObject({ sent: 1 });
  });

  it('matches subscriptions by topic and minScore; a failing channel never blocks the others', async () => {
    const down = await startReceiver((_i, _r, res) => res.writeHead(500).end('boom'));
    try {
      const out = lines();
      const config = await makeConfig(
        {
          channels: [{ id: 'broken', type: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' }],
          subscriptions: [
            { id: 'm-broken', topics: ['china-russia'], channel: 'broken' },
            { id: 'm-console', topics: ['china-russia'], channel: 'console' },
            { id: 'm-high', topics: ['china-russia'], channel: 'console', minScore: 5 },
            { id: 'm-other', topics: ['china-us'], channel: 'console' },
          ],
          alerts: { maxAttempts: 2 },
        },
        [down.hostPort],
      );
      const alerter = alerterFor(config, { write: out.write, env: { SLACK_WEBHOOK_URL: down.url } });
      const { item, newTopics } = await article({ score: 1.5 });
      const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
      expect(res).toMatchObject({ sent: 1, failed: 1, suppressed: 0, deferred: 0 });
      expect(res.failures).toEqual([
        { key: `${item.id}#china-russia#m-broken`, code: 'channel_unavailable', retryable: true },
      ]);
      expect(down.requests).toHaveLength(2);
      expect(out.lines).toHaveLength(1);
    } finally {
      await down.close();
    }
  });

  it('publishes to SNS with a topic message attribute for filter policies', async () => {
    const sns = new SNSClient({ region: 'eu-west-1' });
    const snsMock = mockClient(sns);
    snsMock.on(PublishCommand).resolves({ MessageId: 'x' });
    try {
      const config = await makeConfig({
        channels: [{ id: 'aws', type: 'sns' }],
        subscriptions: [{ id: 'sns', topics: ['china-russia'], channel: 'aws' }],
      });
      const alerter = alerterFor(config, {
        sns,
        env: { WIREWATCH_ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts' },
      });
      const { item, newTopics } = await article();
      expect((await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!)).sent).toBe(1);
      const [call] = snsMock.commandCalls(PublishCommand);
      const input = call!.args[0].input;
      expect(input.TopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:alerts');
      expect(input.MessageAttributes?.topic).toEqual({ DataType: 'String', StringValue: 'china-russia' });
      expect(input.MessageAttributes?.idempotencyKey).toEqual({
        DataType: 'String',
        StringValue: `${item.storyId}#china-russia#sns`,
      });
      expect(input.Subject).toMatch(/^\[wirewatch\] China\?Russia relations: Putin and Xi meet/);
      expect(JSON.parse(input.Message!)).toMatchObject({
        type: 'alert',
        alerts: [{ itemId: item.id, topic: { id: 'china-russia' } }],
      });

      // Throttling is retryable: retried within the call, then parked as retryable (→ DLQ in AWS).
      snsMock
        .on(PublishCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' }));
      const next = await article();
      const res = await alerter.deliver(alerter.planAlerts(next.item, next.newTopics)[0]!);
      expect(res.failures[0]).toMatchObject({ code: 'rate_limited', retryable: true });
    } finally {
      snsMock.restore();
    }
  });

  it('re-drives a pending record orphaned by a crash, once it is stale', async () => {
    const out = lines();
    const config = await makeConfig({ subscriptions: [{ id: 'crash', topics: ['china-russia'], channel: 'console' }] });
    let now = T0;
    const alerter = alerterFor(config, { write: out.write, now: () => now });
    const { item } = await article();
    const repo = new AlertRepo(table.store.table);
    const orphan: AlertRecord = {
      key: `${item.storyId}#china-russia#crash`,
      itemId: item.id,
      storyId: item.storyId,
      topicId: 'china-russia',
      subscriptionId: 'crash',
      channelId: 'console',
      channelType: 'console',
      mode: 'realtime',
      status: 'pending',
      reason: null,
      attempts: 0,
      lastError: null,
      lastErrorCode: null,
      retryable: null,
      via: null,
      createdAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
      sentAt: null,
      content: {
        itemId: item.id,
        storyId: item.storyId,
        url: item.url,
        title: item.title,
        outlet: 'Example Wire',
        publishedAt: item.publishedAt,
        topicId: 'china-russia',
        topicName: 'China–Russia relations',
        score: 1,
        evidence: null,
      },
    };
    expect(await repo.claim(orphan, item.expiresAt)).toBe(true);
    // Parked alerts of subscriptions this config no longer has (earlier tests) stay parked and count as failed.
    const first = await alerter.retryParked();
    expect(first.sent).toBe(0);
    expect(out.lines).toHaveLength(0);
    now = new Date(T0.getTime() + 11 * 60_000);
    expect(await alerter.retryParked()).toEqual({ sent: 1, failed: first.failed });
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^\[alert retry\] china-russia/);
  });

  it('lists alerts newest first, filters by status, and rejects unknown statuses', async () => {
    const config = await makeConfig({ subscriptions: [{ id: 'list', topics: ['china-russia'], channel: 'console' }] });
    const alerter = alerterFor(config);
    const all = await alerter.listAlerts({ limit: 1000 });
    expect(all.length).toBeGreaterThan(10);
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.updatedAt >= all[i]!.updatedAt).toBe(true);
    expect(await alerter.listAlerts({ limit: 2 })).toHaveLength(2);
    const failed = await alerter.listAlerts({ status: 'failed' });
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((r) => r.status === 'failed')).toBe(true);
    await expect(alerter.listAlerts({ status: 'lost' })).rejects.toMatchObject({ code: 'bad_status' });
  });

  it('a job whose item is missing is a retryable item_not_found error, not a silent drop', async () => {
    const config = await makeConfig({});
    const alerter = alerterFor(config);
    const job = {
      itemId: 'i_000000000000000000000000',
      topicId: 'china-russia',
      storyId: 'i_000000000000000000000000',
    };
    const err = await alerter.deliver(job).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlertError);
    expect(err).toMatchObject({ code: 'item_not_found', retryable: true });
  });
});
