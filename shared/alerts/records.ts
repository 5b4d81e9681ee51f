import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { StoreError } from '../errors.ts';
import { TABLE_GSIS, TABLE_KEYS } from '../store/schema.ts';
import type { AlertRecord, AlertStatus } from './types.ts';

/*
 * Alert records in the shared single table (DEVELOPERS.md "Table key prefixes"; AWS DynamoDB API reference):
 *
 * | entity        | pk                            | sk                 | gsi2pk                 | gsi2sk                  |
 * |---------------|-------------------------------|--------------------|------------------------|-------------------------|
 * | alert         | `ALERT#<storyId>#<topicId>`   | `SUB#<subId>`      | `ALERT#<status>`       | `<updatedAt>#<key>`     |
 * | digest state  | `DIGEST#<subId>`              | `STATE`            | —                      | —                       |
 * | hourly budget | `BUDGET#<subId>`              | `<YYYY-MM-DDTHH>`  | —                      | —                       |
 *
 * The alert record's body is the JSON of `AlertRecord` in attribute `doc`; `status` is duplicated as a top-level
 * attribute for condition expressions. Records expire with their item (`expiresAt`, the table's TTL attribute).
 */

const PK = TABLE_KEYS.partitionKey;
const SK = TABLE_KEYS.sortKey;
const TTL = TABLE_KEYS.ttlAttribute;
const GSI2 = TABLE_GSIS[1];

type Item = Record<string, AttributeValue>;

/** Wraps a DynamoDB failure as `StoreError` (`store_error`; retryable for throttling and 5xx). */
function storeError(what: string, err: unknown): StoreError {
  const e = err as { name?: string; message?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const retryable =
    Boolean(e?.$retryable) ||
    /throttl|provisionedthroughput|requestlimit/i.test(e?.name ?? '') ||
    (e?.$metadata?.httpStatusCode ?? 500) >= 500;
  return new StoreError('store_error', `alerts store: ${what}: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`, {
    retryable,
    cause: err,
  });
}

function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as { name?: string })?.name === 'ConditionalCheckFailedException'
  );
}

/** Partition key of an alert record. */
export function alertPk(storyId: string, topicId: string): string {
  return `ALERT#${storyId}#${topicId}`;
}

/** `YYYY-MM-DDTHH` of the UTC hour containing `d` (budget window). */
export function hourBucket(d: Date): string {
  return d.toISOString().slice(0, 13);
}

/** DynamoDB access for alert, digest-state and budget records. Every method throws `StoreError` on store failure. */
export class AlertRepo {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private attrs(rec: AlertRecord): Item {
    return {
      [PK]: { S: alertPk(rec.storyId, rec.topicId) },
      [SK]: { S: `SUB#${rec.subscriptionId}` },
      [GSI2.partitionKey]: { S: `ALERT#${rec.status}` },
      [GSI2.sortKey]: { S: `${rec.updatedAt}#${rec.key}` },
      status: { S: rec.status },
      doc: { S: JSON.stringify(rec) },
    };
  }

