import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { FeedEntry, IsoDateTime, ItemSummary, StoredItem, TopicMatch } from '../types.ts';
import { StoreError } from '../errors.ts';
import {
  B,
  N,
  S,
  SS,
  compact,
  getB,
  getN,
  getS,
  gunzipText,
  gzipText,
  isoOrNull,
  itemSizeBytes,
  parseJsonAttr,
  sha256Hex,
  type Record_,
} from './codec.ts';
import { GSI_PARTITIONS, KEY_PREFIX, TABLE_GSIS } from './schema.ts';
import type { Condition, QueryInput, Table } from './table.ts';
import type { Extraction } from '../types.ts';

/*
 * Items and the index rows each item owns, on the single table (README.md#data-model):
 *
 * | record        | pk                 | sk                    | what                                         |
 * |---------------|--------------------|-----------------------|----------------------------------------------|
 * | item          | `ITEM#<id>`        | `ITEM`                | the document (`doc` JSON) + gzip text        |
 * | listing row   | `ITEM#<id>`        | `LIST`                | gsi1 `ITEMS` / `<sortAt>#<id>`: every item   |
 * | topic row     | `TOPIC#<topic>`    | `<sortAt>#<id>`       | items by topic, newest first                 |
 * | feed row      | `FEED#<feed>`      | `ITEM#<sortAt>#<id>`  | items by feed                                |
 * | URL row       | `URL#<sha256>`     | `URL`                 | any URL of the item → item id                |
 */

/**
 * Largest item the store writes, in bytes: DynamoDB refuses items over 400 KB (developer guide, "Service,
 * account, and table quotas"); 350 KB leaves room for the size estimate's error.
 */
export const SAFE_ITEM_BYTES = 350_000;
/** Titles longer than this (UTF-16 code units) are cut with `…` before storing. */
export const MAX_TITLE_CHARS = 2_000;
/** At most this many URLs (canonical + aliases) are kept on an item. */
export const MAX_URLS = 50;
/** Budget for the item document without its text (topics with evidence, urls, metadata), bytes. */
const MAX_DOC_BYTES = 96_000;

/** What the pipeline hands `saveItem` for one processed article. */
export interface ItemInput {
  /** Not accepted: the id is always `itemIdFor(canonicalUrl)`. */
  id?: never;
  /** Canonical URL (already canonicalised by shared/feeds). */
  canonicalUrl: string;
  /** Other URLs the article was reached by (entry link, final redirect URL). */
  aliasUrls: string[];
  /** The story the article belongs to (shared/stories); default: the item's own id (a story of its own). */
  storyId?: string;
  feedId: string;
  entry: FeedEntry;
  extraction: Extraction;
  /** Topics that matched (from `topicSet.classify`). */
  topics: TopicMatch[];
  /** When the entry was first seen, ISO-8601 UTC. Becomes `firstSeenAt` on creation, `updatedAt` always. */
  seenAt: IsoDateTime;
}

/** Result of `saveItem`. `newTopics` are the topics to alert on: none for `unchanged`. */
export interface SaveResult {
  outcome: 'created' | 'updated' | 'unchanged';
  /** True when the item's content was written: on creation, and when its text or title changed (version + 1). */
  contentChanged: boolean;
  item: StoredItem;
  newTopics: TopicMatch[];
  /** The item as it was before this save when its content changed (the previous version), else null. */
  previous: StoredItem | null;
}

/** Filters of `queryItems`. Times ISO-8601; `limit` 1–100 (not validated here: the API does that). */
export interface ItemQuery {
  topic?: string;
  feed?: string;
  /** Inclusive lower bound on the item's sort time (`publishedAt`, else `firstSeenAt`). */
  since?: string;
  /** Inclusive upper bound on the sort time. */
  until?: string;
  /** Case-insensitive substring of the title. */
  q?: string;
  limit: number;
  /** `last` of the previous page (opaque to callers; the API signs it into a cursor). */
  after?: Record<string, unknown> | null;
}

/** One page of `queryItems`: newest first; `last` null when there is no further page. */
export interface ItemPage {
  items: ItemSummary[];
  last: Record<string, unknown> | null;
}

