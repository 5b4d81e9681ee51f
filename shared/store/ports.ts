import type { FeedStateRepo as FeedStateAccess } from '../feeds/poll.ts';
import type {
  FeedEntry,
  FeedState,
  PageSchedule,
  StoredItem,
  StoryDetail,
  StoryMember,
  StoryVersion,
  TopicMatch,
} from '../types.ts';
import type { StoryIndexPort } from '../stories/port.ts';
import type { ItemInput, ItemPage, ItemQuery, SaveResult } from './items.ts';
import type { StoredPageSchedule } from './pages.ts';
import type { StoredStorySummary, StoryPage, StoryQuery } from './stories.ts';

/*
 * The store's roles, as interfaces. Stages, the API and the CLI depend on these, never on the DynamoDB classes:
 * the API gets a `StoreReader`, so the compiler checks that it only reads.
 */

/** Feed states: shared/feeds' `FeedStateRepo` plus the scheduler's reads. */
export interface FeedStateStore extends FeedStateAccess {
  /** States of many feeds by id; feeds without a state are absent. */
  getFeedStates(feedIds: string[]): Promise<Map<string, FeedState>>;
  /** Completes the due-time index for a changed set of configured feeds and records the catalog marker. */
  indexCatalog(
    feeds: Array<{ id: string }>,
    initial: (feedId: string) => FeedState,
    hash: string,
    at: Date,
  ): Promise<number>;
  /** Every feed state, ordered by feed id. */
  listFeedStates(): Promise<FeedState[]>;
  /** States whose `nextPollAt` is at or before `now` (or never set). Reads ∝ due feeds. */
  listDueFeedStates(now: Date): Promise<FeedState[]>;
  /** Hash of the feed ids whose states are all on the due-time index, or null. */
  getCatalogHash(): Promise<string | null>;
}

/** Entries processed per feed. */
export interface EntryStore {
  /** Entries never processed for the feed, or changed since (fingerprint). */
  filterNewEntries(feedId: string, entries: FeedEntry[]): Promise<FeedEntry[]>;
  /** Records an entry as processed, after its item is saved. */
  markEntrySeen(feedId: string, entry: FeedEntry, itemId: string): Promise<void>;
}

/** Item reads (the API's and the CLI's view). */
export interface ItemReader {
  /** The full item with its text, or null. */
  getItem(id: string): Promise<StoredItem | null>;
  /** One page of item summaries, newest first. */
  queryItems(q: ItemQuery): Promise<ItemPage>;
  /** Items tagged `topic` at or after each bound of `since` (ISO-8601). */
  countTopicItems(topic: string, since: string[]): Promise<number[]>;
  /** Sort times of the items tagged `topic` within `[since, until]`, newest first, at most `maxRows` read. */
  topicMatchTimes(
    topic: string,
    since: string,
    until: string,
    maxRows: number,
  ): Promise<{ times: string[]; truncated: boolean }>;
  /** The id of the item any of its URLs belongs to, or null. */
  findItemIdByUrl(url: string): Promise<string | null>;
}

/** Item writes (the pipeline's and the backtest's). */
export interface ItemStore extends ItemReader {
  saveItem(input: ItemInput): Promise<SaveResult>;
  retagItem(id: string, topics: TopicMatch[]): Promise<void>;
  /** Moves an item to another story (its story was merged into that one). */
  setStoryId(id: string, storyId: string): Promise<void>;
  scanItems(): AsyncIterable<{ id: string; title: string; text: string; topics: TopicMatch[] }>;
}

/** Story reads (the API's and the CLI's view). */
export interface StoryReader {
  /** A story in full (lineage, versions, topics with evidence), following merge redirects; null when unknown. */
  getStory(id: string): Promise<StoryDetail | null>;
  /** One page of stories, newest activity first. */
  queryStories(q: StoryQuery): Promise<StoryPage>;
}

/** Page schedule reads (the API's and the CLI's view of an item's fetch state). */
export interface PageScheduleReader {
  /** The schedule of an item's page (retries, rechecks), or null when none was ever written. */
  getPageSchedule(itemId: string): Promise<StoredPageSchedule | null>;
}

/** Page schedules: retries of failed page fetches and rechecks of pages that matched a topic. */
export interface PageScheduleStore extends PageScheduleReader {
  /** @returns false when the schedule changed since `prevRev` was read (null: when one exists already) */
  putPageSchedule(schedule: PageSchedule, prevRev: number | null): Promise<boolean>;
  /** Schedules due at `now`, oldest first, at most `limit` (reads ∝ limit). */
  listDuePageSchedules(now: Date, limit: number): Promise<PageSchedule[]>;
}

/** Everything the API may call: reads only. */
export interface StoreReader extends ItemReader, StoryReader, PageScheduleReader {
  listFeedStates(): Promise<FeedState[]>;
}

/** Everything the pipeline stages need from the store. */
export interface PipelineStore extends FeedStateStore, EntryStore, ItemStore, StoryReader, PageScheduleStore {
  /** The story index (shared/stories port). */
  readonly storyIndex: StoryIndexPort;
  /** Story summaries, lineage and versions. */
  readonly stories: StoryRecords;
  /** Creates the table when missing (local runtime only). */
  ensureTable(): Promise<void>;
  /** Deletes records whose TTL passed (local runtime: dynalite has no TTL). @returns records deleted */
  purgeExpired(now: Date): Promise<number>;
}

/** The story records the pipeline writes (shared/store/stories.ts `StoryRepo`). */
export interface StoryRecords {
  getSummary(id: string): Promise<{ summary: StoredStorySummary; rev: number } | null>;
  /** @returns false when the summary changed since `rev` was read (null: when it appeared meanwhile) */
  putSummary(next: StoredStorySummary, prev: StoredStorySummary | null, rev: number | null): Promise<boolean>;
  removeSummary(summary: StoredStorySummary): Promise<void>;
  putMember(storyId: string, member: StoryMember): Promise<void>;
  listMembers(storyId: string): Promise<StoryMember[]>;
  /** @returns false when that version number was taken */
  putVersion(storyId: string, version: StoryVersion): Promise<boolean>;
  listVersions(storyId: string): Promise<StoryVersion[]>;
}
