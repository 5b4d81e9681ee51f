import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { StoryDetail, StoryMember, StorySummary, StoryVersion, TopicMatch } from '../types.ts';
import { N, S, SS, compact, getN, getS, isoOrNull, parseJsonAttr, type Record_ } from './codec.ts';
import { TABLE_GSIS } from './schema.ts';
import type { QueryInput, Table } from './table.ts';

/*
 * What wirewatch keeps about a story for people (the story index of shared/stories is separate: see
 * story-index.ts), on the single table:
 *
 * | record        | pk                     | sk                           | what                                       |
 * |---------------|------------------------|------------------------------|--------------------------------------------|
 * | summary       | `STORY#<id>`           | `SUMMARY`                    | `StorySummary` + topic evidence (JSON),    |
 * |               |                        |                              | gsi1 `STORIES` / `<lastActivityAt>#<id>`   |
 * | topic row     | `STORYTOPIC#<topic>`   | `<lastActivityAt>#<id>`      | summary copy: stories by topic             |
 * | feed row      | `FEEDSTORY#<feed>`     | `<lastActivityAt>#<id>`      | summary copy: stories by feed              |
 * | lineage       | `STORY#<id>`           | `MEMBER#<itemId>`            | `StoryMember`                              |
 * | version       | `STORY#<id>`           | `VERSION#<000000n>`          | `StoryVersion`                             |
 *
 * The summary is written with optimistic locking (`rev`); its listing rows move with `lastActivityAt` (stale ones
 * are deleted when it changes). Every record expires with the items (`store.retentionDays` after the last
 * activity).
 */

/** At most this many member ids are kept on the summary (the lineage rows hold them all). */
const MAX_MEMBER_IDS = 500;
/** At most this many versions are listed per story (newest kept). */
export const MAX_VERSIONS = 50;

/** The summary record with what only the store needs. */
export interface StoredStorySummary extends StorySummary {
  /** Member item ids (bounded), to count distinct members and find the latest version. */
  memberIds: string[];
  /** The item of the latest version (the text the next version is compared with). */
  latestItemId: string;
  /** Per topic, the evidence of the member that scored highest. */
  topicMatches: TopicMatch[];
}

/** Filters of `queryStories`: the same as items'. `limit` 1–100; `after` = the previous page's `last`. */
export interface StoryQuery {
  topic?: string;
  feed?: string;
  /** Inclusive bounds on `lastActivityAt` (ISO-8601). */
  since?: string;
  until?: string;
  limit: number;
  after?: Record<string, unknown> | null;
}

/** One page of stories, newest activity first. */
export interface StoryPage {
  stories: StorySummary[];
  last: Record<string, unknown> | null;
}

const summaryKey = (id: string) => ({ pk: `STORY#${id}`, sk: 'SUMMARY' });

/** The public view of a stored summary. */
export function toStorySummary(s: StoredStorySummary): StorySummary {
  return {
    id: s.id,
    title: s.title,
    original: s.original,
    firstSeenAt: s.firstSeenAt,
    lastActivityAt: s.lastActivityAt,
    members: s.members,
    version: s.version,
    topics: s.topics,
    feedIds: s.feedIds,
  };
}

/** Stories for people: summaries, lineage and versions. Every method throws `StoreError` (see `Table`). */
export class StoryRepo {
  constructor(
    private readonly table: Table,
    private readonly opts: { retentionDays: number },
  ) {}

  /** The stored summary and its revision, or null. */
  async getSummary(id: string): Promise<{ summary: StoredStorySummary; rev: number } | null> {
    const rec = await this.table.get(summaryKey(id), { what: `story ${id}` });
    if (!rec) return null;
    return { summary: parseJsonAttr<StoredStorySummary>(rec, 'doc', `story ${id}`), rev: getN(rec, 'rev') ?? 0 };
  }

