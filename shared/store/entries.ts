import type { FeedEntry } from '../types.ts';
import { N, S, getS, sha256Hex } from './codec.ts';
import { KEY_PREFIX } from './schema.ts';
import type { Table } from './table.ts';

/*
 * Entries seen, per feed: `ENTRY#<sha256(feedId \n entryKey)>` / `ENTRY`, holding the entry's change fingerprint
 * and the item it produced. Entries are tracked per feed, so the same article in a second feed still reaches the
 * item (and records that feed on it).
 */

/** Change fingerprint of a feed entry: sha256 hex over title, summary, contentHtml and updatedAt. */
export function entryFingerprint(entry: FeedEntry): string {
  return sha256Hex(JSON.stringify([entry.title, entry.summary, entry.contentHtml, entry.updatedAt]));
}

/** Entries processed per feed. Every method throws `StoreError` (see `Table`). */
export class EntryRepo {
  constructor(
    private readonly table: Table,
    private readonly opts: { retentionDays: number; now: () => Date },
  ) {}

  /**
   * The entries never processed for this feed, or whose fingerprint (`entryFingerprint`) changed since.
   * Duplicate keys in `entries` are returned once (first occurrence). Order is preserved. One BatchGetItem per
   * 100 distinct entries.
   */
  async filterNewEntries(feedId: string, entries: FeedEntry[]): Promise<FeedEntry[]> {
    const unique = new Map<string, FeedEntry>();
    for (const e of entries) if (!unique.has(e.key)) unique.set(e.key, e);
    const keys = [...unique.keys()];
    const recs = await this.table.batchGet(
      keys.map((k) => ({ pk: entryPk(feedId, k), sk: 'ENTRY' })),
      { what: `entries of feed ${feedId}` },
    );
    const seen = new Map<string, string | null>();
    for (const r of recs) {
      const key = getS(r, 'entryKey');
      if (key !== null) seen.set(key, getS(r, 'fingerprint'));
    }
    return [...unique.values()].filter((e) => seen.get(e.key) !== entryFingerprint(e));
  }

  /** Records an entry as processed (after its item is saved), with its fingerprint and the item it produced. */
  async markEntrySeen(feedId: string, entry: FeedEntry, itemId: string): Promise<void> {
    const now = this.opts.now();
    await this.table.put(
      {
        pk: S(entryPk(feedId, entry.key)),
        sk: S('ENTRY'),
        entryKey: S(entry.key),
        feedId: S(feedId),
        fingerprint: S(entryFingerprint(entry)),
        itemId: S(itemId),
        seenAt: S(now.toISOString()),
        expiresAt: N(Math.floor(now.getTime() / 1000) + this.opts.retentionDays * 86_400),
      },
      { what: `entry ${entry.key} of feed ${feedId}` },
    );
  }
}

function entryPk(feedId: string, key: string): string {
  return KEY_PREFIX.entry + sha256Hex(`${feedId}\n${key}`).slice(0, 40);
}
