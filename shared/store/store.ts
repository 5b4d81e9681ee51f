import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { resolveStory } from '../stories/assign.ts';
import type { FeedEntry, FeedState, PageSchedule, StoredItem, StoryDetail, TopicMatch } from '../types.ts';
import { N } from './codec.ts';
import { EntryRepo } from './entries.ts';
import { FeedStateRepo } from './feed-states.ts';
import { HostLeaseRepo } from './host-leases.ts';
import { PageScheduleRepo, type StoredPageSchedule } from './pages.ts';
import { DynamoStoryIndex } from './story-index.ts';
import { StoryRepo, type StoryPage, type StoryQuery } from './stories.ts';
import { ItemRepo, type ItemInput, type ItemPage, type ItemQuery, type SaveResult } from './items.ts';
import type { PipelineStore, StoreReader } from './ports.ts';
import { TABLE_KEYS } from './schema.ts';
import { Table } from './table.ts';

/** The store's options. */
export interface StoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Items (and their index rows) expire this many days after first sight (TTL `expiresAt`). */
  retentionDays: number;
  /** Clock (default `new Date()`). */
  now?: () => Date;
}

/**
 * The wirewatch store on one DynamoDB table (single-table design, README.md#data-model), the same on AWS
 * DynamoDB and on the embedded dynalite. It composes the repositories by role — items, entries, feed states — on
 * one `Table` (the only code that sends DynamoDB requests) and implements the role interfaces of `ports.ts`.
 * Alert records use the same `Table` (`store.table`). Every method throws `StoreError`, never a raw SDK error.
 */
export class Store implements PipelineStore, StoreReader {
  readonly tableName: string;
  readonly retentionDays: number;
  /** The table layer, shared with the alert records. */
  readonly table: Table;
  readonly items: ItemRepo;
  readonly entries: EntryRepo;
  readonly feedStates: FeedStateRepo;
  /** Per-host politeness slots shared by every process (the HTTP chokepoint's `HostLeases`). */
  readonly hostLeases: HostLeaseRepo;
  /** The story index of shared/stories (copies and versions of one wire report). */
  readonly storyIndex: DynamoStoryIndex;
  /** Stories for people: summaries, lineage, versions. */
  readonly stories: StoryRepo;
  /** Page schedules: retries of failed page fetches, rechecks of pages that matched a topic. */
  readonly pages: PageScheduleRepo;

  constructor(opts: StoreOptions) {
    this.tableName = opts.tableName;
    this.retentionDays = opts.retentionDays;
    const now = opts.now ?? (() => new Date());
    this.table = new Table({ client: opts.client, tableName: opts.tableName });
    this.items = new ItemRepo(this.table, { retentionDays: opts.retentionDays, now });
    this.entries = new EntryRepo(this.table, { retentionDays: opts.retentionDays, now });
    this.feedStates = new FeedStateRepo(this.table);
    // Real time, not the injectable clock: slots are waited for with real timers.
    this.hostLeases = new HostLeaseRepo(this.table);
    this.storyIndex = new DynamoStoryIndex(this.table, () => now().getTime());
    this.stories = new StoryRepo(this.table, { retentionDays: opts.retentionDays });
    this.pages = new PageScheduleRepo(this.table, { retentionDays: opts.retentionDays });
  }

  /** Creates the table with every GSI when missing and waits until it is ACTIVE (local runtime). */
  ensureTable(): Promise<void> {
    return this.table.ensure();
  }

