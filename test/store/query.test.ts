import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDynamo } from '../helpers/dynalite.ts';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { Store, itemIdFor, type ItemQuery } from '../../shared/store/index.ts';
import { itemInput, topic } from './factories.ts';

/*
 * Topic/feed/time/title queries over 60 items return exactly the matching items, newest first (sort time =
 * publishedAt, else firstSeenAt; ties by id, descending), with no gaps or repeats across pages.
 */

interface Spec {
  url: string;
  title: string;
  publishedAt: string | null;
  seenAt: string;
  feedId: string;
  topics: string[];
}

let dynamo: EmbeddedStore;
let store: Store;
const specs: Spec[] = [];

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = new Store({ client: dynamo.client, tableName: 'query-test', retentionDays: 90 });
  await store.ensureTable();
  const base = Date.parse('2026-11-01T00:00:00.000Z');
  for (let i = 0; i < 60; i++) {
    // Every 5th item shares its publishedAt with the previous one (ties); every 7th has none (firstSeenAt sorts).
    const hour = i % 5 === 4 ? i - 1 : i;
    const spec: Spec = {
      url: `https://news.example/story/${i}`,
      title: i % 4 === 0 ? `Kremlin and Beijing talks, part ${i}` : `Weather report ${i}`,
      publishedAt: i % 7 === 3 ? null : new Date(base + hour * 3_600_000).toISOString(),
      seenAt: new Date(base + (i * 3_600_000 + 1_800_000)).toISOString(),
      feedId: i % 3 === 0 ? 'feed-x' : 'feed-y',
      topics: [...(i % 2 === 0 ? ['china-russia'] : []), ...(i % 3 === 1 ? ['energy'] : [])],
    };
    specs.push(spec);
  }
  for (const s of specs) {
    await store.saveItem(
      itemInput(s.url, {
        title: s.title,
        publishedAt: s.publishedAt,
        seenAt: s.seenAt,
        feedId: s.feedId,
        topics: s.topics.map((t) => topic(t)),
      }),
    );
  }
});
afterAll(async () => {
  await dynamo?.close();
});

/** What the query must return, computed from the specs alone. */
function expected(q: Omit<ItemQuery, 'limit'>): string[] {
  return specs
    .map((s) => ({ ...s, id: itemIdFor(s.url), sortAt: s.publishedAt ?? s.seenAt }))
    .filter((s) => (q.topic ? s.topics.includes(q.topic) : true))
    .filter((s) => (q.feed ? s.feedId === q.feed : true))
    .filter((s) => (q.since ? s.sortAt >= q.since : true))
    .filter((s) => (q.until ? s.sortAt <= q.until : true))
    .filter((s) => (q.q ? s.title.toLowerCase().includes(q.q.toLowerCase()) : true))
    .sort((a, b) => (a.sortAt === b.sortAt ? (a.id < b.id ? 1 : -1) : a.sortAt < b.sortAt ? 1 : -1))
    .map((s) => s.id);
}

async function allPages(
  q: Omit<ItemQuery, 'limit' | 'after'>,
  limit: number,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: Record<string, unknown> | null = null;
  let pages = 0;
  do {
    const page = await store.queryItems({ ...q, limit, after });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((i) => i.id));
    after = page.last;
    pages++;
    if (pages > 100) throw new Error('pagination does not end');
  } while (after);
  return { ids, pages };
}

describe('queryItems', () => {
  const cases: Array<[string, Omit<ItemQuery, 'limit'>]> = [
    ['everything', {}],
    ['one topic', { topic: 'china-russia' }],
    [
      'topic between two times (inclusive bounds)',
      { topic: 'china-russia', since: '2026-11-01T10:00:00.000Z', until: '2026-11-02T06:00:00.000Z' },
    ],
    ['topic and feed', { topic: 'energy', feed: 'feed-y' }],
    ['one feed since a time', { feed: 'feed-x', since: '2026-11-01T20:00:00.000Z' }],
    ['title filter, case-insensitive', { q: 'KREMLIN' }],
    ['topic with title filter and until', { topic: 'china-russia', q: 'beijing', until: '2026-11-02T00:00:00.000Z' }],
    ['nothing matches', { topic: 'energy', q: 'no such title' }],
  ];
  for (const [name, q] of cases) {
    it(`returns exactly the right items in order across pages: ${name}`, async () => {
      const want = expected(q);
      if (name !== 'nothing matches') expect(want.length).toBeGreaterThan(3);
      const { ids, pages } = await allPages(q, 7);
      expect(ids).toEqual(want);
      expect(pages).toBe(Math.max(1, Math.ceil(want.length / 7)));
    });
  }

  it('returns the summary fields of each item', async () => {
    const page = await store.queryItems({ topic: 'energy', limit: 1 });
    const s = specs.find((x) => itemIdFor(x.url) === page.items[0]?.id)!;
    expect(page.items[0]).toEqual({
      id: itemIdFor(s.url),
      url: s.url,
      title: s.title,
      publishedAt: s.publishedAt,
      firstSeenAt: s.seenAt,
      feedIds: [s.feedId],
      extraction: { status: 'full' },
      topics: s.topics.map((t) => ({ id: t, score: 3 })),
    });
    expect(page.last).not.toBeNull();
  });

  it('a page exactly as long as what is left has no next page', async () => {
    const n = expected({ topic: 'energy' }).length;
    const page = await store.queryItems({ topic: 'energy', limit: n });
    expect(page.items).toHaveLength(n);
    expect(page.last).toBeNull();
  });

  it('counts topic items since given times', async () => {
    const all = expected({ topic: 'china-russia' }).length;
    const recent = expected({ topic: 'china-russia', since: '2026-11-02T00:00:00.000Z' }).length;
    expect(
      await store.countTopicItems('china-russia', ['2026-11-02T00:00:00.000Z', '2026-10-01T00:00:00.000Z']),
    ).toEqual([recent, all]);
  });
});
