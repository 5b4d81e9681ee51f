/**
 * shared/store — the single-table DynamoDB model of wirewatch: one table layer (`Table`), repositories by role
 * (items, entries, feed states) and the role interfaces the rest of the code depends on. Records and access
 * patterns: README.md#data-model.
 */
export { Store, type StoreOptions } from './store.ts';
export {
  ItemRepo,
  itemIdFor,
  toSummary,
  fitText,
  SAFE_ITEM_BYTES,
  MAX_TITLE_CHARS,
  MAX_URLS,
  type ItemInput,
  type ItemQuery,
  type ItemPage,
  type SaveResult,
} from './items.ts';
export { EntryRepo, entryFingerprint } from './entries.ts';
export { FeedStateRepo, FEED_DUE_SHARDS, catalogHash, dueShardOf } from './feed-states.ts';
export { HostLeaseRepo } from './host-leases.ts';
export { PageScheduleRepo, PAGE_DUE_SHARDS, pageShardOf, type StoredPageSchedule } from './pages.ts';
export {
  Table,
  storeErrorFrom,
  isConditionFailure,
  type TableKey,
  type Condition,
  type Update,
  type QueryInput,
  type QueryPage,
} from './table.ts';
export type {
  FeedStateStore,
  EntryStore,
  ItemReader,
  ItemStore,
  PageScheduleReader,
  PageScheduleStore,
  StoreReader,
  PipelineStore,
} from './ports.ts';
export { TABLE_KEYS, TABLE_GSIS, KEY_PREFIX, GSI_PARTITIONS, createTableInput } from './schema.ts';
export { storeConfigSchema, apiConfigSchema, type StoreConfig, type ApiConfig } from './config-schema.ts';
