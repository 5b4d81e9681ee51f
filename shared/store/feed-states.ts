import type { FeedState } from '../types.ts';
import { S, getS, parseJsonAttr, sha256Hex, type Record_ } from './codec.ts';
import { GSI_PARTITIONS, KEY_PREFIX, TABLE_GSIS } from './schema.ts';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { QueryInput, Table } from './table.ts';

/*
 * Feed states: `FEED#<feedId>` / `STATE` with the state as JSON. Each state is also on a due-time index (gsi2):
 * partition `FEEDDUE#<shard>` (a few shards, so no single index partition takes every feed's writes — DynamoDB
 * developer guide, "Designing partition keys to distribute your workload"), sort key `<nextPollAt>#<feedId>`.
 * A scheduler tick then reads only the feeds that are due: one Query per shard over `sort key ≤ now`, so its reads
 * grow with the due feeds, not with all feeds.
 *
 * A catalog record `FEEDS` / `CATALOG` holds the hash of the configured feed ids: when the configuration
 * changes (feeds added), one tick reads the states of every configured feed by key and gives each new feed an
 * initial state that is due at once, so it enters the index. The same pass retires the states of feeds no longer
 * configured: their sort key becomes `~retired#<feedId>`, which sorts after every time, so no tick's `≤ now` Query
 * reads them again, while `listFeedStates` (the feed health listing) still finds them. A retired feed that is
 * configured again is put back on the due side by the next catalog pass.
 */

/** Shards of the due-time index. 4 × 1,000 writes/s per partition is far above 10,000 feeds every 5 minutes. */
export const FEED_DUE_SHARDS = 4;
/** Sort-key time of a state that was never scheduled: sorts before every real time, so it is due. */
const NEVER = '0000-00-00T00:00:00.000Z';
/** Sort-key prefix of a feed no longer configured: `~` sorts after the digits every time starts with. */
const RETIRED = '~retired#';

/** Shard of a feed on the due-time index (stable: from the feed id). */
export function dueShardOf(feedId: string): number {
  return Number.parseInt(sha256Hex(feedId).slice(0, 2), 16) % FEED_DUE_SHARDS;
}

/** Hash of a set of feed ids, order-independent (the catalog marker). */
export function catalogHash(feedIds: string[]): string {
  return sha256Hex([...new Set(feedIds)].sort().join('\n'));
}

function stateRecord(state: FeedState, retired = false): Record_ {
  return {
    pk: S(KEY_PREFIX.feed + state.feedId),
    sk: S('STATE'),
    [TABLE_GSIS[1].partitionKey]: S(`${GSI_PARTITIONS.feedsDue}${dueShardOf(state.feedId)}`),
    [TABLE_GSIS[1].sortKey]: S(retired ? `${RETIRED}${state.feedId}` : `${state.nextPollAt ?? NEVER}#${state.feedId}`),
    state: S(JSON.stringify(state)),
  };
}

/** Feed states on the table. Implements shared/feeds' `FeedStateRepo`. Every method throws `StoreError`. */
export class FeedStateRepo {
  constructor(private readonly table: Table) {}

  /** The persisted state of one feed, or null before its first poll. */
  async getFeedState(feedId: string): Promise<FeedState | null> {
    const rec = await this.table.get({ pk: KEY_PREFIX.feed + feedId, sk: 'STATE' }, { what: `feed state ${feedId}` });
    return rec ? parseJsonAttr<FeedState>(rec, 'state', `feed state ${feedId}`) : null;
  }

  /** States of many feeds by id (BatchGetItem, 100 per call); feeds without a state are absent. */
  async getFeedStates(feedIds: string[]): Promise<Map<string, FeedState>> {
    const recs = await this.table.batchGet(
      feedIds.map((id) => ({ pk: KEY_PREFIX.feed + id, sk: 'STATE' })),
      { what: 'feed states' },
    );
    const out = new Map<string, FeedState>();
    for (const r of recs) {
      const s = parseJsonAttr<FeedState>(r, 'state', `feed state ${getS(r, 'pk')}`);
      out.set(s.feedId, s);
    }
    return out;
  }

  /** Writes (replaces) the state of one feed and its place on the due-time index. */
  async putFeedState(state: FeedState): Promise<void> {
    await this.table.put(stateRecord(state), { what: `feed state ${state.feedId}` });
  }

