/**
 * Alert fan-out benchmark (not a vitest file). Run: `npx tsx test/alerts/bench.ts`
 *
 * Everything runs in one process against an in-memory dynalite, and every figure is a ratio against a baseline
 * measured in the same run:
 * - store baseline: one bare conditional PutItem of an alert-sized record. This is the least store work one alert
 *   needs. `deliver` is compared with it for a new alert (1 and 5 subscriptions) and for a redelivered one (dedupe).
 * - render baseline: `JSON.stringify` of the alert content. The Slack, email and webhook renderers are compared
 *   with it.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { performance } from 'node:perf_hooks';
import { createAlerter } from '../shared/alerts/index.ts';
import { emailAlert, jsonPayload, slackAlert } from '../shared/alerts/render.ts';
import type { AlertContent } from '../shared/alerts/types.ts';
import type { AlertJob } from '../shared/types.ts';
import { httpFor, makeConfig, saveArticle, startTable, topicMatch } from '../test/alerts/helpers.ts';

const N = Number(process.env.BENCH_N ?? 300);

async function time(label: string, n: number, fn: (i: number) => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const per = (performance.now() - t0) / n;
  console.error(`${label.padEnd(44)} ${per.toFixed(3)} ms/op`);
  return per;
}

const table = await startTable();
try {
  const subs = (k: number) =>
    Array.from({ length: k }, (_, i) => ({ id: `s${i}`, topics: ['china-russia'], channel: 'console' }));
  const one = createAlerter({
    config: await makeConfig({ subscriptions: subs(1) }),
    table: table.store.table,
    items: table.store,
    http: httpFor(await makeConfig({})),
    consoleWrite: () => {},
  });
  const five = createAlerter({
    config: await makeConfig({ subscriptions: subs(5) }),
    table: table.store.table,
    items: table.store,
    http: httpFor(await makeConfig({})),
    consoleWrite: () => {},
  });

  const jobsA: AlertJob[] = [];
  const jobsB: AlertJob[] = [];
  for (let i = 0; i < 2 * N; i++) {
    const title = `Xi and Putin meet in Moscow to sign pact number ${i}`;
    const { item, newTopics } = await saveArticle(table.store, {
      url: `https://news.example/bench/${i}`,
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 1.5, title, ['Xi', 'Putin', 'Moscow'])],
    });
    (i < N ? jobsA : jobsB).push(...one.planAlerts(item, newTopics));
  }
  const doc = JSON.stringify({ content: 'x'.repeat(900) });

  // Warm-up (JIT, connection pool).
  for (let i = 0; i < 20; i++) {
    await table.db.client.send(
      new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: `WARM#${i}` }, sk: { S: 'x' } } }),
    );
  }

  const base = await time('baseline: conditional PutItem', N, async (i) => {
    await table.db.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          pk: { S: `BENCH#${i}` },
          sk: { S: 'SUB#s0' },
          gsi2pk: { S: 'BENCHX' },
          gsi2sk: { S: String(i) },
          doc: { S: doc },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  });
  const d1 = await time('deliver, new alert, 1 subscription', N, async (i) => void (await one.deliver(jobsA[i]!)));
  const dup = await time('deliver, redelivered (dedupe)', N, async (i) => void (await one.deliver(jobsA[i]!)));
  const d5 = await time('deliver, new alert, 5 subscriptions', N, async (i) => void (await five.deliver(jobsB[i]!)));

  const content: AlertContent = {
    itemId: 'i_0',
    storyId: 'i_0',
    url: 'https://news.example/a?x=1&y=2',
    title: 'Xi <b>and</b> Putin & co meet in Moscow',
    outlet: 'Example Wire',
    publishedAt: '2026-11-29T09:05:00.000Z',
    topicId: 'china-russia',
    topicName: 'China–Russia relations',
    score: 1.5,
    evidence: {
      clause: 'SENTENCE(@china, @russia)',
      text: 'Xi met Putin in Moscow on Tuesday, officials said.',
      terms: [
        { start: 0, end: 2 },
        { start: 7, end: 12 },
      ],
    },
  };
  const R = 20_000;
  const rBase = await time('baseline: JSON.stringify(content)', R, () => void JSON.stringify(content));
  const rSlack = await time('render Slack Block Kit', R, () => void JSON.stringify(slackAlert(content)));
  const rMail = await time('render email (HTML + text)', R, () => void emailAlert(content));
  const rHook = await time(
    'render webhook JSON',
    R,
    () => void JSON.stringify(jsonPayload('alert', 'k', 's', 't', [content])),
  );

  const ratios = {
    n: N,
    storeBaselineMs: Number(base.toFixed(3)),
    deliverNew1SubVsPut: Number((d1 / base).toFixed(2)),
    deliverDedupeVsPut: Number((dup / base).toFixed(2)),
    deliverNew5SubsVsPut: Number((d5 / base).toFixed(2)),
    renderBaselineUs: Number((rBase * 1000).toFixed(2)),
    slackVsStringify: Number((rSlack / rBase).toFixed(2)),
    emailVsStringify: Number((rMail / rBase).toFixed(2)),
    webhookVsStringify: Number((rHook / rBase).toFixed(2)),
  };
  console.log(JSON.stringify(ratios));
} finally {
  await table.db.close();
}