  /**
   * Conditional put of a new record (`attribute_not_exists(pk)`): the exactly-once gate.
   * @param expiresAt TTL, epoch seconds (the item's), or null for none
   * @returns true when created, false when a record for this story × topic × subscription already exists
   */
  async claim(rec: AlertRecord, expiresAt: number | null): Promise<boolean> {
    const item = this.attrs(rec);
    if (expiresAt !== null) item[TTL] = { N: String(expiresAt) };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw storeError(`put alert ${rec.key}`, err);
    }
  }

  /**
   * Replaces the record's body and status when its stored status is still `expected` (optimistic transition).
   * @returns false when another worker moved it first
   */
  async transition(rec: AlertRecord, expected: AlertStatus): Promise<boolean> {
    const a = this.attrs(rec);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [PK]: a[PK]!, [SK]: a[SK]! },
          UpdateExpression: 'SET #g2pk = :g2pk, #g2sk = :g2sk, #status = :status, #doc = :doc',
          ConditionExpression: '#status = :expected',
          ExpressionAttributeNames: {
            '#g2pk': GSI2.partitionKey,
            '#g2sk': GSI2.sortKey,
            '#status': 'status',
            '#doc': 'doc',
          },
          ExpressionAttributeValues: {
            ':g2pk': a[GSI2.partitionKey]!,
            ':g2sk': a[GSI2.sortKey]!,
            ':status': a.status!,
            ':doc': a.doc!,
            ':expected': { S: expected },
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw storeError(`update alert ${rec.key}`, err);
    }
  }

  /** Reads one record (strongly consistent), or null. */
  async get(storyId: string, topicId: string, subscriptionId: string): Promise<AlertRecord | null> {
    try {
      const res = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [PK]: { S: alertPk(storyId, topicId) }, [SK]: { S: `SUB#${subscriptionId}` } },
          ConsistentRead: true,
        }),
      );
      return res.Item ? parseDoc(res.Item) : null;
    } catch (err) {
      throw storeError(`get alert ${storyId}#${topicId}#${subscriptionId}`, err);
    }
  }

  /**
   * Records with `status`, newest `updatedAt` first (gsi2, eventually consistent).
   * @param limit max records (default: all)
   */
  async listByStatus(status: AlertStatus, limit = Number.POSITIVE_INFINITY): Promise<AlertRecord[]> {
    const out: AlertRecord[] = [];
    let start: Item | undefined;
    do {
      let res: QueryCommandOutput;
      try {
        res = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: GSI2.indexName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': GSI2.partitionKey },
            ExpressionAttributeValues: { ':pk': { S: `ALERT#${status}` } },
            ScanIndexForward: false,
            Limit: Number.isFinite(limit) ? Math.min(1000, limit - out.length) : 1000,
            ExclusiveStartKey: start,
          }),
        );
      } catch (err) {
        throw storeError(`list ${status} alerts`, err);
      }
      for (const it of res.Items ?? []) {
        // With a KEYS_ONLY/INCLUDE projection the index lacks `doc`: read the base record instead.
        const rec = it.doc ? parseDoc(it) : await this.getByKey(it);
        // gsi2 is eventually consistent: trust the base status attribute copied with it.
        if (rec && rec.status === status) out.push(rec);
      }
      start = res.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out;
  }

  private async getByKey(indexItem: Item): Promise<AlertRecord | null> {
    const pk = indexItem[PK];
    const sk = indexItem[SK];
    if (!pk || !sk) return null;
    try {
      const res = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: { [PK]: pk, [SK]: sk } }),
      );
      return res.Item ? parseDoc(res.Item) : null;
    } catch (err) {
      throw storeError('get alert from index key', err);
    }
  }

  /**
   * Takes one unit of a subscription's hourly budget (atomic `ADD` with a `< max` condition).
   * @param hour `YYYY-MM-DDTHH` (UTC)
   * @returns true when within budget, false when the hour's budget is spent
   */
  async consumeBudget(subscriptionId: string, hour: string, max: number, expiresAt: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [PK]: { S: `BUDGET#${subscriptionId}` }, [SK]: { S: hour } },
          UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
          ExpressionAttributeNames: { '#n': 'used', '#ttl': TTL },
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':max': { N: String(max) },
            ':ttl': { N: String(expiresAt) },
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw storeError(`budget of ${subscriptionId}`, err);
    }
  }

  /** When the subscription's last digest ran (ISO-8601 UTC), or null. */
  async getDigestState(subscriptionId: string): Promise<{ lastRunAt: string } | null> {
    try {
      const res = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [PK]: { S: `DIGEST#${subscriptionId}` }, [SK]: { S: 'STATE' } },
          ConsistentRead: true,
        }),
      );
      const v = res.Item?.lastRunAt;
      return v && 'S' in v && v.S ? { lastRunAt: v.S } : null;
    } catch (err) {
      throw storeError(`digest state of ${subscriptionId}`, err);
    }
  }

  /** Records that the subscription's digest ran at `lastRunAt` (ISO-8601 UTC). */
  async putDigestState(subscriptionId: string, lastRunAt: string): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [PK]: { S: `DIGEST#${subscriptionId}` },
            [SK]: { S: 'STATE' },
            lastRunAt: { S: lastRunAt },
          },
        }),
      );
    } catch (err) {
      throw storeError(`digest state of ${subscriptionId}`, err);
    }
  }
}

function parseDoc(item: Item): AlertRecord | null {
  const v = item.doc;
  if (!v || !('S' in v) || !v.S) return null;
  try {
    return JSON.parse(v.S) as AlertRecord;
  } catch {
    return null;
  }
}