/**
 * Stable item id for a canonical URL: `i_` + the first 24 hex chars of sha256(url).
 * @param canonicalUrl an already canonicalised absolute URL (or a `urn:` pseudo-URL)
 */
export function itemIdFor(canonicalUrl: string): string {
  return `i_${sha256Hex(canonicalUrl).slice(0, 24)}`;
}

/** The list view of a stored item. */
export function toSummary(item: StoredItem): ItemSummary {
  return {
    id: item.id,
    url: item.url,
    title: item.title,
    publishedAt: item.publishedAt,
    firstSeenAt: item.firstSeenAt,
    feedIds: item.feedIds,
    extraction: { status: item.extraction.status },
    topics: item.topics.map((t) => ({ id: t.id, score: t.score })),
  };
}

/** The time an item sorts by in every list: publishedAt, else firstSeenAt (ISO-8601, lexically ordered). */
const sortAtOf = (item: StoredItem): string => item.publishedAt ?? item.firstSeenAt;

/** Thrown inside the optimistic-locking loop when another writer got there first. */
class LostRace extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Options of the item repository. */
export interface ItemRepoOptions {
  /** Items (and their index rows) expire this many days after first sight (TTL `expiresAt`). */
  retentionDays: number;
  /** Clock (default `new Date()`). */
  now?: () => Date;
}

/**
 * Items on the table: idempotent saves with optimistic locking, index rows, queries. Every method throws
 * `StoreError` (see `Table`); `corrupt_record` for records it cannot decode.
 */
export class ItemRepo {
  private readonly now: () => Date;
  readonly retentionDays: number;

  constructor(
    private readonly table: Table,
    opts: ItemRepoOptions,
  ) {
    this.retentionDays = opts.retentionDays;
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Stores one processed article idempotently:
   * - first sight → conditional put (`attribute_not_exists(pk)`), outcome `created`, newTopics = all topics;
   * - same content (title + text hash) and nothing new → `unchanged`, nothing changes, newTopics = [];
   * - changed title/text → the item is rewritten in place with `version + 1`, outcome `updated`, newTopics =
   *   topics not on the item before;
   * - same content reached from another feed or URL → feedIds/urls extended, outcome `updated`, newTopics =
   *   topics not on the item before (normally none).
   * Concurrent writers are serialised by a conditional write on the record revision (retried up to 5 times).
   * The text is gzip-compressed and, if the item would pass `SAFE_ITEM_BYTES`, cut at a paragraph boundary
   * (`textTruncated: true`; `contentHash` is always of the full text).
   * @throws StoreError (see the class)
   */
  async saveItem(input: ItemInput): Promise<SaveResult> {
    const id = itemIdFor(input.canonicalUrl);
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.getItemRecord(id);
      try {
        if (!existing) {
          const item = this.buildItem(id, input);
          await this.writeItem(item, null);
          await this.syncRows(null, item);
          return { outcome: 'created', contentChanged: true, item, newTopics: item.topics, previous: null };
        }
        return await this.mergeInto(existing.item, existing.rev, input);
      } catch (err) {
        if (err instanceof LostRace) {
          await sleep(10 + Math.random() * 40 * (attempt + 1));
          continue;
        }
        throw err;
      }
    }
    throw new StoreError('write_conflict', `item ${id} kept changing under concurrent writers; try again`, {
      retryable: true,
    });
  }