  /**
   * Writes the summary if its revision is still `rev` (null = it must not exist yet), and moves its listing rows.
   * @returns false when another writer changed it first (re-read and try again)
   */
  async putSummary(next: StoredStorySummary, prev: StoredStorySummary | null, rev: number | null): Promise<boolean> {
    const expiresAt = this.expiry(next.lastActivityAt);
    const listing = S(JSON.stringify(toStorySummary(next)));
    const ok = await this.table.put(
      {
        ...keyAttrs(summaryKey(next.id)),
        [TABLE_GSIS[0].partitionKey]: S('STORIES'),
        [TABLE_GSIS[0].sortKey]: S(`${next.lastActivityAt}#${next.id}`),
        doc: S(JSON.stringify(next)),
        summary: listing,
        rev: N((rev ?? 0) + 1),
        expiresAt: N(expiresAt),
      },
      {
        condition:
          rev === null
            ? { expression: 'attribute_not_exists(pk)' }
            : { expression: 'rev = :rev', values: { ':rev': N(rev) } },
        what: `story ${next.id}`,
      },
    );
    if (!ok) return false;
    const rows = listingRows(next, listing, expiresAt);
    const keep = new Set(rows.map((r) => `${getS(r, 'pk')}\u0000${getS(r, 'sk')}`));
    const stale = prev
      ? listingRows(prev, listing, expiresAt).filter((r) => !keep.has(`${getS(r, 'pk')}\u0000${getS(r, 'sk')}`))
      : [];
    await this.table.batchWrite(
      [
        ...stale.map((r) => ({ DeleteRequest: { Key: { pk: r.pk!, sk: r.sk! } } })),
        ...rows.map((Item) => ({ PutRequest: { Item } })),
      ],
      `listing rows of story ${next.id}`,
    );
    return true;
  }

  /** Removes a story's summary and listing rows (after it was merged into another). */
  async removeSummary(summary: StoredStorySummary): Promise<void> {
    const rows = listingRows(summary, S(''), 0);
    await this.table.batchWrite(
      [summaryKey(summary.id), ...rows.map((r) => ({ pk: getS(r, 'pk')!, sk: getS(r, 'sk')! }))].map((k) => ({
        DeleteRequest: { Key: { pk: S(k.pk), sk: S(k.sk) } },
      })),
      `story ${summary.id}`,
    );
  }

  /** Records a lineage member (idempotent: the same item replaces its own row). */
  async putMember(storyId: string, member: StoryMember): Promise<void> {
    await this.table.put(
      {
        pk: S(`STORY#${storyId}`),
        sk: S(`MEMBER#${member.itemId}`),
        doc: S(JSON.stringify(member)),
        expiresAt: N(this.expiry(member.firstSeenAt)),
      },
      { what: `lineage of story ${storyId}` },
    );
  }

  /** Every lineage member of a story, by first sight (one paginated Query). */
  async listMembers(storyId: string): Promise<StoryMember[]> {
    const out: StoryMember[] = [];
    for await (const rec of this.table.query(prefixQuery(`STORY#${storyId}`, 'MEMBER#'), `lineage of ${storyId}`)) {
      out.push(parseJsonAttr<StoryMember>(rec, 'doc', `lineage of story ${storyId}`));
    }
    return out.sort((a, b) => a.firstSeenAt.localeCompare(b.firstSeenAt) || a.itemId.localeCompare(b.itemId));
  }

  /**
   * Records a version under its number, only if that number is free.
   * @returns false when another writer recorded that number first
   */
  async putVersion(storyId: string, version: StoryVersion): Promise<boolean> {
    return this.table.put(
      {
        pk: S(`STORY#${storyId}`),
        sk: S(`VERSION#${String(version.version).padStart(7, '0')}`),
        doc: S(JSON.stringify(version)),
        expiresAt: N(this.expiry(version.at)),
      },
      { condition: { expression: 'attribute_not_exists(pk)' }, what: `version ${version.version} of story ${storyId}` },
    );
  }

  /** The newest `MAX_VERSIONS` versions of a story, oldest first. */
  async listVersions(storyId: string): Promise<StoryVersion[]> {
    const page = await this.table.queryPage(
      { ...prefixQuery(`STORY#${storyId}`, 'VERSION#'), ScanIndexForward: false, Limit: MAX_VERSIONS },
      null,
      `versions of ${storyId}`,
    );
    return page.items.map((r) => parseJsonAttr<StoryVersion>(r, 'doc', `versions of story ${storyId}`)).reverse();
  }

  /** The story in full, or null. */
  async getStory(id: string): Promise<StoryDetail | null> {
    const got = await this.getSummary(id);
    if (!got) return null;
    const [lineage, versions] = await Promise.all([this.listMembers(id), this.listVersions(id)]);
    const { memberIds: _m, latestItemId: _l, ...rest } = got.summary;
    return { ...rest, lineage, versions };
  }

