/**
 * The storage port of story assignment: the only I/O {@link assignStory} does. Six operations, each one
 * DynamoDB request (GetItem / BatchGetItem ≤ 100 keys / PutItem or UpdateItem with a condition expression);
 * no transactions, no scans, no process-local state. `MemoryStoryIndex` (memory-port.ts) implements it in
 * memory with the same semantics; a DynamoDB adapter implements it on the single table.
 *
 * ## Records (suggested DynamoDB shapes, single table)
 *
 * **Story record** — pk `STORY#<storyId>`, sk `STORY`:
 *
 * | attribute    | type | meaning                                                                             |
 * | ------------ | ---- | ----------------------------------------------------------------------------------- |
 * | `storyId`    | S    | the story id (= the item id of the document that started it)                        |
 * | `createdAt`  | S    | ISO-8601 UTC                                                                        |
 * | `original`   | M    | `{i: itemId, t: publishedAt, a: agency \| NULL}` — the wire-bylined or earliest one |
 * | `members`    | L    | ≤ 4 member maps `{i, u, o, h, t, a, d, n, w: B, c: B, s: B}` (below); [0] began it  |
 * | `rev`        | N    | optimistic-concurrency revision of `members`/`original`                             |
 * | `mergedInto` | S    | absent, or the earlier story this one was merged into (redirect, see storyRank)     |
 * | `expiresAt`  | N    | epoch seconds; the table's TTL attribute                                            |
 *
 * A member map: `i` itemId, `u` url, `o` outlet, `h` headline, `t` publishedAt, `a` agency, `d` dateline place
 * (S or NULL), `n` reporters' surnames (S, space-separated), `w` word count per paragraph (Uint16 LE), `c` sampled
 * shingles per paragraph (Uint16 LE), `s` sampled shingles (Uint32 LE).
 * Size: ≈ 1.8 KB per 800-word member, at most ≈ 3.4 KB; with 4 members a record stays under ≈ 14 KB, within
 * the 16 KB budget and far under DynamoDB's 400 KB item limit.
 *
 * **Key row** — pk `SKEY#<key>`, sk `SKEY`: `owner` S (the first story that claimed the key), `carriers` SS
 * (distinct stories that carried the key, at most `maxCarriers`), `expiresAt` N (TTL).
 *
 * ## Operations as DynamoDB requests
 *
 * - {@link StoryIndexPort.getKeys}: BatchGetItem (eventually consistent is enough: a stale read only delays
 *   detection to the claim, which is always strongly consistent). Rows with `expiresAt ≤ now` are absent
 *   (TTL deletion lags by up to days; filter on read).
 * - {@link StoryIndexPort.getStories}: BatchGetItem with `ConsistentRead: true` — the protocol relies on
 *   seeing a story record that was written before a claim one has seen. Expired records are absent.
 * - {@link StoryIndexPort.putStory}: PutItem, `ConditionExpression: attribute_not_exists(pk)`.
 * - {@link StoryIndexPort.claimKey}: UpdateItem `SET #owner = if_not_exists(#owner, :sid), expiresAt = :exp
 *   ADD carriers :sidSet`, `ConditionExpression: attribute_not_exists(carriers) OR size(carriers) < :cap OR
 *   contains(carriers, :sid)`, `ReturnValues: ALL_NEW`. A ConditionalCheckFailed means saturated: return null.
 *   (These expressions were tried on dynalite: owner kept by the first claimer, the set grown, a saturated
 *   key refused with ConditionalCheckFailedException.)
 *   A row whose `expiresAt` has passed but that TTL has not deleted yet is replaced first (PutItem with
 *   `ConditionExpression: expiresAt <= :now`), so a claim never inherits an expired owner.
 * - {@link StoryIndexPort.setMergedInto}: UpdateItem `SET mergedInto = :into`, `ConditionExpression:
 *   attribute_exists(pk) AND attribute_not_exists(mergedInto)`.
 * - {@link StoryIndexPort.updateStory}: UpdateItem `SET members = :m, original = :o, rev = :next, expiresAt =
 *   :exp`, `ConditionExpression: rev = :rev`.
 */
import type { MemberPrint } from './fingerprint.ts';
import type { Agency } from './normalise.ts';

/** An index key row: who claimed the key first and which distinct stories carried it. */
export interface KeyRow {
  key: string;
  /** The story that claimed the key first. */
  owner: string;
  /** Distinct stories that carried the key (including `owner`), at most the port's cap; a set, order not significant. */
  carriers: string[];
  /** Epoch seconds after which the row is gone. */
  expiresAt: number;
}

/** The story's "original": the wire-bylined member if any, else the earliest published one. */
export interface StoryOriginal {
  itemId: string;
  publishedAt: string;
  agency: Agency | null;
}

/** A story record: its member fingerprints and its redirect, if merged. */
export interface StoryRecord {
  storyId: string;
  /** ISO-8601 UTC. */
  createdAt: string;
  original: StoryOriginal;
  /** Member fingerprints, [0] = the document that started the story; at most 4. */
  members: MemberPrint[];
  /** Revision of `members` / `original`, for optimistic concurrency. Starts at 0. */
  rev: number;
  /** The story this one was merged into (always an earlier one: older `createdAt`, then smaller id), or null. */
  mergedInto: string | null;
  /** Epoch seconds after which the record is gone. */
  expiresAt: number;
}

/**
 * The storage port. Every method is one request; every write is atomic on one record. Implementations must
 * treat records whose `expiresAt` (epoch seconds) has passed as absent.
 * @throws StoreError (implementation-defined) when the store cannot be reached; `retryable` as appropriate.
 */
export interface StoryIndexPort {
  /** Reads key rows (≤ 100 keys). Missing or expired keys are absent from the map. */
  getKeys(keys: string[]): Promise<Map<string, KeyRow>>;
  /** Reads story records (≤ 100 ids), strongly consistent. Missing or expired records are absent. */
  getStories(storyIds: string[]): Promise<Map<string, StoryRecord>>;
  /** Creates a story record if none exists with its id. @returns true if created, false if one existed */
  putStory(record: StoryRecord): Promise<boolean>;
  /**
   * Claims a key for a story: sets `owner` if the key has none, adds the story to `carriers` unless the set
   * already holds `maxCarriers` other stories, refreshes `expiresAt`.
   * @returns the row after the write, or null when the key is saturated (nothing was written)
   */
  claimKey(key: string, storyId: string, expiresAt: number, maxCarriers: number): Promise<KeyRow | null>;
  /**
   * Records a redirect `storyId → into`, only if `storyId` exists and has no redirect yet.
   * @returns true if written, false if the story was missing or already redirected
   */
  setMergedInto(storyId: string, into: string): Promise<boolean>;
  /**
   * Replaces `members` and `original` and refreshes `expiresAt`, only if the record's `rev` equals
   * `expectedRev`; sets `rev` to `expectedRev + 1`.
   * @returns true if written, false on a revision conflict or a missing record
   */
  updateStory(
    storyId: string,
    expectedRev: number,
    patch: { members: MemberPrint[]; original: StoryOriginal },
    expiresAt: number,
  ): Promise<boolean>;
}