  private async mergeInto(old: StoredItem, rev: number, input: ItemInput): Promise<SaveResult> {
    const fresh = this.buildItem(old.id, input);
    const urls = unique([old.url, ...old.urls, ...fresh.urls]).slice(0, MAX_URLS);
    const feedIds = unique([...old.feedIds, ...fresh.feedIds]);
    const contentChanged = fresh.contentHash !== old.contentHash || fresh.title !== old.title;
    const dated = betterDate(old, fresh).publishedAt !== old.publishedAt;
    const extended = urls.length !== old.urls.length || feedIds.length !== old.feedIds.length || dated;
    const oldTopicIds = new Set(old.topics.map((t) => t.id));
    if (!contentChanged && !extended) {
      // Replays change nothing; re-put the index rows so a crash between the two writes heals itself.
      await this.syncRows(old, old);
      return { outcome: 'unchanged', contentChanged: false, item: old, newTopics: [], previous: null };
    }
    let next: StoredItem;
    if (contentChanged) {
      next = {
        ...fresh,
        url: old.url,
        urls,
        feedIds,
        firstSeenAt: old.firstSeenAt,
        expiresAt: old.expiresAt,
        version: old.version + 1,
        updatedAt: this.nowIso(),
        ...betterDate(old, fresh),
      };
    } else {
      // Same content from another feed/URL: keep the stored content, add topics the item lacked, and take a
      // better publication date when this arrival brings one.
      const added = fresh.topics.filter((t) => !oldTopicIds.has(t.id));
      next = {
        ...old,
        urls,
        feedIds,
        topics: [...old.topics, ...added],
        updatedAt: this.nowIso(),
        ...betterDate(old, fresh),
      };
    }
    await this.writeItem(next, rev);
    await this.syncRows(old, next);
    return {
      outcome: 'updated',
      contentChanged,
      item: next,
      newTopics: next.topics.filter((t) => !oldTopicIds.has(t.id)),
      previous: contentChanged ? old : null,
    };
  }

  /** The full item with its (decompressed) text, or null. @throws StoreError `corrupt_record` */
  async getItem(id: string): Promise<StoredItem | null> {
    return (await this.getItemRecord(id))?.item ?? null;
  }

  /** The id of the item that any of its URLs (canonical or alias) belongs to, or null. */
  async findItemIdByUrl(url: string): Promise<string | null> {
    const rec = await this.table.get({ pk: this.urlPk(url), sk: 'URL' }, { what: `url ${url}` });
    return getS(rec ?? undefined, 'itemId');
  }

