import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type ScanCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { StoreError, WirewatchError } from '../errors.ts';
import type { Record_ } from './codec.ts';
import { TABLE_GSIS, createTableInput } from './schema.ts';

/*
 * The one access layer of the wirewatch table. Every module that reads or writes the table (items, entries,
 * feed states, alert records, stories) goes through a `Table`; nothing else imports DynamoDB commands. It owns:
 * - the request shapes (GetItem, PutItem/UpdateItem/DeleteItem with condition expressions, Query, Scan,
 *   BatchGetItem, BatchWriteItem — AWS DynamoDB API reference),
 * - retries of what the SDK does not retry (`UnprocessedKeys` / `UnprocessedItems`, with exponential backoff and
 *   full jitter, AWS Architecture Blog "Exponential Backoff And Jitter"); throttling and 5xx are retried by the
 *   SDK itself (`maxAttempts` on the client, set once where the client is built),
 * - one error mapping: a failed condition is an answer (`false`), never an error; everything else becomes a
 *   `StoreError` — `store_unavailable` (retryable: transport, throttling, 5xx), `store_rejected` (a 4xx the
 *   caller caused: a bad expression, an item too large), `batch_incomplete` (retryable) — naming the operation,
 *   the table and the record.
 */

/** A primary key: partition key `pk` and sort key `sk` (both strings). */
export interface TableKey {
  pk: string;
  sk: string;
}

/** A condition on a write (DynamoDB condition expression with its placeholders). */
export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
}

/** An UpdateItem expression (`SET …`, `ADD …`, `REMOVE …`) with its placeholders and an optional condition. */
export interface Update {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
  condition?: Condition;
}

/** Query input without the table name (the Table adds it). */
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

/** One page of a Query: the records and the key to continue from (null on the last page). */
export interface QueryPage {
  items: Record_[];
  last: Record_ | null;
}

/** Scan filter (what the purge and backtests use). */
export type ScanFilter = Pick<
  ScanCommandInput,
  'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues' | 'ProjectionExpression'
>;

/** Counts of requests sent, by operation — what the benchmarks report as reads and writes. */
export type TableCounters = Record<string, number>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Full-jitter exponential backoff for attempt ≥ 1, capped at 2 s. @returns ms */
export function backoffMs(attempt: number): number {
  return Math.random() * Math.min(2_000, 25 * 2 ** attempt);
}

/** True for the SDK's conditional-check failure (by class, or by name across SDK copies in one bundle). */
export function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

/**
 * Maps any failure of a table request to a `StoreError`. A `WirewatchError` passes through unchanged.
 * @param op the DynamoDB operation (`PutItem`, `Query`, …)
 * @param table the table name
 * @param what the record or purpose, e.g. `item i_…` (optional)
 */
