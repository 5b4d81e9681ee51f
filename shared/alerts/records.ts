import { N, S, getS, type Record_ } from '../store/codec.ts';
import { TABLE_GSIS, TABLE_KEYS } from '../store/schema.ts';
import type { Table } from '../store/table.ts';
import type { AlertJob } from '../types.ts';
import { ALERT_STATUSES, type AlertRecord, type AlertStatus } from './types.ts';

/*
 * Alert records in the single table, through the one table layer (shared/store/table.ts):
 *
 * | entity        | pk                            | sk                 | gsi2pk                 | gsi2sk                  |
 * |---------------|-------------------------------|--------------------|------------------------|-------------------------|
 * | alert         | `ALERT#<storyId>#<topicId>`   | `SUB#<subId>[#v<n>]`| `ALERT#<status>`       | `<updatedAt>#<key>`     |
 * | digest state  | `DIGEST#<subId>`              | `STATE`            | —                      | —                       |
 * | hourly budget | `BUDGET#<subId>`              | `<YYYY-MM-DDTHH>`  | —                      | —                       |
 * | outbox intent | `OUTBOX#<storyId>#<topicId>`  | `JOB`              | `OUTBOX`               | `<createdAt>#<pk>`      |
 *
 * Outbox intents make an alert durable before the entry that caused it counts as processed: the pipeline writes
 * them with the item, the fan-out deletes them once every subscription has its alert record, and a sweep delivers
 * the ones no queue message carries any more (a crash between the two).
 *
 * The alert record's body is the JSON of `AlertRecord` in attribute `doc`; `status` is duplicated as a top-level
 * attribute for condition expressions. Records expire with their item (`expiresAt`, the table's TTL attribute).
 */

const PK = TABLE_KEYS.partitionKey;
const TTL = TABLE_KEYS.ttlAttribute;
const GSI2 = TABLE_GSIS[1];

/** Partition key of an alert record. */
export function alertPk(storyId: string, topicId: string): string {
  return `ALERT#${storyId}#${topicId}`;
}

/** Sort key of an alert record: `SUB#<subscriptionId>`, or `SUB#<subscriptionId>#v<version>` for an update. */
export function alertSk(subscriptionId: string, version?: number): string {
  return version === undefined ? `SUB#${subscriptionId}` : `SUB#${subscriptionId}#v${version}`;
}

/** `YYYY-MM-DDTHH` of the UTC hour containing `d` (budget window). */
export function hourBucket(d: Date): string {
  return d.toISOString().slice(0, 13);
}

/** Alert, digest-state and budget records. Every method throws `StoreError` on store failure (see `Table`). */
export class AlertRepo {
  constructor(private readonly table: Table) {}

  private attrs(rec: AlertRecord): Record_ {
    return {
      [PK]: S(alertPk(rec.storyId, rec.topicId)),
      [TABLE_KEYS.sortKey]: S(alertSk(rec.subscriptionId, rec.version)),
      [GSI2.partitionKey]: S(`ALERT#${rec.status}`),
      [GSI2.sortKey]: S(`${rec.updatedAt}#${rec.key}`),
      status: S(rec.status),
      doc: S(JSON.stringify(rec)),
    };
  }

  /**
   * Conditional put of a new record (`attribute_not_exists(pk)`): the exactly-once gate.
   * @param expiresAt TTL, epoch seconds (the item's), or null for none
   * @returns true when created, false when a record for this story × topic × subscription already exists
   */
  async claim(rec: AlertRecord, expiresAt: number | null): Promise<boolean> {
    const item = this.attrs(rec);
    if (expiresAt !== null) item[TTL] = N(expiresAt);
    return this.table.put(item, {
      condition: { expression: 'attribute_not_exists(#pk)', names: { '#pk': PK } },
      what: `alert ${rec.key}`,
    });
  }

  /**
   * Replaces the record's body and status when its stored status is still `expected` (optimistic transition).
   * @returns false when another worker moved it first
   */
  async transition(rec: AlertRecord, expected: AlertStatus): Promise<boolean> {
    const a = this.attrs(rec);
    return this.table.update(
      { pk: alertPk(rec.storyId, rec.topicId), sk: alertSk(rec.subscriptionId, rec.version) },
      {
        expression: 'SET #g2pk = :g2pk, #g2sk = :g2sk, #status = :status, #doc = :doc',
        names: { '#g2pk': GSI2.partitionKey, '#g2sk': GSI2.sortKey, '#status': 'status', '#doc': 'doc' },
        values: {
          ':g2pk': a[GSI2.partitionKey]!,
          ':g2sk': a[GSI2.sortKey]!,
          ':status': a.status!,
          ':doc': a.doc!,
        },
        condition: { expression: '#status = :expected', values: { ':expected': S(expected) } },
      },
      { what: `alert ${rec.key}` },
    );
  }

