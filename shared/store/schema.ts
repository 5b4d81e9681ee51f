/**
 * The single DynamoDB table of wirewatch: key names and indexes. Both the local runtime (CreateTable on
 * dynalite) and the CDK stack (infra/) build the table from this definition, so they cannot drift.
 * Access patterns are documented in README.md#data-model.
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