  /**
   * One page of stories, newest activity first. Access paths: `topic` → `STORYTOPIC#<topic>` (feed as a filter);
   * `feed` → `FEEDSTORY#<feed>`; neither → gsi1 `STORIES`. since/until are key conditions on `lastActivityAt`.
   */
  async queryStories(q: StoryQuery): Promise<StoryPage> {
    const since = isoOrNull(q.since) ?? '';
    const hi = `${isoOrNull(q.until) ?? '9999'}#~`;
    let input: QueryInput;
    const values: Record<string, AttributeValue> = { ':lo': S(since), ':hi': S(hi) };
    let filter: string | undefined;
    if (q.topic !== undefined || q.feed !== undefined) {
      values[':pk'] = S(q.topic !== undefined ? `STORYTOPIC#${q.topic}` : `FEEDSTORY#${q.feed}`);
      input = { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi' };
      if (q.topic !== undefined && q.feed !== undefined) {
        filter = 'contains(feedIds, :feed)';
        values[':feed'] = S(q.feed);
      }
    } else {
      const g = TABLE_GSIS[0];
      values[':pk'] = S('STORIES');
      input = {
        IndexName: g.indexName,
        KeyConditionExpression: '#gp = :pk AND #gs BETWEEN :lo AND :hi',
        ExpressionAttributeNames: { '#gp': g.partitionKey, '#gs': g.sortKey },
      };
    }
    input.ExpressionAttributeValues = values;
    input.ScanIndexForward = false;
    input.Limit = q.limit + 1;
    if (filter) input.FilterExpression = filter;
    let start: Record_ | null = q.after ? toKey(q.after) : null;
    const found: Record_[] = [];
    do {
      const page = await this.table.queryPage(input, start, 'stories');
      for (const rec of page.items) {
        found.push(rec);
        if (found.length > q.limit) break;
      }
      start = page.last;
      if (filter) input.Limit = Math.min((input.Limit ?? 100) * 4, 1000);
    } while (found.length <= q.limit && start);
    const page = found.slice(0, q.limit);
    const lastRec = page.at(-1);
    const keyNames = input.IndexName ? ['pk', 'sk', TABLE_GSIS[0].partitionKey, TABLE_GSIS[0].sortKey] : ['pk', 'sk'];
    return {
      stories: page.map((r) => parseJsonAttr<StorySummary>(r, 'summary', `story row ${getS(r, 'pk')}`)),
      last: found.length > q.limit && lastRec ? Object.fromEntries(keyNames.map((k) => [k, getS(lastRec, k)])) : null,
    };
  }

  private expiry(iso: string): number {
    const t = Date.parse(iso);
    return Math.floor((Number.isNaN(t) ? Date.now() : t) / 1000) + this.opts.retentionDays * 86_400;
  }
}

/** A summary record's key as attributes. */
function keyAttrs(k: { pk: string; sk: string }): Record_ {
  return { pk: S(k.pk), sk: S(k.sk) };
}

/** Query every record of `pk` whose sort key starts with `prefix`. */
function prefixQuery(pk: string, prefix: string): QueryInput {
  return {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
    ExpressionAttributeValues: { ':pk': S(pk), ':p': S(prefix) },
  };
}

/** The topic and feed listing rows of a summary. */
function listingRows(s: StoredStorySummary, listing: AttributeValue, expiresAt: number): Record_[] {
  const sk = S(`${s.lastActivityAt}#${s.id}`);
  const common = { summary: listing, storyId: S(s.id), expiresAt: N(expiresAt) };
  return [
    ...s.topics.map((t) => compact({ pk: S(`STORYTOPIC#${t.id}`), sk, feedIds: SS(s.feedIds), ...common })),
    ...s.feedIds.map((f) => ({ pk: S(`FEEDSTORY#${f}`), sk, ...common })),
  ];
}

/** Converts a `last` object (string attributes only) back into an ExclusiveStartKey. */
function toKey(last: Record<string, unknown>): Record_ {
  const key: Record_ = {};
  for (const [k, v] of Object.entries(last)) if (typeof v === 'string') key[k] = S(v);
  return key;
}

/** Bounds a member id list (keeps the first ones: the original and the earliest carriers). */
export function boundedMemberIds(ids: string[]): string[] {
  return [...new Set(ids)].slice(0, MAX_MEMBER_IDS);
}