  /** Reads one record (strongly consistent), or null. `version` reads an update alert's record. */
  async get(storyId: string, topicId: string, subscriptionId: string, version?: number): Promise<AlertRecord | null> {
    const rec = await this.table.get(
      { pk: alertPk(storyId, topicId), sk: alertSk(subscriptionId, version) },
      { what: `alert ${storyId}#${topicId}#${subscriptionId}` },
    );
    return rec ? parseDoc(rec) : null;
  }

  /**
   * Records with `status`, newest `updatedAt` first (gsi2, eventually consistent).
   * @param limit max records (default: all)
   */
  async listByStatus(status: AlertStatus, limit = Number.POSITIVE_INFINITY): Promise<AlertRecord[]> {
    const out: AlertRecord[] = [];
    let start: Record_ | null = null;
    do {
      const page = await this.table.queryPage(
        {
          IndexName: GSI2.indexName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': GSI2.partitionKey },
          ExpressionAttributeValues: { ':pk': S(`ALERT#${status}`) },
          ScanIndexForward: false,
          Limit: Number.isFinite(limit) ? Math.min(1000, limit - out.length) : 1000,
        },
        start,
        `${status} alerts`,
      );
      for (const it of page.items) {
        // With a KEYS_ONLY/INCLUDE projection the index lacks `doc`: read the base record instead.
        const rec = it.doc ? parseDoc(it) : await this.getByKey(it);
        // gsi2 is eventually consistent: trust the base status attribute copied with it.
        if (rec && rec.status === status) out.push(rec);
      }
      start = page.last;
    } while (start && out.length < limit);
    return out;
  }

  /**
   * One page of records, newest `updatedAt` first, for the API (`GET /alerts`): with `status`, that status only;
   * without, every status merged. Bounded: one Query per status on gsi2 (`ALERT#<status>`, `gsi2sk < before`,
   * descending, `Limit = limit + 1`), so at most 5 × (limit + 1) index rows are read per call, whatever the table
   * holds. gsi2 is eventually consistent: a row whose record moved to another status meanwhile is skipped.
   * @param q.before the `gsi2sk` (`<updatedAt>#<key>`) of the last record of the previous page, or null
   * @returns the records and the position after the last one, or null on the last page
   */
  async listPage(q: {
    status?: AlertStatus;
    limit: number;
    before: string | null;
  }): Promise<{ alerts: AlertRecord[]; before: string | null }> {
    const statuses: readonly AlertStatus[] = q.status ? [q.status] : ALERT_STATUSES;
    const found = await Promise.all(
      statuses.map(async (status) => {
        const values: Record_ = { ':pk': S(`ALERT#${status}`) };
        if (q.before !== null) values[':before'] = S(q.before);
        const page = await this.table.queryPage(
          {
            IndexName: GSI2.indexName,
            KeyConditionExpression: q.before !== null ? '#pk = :pk AND #sk < :before' : '#pk = :pk',
            // DynamoDB refuses expression names the expression does not use.
            ExpressionAttributeNames:
              q.before !== null ? { '#pk': GSI2.partitionKey, '#sk': GSI2.sortKey } : { '#pk': GSI2.partitionKey },
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
            Limit: q.limit + 1,
          },
          null,
          `${status} alerts`,
        );
        const out: Array<{ sk: string; rec: AlertRecord }> = [];
        for (const it of page.items) {
          const rec = parseDoc(it);
          if (rec && rec.status === status) out.push({ sk: getS(it, GSI2.sortKey) ?? '', rec });
        }
        return out;
      }),
    );
    const all = found.flat().sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0));
    const page = all.slice(0, q.limit);
    return {
      alerts: page.map((r) => r.rec),
      before: all.length > q.limit && page.length > 0 ? page[page.length - 1]!.sk : null,
    };
  }

  private async getByKey(indexItem: Record_): Promise<AlertRecord | null> {
    const pk = getS(indexItem, PK);
    const sk = getS(indexItem, TABLE_KEYS.sortKey);
    if (!pk || !sk) return null;
    const rec = await this.table.get({ pk, sk }, { consistent: false, what: 'alert from index key' });
    return rec ? parseDoc(rec) : null;
  }

  /**
   * Takes one unit of a subscription's hourly budget (atomic `ADD` with a `< max` condition).
   * @param hour `YYYY-MM-DDTHH` (UTC)
   * @returns true when within budget, false when the hour's budget is spent
   */
  async consumeBudget(subscriptionId: string, hour: string, max: number, expiresAt: number): Promise<boolean> {
    return this.table.update(
      { pk: `BUDGET#${subscriptionId}`, sk: hour },
      {
        expression: 'ADD #n :one SET #ttl = :ttl',
        names: { '#n': 'used', '#ttl': TTL },
        values: { ':one': N(1), ':ttl': N(expiresAt) },
        condition: { expression: 'attribute_not_exists(#n) OR #n < :max', values: { ':max': N(max) } },
      },
      { what: `budget of ${subscriptionId}` },
    );
  }

  /** When the subscription's last digest ran (ISO-8601 UTC), or null. */
  async getDigestState(subscriptionId: string): Promise<{ lastRunAt: string } | null> {
    const rec = await this.table.get(
      { pk: `DIGEST#${subscriptionId}`, sk: 'STATE' },
      { what: `digest state of ${subscriptionId}` },
    );
    const lastRunAt = getS(rec ?? undefined, 'lastRunAt');
    return lastRunAt ? { lastRunAt } : null;
  }

  /** Records that the subscription's digest ran at `lastRunAt` (ISO-8601 UTC). */
  async putDigestState(subscriptionId: string, lastRunAt: string): Promise<void> {
    await this.table.put(
      { [PK]: S(`DIGEST#${subscriptionId}`), [TABLE_KEYS.sortKey]: S('STATE'), lastRunAt: S(lastRunAt) },
      { what: `digest state of ${subscriptionId}` },
    );
  }
}