  /**
   * Completes the due-time index for these configured feeds, then records `hash` as the catalog marker: a feed
   * without a state gets `initial(feed)` (due at once), a state stored under an older index layout or retired is
   * re-put, and the state of every feed on the index that is not among `feeds` is retired (kept, off the due side).
   * Every write is conditional, so a state a concurrent poll just wrote is never replaced. Reads: one BatchGet per
   * 100 feeds and one paginated Query per shard (the index, eventually consistent); writes: one per feed that
   * needed it.
   * @returns how many states were written (created, re-put and retired)
   */
  async indexCatalog(
    feeds: Array<{ id: string }>,
    initial: (feedId: string) => FeedState,
    hash: string,
    at: Date,
  ): Promise<number> {
    const recs = await this.table.batchGet(
      feeds.map((f) => ({ pk: KEY_PREFIX.feed + f.id, sk: 'STATE' })),
      { what: 'feed states' },
    );
    const stored = new Map(recs.map((r) => [getS(r, 'pk') ?? '', r] as const));
    const sortKey = TABLE_GSIS[1].sortKey;
    const unchanged = (rec: Record_) => ({
      expression: '#st = :old',
      names: { '#st': 'state' },
      values: { ':old': rec.state! },
    });
    const writes: Array<() => Promise<boolean>> = [];
    for (const f of feeds) {
      const rec = stored.get(KEY_PREFIX.feed + f.id);
      if (!rec) {
        writes.push(() =>
          this.table.put(stateRecord(initial(f.id)), {
            condition: { expression: 'attribute_not_exists(pk)' },
            what: `feed state ${f.id}`,
          }),
        );
      } else if (
        !getS(rec, TABLE_GSIS[1].partitionKey)?.startsWith(GSI_PARTITIONS.feedsDue) ||
        getS(rec, sortKey)?.startsWith(RETIRED)
      ) {
        const state = parseJsonAttr<FeedState>(rec, 'state', `feed state ${f.id}`);
        writes.push(() =>
          this.table.put(stateRecord(state), { condition: unchanged(rec), what: `feed state ${f.id}` }),
        );
      }
    }
    // Feeds no longer configured would stay due for ever (nothing polls them again): take them off the due side.
    const configured = new Set(feeds.map((f) => f.id));
    for (let shard = 0; shard < FEED_DUE_SHARDS; shard++) {
      for await (const rec of this.table.query(this.shardQuery(shard, null), 'feed states')) {
        if (getS(rec, sortKey)?.startsWith(RETIRED)) continue;
        const state = parseJsonAttr<FeedState>(rec, 'state', `feed state ${getS(rec, 'pk')}`);
        if (configured.has(state.feedId)) continue;
        writes.push(() =>
          this.table.put(stateRecord(state, true), { condition: unchanged(rec), what: `feed state ${state.feedId}` }),
        );
      }
    }
    let written = 0;
    for (let i = 0; i < writes.length; i += 25) {
      const done = await Promise.all(writes.slice(i, i + 25).map((w) => w()));
      written += done.filter(Boolean).length;
    }
    await this.putCatalogHash(hash, at);
    return written;
  }

  /**
   * Every feed state on the index, retired ones included, ordered by feed id (one paginated Query per shard;
   * eventually consistent).
   */
  async listFeedStates(): Promise<FeedState[]> {
    const out: FeedState[] = [];
    for (let shard = 0; shard < FEED_DUE_SHARDS; shard++) {
      for await (const rec of this.table.query(this.shardQuery(shard, null), 'feed states')) {
        out.push(parseJsonAttr<FeedState>(rec, 'state', `feed state ${getS(rec, 'pk')}`));
      }
    }
    return out.sort((a, b) => (a.feedId < b.feedId ? -1 : a.feedId > b.feedId ? 1 : 0));
  }

  /**
   * The states whose `nextPollAt` is at or before `now` (or that were never scheduled): one paginated Query per
   * shard over the due-time index. Reads are proportional to the due feeds.
   */
  async listDueFeedStates(now: Date): Promise<FeedState[]> {
    const out: FeedState[] = [];
    for (let shard = 0; shard < FEED_DUE_SHARDS; shard++) {
      for await (const rec of this.table.query(this.shardQuery(shard, now.toISOString()), 'due feed states')) {
        out.push(parseJsonAttr<FeedState>(rec, 'state', `feed state ${getS(rec, 'pk')}`));
      }
    }
    return out;
  }

  /** The catalog marker (hash of the configured feed ids the index was last completed for), or null. */
  async getCatalogHash(): Promise<string | null> {
    const rec = await this.table.get({ pk: 'FEEDS', sk: 'CATALOG' }, { what: 'feed catalog' });
    return getS(rec ?? undefined, 'hash');
  }

  /** Records that every feed of `hash` has a state on the due-time index. */
  async putCatalogHash(hash: string, at: Date): Promise<void> {
    await this.table.put(
      { pk: S('FEEDS'), sk: S('CATALOG'), hash: S(hash), updatedAt: S(at.toISOString()) },
      { what: 'feed catalog' },
    );
  }

  private shardQuery(shard: number, upTo: string | null): QueryInput {
    const g = TABLE_GSIS[1];
    const names: Record<string, string> = { '#p': g.partitionKey };
    const values: Record<string, AttributeValue> = { ':p': S(`${GSI_PARTITIONS.feedsDue}${shard}`) };
    if (upTo !== null) {
      names['#s'] = g.sortKey;
      values[':hi'] = S(`${upTo}#\uffff`);
    }
    return {
      IndexName: g.indexName,
      KeyConditionExpression: upTo === null ? '#p = :p' : '#p = :p AND #s <= :hi',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }
}