  // feed states
  getFeedState(feedId: string): Promise<FeedState | null> {
    return this.feedStates.getFeedState(feedId);
  }
  putFeedState(state: FeedState): Promise<void> {
    return this.feedStates.putFeedState(state);
  }
  indexCatalog(
    feeds: Array<{ id: string }>,
    initial: (feedId: string) => FeedState,
    hash: string,
    at: Date,
  ): Promise<number> {
    return this.feedStates.indexCatalog(feeds, initial, hash, at);
  }
  getFeedStates(feedIds: string[]): Promise<Map<string, FeedState>> {
    return this.feedStates.getFeedStates(feedIds);
  }
  listFeedStates(): Promise<FeedState[]> {
    return this.feedStates.listFeedStates();
  }
  listDueFeedStates(now: Date): Promise<FeedState[]> {
    return this.feedStates.listDueFeedStates(now);
  }
  getCatalogHash(): Promise<string | null> {
    return this.feedStates.getCatalogHash();
  }

  // entries
  filterNewEntries(feedId: string, entries: FeedEntry[]): Promise<FeedEntry[]> {
    return this.entries.filterNewEntries(feedId, entries);
  }
  markEntrySeen(feedId: string, entry: FeedEntry, itemId: string): Promise<void> {
    return this.entries.markEntrySeen(feedId, entry, itemId);
  }

  // items
  saveItem(input: ItemInput): Promise<SaveResult> {
    return this.items.saveItem(input);
  }
  getItem(id: string): Promise<StoredItem | null> {
    return this.items.getItem(id);
  }
  findItemIdByUrl(url: string): Promise<string | null> {
    return this.items.findItemIdByUrl(url);
  }
  retagItem(id: string, topics: TopicMatch[]): Promise<void> {
    return this.items.retagItem(id, topics);
  }
  setStoryId(id: string, storyId: string): Promise<void> {
    return this.items.setStoryId(id, storyId);
  }
  scanItems(): AsyncIterable<{ id: string; title: string; text: string; topics: TopicMatch[] }> {
    return this.items.scanItems();
  }
  queryItems(q: ItemQuery): Promise<ItemPage> {
    return this.items.queryItems(q);
  }
  countTopicItems(topic: string, since: string[]): Promise<number[]> {
    return this.items.countTopicItems(topic, since);
  }
  topicMatchTimes(
    topic: string,
    since: string,
    until: string,
    maxRows: number,
  ): Promise<{ times: string[]; truncated: boolean }> {
    return this.items.topicMatchTimes(topic, since, until, maxRows);
  }

  // page schedules
  getPageSchedule(itemId: string): Promise<StoredPageSchedule | null> {
    return this.pages.get(itemId);
  }
  putPageSchedule(schedule: PageSchedule, prevRev: number | null): Promise<boolean> {
    return this.pages.put(schedule, prevRev);
  }
  listDuePageSchedules(now: Date, limit: number): Promise<PageSchedule[]> {
    return this.pages.listDue(now, limit);
  }

  // stories (reads; the pipeline writes through `stories` and `storyIndex`)
  async getStory(id: string): Promise<StoryDetail | null> {
    return this.stories.getStory(await resolveStory(this.storyIndex, id));
  }
  queryStories(q: StoryQuery): Promise<StoryPage> {
    return this.stories.queryStories(q);
  }

  /**
   * Deletes every record whose TTL attribute `expiresAt` (epoch seconds) is before `now` — what DynamoDB TTL
   * does in AWS; dynalite has no TTL, so the local runtime calls this on its schedule. Scans the whole table.
   * @returns number of records deleted (items and their index rows, and any other expired record)
   */
  async purgeExpired(now: Date): Promise<number> {
    const cutoff = Math.floor(now.getTime() / 1000);
    let deleted = 0;
    const pages = this.table.scanPages(
      {
        FilterExpression: '#e < :c',
        ExpressionAttributeNames: { '#e': TABLE_KEYS.ttlAttribute },
        ExpressionAttributeValues: { ':c': N(cutoff) },
        ProjectionExpression: 'pk, sk',
      },
      'expired records',
    );
    for await (const page of pages) {
      const keys = page.map((r) => ({ pk: r.pk!, sk: r.sk! }));
      await this.table.batchWrite(
        keys.map((Key) => ({ DeleteRequest: { Key } })),
        'expired records',
      );
      deleted += keys.length;
    }
    return deleted;
  }
}