/** An alert job waiting in the outbox. */
export interface OutboxIntent {
  job: AlertJob;
  /** When the intent was written, ISO-8601 UTC. */
  createdAt: string;
}

function outboxPk(job: AlertJob): string {
  return `OUTBOX#${job.storyId}#${job.topicId}`;
}

/** Outbox intents (see the table above). Every method throws `StoreError` on store failure. */
export class OutboxRepo {
  constructor(private readonly table: Table) {}

  /** Writes the intents (BatchWriteItem; idempotent: a replay rewrites the same records). */
  async put(jobs: AlertJob[], at: Date, expiresAt: number | null): Promise<void> {
    const createdAt = at.toISOString();
    await this.table.batchWrite(
      jobs.map((job) => ({
        PutRequest: {
          Item: {
            [PK]: S(outboxPk(job)),
            [TABLE_KEYS.sortKey]: S('JOB'),
            [GSI2.partitionKey]: S('OUTBOX'),
            [GSI2.sortKey]: S(`${createdAt}#${outboxPk(job)}`),
            job: S(JSON.stringify(job)),
            createdAt: S(createdAt),
            ...(expiresAt !== null ? { [TTL]: N(expiresAt) } : {}),
          },
        },
      })),
      'outbox intents',
    );
  }

  /** Removes the intent of a delivered job. */
  async remove(job: AlertJob): Promise<void> {
    await this.table.delete({ pk: outboxPk(job), sk: 'JOB' }, { what: `outbox intent ${outboxPk(job)}` });
  }

  /** Intents written at or before `olderThan` (ISO-8601), oldest first, at most `limit` (gsi2, eventually consistent). */
  async listOlderThan(olderThan: string, limit: number): Promise<OutboxIntent[]> {
    const out: OutboxIntent[] = [];
    let start: Record_ | null = null;
    do {
      const page = await this.table.queryPage(
        {
          IndexName: GSI2.indexName,
          KeyConditionExpression: '#pk = :pk AND #sk <= :hi',
          ExpressionAttributeNames: { '#pk': GSI2.partitionKey, '#sk': GSI2.sortKey },
          ExpressionAttributeValues: { ':pk': S('OUTBOX'), ':hi': S(`${olderThan}#\uffff`) },
          Limit: Math.min(1000, limit - out.length),
        },
        start,
        'outbox intents',
      );
      for (const it of page.items) {
        const raw = getS(it, 'job');
        if (!raw) continue;
        try {
          out.push({ job: JSON.parse(raw) as AlertJob, createdAt: getS(it, 'createdAt') ?? '' });
        } catch {
          // A record that does not decode cannot be delivered; it expires with its TTL.
        }
      }
      start = page.last;
    } while (start && out.length < limit);
    return out;
  }
}

function parseDoc(item: Record_): AlertRecord | null {
  const raw = getS(item, 'doc');
  if (!raw) return null;
  try {
    return JSON.parse(raw) as AlertRecord;
  } catch {
    return null;
  }
}
