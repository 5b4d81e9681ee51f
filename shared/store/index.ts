/**
 * shared/store — the single-table DynamoDB model of wirewatch (store issue #6). See DATA-MODEL.md beside
 * this file for the records and access patterns.
 */
export {
  Store,
  itemIdFor,
  entryFingerprint,
  toSummary,
  fitText,
  SAFE_ITEM_BYTES,
  MAX_TITLE_CHARS,
  MAX_URLS,
  type ItemInput,
  type ItemQuery,
  type ItemPage,
  type SaveResult,
  type StoreOptions,
} from './store.ts';
export { TABLE_KEYS, TABLE_GSIS, KEY_PREFIX, GSI_PARTITIONS, createTableInput } from './schema.ts';
export { storeConfigSchema, apiConfigSchema, type StoreConfig, type ApiConfig } from './config-schema.ts';
