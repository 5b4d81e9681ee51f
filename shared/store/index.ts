/**
 * shared/store — the single-table DynamoDB model of wirewatch (store issue #6). Records and access
 * patterns: README.md#data-model.
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
