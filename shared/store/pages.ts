import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { PageSchedule } from '../types.ts';
import { N, S, compact, getN, getS, parseJsonAttr, sha256Hex } from './codec.ts';
import { GSI_PARTITIONS, KEY_PREFIX, TABLE_GSIS } from './schema.ts';
import type { Table } from './table.ts';

/*
 * Page schedules: `PAGE#<itemId>` / `SCHEDULE`, one per item whose page is fetched again later — a retry of a fetch
 * that failed transiently, or a recheck of a page that matched a topic (shared/pipeline/pages.ts decides). The
 * schedule is JSON in `doc` with a write revision `rev` (every write is conditional on the revision read, so two
 * workers never both advance one schedule) and the item's TTL `expiresAt`.
 *
 * While a fetch is due, the record is on the due-time index of the feed states (gsi2, the same index: dynalite
 * cannot add one later) under its own partitions `PAGEDUE#<shard>` (4 shards by item id) with sort key
 * `<nextAt>#<itemId>`; a finished schedule drops both attributes and leaves the index (a sparse index, DynamoDB
 * developer guide "Take advantage of sparse indexes"). A scheduler tick reads the due ones with one Query per shard,
 * bounded by a limit, so its reads grow with the pages due, not with the pages scheduled.
 */

/** Shards of the page due-time index (as for feeds: spreads index writes over partitions). */
export const PAGE_DUE_SHARDS = 4;

/** Shard of an item's page schedule on the due-time index (stable: from the item id). */
export function pageShardOf(itemId: string): number {
  return Number.parseInt(sha256Hex(itemId).slice(0, 2), 16) % PAGE_DUE_SHARDS;
}

/** A page schedule as read, with the revision the next write must be conditional on. */
export interface StoredPageSchedule {
  schedule: PageSchedule;
  rev: number;
}

/** Page schedules on the table. Every method throws `StoreError` (see `Table`). */
export class PageScheduleRepo {
  constructor(
    private readonly table: Table,
    private readonly opts: { retentionDays: number },
  ) {}

  /** The schedule of one item's page (strongly consistent), or null when none was ever written. */
  async get(itemId: string): Promise<StoredPageSchedule | null> {
    const rec = await this.table.get({ pk: KEY_PREFIX.page + itemId, sk: 'SCHEDULE' }, { what: `page ${itemId}` });
    if (!rec) return null;
    return { schedule: parseJsonAttr<PageSchedule>(rec, 'doc', `page schedule ${itemId}`), rev: getN(rec, 'rev') ?? 0 };
  }

  /**
   * Writes a schedule, conditional on the revision read: `prevRev` null = only when no schedule exists yet.
   * The record expires with the item (`firstSeenAt` + retention).
   * @returns false when another writer changed (or created) the schedule since it was read — nothing written
   */
  async put(schedule: PageSchedule, prevRev: number | null): Promise<boolean> {
    const g = TABLE_GSIS[1];
    const expiresAt = Math.floor(Date.parse(schedule.firstSeenAt) / 1000) + this.opts.retentionDays * 86_400;
    const rec = compact({
      pk: S(KEY_PREFIX.page + schedule.itemId),
      sk: S('SCHEDULE'),
      doc: S(JSON.stringify(schedule)),
      rev: N((prevRev ?? 0) + 1),
      expiresAt: Number.isFinite(expiresAt) ? N(expiresAt) : undefined,
      [g.partitionKey]: schedule.nextAt ? S(`${GSI_PARTITIONS.pagesDue}${pageShardOf(schedule.itemId)}`) : undefined,
      [g.sortKey]: schedule.nextAt ? S(`${schedule.nextAt}#${schedule.itemId}`) : undefined,
    });
    return this.table.put(rec, {
      condition:
        prevRev === null
          ? { expression: 'attribute_not_exists(pk)' }
          : { expression: '#rev = :rev', names: { '#rev': 'rev' }, values: { ':rev': N(prevRev) } },
      what: `page schedule ${schedule.itemId}`,
    });
  }

  /**
   * Schedules whose `nextAt` is at or before `now`, oldest first: one Query per shard over the due-time index
   * (eventually consistent), each limited to `ceil(limit / 4)` records, so a tick reads at most about `limit`
   * records however many are due (the rest stay due for the next tick).
   * @param limit the most schedules wanted (0 = none, no request)
   */
  async listDue(now: Date, limit: number): Promise<PageSchedule[]> {
    if (limit <= 0) return [];
    const g = TABLE_GSIS[1];
    const perShard = Math.ceil(limit / PAGE_DUE_SHARDS);
    const out: PageSchedule[] = [];
    for (let shard = 0; shard < PAGE_DUE_SHARDS; shard++) {
      const values: Record<string, AttributeValue> = {
        ':p': S(`${GSI_PARTITIONS.pagesDue}${shard}`),
        ':hi': S(`${now.toISOString()}#\uffff`),
      };
      const page = await this.table.queryPage(
        {
          IndexName: g.indexName,
          KeyConditionExpression: '#p = :p AND #s <= :hi',
          ExpressionAttributeNames: { '#p': g.partitionKey, '#s': g.sortKey },
          ExpressionAttributeValues: values,
          Limit: perShard,
        },
        null,
        'due page schedules',
      );
      for (const rec of page.items) {
        out.push(parseJsonAttr<PageSchedule>(rec, 'doc', `page schedule ${getS(rec, 'pk')}`));
      }
    }
    return out.sort((a, b) => ((a.nextAt ?? '') < (b.nextAt ?? '') ? -1 : 1)).slice(0, limit);
  }
}