  /**
   * Replaces an item's topics (backtests / rule changes) without touching its content or version, and moves
   * its topic rows accordingly. Never reports new topics (re-tags do not alert).
   * @throws StoreError `not_found` when the item does not exist
   */
  async retagItem(id: string, topics: TopicMatch[]): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.getItemRecord(id);
      if (!existing) throw new StoreError('not_found', `item ${id} does not exist (expired?)`);
      const next: StoredItem = { ...existing.item, topics: fitTopics(topics) };
      try {
        await this.writeItem(next, existing.rev);
        await this.syncRows(existing.item, next);
        return;
      } catch (err) {
        if (err instanceof LostRace) continue;
        throw err;
      }
    }
    throw new StoreError('write_conflict', `item ${id} kept changing during retag; try again`, { retryable: true });
  }

  /**
   * Moves an item to another story (after its story was merged into that one), without touching its content.
   * @throws StoreError `not_found` when the item does not exist
   */
  async setStoryId(id: string, storyId: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.getItemRecord(id);
      if (!existing) throw new StoreError('not_found', `item ${id} does not exist (expired?)`);
      if (existing.item.storyId === storyId) return;
      try {
        await this.writeItem({ ...existing.item, storyId }, existing.rev);
        return;
      } catch (err) {
        if (err instanceof LostRace) continue;
        throw err;
      }
    }
    throw new StoreError('write_conflict', `item ${id} kept changing while its story moved; try again`, {
      retryable: true,
    });
  }

  /** Every stored item's id, title, text and topics (Scan; for topic backtests). Order unspecified. */
  async *scanItems(): AsyncIterable<{ id: string; title: string; text: string; topics: TopicMatch[] }> {
    const pages = this.table.scanPages(
      {
        FilterExpression: 'sk = :s AND begins_with(pk, :p)',
        ExpressionAttributeValues: { ':s': S('ITEM'), ':p': S(KEY_PREFIX.item) },
      },
      'items',
    );
    for await (const page of pages) {
      for (const rec of page) {
        const item = this.decodeItem(rec);
        yield { id: item.id, title: item.title, text: item.text, topics: item.topics };
      }
    }
  }

  /**
   * One page of item summaries, newest first (by `publishedAt`, else `firstSeenAt`), matching every filter.
   * Access paths: `topic` → Query `TOPIC#<topic>` (feed/q as filters); `feed` → Query `FEED#<feed>` rows
   * `ITEM#…`; neither → Query gsi1 `ITEMS`. since/until are key conditions on the sort time. Fetches until
   * `limit + 1` matches (so `last` is null exactly when nothing follows).
   */
  async queryItems(q: ItemQuery): Promise<ItemPage> {
    const since = isoOrNull(q.since) ?? '';
    const until = isoOrNull(q.until);
    const hi = `${until ?? '9999'}#~`;
    const names: Record<string, string> = {};
    const values: Record<string, AttributeValue> = {};
    const filters: string[] = [];
    let input: QueryInput;
    if (q.topic !== undefined) {
      input = {
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      };
      Object.assign(values, { ':pk': S(KEY_PREFIX.topic + q.topic), ':lo': S(since), ':hi': S(hi) });
      if (q.feed !== undefined) {
        filters.push('contains(feedIds, :feed)');
        values[':feed'] = S(q.feed);
      }
    } else if (q.feed !== undefined) {
      input = { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi' };
      Object.assign(values, { ':pk': S(KEY_PREFIX.feed + q.feed), ':lo': S(`ITEM#${since}`), ':hi': S(`ITEM#${hi}`) });
    } else {
      const g = TABLE_GSIS[0];
      input = {
        IndexName: g.indexName,
        KeyConditionExpression: '#gp = :pk AND #gs BETWEEN :lo AND :hi',
      };
      Object.assign(names, { '#gp': g.partitionKey, '#gs': g.sortKey });
      Object.assign(values, { ':pk': S(GSI_PARTITIONS.allItems), ':lo': S(since), ':hi': S(hi) });
    }
    if (q.q !== undefined && q.q !== '') {
      filters.push('contains(tl, :q)');
      values[':q'] = S(q.q.toLowerCase());
    }
    input.ScanIndexForward = false;
    input.ExpressionAttributeValues = values;
    if (Object.keys(names).length > 0) input.ExpressionAttributeNames = names;
    if (filters.length > 0) input.FilterExpression = filters.join(' AND ');
    // Without filters every row read is a match: read exactly limit + 1. With filters, start there and read 4×
    // more per round trip (up to 1,000 rows), so selective filters need few round trips.
    input.Limit = q.limit + 1;
    let start: Record_ | null = q.after ? toKey(q.after) : null;

    const found: Record_[] = [];
    do {
      const out = await this.table.queryPage(input, start, 'items');
      for (const rec of out.items) {
        found.push(rec);
        if (found.length > q.limit) break;
      }
      start = out.last;
      if (filters.length > 0) input.Limit = Math.min(input.Limit * 4, 1000);
    } while (found.length <= q.limit && start);

    const page = found.slice(0, q.limit);
    const more = found.length > q.limit;
    const lastRec = page[page.length - 1];
    const keyNames = input.IndexName ? ['pk', 'sk', TABLE_GSIS[0].partitionKey, TABLE_GSIS[0].sortKey] : ['pk', 'sk'];
    return {
      items: page.map((r) => parseJsonAttr<ItemSummary>(r, 'summary', `row ${getS(r, 'pk')}/${getS(r, 'sk')}`)),
      last: more && lastRec ? Object.fromEntries(keyNames.map((k) => [k, getS(lastRec, k)])) : null,
    };
  }

  /**
   * Counts items tagged with `topic` whose sort time is at or after each of `since` (ISO-8601), e.g. the last
   * 24 h and 7 days for `GET /topics`. One paginated Query over the oldest bound.
   * @returns counts in the order of `since`
   */
  async countTopicItems(topic: string, since: string[]): Promise<number[]> {
    const bounds = since.map((s) => isoOrNull(s) ?? '');
    const oldest = bounds.reduce((a, b) => (a < b ? a : b), bounds[0] ?? '');
    const counts = bounds.map(() => 0);
    for await (const rec of this.table.query({
      KeyConditionExpression: 'pk = :pk AND sk >= :lo',
      ExpressionAttributeValues: { ':pk': S(KEY_PREFIX.topic + topic), ':lo': S(oldest) },
      ProjectionExpression: 'sk',
    })) {
      const sk = getS(rec, 'sk') ?? '';
      bounds.forEach((b, i) => {
        if (sk >= b) counts[i]! += 1;
      });
    }
    return counts;
  }

  /**
   * Sort times (`publishedAt`, else `firstSeenAt`; ISO-8601 UTC) of the items tagged `topic` whose sort time lies in
   * `[since, until]`, newest first, read from the topic's own rows (`TOPIC#<topic>`, key condition on `sk`,
   * projection `sk`): one paginated Query that stops after `maxRows` rows. DynamoDB bills a Query by the size of the
   * rows it reads, not of the projection (developer guide, "Read consumption for Query"), so a call costs about
   * rows × row size / 4 KB read units, halved because the read is eventually consistent.
   * @param maxRows upper bound on the rows read (≥ 1); more matching rows set `truncated`
   * @returns the times and whether rows beyond `maxRows` were left unread
   */
  async topicMatchTimes(
    topic: string,
    since: string,
    until: string,
    maxRows: number,
  ): Promise<{ times: string[]; truncated: boolean }> {
    const times: string[] = [];
    let start: Record_ | null = null;
    do {
      const page = await this.table.queryPage(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: {
            ':pk': S(KEY_PREFIX.topic + topic),
            ':lo': S(since),
            ':hi': S(`${until}#~`),
          },
          ProjectionExpression: 'sk',
          ScanIndexForward: false,
          // One more than needed, so a full page says whether anything is left.
          Limit: Math.min(1000, maxRows + 1 - times.length),
        },
        start,
        `timeline of topic ${topic}`,
      );
      for (const rec of page.items) {
        const sk = getS(rec, 'sk') ?? '';
        const at = sk.slice(0, sk.lastIndexOf('#'));
        if (times.length >= maxRows) return { times, truncated: true };
        times.push(at);
      }
      start = page.last;
    } while (start && times.length <= maxRows);
    return { times, truncated: false };
  }

  // ---------------------------------------------------------------- internals

  private buildItem(id: string, input: ItemInput): StoredItem {
    const { entry, extraction } = input;
    const seenAt = isoOrNull(input.seenAt) ?? this.nowIso();
    const rawTitle = (entry.title || extraction.title || '').trim();
    const title = rawTitle.length > MAX_TITLE_CHARS ? `${rawTitle.slice(0, MAX_TITLE_CHARS - 1)}…` : rawTitle;
    return {
      id,
      url: input.canonicalUrl,
      urls: unique([input.canonicalUrl, ...input.aliasUrls]).slice(0, MAX_URLS),
      feedIds: [input.feedId],
      title,
      byline: extraction.byline ?? entry.author ?? null,
      siteName: extraction.siteName ?? null,
      lang: extraction.lang ?? null,
      ...dateOf(entry, extraction),
      firstSeenAt: seenAt,
      updatedAt: seenAt,
      version: 1,
      extraction: {
        status: extraction.status,
        reason: extraction.reason,
        extractor: { ...extraction.extractor },
      },
      topics: fitTopics(input.topics),
      text: extraction.text,
      textTruncated: false,
      contentHash: sha256Hex(extraction.text),
      storyId: input.storyId ?? id,
      expiresAt: this.expiryFor(seenAt),
    };
  }

  /**
   * Writes the ITEM record. `rev` null = first sight (`attribute_not_exists(pk)`), else the revision read
   * (optimistic lock). Cuts the text to fit `SAFE_ITEM_BYTES` and updates `item.text`/`textTruncated`.
   * @throws LostRace when the condition fails
   */
  private async writeItem(item: StoredItem, rev: number | null): Promise<void> {
    const { text: _text, ...doc } = item;
    const base: Record_ = {
      pk: S(KEY_PREFIX.item + item.id),
      sk: S('ITEM'),
      id: S(item.id),
      version: N(item.version),
      rev: N((rev ?? 0) + 1),
      contentHash: S(item.contentHash),
      expiresAt: N(item.expiresAt),
      doc: S(JSON.stringify({ ...doc, textTruncated: false })),
      textGz: B(new Uint8Array(0)),
    };
    const budget = SAFE_ITEM_BYTES - itemSizeBytes(base) - 64;
    const fitted = fitText(item.text, budget);
    item.text = fitted.text;
    item.textTruncated = item.textTruncated || fitted.truncated;
    base.doc = S(JSON.stringify({ ...doc, textTruncated: item.textTruncated }));
    base.textGz = B(fitted.gz);
    const cond: Condition =
      rev === null
        ? { expression: 'attribute_not_exists(pk)' }
        : { expression: 'rev = :rev', values: { ':rev': N(rev) } };
    if (!(await this.table.put(base, { condition: cond, what: `item ${item.id}` }))) throw new LostRace();
  }

  private async getItemRecord(id: string): Promise<{ item: StoredItem; rev: number } | null> {
    const rec = await this.table.get({ pk: KEY_PREFIX.item + id, sk: 'ITEM' }, { what: `item ${id}` });
    if (!rec) return null;
    return { item: this.decodeItem(rec), rev: getN(rec, 'rev') ?? 0 };
  }

  private decodeItem(rec: Record_): StoredItem {
    const where = `item record ${getS(rec, 'pk')}`;
    const doc = parseJsonAttr<Omit<StoredItem, 'text'>>(rec, 'doc', where);
    const gz = getB(rec, 'textGz');
    return { ...doc, text: gz && gz.byteLength > 0 ? gunzipText(gz, where) : '' };
  }

  /** The index rows an item owns: LIST (gsi1), one TOPIC row per topic, one FEED row per feed, one URL row per url. */
  private rowsFor(item: StoredItem): Record_[] {
    const sortAt = sortAtOf(item);
    const summary = S(JSON.stringify(toSummary(item)));
    const tl = S(item.title.toLowerCase());
    const common = { summary, tl, itemId: S(item.id), expiresAt: N(item.expiresAt) };
    const rows: Record_[] = [
      compact({
        pk: S(KEY_PREFIX.item + item.id),
        sk: S('LIST'),
        [TABLE_GSIS[0].partitionKey]: S(GSI_PARTITIONS.allItems),
        [TABLE_GSIS[0].sortKey]: S(`${sortAt}#${item.id}`),
        ...common,
      }),
    ];
    for (const t of item.topics) {
      rows.push(
        compact({
          pk: S(KEY_PREFIX.topic + t.id),
          sk: S(`${sortAt}#${item.id}`),
          feedIds: SS(item.feedIds),
          ...common,
        }),
      );
    }
    for (const f of item.feedIds)
      rows.push({ pk: S(KEY_PREFIX.feed + f), sk: S(`ITEM#${sortAt}#${item.id}`), ...common });
    for (const u of item.urls) {
      rows.push({ pk: S(this.urlPk(u)), sk: S('URL'), url: S(u), itemId: S(item.id), expiresAt: N(item.expiresAt) });
    }
    return rows;
  }

  /** Puts `next`'s index rows and deletes `prev`'s rows that `next` no longer has (BatchWriteItem). */
  private async syncRows(prev: StoredItem | null, next: StoredItem): Promise<void> {
    const rows = this.rowsFor(next);
    const keep = new Set(rows.map((r) => `${getS(r, 'pk')}\u0000${getS(r, 'sk')}`));
    const stale = prev ? this.rowsFor(prev).filter((r) => !keep.has(`${getS(r, 'pk')}\u0000${getS(r, 'sk')}`)) : [];
    await this.table.batchWrite(
      [
        ...stale.map((r) => ({ DeleteRequest: { Key: { pk: r.pk!, sk: r.sk! } } })),
        ...rows.map((Item) => ({ PutRequest: { Item } })),
      ],
      `index rows of item ${next.id}`,
    );
  }

  private urlPk(url: string): string {
    return KEY_PREFIX.url + sha256Hex(url).slice(0, 40);
  }

  private nowIso(): string {
    return this.now().toISOString();
  }

  private expiryFor(iso: string): number {
    return Math.floor(Date.parse(iso) / 1000) + this.retentionDays * 86_400;
  }
}

