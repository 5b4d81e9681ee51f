/**
 * The single DynamoDB table of wirewatch: key names and indexes. Both the local runtime (CreateTable on
 * dynalite) and the CDK stack (infra/) build the table from this definition, so they cannot drift.
 * Records and access patterns: README.md#data-model.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
} as const;

/** Global secondary indexes; all declared at table creation (dynalite cannot add them later). */
export const TABLE_GSIS = [
  { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
] as const;

/**
 * Key prefixes of the store's own records. `ALERT#`, `DIGEST#`, `BUDGET#` are alert records (shared/alerts, on
 * the same table layer); gsi2 partitions whose value starts with `ALERT` are theirs too.
 */
export const KEY_PREFIX = {
  item: 'ITEM#',
  url: 'URL#',
  entry: 'ENTRY#',
  topic: 'TOPIC#',
  feed: 'FEED#',
  /** Page schedules (retries of failed fetches, rechecks of pages that matched a topic): `PAGE#<itemId>` / `SCHEDULE`. */
  page: 'PAGE#',
} as const;

/**
 * Fixed partition values used on the GSIs by the store: every item's listing row (gsi1), feed states and page
 * schedules by due time (gsi2).
 */
export const GSI_PARTITIONS = {
  /** gsi1pk of the `ITEM#<id> / LIST` row of every item; gsi1sk = `<sortAt>#<id>`. */
  allItems: 'ITEMS',
  /** gsi2pk prefix of `FEED#<id> / STATE` records (+ shard 0–3); gsi2sk = `<nextPollAt>#<feedId>`. */
  feedsDue: 'FEEDDUE#',
  /** gsi2pk prefix of `PAGE#<itemId> / SCHEDULE` records while a fetch is due (+ shard 0–3); gsi2sk = `<nextAt>#<itemId>`. */
  pagesDue: 'PAGEDUE#',
} as const;

/**
 * The complete `CreateTable` input for the wirewatch table (AWS DynamoDB API reference, CreateTable): the
 * `pk`/`sk` string key, both GSIs with projection ALL, on-demand billing. The TTL attribute cannot be set in
 * CreateTable: enable it with `UpdateTimeToLive` on `TABLE_KEYS.ttlAttribute` (CDK: `timeToLiveAttribute`).
 * The shape is the SDK's `CreateTableCommandInput`, written out structurally so infra/ needs no SDK import.
 * @param tableName physical table name (3–255 chars, `[a-zA-Z0-9_.-]`)
 */
export function createTableInput(tableName: string): {
  TableName: string;
  BillingMode: 'PAY_PER_REQUEST';
  AttributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' }>;
  KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  GlobalSecondaryIndexes: Array<{
    IndexName: string;
    KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
    Projection: { ProjectionType: 'ALL' };
  }>;
} {
  const attrs = [
    TABLE_KEYS.partitionKey,
    TABLE_KEYS.sortKey,
    ...TABLE_GSIS.flatMap((g) => [g.partitionKey, g.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attrs.map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: TABLE_GSIS.map((g) => ({
      IndexName: g.indexName,
      KeySchema: [
        { AttributeName: g.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: g.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