export function storeErrorFrom(op: string, table: string, err: unknown, what?: string): WirewatchError {
  if (err instanceof WirewatchError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | null;
  const status = e?.$metadata?.httpStatusCode;
  const throttled = /Throughput|Throttl|RequestLimit/i.test(e?.name ?? '');
  const clientFault = status !== undefined && status >= 400 && status < 500 && !throttled;
  return new StoreError(
    clientFault ? 'store_rejected' : 'store_unavailable',
    `${op} on table ${table}${what ? ` (${what})` : ''} failed: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`,
    { retryable: !clientFault, cause: err },
  );
}

/** The table layer's options. */
export interface TableOptions {
  client: DynamoDBClient;
  tableName: string;
}

/**
 * One DynamoDB table (AWS or the embedded dynalite — the same SDK client either way). Reads of single records and
 * batches are strongly consistent by default (a record written by another Lambda a moment ago is seen); index
 * (GSI) queries are eventually consistent, as DynamoDB allows no other. Every method throws `StoreError` as
 * described above, never a raw SDK error.
 */
export class Table {
  readonly name: string;
  private readonly client: DynamoDBClient;
  /** Requests sent since creation, by operation (BatchGetItem counts once per call). */
  readonly counters: TableCounters = {};

  constructor(opts: TableOptions) {
    this.client = opts.client;
    this.name = opts.tableName;
  }

  // ---------------------------------------------------------------- single records

  /** Reads one record, or null. @param opts.consistent strongly consistent read (default true) */
  async get(key: TableKey, opts: { consistent?: boolean; what?: string } = {}): Promise<Record_ | null> {
    const out = await this.send('GetItem', opts.what, () =>
      this.client.send(
        new GetItemCommand({ TableName: this.name, Key: keyOf(key), ConsistentRead: opts.consistent ?? true }),
      ),
    );
    return out.Item ?? null;
  }

  /**
   * Writes (replaces) one record. With a condition: returns false when it does not hold (nothing written).
   * @returns true when written
   */
  async put(item: Record_, opts: { condition?: Condition; what?: string } = {}): Promise<boolean> {
    return this.conditional('PutItem', opts.what, () =>
      this.client.send(new PutItemCommand({ TableName: this.name, Item: item, ...conditionInput(opts.condition) })),
    );
  }

  /**
   * Updates one record in place (creating it when absent, as UpdateItem does).
   * @returns true when written, false when `update.condition` did not hold
   */
  async update(key: TableKey, update: Update, opts: { what?: string } = {}): Promise<boolean> {
    const cond = conditionInput(update.condition);
    const names = { ...update.names, ...cond.ExpressionAttributeNames };
    const values = { ...update.values, ...cond.ExpressionAttributeValues };
    return this.conditional('UpdateItem', opts.what, () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.name,
          Key: keyOf(key),
          UpdateExpression: update.expression,
          ConditionExpression: cond.ConditionExpression,
          ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
          ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
        }),
      ),
    );
  }

  /**
   * Updates one record and returns it as written (`ReturnValues: ALL_NEW`).
   * @returns the record after the update, or null when `update.condition` did not hold
   */
  async updateReturning(key: TableKey, update: Update, opts: { what?: string } = {}): Promise<Record_ | null> {
    const cond = conditionInput(update.condition);
    const names = { ...update.names, ...cond.ExpressionAttributeNames };
    const values = { ...update.values, ...cond.ExpressionAttributeValues };
    this.count('UpdateItem');
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.name,
          Key: keyOf(key),
          UpdateExpression: update.expression,
          ConditionExpression: cond.ConditionExpression,
          ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
          ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ?? {};
    } catch (err) {
      if (isConditionFailure(err)) return null;
      throw storeErrorFrom('UpdateItem', this.name, err, opts.what);
    }
  }

  /** Deletes one record. @returns false when `opts.condition` did not hold */
  async delete(key: TableKey, opts: { condition?: Condition; what?: string } = {}): Promise<boolean> {
    return this.conditional('DeleteItem', opts.what, () =>
      this.client.send(
        new DeleteItemCommand({ TableName: this.name, Key: keyOf(key), ...conditionInput(opts.condition) }),
      ),
    );
  }

  // ---------------------------------------------------------------- queries

  /** One page of a Query, starting after `start` (a `last` of the previous page). */
  async queryPage(input: QueryInput, start?: Record_ | null, what?: string): Promise<QueryPage> {
    const out = await this.send('Query', what, () =>
      this.client.send(new QueryCommand({ ...input, TableName: this.name, ExclusiveStartKey: start ?? undefined })),
    );
    return { items: out.Items ?? [], last: out.LastEvaluatedKey ?? null };
  }

  /** Every record of a Query, page by page (follows `LastEvaluatedKey`). */
  async *query(input: QueryInput, what?: string): AsyncIterable<Record_> {
    let start: Record_ | null = null;
    do {
      const page = await this.queryPage(input, start, what);
      yield* page.items;
      start = page.last;
    } while (start);
  }

  /** The whole table, one page (≤ 1 MB) at a time, filtered. For backtests and the local TTL purge only. */
  async *scanPages(filter: ScanFilter, what?: string): AsyncIterable<Record_[]> {
    let start: Record_ | undefined;
    do {
      const out = await this.send('Scan', what, () =>
        this.client.send(new ScanCommand({ TableName: this.name, ...filter, ExclusiveStartKey: start })),
      );
      yield out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }

  // ---------------------------------------------------------------- batches

  /**
   * Reads many records by key (BatchGetItem, ≤ 100 keys per call, strongly consistent), retrying
   * `UnprocessedKeys` with backoff. Order of the result is unspecified; missing keys are absent.
   * @throws StoreError `batch_incomplete` (retryable) when keys stay unprocessed after 8 attempts
   */
  async batchGet(keys: TableKey[], opts: { what?: string; projection?: string } = {}): Promise<Record_[]> {
    const found: Record_[] = [];
    const unique = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Record_[] = unique.slice(i, i + 100).map(keyOf);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= 8)
          throw new StoreError(
            'batch_incomplete',
            `BatchGetItem on ${this.name}${opts.what ? ` (${opts.what})` : ''} left ${pending.length} keys unprocessed after 8 attempts`,
            { retryable: true },
          );
        if (attempt > 0) await sleep(backoffMs(attempt));
        const keysNow = pending;
        const out = await this.send('BatchGetItem', opts.what, () =>
          this.client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [this.name]: {
                  Keys: keysNow,
                  ConsistentRead: true,
                  ...(opts.projection ? { ProjectionExpression: opts.projection } : {}),
                },
              },
            }),
          ),
        );
        found.push(...(out.Responses?.[this.name] ?? []));
        pending = out.UnprocessedKeys?.[this.name]?.Keys ?? [];
      }
    }
    return found;
  }

  /**
   * Puts and deletes many records (BatchWriteItem, chunks of 25), retrying `UnprocessedItems` with backoff.
   * Not atomic: a crash can leave part written, so callers write idempotent rows and re-sync them.
   * @throws StoreError `batch_incomplete` (retryable) after 8 attempts
   */
  async batchWrite(requests: WriteRequest[], what?: string): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= 8)
          throw new StoreError(
            'batch_incomplete',
            `BatchWriteItem on ${this.name}${what ? ` (${what})` : ''} left ${pending.length} writes unprocessed after 8 attempts`,
            { retryable: true },
          );
        if (attempt > 0) await sleep(backoffMs(attempt));
        const now = pending;
        const out = await this.send('BatchWriteItem', what, () =>
          this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.name]: now } })),
        );
        pending = out.UnprocessedItems?.[this.name] ?? [];
      }
    }
  }

  // ---------------------------------------------------------------- table

  /**
   * Creates the table with every GSI (`createTableInput`) if it does not exist, then waits until it is ACTIVE
   * (DescribeTable every 100 ms, at most 60 s). For the local runtime; in AWS the CDK stack owns the table.
   * @throws StoreError `table_mismatch` when a table of that name exists without the store's GSIs
   */
  async ensure(): Promise<void> {
    let desc = await this.describe();
    if (!desc) {
      try {
        await this.client.send(new CreateTableCommand(createTableInput(this.name)));
        this.count('CreateTable');
      } catch (err) {
        if (!(err instanceof ResourceInUseException)) throw storeErrorFrom('CreateTable', this.name, err);
      }
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      desc = await this.describe();
      if (desc?.status === 'ACTIVE') break;
      if (Date.now() > deadline)
        throw new StoreError('store_unavailable', `table ${this.name} did not become ACTIVE within 60 s`, {
          retryable: true,
        });
      await sleep(100);
    }
    const missing = TABLE_GSIS.map((g) => g.indexName).filter((n) => !desc?.indexes.includes(n));
    if (missing.length > 0) {
      throw new StoreError(
        'table_mismatch',
        `table ${this.name} exists but lacks index(es) ${missing.join(', ')}; recreate it`,
      );
    }
  }

  private async describe(): Promise<{ status: string; indexes: string[] } | null> {
    try {
      const out = await this.client.send(new DescribeTableCommand({ TableName: this.name }));
      this.count('DescribeTable');
      return {
        status: out.Table?.TableStatus ?? 'UNKNOWN',
        indexes: (out.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName ?? ''),
      };
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return null;
      throw storeErrorFrom('DescribeTable', this.name, err);
    }
  }

  // ---------------------------------------------------------------- internals

  private count(op: string): void {
    this.counters[op] = (this.counters[op] ?? 0) + 1;
  }

  private async send<T>(op: string, what: string | undefined, fn: () => Promise<T>): Promise<T> {
    this.count(op);
    try {
      return await fn();
    } catch (err) {
      throw storeErrorFrom(op, this.name, err, what);
    }
  }

  private async conditional(op: string, what: string | undefined, fn: () => Promise<unknown>): Promise<boolean> {
    this.count(op);
    try {
      await fn();
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw storeErrorFrom(op, this.name, err, what);
    }
  }
}

function keyOf(key: TableKey): Record_ {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function conditionInput(c: Condition | undefined): {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
} {
  if (!c) return {};
  return {
    ConditionExpression: c.expression,
    ...(c.names && Object.keys(c.names).length > 0 ? { ExpressionAttributeNames: c.names } : {}),
    ...(c.values && Object.keys(c.values).length > 0 ? { ExpressionAttributeValues: c.values } : {}),
  };
}