/** An item's publication date and its source, from the feed entry, else the page's metadata. */
function dateOf(entry: FeedEntry, extraction: Extraction): Pick<StoredItem, 'publishedAt' | 'publishedAtSource'> {
  const fromEntry = isoOrNull(entry.publishedAt);
  if (fromEntry) return { publishedAt: fromEntry, publishedAtSource: entry.publishedAtSource ?? 'published' };
  const fromPage = isoOrNull(extraction.publishedAt);
  return fromPage
    ? { publishedAt: fromPage, publishedAtSource: 'page' }
    : { publishedAt: null, publishedAtSource: null };
}

/** Rank of a date source: a real publication date beats an update time, which beats none. */
const dateRank = (item: Pick<StoredItem, 'publishedAt' | 'publishedAtSource'>): number =>
  item.publishedAt === null ? 0 : item.publishedAtSource === 'updated' ? 1 : 2;

/** The stored date, unless the new arrival's is better (see `dateRank`). */
function betterDate(old: StoredItem, fresh: StoredItem): Pick<StoredItem, 'publishedAt' | 'publishedAtSource'> {
  return dateRank(fresh) > dateRank(old)
    ? { publishedAt: fresh.publishedAt, publishedAtSource: fresh.publishedAtSource ?? null }
    : { publishedAt: old.publishedAt, publishedAtSource: old.publishedAtSource ?? null };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Converts a `last` object (string attributes only) back into an ExclusiveStartKey. */
function toKey(last: Record<string, unknown>): Record_ {
  const key: Record_ = {};
  for (const [k, v] of Object.entries(last)) {
    if (typeof v !== 'string') throw new StoreError('bad_cursor', `cursor key attribute ${k} is not a string`);
    key[k] = S(v);
  }
  return key;
}

/**
 * Keeps topic evidence within `MAX_DOC_BYTES`: drops evidence entries from the end of the longest lists
 * until the JSON fits (scores and ids are always kept).
 */
function fitTopics(topics: TopicMatch[]): TopicMatch[] {
  let out = topics.map((t) => ({ ...t, evidence: [...t.evidence] }));
  while (Buffer.byteLength(JSON.stringify(out), 'utf8') > MAX_DOC_BYTES) {
    const longest = out.reduce((a, b) => (b.evidence.length > a.evidence.length ? b : a), out[0]!);
    if (!longest || longest.evidence.length === 0) {
      out = out.map((t) => ({ ...t, evidence: [] }));
      break;
    }
    longest.evidence.pop();
  }
  return out;
}

/**
 * gzip-compresses `text`; if the result exceeds `budget` bytes, keeps the longest prefix of whole paragraphs
 * (`\n\n`-separated) whose compressed size fits (binary search), or — when even the first paragraph is too
 * big — the longest prefix cut at a space.
 */
export function fitText(text: string, budget: number): { text: string; gz: Buffer; truncated: boolean } {
  const gz = gzipText(text);
  if (gz.byteLength <= budget) return { text, gz, truncated: false };
  const paras = text.split('\n\n');
  let lo = 0;
  let hi = paras.length - 1;
  let best: { text: string; gz: Buffer } | null = null;
  while (lo < hi) {
    const k = Math.floor((lo + hi + 1) / 2);
    const candidate = paras.slice(0, k).join('\n\n');
    const cgz = gzipText(candidate);
    if (cgz.byteLength <= budget) {
      best = { text: candidate, gz: cgz };
      lo = k;
    } else hi = k - 1;
  }
  if (best && best.text.length > 0) return { ...best, truncated: true };
  // One giant first paragraph: cut by characters at a space.
  const first = paras[0] ?? '';
  let clo = 0;
  let chi = first.length;
  let cut = { text: '', gz: gzipText('') };
  while (clo < chi) {
    const mid = Math.floor((clo + chi + 1) / 2);
    const sp = first.lastIndexOf(' ', mid);
    const candidate = first.slice(0, sp > 0 ? sp : mid);
    const cgz = gzipText(candidate);
    if (cgz.byteLength <= budget) {
      cut = { text: candidate, gz: cgz };
      clo = mid;
    } else chi = mid - 1;
  }
  return { ...cut, truncated: true };
}
