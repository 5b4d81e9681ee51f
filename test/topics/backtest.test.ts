import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, itemIdFor } from '../../shared/store/index.ts';
import { backtestTopic, compileTopics } from '../../shared/topics/index.ts';
import type { TopicMatch } from '../../shared/types.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { itemInput } from '../store/factories.ts';

/* backtestTopic over the real Store (dynalite): gained, lost, score changes, and what --apply writes. */

const aliases = { china: ['China', 'Chinese', 'Beijing'], russia: ['Russia', 'Russian', 'Moscow'] };
const oldRule = compileTopics([{ id: 'cr', name: 'CR', rule: 'SENTENCE(@china, @russia)' }], aliases);

const other: TopicMatch = {
  id: 'other',
  name: 'Other',
  score: 9,
  evidence: [{ clause: 'x', field: 'lead', text: 'x', start: 0, end: 1, terms: [] }],
};

let dyn: EmbeddedStore;
let store: Store;

const docs = {
  talks: {
    url: 'https://n.example/talks',
    title: 'Talks',
    text: 'Beijing and Moscow held talks on trade. Trade with Russia grew, China said.',
  },
  chess: { url: 'https://n.example/chess', title: 'Chess', text: 'A Chinese player beat a Russian player.' },
  split: { url: 'https://n.example/split', title: 'Split', text: 'Beijing signed a trade pact. Moscow welcomed it.' },
};

beforeAll(async () => {
  dyn = await startTestDynamo();
  store = new Store({ client: dyn.client, tableName: 'wirewatch', retentionDays: 90 });
  await store.ensureTable();
  for (const d of Object.values(docs)) {
    const topics = [...oldRule.classify({ title: d.title, text: d.text }), other];
    await store.saveItem(itemInput(d.url, { title: d.title, text: d.text, topics }));
  }
});

afterAll(async () => {
  await dyn?.close();
});

describe('backtestTopic', () => {
  const newRule = compileTopics(
    [
      {
        id: 'cr',
        name: 'CR',
        rule: '@china AND @russia AND trade',
        signals: [{ rule: 'SENTENCE(@china, @russia)', weight: 1, each: true }],
      },
    ],
    aliases,
  );

  it('reports gained and lost items against the stored tags, writing nothing in a dry run', async () => {
    const r = await backtestTopic(store, newRule, 'cr');
    expect(r).toMatchObject({
      topic: 'cr',
      scanned: 3,
      matchedBefore: 2,
      matchedAfter: 2,
      retagged: 0,
      applied: false,
    });
    expect(r.gained.map((g) => g.id)).toEqual([itemIdFor(docs.split.url)]);
    expect(r.gained[0]).toMatchObject({ score: 1, previousScore: null, evidence: 'Beijing signed a trade pact.' });
    expect(r.lost).toEqual([
      { id: itemIdFor(docs.chess.url), title: 'Chess', score: null, previousScore: 1, evidence: null },
    ]);
    expect((await store.getItem(itemIdFor(docs.split.url)))!.topics.map((t) => t.id)).toEqual(['other']);
  });

  it('with apply re-tags gained, lost and re-scored items and keeps their other topics', async () => {
    const r = await backtestTopic(store, newRule, 'cr', { apply: true });
    // talks: score 1 → 3 (two co-occurrence sentences); split gained; chess lost
    expect(r.retagged).toBe(3);
    const talks = (await store.getItem(itemIdFor(docs.talks.url)))!.topics;
    expect(talks.map((t) => [t.id, t.score])).toEqual([
      ['other', 9],
      ['cr', 3],
    ]);
    expect((await store.getItem(itemIdFor(docs.split.url)))!.topics.map((t) => t.id).sort()).toEqual(['cr', 'other']);
    expect((await store.getItem(itemIdFor(docs.chess.url)))!.topics.map((t) => t.id)).toEqual(['other']);
    // the re-tagged items are now consistent with the rule: nothing left to change
    const again = await backtestTopic(store, newRule, 'cr', { apply: true });
    expect(again).toMatchObject({ gained: [], lost: [], retagged: 0, matchedBefore: 2, matchedAfter: 2 });
  });
});
