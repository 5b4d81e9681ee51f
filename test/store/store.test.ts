import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { startTestDynamo } from '../helpers/dynalite.ts';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { Store, itemIdFor, createTableInput, TABLE_GSIS } from '../../shared/store/index.ts';
import { StoreError } from '../../shared/errors.ts';
import type { FeedState } from '../../shared/types.ts';
import { entryFor, itemInput, topic } from './factories.ts';

let dynamo: EmbeddedStore;
let tableCounter = 0;

beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(async () => {
  await dynamo?.close();
});

/** A fresh table per test, so tests never see each other's records. */
async function freshStore(opts: { retentionDays?: number; now?: () => Date } = {}): Promise<Store> {
  const store = new Store({
    client: dynamo.client,
    tableName: `store-test-${++tableCounter}`,
    retentionDays: opts.retentionDays ?? 90,
    now: opts.now,
  });
  await store.ensureTable();
  return store;
}

async function countRecords(store: Store): Promise<number> {
  const out = await dynamo.client.send(new ScanCommand({ TableName: store.tableName, Select: 'COUNT' }));
  return out.Count ?? 0;
}

async function countItems(store: Store): Promise<number> {
  let n = 0;
  for await (const _ of store.scanItems()) n++;
  return n;
}

describe('table', () => {
  it('creates the table with both GSIs and is idempotent', async () => {
    const store = await freshStore();
    await store.ensureTable();
    const out = await dynamo.client.send(new DescribeTableCommand({ TableName: store.tableName }));
    expect(out.Table?.TableStatus).toBe('ACTIVE');
    expect(out.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual(
      TABLE_GSIS.map((g) => g.indexName).sort(),
    );
    expect(createTableInput('x').GlobalSecondaryIndexes).toHaveLength(2);
  });

  it('refuses a same-named table that lacks the indexes', async () => {
    const { GlobalSecondaryIndexes: _gsis, ...bare } = createTableInput('store-test-bare');
    await dynamo.client.send(
      new CreateTableCommand({ ...bare, AttributeDefinitions: bare.AttributeDefinitions.slice(0, 2) }),
    );
    const store = new Store({ client: dynamo.client, tableName: 'store-test-bare', retentionDays: 1 });
    await expect(store.ensureTable()).rejects.toMatchObject({
      name: 'StoreError',
      code: 'table_mismatch',
      message: expect.stringContaining('gsi1'),
    });
  });
});

describe('saveItem', () => {
  it('creates an item whose id is the hash of the canonical URL and reads it back whole', async () => {
    const store = await freshStore();
    const url = 'https://news.example/world/a';
    const input = itemInput(url, { topics: [topic('china-russia')], aliasUrls: ['https://feeds.example/a?id=1'] });
    const res = await store.saveItem(input);
    expect(res.outcome).toBe('created');
    expect(res.contentChanged).toBe(true);
    expect(res.item.id).toBe(`i_${createHash('sha256').update(url).digest('hex').slice(0, 24)}`);
    expect(res.item.id).toBe(itemIdFor(url));
    expect(res.newTopics.map((t) => t.id)).toEqual(['china-russia']);
    const got = await store.getItem(res.item.id);
    expect(got).toEqual(res.item);
    expect(got?.text).toBe(input.extraction.text);
    expect(got?.urls).toEqual([url, 'https://feeds.example/a?id=1']);
    expect(got?.version).toBe(1);
    expect(got?.topics[0]?.evidence[0]?.text).toBe('A sentence about china-russia.');
    expect(got?.contentHash).toBe(createHash('sha256').update(input.extraction.text).digest('hex'));
    expect(got?.expiresAt).toBe(Date.parse('2026-11-20T10:05:00.000Z') / 1000 + 90 * 86400);
    expect(await store.findItemIdByUrl('https://feeds.example/a?id=1')).toBe(res.item.id);
    expect(await store.findItemIdByUrl(url)).toBe(res.item.id);
    expect(await store.findItemIdByUrl('https://news.example/other')).toBeNull();
    expect(await store.getItem(itemIdFor('https://news.example/other'))).toBeNull();
  });

  it('changes nothing when the same input is saved again', async () => {
    const store = await freshStore();
    const input = itemInput('https://news.example/b', { topics: [topic('china-russia')] });
    const first = await store.saveItem(input);
    const records = await countRecords(store);
    const again = await store.saveItem(input);
    expect(again.outcome).toBe('unchanged');
    expect(again.newTopics).toEqual([]);
    expect(again.item).toEqual(first.item);
    expect(await countRecords(store)).toBe(records);
    expect(await store.getItem(first.item.id)).toEqual(first.item);
  });

  it('updates changed text in place with version+1 and reports only topics the item did not have', async () => {
    let clock = new Date('2026-11-21T00:00:00.000Z');
    const store = await freshStore({ now: () => clock });
    const url = 'https://news.example/c';
    const first = await store.saveItem(itemInput(url, { topics: [topic('china-russia')] }));
    clock = new Date('2026-11-21T06:00:00.000Z');
    const second = await store.saveItem(
      itemInput(url, {
        text: 'Rewritten body.\n\nWith a new paragraph.',
        topics: [topic('china-russia'), topic('energy')],
        seenAt: clock.toISOString(),
      }),
    );
    expect(second.outcome).toBe('updated');
    expect(second.contentChanged).toBe(true);
    expect(second.item.id).toBe(first.item.id);
    expect(second.item.version).toBe(2);
    expect(second.item.firstSeenAt).toBe(first.item.firstSeenAt);
    expect(second.item.updatedAt).toBe('2026-11-21T06:00:00.000Z');
    expect(second.newTopics.map((t) => t.id)).toEqual(['energy']);
    expect((await store.getItem(first.item.id))?.text).toBe('Rewritten body.\n\nWith a new paragraph.');
    expect(await countItems(store)).toBe(1);
  });

  it('moves topic rows when a new version loses a topic', async () => {
    const store = await freshStore();
    const url = 'https://news.example/moves';
    await store.saveItem(itemInput(url, { topics: [topic('china-russia')] }));
    await store.saveItem(itemInput(url, { text: 'Other text now.', topics: [topic('energy')] }));
    expect((await store.queryItems({ topic: 'china-russia', limit: 10 })).items).toEqual([]);
    expect((await store.queryItems({ topic: 'energy', limit: 10 })).items.map((i) => i.id)).toEqual([itemIdFor(url)]);
  });

  it('records a second feed on the same item without a new version or new topics', async () => {
    const store = await freshStore();
    const url = 'https://news.example/d';
    await store.saveItem(itemInput(url, { feedId: 'feed-a', topics: [topic('china-russia')] }));
    const res = await store.saveItem(
      itemInput(url, { feedId: 'feed-b', topics: [topic('china-russia')], aliasUrls: ['https://b.example/d'] }),
    );
    expect(res.outcome).toBe('updated');
    expect(res.contentChanged).toBe(false);
    expect(res.newTopics).toEqual([]);
    expect(res.item.version).toBe(1);
    expect(res.item.feedIds).toEqual(['feed-a', 'feed-b']);
    expect(res.item.urls).toEqual([url, 'https://b.example/d']);
    expect((await store.queryItems({ feed: 'feed-b', limit: 10 })).items.map((i) => i.feedIds)).toEqual([
      ['feed-a', 'feed-b'],
    ]);
    expect((await store.queryItems({ topic: 'china-russia', feed: 'feed-b', limit: 10 })).items).toHaveLength(1);
    expect(await store.findItemIdByUrl('https://b.example/d')).toBe(res.item.id);
    // And the third time it is a replay.
    expect(
      (
        await store.saveItem(
          itemInput(url, { feedId: 'feed-b', topics: [topic('china-russia')], aliasUrls: ['https://b.example/d'] }),
        )
      ).outcome,
    ).toBe('unchanged');
  });

  it('stores each item once when the same batch is processed twice, concurrently', async () => {
    const store = await freshStore();
    const batch = Array.from({ length: 8 }, (_, i) =>
      itemInput(`https://news.example/batch/${i}`, { topics: i % 2 ? [topic('china-russia')] : [] }),
    );
    const [a, b] = await Promise.all([
      Promise.all(batch.map((x) => store.saveItem(x))),
      Promise.all(batch.map((x) => store.saveItem(x))),
    ]);
    const outcomes = [...a!, ...b!].map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(8);
    expect(outcomes.filter((o) => o === 'unchanged')).toHaveLength(8);
    // Exactly one of the two saves of each tagged item reports the topic (one alert).
    expect([...a!, ...b!].flatMap((r) => r.newTopics)).toHaveLength(4);
    expect(await countItems(store)).toBe(8);
    const records = await countRecords(store);
    await Promise.all(batch.map((x) => store.saveItem(x)));
    expect(await countRecords(store)).toBe(records);
    expect((await store.queryItems({ limit: 100 })).items).toHaveLength(8);
  });

  it('merges two feeds saving the same article at the same time', async () => {
    const store = await freshStore();
    const url = 'https://news.example/race';
    const res = await Promise.all(['f1', 'f2', 'f3'].map((feedId) => store.saveItem(itemInput(url, { feedId }))));
    expect(res.filter((r) => r.outcome === 'created')).toHaveLength(1);
    expect((await store.getItem(itemIdFor(url)))?.feedIds.sort()).toEqual(['f1', 'f2', 'f3']);
  });
});

describe('publication dates', () => {
  it('a later arrival with a real publication date replaces an update-time date or none, and moves the rows', async () => {
    const store = await freshStore();
    const url = 'https://news.example/dates/1';
    // First seen in an Atom feed that only gave <updated> (an hour after publication).
    const first = itemInput(url, { feedId: 'atom' });
    first.entry = { ...first.entry, publishedAt: '2026-11-20T11:00:00.000Z', publishedAtSource: 'updated' };
    const a = await store.saveItem(first);
    expect(a.item).toMatchObject({ publishedAt: '2026-11-20T11:00:00.000Z', publishedAtSource: 'updated' });
    // The same article from an RSS feed with its real pubDate: the date is filled in, no new version.
    const second = itemInput(url, { feedId: 'rss' });
    second.entry = { ...second.entry, publishedAt: '2026-11-20T10:00:00.000Z', publishedAtSource: 'published' };
    const b = await store.saveItem(second);
    expect(b).toMatchObject({ outcome: 'updated', contentChanged: false });
    expect(b.item).toMatchObject({
      publishedAt: '2026-11-20T10:00:00.000Z',
      publishedAtSource: 'published',
      version: 1,
    });
    const listed = await store.queryItems({
      limit: 10,
      since: '2026-11-20T09:30:00.000Z',
      until: '2026-11-20T10:30:00.000Z',
    });
    expect(listed.items.map((i) => i.id)).toEqual([b.item.id]);
    // An update-time date never replaces a publication date.
    const third = itemInput(url, { feedId: 'atom2' });
    third.entry = { ...third.entry, publishedAt: '2026-11-20T12:00:00.000Z', publishedAtSource: 'updated' };
    expect((await store.saveItem(third)).item.publishedAt).toBe('2026-11-20T10:00:00.000Z');
  });

  it('an item first stored without any date gets the date a later feed brings', async () => {
    const store = await freshStore();
    const url = 'https://news.example/dates/2';
    const a = await store.saveItem(itemInput(url, { feedId: 'nodate', publishedAt: null }));
    expect(a.item.publishedAt).toBeNull();
    const b = await store.saveItem(itemInput(url, { feedId: 'dated', publishedAt: '2026-11-21T08:00:00.000Z' }));
    expect(b.item.publishedAt).toBe('2026-11-21T08:00:00.000Z');
  });
});

describe('entries', () => {
  it('returns entries never processed for the feed, or whose content changed', async () => {
    const store = await freshStore();
    const e1 = entryFor('https://news.example/e1');
    const e2 = entryFor('https://news.example/e2');
    expect(await store.filterNewEntries('feed-a', [e1, e2, e1])).toEqual([e1, e2]);
    await store.markEntrySeen('feed-a', e1, itemIdFor(e1.url!));
    expect(await store.filterNewEntries('feed-a', [e1, e2])).toEqual([e2]);
    // Another feed has not processed it.
    expect(await store.filterNewEntries('feed-b', [e1])).toEqual([e1]);
    const edited = { ...e1, title: 'Edited title' };
    expect(await store.filterNewEntries('feed-a', [edited])).toEqual([edited]);
    const bumped = { ...e1, updatedAt: '2026-11-22T00:00:00.000Z' };
    expect(await store.filterNewEntries('feed-a', [bumped])).toEqual([bumped]);
  });

  it('handles more than one BatchGetItem of entries', async () => {
    const store = await freshStore();
    const entries = Array.from({ length: 230 }, (_, i) => entryFor(`https://news.example/many/${i}`));
    for (const e of entries.slice(0, 120)) await store.markEntrySeen('f', e, 'i_x');
    const fresh = await store.filterNewEntries('f', entries);
    expect(fresh.map((e) => e.url)).toEqual(entries.slice(120).map((e) => e.url));
  });
});

describe('feed state', () => {
  const state = (feedId: string, over: Partial<FeedState> = {}): FeedState => ({
    feedId,
    url: `https://${feedId}.example/rss`,
    name: null,
    status: 'ok',
    consecutiveFailures: 0,
    lastPolledAt: '2026-11-20T10:00:00.000Z',
    lastSuccessAt: '2026-11-20T10:00:00.000Z',
    lastNewEntryAt: null,
    nextPollAt: '2026-11-20T10:05:00.000Z',
    lastError: null,
    etag: '"abc"',
    lastModified: null,
    bodyHash: null,
    goneSince: null,
    ...over,
  });

  it('puts, gets, replaces and lists feed states', async () => {
    const store = await freshStore();
    expect(await store.getFeedState('b')).toBeNull();
    await store.putFeedState(state('b'));
    await store.putFeedState(state('a', { status: 'http_error', consecutiveFailures: 2, lastError: 'http 503' }));
    await store.putFeedState(state('b', { etag: '"def"' }));
    expect(await store.getFeedState('b')).toEqual(state('b', { etag: '"def"' }));
    expect((await store.listFeedStates()).map((s) => [s.feedId, s.status, s.etag])).toEqual([
      ['a', 'http_error', '"abc"'],
      ['b', 'ok', '"def"'],
    ]);
  });
});

describe('retagItem and scanItems', () => {
  it('replaces topics without a new version and moves topic rows', async () => {
    const store = await freshStore();
    const url = 'https://news.example/retag';
    await store.saveItem(itemInput(url, { topics: [topic('old')] }));
    await store.saveItem(itemInput('https://news.example/other', {}));
    await store.retagItem(itemIdFor(url), [topic('new', 5)]);
    const item = await store.getItem(itemIdFor(url));
    expect(item?.version).toBe(1);
    expect(item?.topics.map((t) => [t.id, t.score])).toEqual([['new', 5]]);
    expect((await store.queryItems({ topic: 'old', limit: 5 })).items).toEqual([]);
    expect((await store.queryItems({ topic: 'new', limit: 5 })).items[0]?.topics).toEqual([{ id: 'new', score: 5 }]);
    const scanned = [];
    for await (const s of store.scanItems()) scanned.push(s);
    expect(scanned.map((s) => s.id).sort()).toEqual([itemIdFor(url), itemIdFor('https://news.example/other')].sort());
    expect(scanned.find((s) => s.id === itemIdFor(url))?.text).toContain('First paragraph');
    await expect(store.retagItem(itemIdFor('https://nope.example/'), [])).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('retention', () => {
  it('sets expiresAt from retentionDays and purges expired records but not feed state', async () => {
    const store = await freshStore({ retentionDays: 2 });
    await store.saveItem(
      itemInput('https://news.example/old', { topics: [topic('t')], seenAt: '2026-11-01T00:00:00.000Z' }),
    );
    await store.saveItem(
      itemInput('https://news.example/new', { topics: [topic('t')], seenAt: '2026-11-10T00:00:00.000Z' }),
    );
    await store.putFeedState({
      feedId: 'f',
      url: 'https://f.example/',
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
    const old = await store.getItem(itemIdFor('https://news.example/old'));
    expect(old?.expiresAt).toBe(Date.parse('2026-11-03T00:00:00.000Z') / 1000);
    expect(await store.purgeExpired(new Date('2026-11-02T23:59:00.000Z'))).toBe(0);
    const deleted = await store.purgeExpired(new Date('2026-11-05T00:00:00.000Z'));
    expect(deleted).toBeGreaterThanOrEqual(5); // ITEM, LIST, TOPIC, FEED, URL rows of the old item
    expect(await store.getItem(itemIdFor('https://news.example/old'))).toBeNull();
    expect((await store.queryItems({ topic: 't', limit: 10 })).items.map((i) => i.url)).toEqual([
      'https://news.example/new',
    ]);
    expect((await store.queryItems({ limit: 10 })).items).toHaveLength(1);
    expect(await store.getFeedState('f')).not.toBeNull();
  });
});

describe('errors', () => {
  it('reports a corrupt record as StoreError corrupt_record', async () => {
    const store = await freshStore();
    const id = itemIdFor('https://news.example/corrupt');
    await dynamo.client.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: { pk: { S: `ITEM#${id}` }, sk: { S: 'ITEM' }, doc: { S: '{not json' } },
      }),
    );
    await expect(store.getItem(id)).rejects.toMatchObject({ name: 'StoreError', code: 'corrupt_record' });
  });

  it('reports an unreachable store as retryable store_unavailable', async () => {
    const client = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const store = new Store({ client, tableName: 'x', retentionDays: 1 });
    const err = await store.getItem('i_000000000000000000000000').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'store_unavailable', retryable: true });
    client.destroy();
  });
});
