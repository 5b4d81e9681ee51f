import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlerter, digestKey } from '../../shared/alerts/alerter.ts';
import type { Alerter } from '../../shared/alerts/index.ts';
import type { Config } from '../../shared/config/load.ts';
import { httpFor, makeConfig, saveArticle, startReceiver, startTable, topicMatch, type Receiver } from './helpers.ts';

/*
 * The alert outbox and the flood guard, on real dynalite with a real webhook receiver: an alert whose queue
 * message was lost (a crash between storing the item and queueing its alert) is delivered by the sweep, exactly
 * once; a subscription without a budget of its own gets the default one.
 */

let table: Awaited<ReturnType<typeof startTable>>;
let receiver: Receiver;
beforeAll(async () => {
  table = await startTable();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await table.db.close();
});

async function alerterFor(doc: Record<string, unknown>): Promise<{ alerter: Alerter; config: Config }> {
  const config = await makeConfig(
    {
      channels: [{ id: 'hook', type: 'webhook', url: receiver.url, secretEnv: 'HOOK_SECRET' }],
      ...doc,
    },
    [receiver.hostPort],
  );
  const alerter = createAlerter({
    config,
    table: table.store.table,
    items: table.store,
    http: httpFor(config),
    env: { HOOK_SECRET: 's3cret' },
    sleep: async () => {},
  });
  return { alerter, config };
}

const cr = (title: string) => [topicMatch('china-russia', 'China–Russia relations', 2, title, ['Xi', 'Putin'])];

describe('alert outbox', () => {
  it('the sweep delivers an intent whose queue message was lost, once, and removes it', async () => {
    const { alerter } = await alerterFor({
      subscriptions: [{ id: 'desk', topics: ['china-russia'], channel: 'hook' }],
    });
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://wire.example/xi-putin-outbox',
      title: 'Xi and Putin meet in Moscow',
      topics: cr('Xi and Putin meet in Moscow'),
    });
    const jobs = alerter.planAlerts(item, newTopics);
    await alerter.recordIntents(jobs, item);
    // The queue message is gone (crash). A sweep with the normal grace period leaves the young intent alone…
    expect((await alerter.sweepOutbox()).intents).toBe(0);
    const before = receiver.requests.length;
    // …and one that treats every intent as orphaned delivers it.
    expect(await alerter.sweepOutbox({ olderThanMs: 0 })).toMatchObject({ intents: 1, sent: 1 });
    expect(receiver.requests.length - before).toBe(1);
    const body = JSON.parse(receiver.requests.at(-1)!.body.toString('utf8'));
    expect(body.id).toBe(`${item.storyId}#china-russia#desk`);
    // Delivered and removed: a second sweep finds nothing, and the queue message arriving late sends nothing.
    expect((await alerter.sweepOutbox({ olderThanMs: 0 })).intents).toBe(0);
    expect((await alerter.deliver(jobs[0]!)).sent).toBe(0);
    expect(receiver.requests.length - before).toBe(1);
  });

  it('an intent whose delivery finished is removed by completeIntent and never swept', async () => {
    const { alerter } = await alerterFor({
      subscriptions: [{ id: 'desk2', topics: ['china-russia'], channel: 'hook' }],
    });
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://wire.example/xi-putin-complete',
      title: 'Xi and Putin sign a pact',
      topics: cr('Xi and Putin sign a pact'),
    });
    const [job] = alerter.planAlerts(item, newTopics);
    await alerter.recordIntents([job!], item);
    expect((await alerter.deliver(job!)).sent).toBe(1);
    await alerter.completeIntent(job!);
    expect((await alerter.sweepOutbox({ olderThanMs: 0 })).intents).toBe(0);
  });
});

describe('flood guard', () => {
  it('a subscription without a budget gets alerts.budgetPerHour; the rest is deferred to the digest', async () => {
    const { alerter } = await alerterFor({
      alerts: { budgetPerHour: 3 },
      subscriptions: [{ id: 'flood', topics: ['china-russia'], channel: 'hook' }],
    });
    let sent = 0;
    let deferred = 0;
    for (let i = 0; i < 5; i++) {
      const title = `Xi and Putin item ${i}`;
      const { item, newTopics } = await saveArticle(table.store, {
        url: `https://wire.example/flood/${i}`,
        title,
        topics: cr(title),
      });
      const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
      sent += res.sent;
      deferred += res.deferred;
    }
    expect({ sent, deferred }).toEqual({ sent: 3, deferred: 2 });
  });

  it('budgetPerHour: 0 on a subscription means no budget', async () => {
    const { alerter } = await alerterFor({
      alerts: { budgetPerHour: 1 },
      subscriptions: [{ id: 'unlimited', topics: ['china-russia'], channel: 'hook', budgetPerHour: 0 }],
    });
    let sent = 0;
    for (let i = 0; i < 3; i++) {
      const title = `Xi and Putin unlimited ${i}`;
      const { item, newTopics } = await saveArticle(table.store, {
        url: `https://wire.example/unlimited/${i}`,
        title,
        topics: cr(title),
      });
      sent += (await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!)).sent;
    }
    expect(sent).toBe(3);
  });

  it('the default budget is 30 per hour', async () => {
    const { config } = await alerterFor({ subscriptions: [] });
    expect(config.alerts.budgetPerHour).toBe(30);
  });
});

describe('idempotency keys', () => {
  it('a digest carries the same key whatever the order of its alerts', () => {
    expect(digestKey('s', ['b#t#s', 'a#t#s'])).toBe(digestKey('s', ['a#t#s', 'b#t#s']));
    expect(digestKey('s', ['a#t#s'])).not.toBe(digestKey('s', ['a#t#s', 'b#t#s']));
    expect(digestKey('s', ['a#t#s'])).toMatch(/^digest:s:[0-9a-f]{24}$/);
  });
});
