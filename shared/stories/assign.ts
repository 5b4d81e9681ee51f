/**
 * Online story assignment over a {@link StoryIndexPort}: each document, in arrival order, joins the story of
 * an earlier document it is a copy or version of, or starts a new story. Many processes may run it at once on
 * the same store; see index.ts for the protocol and its proof.
 */
import { WirewatchError } from '../errors.ts';
import {
  type Fingerprint,
  type FingerprintOptions,
  type MemberPrint,
  fingerprintDoc,
  type StoryDoc,
} from './fingerprint.ts';
import { agencyOfOutlet, type Origin } from './normalise.ts';
import type { KeyRow, StoryIndexPort, StoryOriginal, StoryRecord } from './port.ts';
import { type Verdict, type VerifyContext, verify } from './verify.ts';

/** Thrown when story assignment cannot complete; `retryable` says whether a redelivery may succeed. */
export class StoryError extends WirewatchError {
  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'StoryError';
  }
}

/** Options of {@link assignStory}. */
export interface AssignOptions {
  /** Current time, epoch ms (default `Date.now()`): sets `createdAt` and `expiresAt`. */
  now?: number;
  /** Days an index row or story record lives after its last write. Default 7. */
  windowDays?: number;
  /** Candidate stories fetched and verified per document (one BatchGetItem). Default 8. */
  maxCandidates?: number;
  /** Distinct stories recorded per key row; a key carried by more is "saturated". Default 16. */
  maxCarriers?: number;
  /** Member fingerprints kept per story (the first + the latest versions). Default 4. */
  maxMembers?: number;
  /** New body words (not in any member) that make a same-source document a version. Default 20. */
  minNewWords?: number;
  /** Fingerprint parameters, when `assignStory` is given a document rather than a fingerprint. */
  fingerprint?: Partial<FingerprintOptions>;
}

/** Defaults of {@link AssignOptions}. */
export const ASSIGN_DEFAULTS: Readonly<Required<Omit<AssignOptions, 'now' | 'fingerprint'>>> = Object.freeze({
  windowDays: 7,
  maxCandidates: 8,
  maxCarriers: 16,
  maxMembers: 4,
  minNewWords: 20,
});

/**
 * The outcome for one document.
 * - `role`: `original` = it started the story; `version` = a document adding new text (≥ `minNewWords`) that is
 *   from the story's source — the same URL or outlet as a member, or the agency's own outlet (`AP News`) — or that
 *   carries the story's wire agency in its own furniture and rewrote the lead (a writethru: any rule but `lead`);
 *   `copy` = any other member (an outlet's copy, also one with text of its own around the wire's lead).
 * - `matchedItemId`: the member it was verified against (null for an original).
 * - `similarity`: the verifier's containment of the smaller text in the larger, in [0, 1] (1 for an original).
 * - `merged`: story ids this call redirected (after a concurrent creation); callers re-point their items.
 */
export interface Assignment {
  storyId: string;
  role: 'original' | 'copy' | 'version';
  matchedItemId: string | null;
  similarity: number;
  rule: Verdict['rule'];
  origin: Origin;
  original: StoryOriginal;
  merged: string[];
}

const isFingerprint = (x: Fingerprint | StoryDoc): x is Fingerprint => 'member' in x && 'keys' in x;

/** Follows redirects from `storyId` (at most 16 hops), reading records not in `cache`. */
async function rootOf(
  port: StoryIndexPort,
  storyId: string,
  cache: Map<string, StoryRecord>,
): Promise<{ id: string; record: StoryRecord | null }> {
  let cur = storyId;
  for (let hop = 0; hop < 16; hop++) {
    let rec = cache.get(cur);
    if (!rec) {
      rec = (await port.getStories([cur])).get(cur);
      if (!rec) return { id: cur, record: null };
      cache.set(cur, rec);
    }
    if (!rec.mergedInto) return { id: cur, record: rec };
    cur = rec.mergedInto;
  }
  throw new StoryError('story_redirect_loop', `story ${storyId}: more than 16 redirects`, { retryable: false });
}

/**
 * The story a story id belongs to now, following `mergedInto` redirects (one strongly consistent read per hop).
 * A missing or expired record resolves to itself.
 * @throws StoryError `story_redirect_loop` after 16 hops (cannot happen: redirects point to smaller ids)
 */
export async function resolveStory(port: StoryIndexPort, storyId: string): Promise<string> {
  return (await rootOf(port, storyId, new Map())).id;
}

/**
 * The fixed total order of stories that redirects follow: older first (`createdAt`, ISO-8601 UTC, set once at
 * creation), then the smaller id. Every redirect points from a later story to an earlier one in this order,
 * so redirects never form a cycle, and an established story keeps its id when a concurrent twin is merged.
 */
export function storyRank(record: Pick<StoryRecord, 'storyId' | 'createdAt'>): string {
  return `${record.createdAt}\u0000${record.storyId}`;
}

/**
 * Joins two stories: afterwards both resolve to the same story. Union–find with compare-and-set: the later
 * (by {@link storyRank}) of the two current roots is redirected to the earlier, on the condition that it has
 * no redirect yet; a failed condition means a concurrent merge moved that root, so re-read and retry.
 * @returns the story ids this call redirected
 */
async function union(port: StoryIndexPort, a: string, b: string, cache: Map<string, StoryRecord>): Promise<string[]> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const ra = await rootOf(port, a, cache);
    const rb = await rootOf(port, b, cache);
    if (ra.id === rb.id) return [];
    // an expired story has nothing left to unite
    if (!ra.record || !rb.record) return [];
    const [lo, hi] = storyRank(ra.record) < storyRank(rb.record) ? [ra, rb] : [rb, ra];
    if (await port.setMergedInto(hi.id, lo.id)) {
      cache.set(hi.id, { ...hi.record!, mergedInto: lo.id });
      return [hi.id];
    }
    // hi was redirected (or expired) meanwhile: forget what we knew about it and walk again
    cache.delete(hi.id);
  }
  throw new StoryError('story_merge_contention', `stories ${a} and ${b}: merge kept conflicting`, { retryable: true });
}

/** Background knowledge for the verifier: how many stories other than `exclude` carried each key. */
function contextFrom(rows: Map<string, KeyRow>, exclude: Set<string>): VerifyContext {
  return {
    otherStories: (k) => {
      const r = rows.get(k);
      if (!r) return 0;
      let n = 0;
      for (const c of r.carriers) if (!exclude.has(c)) n++;
      return n;
    },
  };
}

interface Best {
  recordId: string;
  member: MemberPrint;
  verdict: Verdict;
}

function bestMatch(
  fp: Fingerprint,
  ids: string[],
  records: Map<string, StoryRecord>,
  rows: Map<string, KeyRow>,
  self: string,
): Best | null {
  let best: Best | null = null;
  for (const id of ids) {
    const rec = records.get(id);
    if (!rec) continue;
    const exclude = new Set([self, id]);
    if (rec.mergedInto) exclude.add(rec.mergedInto);
    const ctx = contextFrom(rows, exclude);
    for (const m of rec.members) {
      if (m.itemId === self) continue;
      const v = verify(fp.member, m, ctx);
      if (!v.same) continue;
      if (!best || v.similarity > best.verdict.similarity) best = { recordId: id, member: m, verdict: v };
    }
  }
  return best;
}

/** Body words of `fp` in paragraphs that are mostly (≥ 50% of sampled shingles) absent from every member. */
function newWords(fp: Fingerprint, members: MemberPrint[]): number {
  const known = new Set<number>();
  for (const m of members) for (const s of m.shingles) known.add(s);
  const { counts, words, shingles } = fp.member;
  let off = 0;
  let n = 0;
  counts.forEach((c, i) => {
    let hit = 0;
    for (let j = off; j < off + c; j++) if (known.has(shingles[j]!)) hit++;
    if (c > 0 && hit / c < 0.5) n += words[i]!;
    off += c;
  });
  return n;
}

/** The preferred original of two: a wire-bylined one over one without, then the earlier. */
function preferOriginal(cur: StoryOriginal, cand: StoryOriginal): StoryOriginal {
  if (Boolean(cand.agency) !== Boolean(cur.agency)) return cand.agency ? cand : cur;
  return cand.publishedAt < cur.publishedAt ? cand : cur;
}

/**
 * Assigns one document to a story: joins the story of a verified earlier copy or version, or starts one.
 *
 * I/O per document (K = index keys of the document ≤ 32 with the defaults, C = `maxCandidates`):
 * - copy of a known story: reads 1 BatchGetItem (K key rows) + 1 BatchGetItem (≤ C story records); writes 0
 *   (1 UpdateItem when the copy becomes the story's preferred original; 1 per extra story it also verifies
 *   against, which is merged);
 * - version of a known story: the same reads; writes 1 UpdateItem (members) + 1 UpdateItem per key the story
 *   did not carry yet and that is not saturated (+ the discovery read, as for a new story, when a claim reveals a
 *   concurrent story);
 * - new story: the same reads + 1 GetItem (resolve before returning); writes 1 PutItem + 1 UpdateItem claim per
 *   key not saturated when read (≤ K);
 *   plus, only when a claim reveals a story created concurrently, 1 BatchGetItem (≤ C) and 1 UpdateItem per
 *   merge. A redirect met on the way costs 1 GetItem per hop not already fetched.
 *
 * @param port the story index
 * @param input a fingerprint from {@link fingerprintDoc} (CPU work done by the caller), or the document
 * @param options see {@link AssignOptions}
 * @throws StoryError `story_merge_contention` (retryable) when concurrent merges keep conflicting;
 *   whatever the port throws (StoreError) on I/O failure — the call is idempotent and may be retried
 */
export async function assignStory(
  port: StoryIndexPort,
  input: Fingerprint | StoryDoc,
  options: AssignOptions = {},
): Promise<Assignment> {
  const o = { ...ASSIGN_DEFAULTS, ...options };
  const fp = isFingerprint(input) ? input : fingerprintDoc(input, options.fingerprint);
  const nowMs = options.now ?? Date.now();
  const expiresAt = Math.floor(nowMs / 1000) + Math.round(o.windowDays * 86400);
  const self = fp.member.itemId;
  const own: StoryOriginal = { itemId: self, publishedAt: fp.member.publishedAt, agency: fp.origin.agency };

  // 1. candidates: stories carrying the document's keys, rare keys first
  const rows = fp.keys.length ? await port.getKeys(fp.keys) : new Map<string, KeyRow>();
  const score = new Map<string, number>();
  for (const [k, r] of rows) {
    const w = (k.startsWith('b') ? 0.5 : 1) / r.carriers.length;
    for (const c of r.carriers) score.set(c, (score.get(c) ?? 0) + w);
  }
  const ranked = [...score.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, o.maxCandidates)
    .map(([id]) => id);
  const cache = ranked.length ? await port.getStories(ranked) : new Map<string, StoryRecord>();

  // a redelivered document that is already a member: the same answer again
  for (const id of ranked) {
    const rec = cache.get(id);
    const m = rec?.members.find((x) => x.itemId === self);
    if (rec && m) {
      const root = await rootOf(port, id, cache);
      const isFirst = rec.members[0]!.itemId === self && root.id === self;
      return {
        storyId: root.id,
        role: isFirst ? 'original' : 'version',
        matchedItemId: isFirst ? null : rec.members[0]!.itemId,
        similarity: 1,
        rule: null,
        origin: fp.origin,
        original: root.record?.original ?? rec.original,
        merged: [],
      };
    }
  }

  // 2. join the best verified candidate; several verified stories are one story (split by a race) — unite them
  const matches: Best[] = [];
  for (const id of ranked) {
    const b = bestMatch(fp, [id], cache, rows, self);
    if (b) matches.push(b);
  }
  if (matches.length) {
    matches.sort((a, b) => b.verdict.similarity - a.verdict.similarity);
    const best = matches[0]!;
    const merged: string[] = [];
    for (const m of matches.slice(1)) merged.push(...(await union(port, best.recordId, m.recordId, cache)));
    return join(port, fp, best, cache, rows, own, expiresAt, o, merged);
  }

  // 3. a new story: record first, then the claims
  const record: StoryRecord = {
    storyId: self,
    createdAt: new Date(nowMs).toISOString(),
    original: own,
    members: [fp.member],
    rev: 0,
    mergedInto: null,
    expiresAt,
  };
  if (!(await port.putStory(record))) {
    // the item already has a story record (a redelivery, or a re-fetched item whose text changed): keep it
    const existing = (await port.getStories([self])).get(self);
    if (existing) cache.set(self, existing);
  } else cache.set(self, record);
  const claimed = await claimAll(port, fp.keys, rows, self, expiresAt, o.maxCarriers);

  // 4. a story that appeared on a key between our read and our claim was created concurrently: verify it
  const { merged, matched } = await discover(port, fp, self, fp.keys, claimed, rows, cache, o.maxCandidates);

  // 5. resolve through redirects before returning (another process may have merged this story already)
  cache.delete(self);
  const root = await rootOf(port, self, cache);
  const isOriginal = root.id === self;
  return {
    storyId: root.id,
    role: isOriginal ? 'original' : 'copy',
    matchedItemId: isOriginal ? null : (matched?.member.itemId ?? root.record?.members[0]?.itemId ?? null),
    similarity: isOriginal ? 1 : (matched?.verdict.similarity ?? 0),
    rule: isOriginal ? null : (matched?.verdict.rule ?? null),
    origin: fp.origin,
    original: root.record?.original ?? own,
    merged,
  };
}

/**
 * Claims `keys` for `storyId`, except keys whose row, as read, already holds `max` other stories: a saturated row
 * only grows until it expires, so that claim would be refused (a conditional write that fails, and on DynamoDB a
 * second one trying to replace an expired row) and could reveal nothing. Skipped keys answer null, as refused ones.
 */
function claimAll(
  port: StoryIndexPort,
  keys: string[],
  rows: Map<string, KeyRow>,
  storyId: string,
  expiresAt: number,
  max: number,
): Promise<Array<KeyRow | null>> {
  return Promise.all(
    keys.map((k) => {
      const r = rows.get(k);
      if (r && r.carriers.length >= max && !r.carriers.includes(storyId)) return null;
      return port.claimKey(k, storyId, expiresAt, max);
    }),
  );
}

/**
 * After claiming `keys` for `storyId`: every story in a returned row that was not in that key's row at the
 * read was created (or grew these keys) concurrently. Fetch those (≤ `max`, one strongly consistent
 * BatchGetItem), verify, and unite each match with `storyId`.
 */
async function discover(
  port: StoryIndexPort,
  fp: Fingerprint,
  storyId: string,
  keys: string[],
  claimed: Array<KeyRow | null>,
  rows: Map<string, KeyRow>,
  cache: Map<string, StoryRecord>,
  max: number,
): Promise<{ merged: string[]; matched: Best | null }> {
  const self = fp.member.itemId;
  const after = new Map<string, KeyRow>(rows);
  const revealed: string[] = [];
  claimed.forEach((row, i) => {
    if (!row) return;
    const key = keys[i]!;
    after.set(key, row);
    const before = new Set(rows.get(key)?.carriers ?? []);
    for (const c of row.carriers)
      if (c !== storyId && c !== self && !before.has(c) && !cache.has(c) && !revealed.includes(c)) revealed.push(c);
  });
  const merged: string[] = [];
  if (!revealed.length) return { merged, matched: null };
  const ids = revealed.slice(0, max);
  const recs = await port.getStories(ids);
  for (const [id, r] of recs) cache.set(id, r);
  const matches: Best[] = [];
  for (const id of ids) {
    const b = bestMatch(fp, [id], cache, after, self);
    if (b) matches.push(b);
  }
  matches.sort((a, b) => b.verdict.similarity - a.verdict.similarity);
  for (const m of matches) merged.push(...(await union(port, storyId, m.recordId, cache)));
  return { merged, matched: matches[0] ?? null };
}

async function join(
  port: StoryIndexPort,
  fp: Fingerprint,
  best: Best,
  cache: Map<string, StoryRecord>,
  rows: Map<string, KeyRow>,
  own: StoryOriginal,
  expiresAt: number,
  o: Required<Omit<AssignOptions, 'now' | 'fingerprint'>>,
  merged: string[],
): Promise<Assignment> {
  let root = await rootOf(port, best.recordId, cache);
  let role: Assignment['role'] = 'copy';
  for (let attempt = 0; root.record && attempt < 4; attempt++) {
    const rec = root.record;
    const members = rec.members;
    const sameSource =
      members.some((m) => (m.url && m.url === fp.member.url) || (m.outlet && m.outlet === fp.member.outlet)) ||
      (fp.origin.agency !== null && agencyOfOutlet(fp.member.outlet) === fp.origin.agency);
    // The wire's own furniture on another outlet's page is a version only when the lead was rewritten: a page that
    // keeps a member's lead (`lead` rule) and adds text is an outlet's copy with its own paragraphs around it.
    const wire = fp.origin.agency !== null && fp.origin.agency === rec.original.agency && best.verdict.rule !== 'lead';
    const isVersion = (sameSource || wire) && newWords(fp, [...members, best.member]) >= o.minNewWords;
    role = isVersion ? 'version' : 'copy';
    const original = preferOriginal(rec.original, own);
    if (!isVersion && original === rec.original) break;
    const nextMembers = isVersion ? [...members, fp.member] : [...members];
    if (nextMembers.length > o.maxMembers) nextMembers.splice(1, nextMembers.length - o.maxMembers);
    if (await port.updateStory(root.id, rec.rev, { members: nextMembers, original }, expiresAt)) {
      const updated = { ...rec, members: nextMembers, original, rev: rec.rev + 1, expiresAt };
      cache.set(root.id, updated);
      root = { id: root.id, record: updated };
      if (isVersion) {
        // the version's new text must lead later copies of it here
        const carried = new Set([root.id, best.recordId]);
        const fresh = fp.keys.filter((k) => !(rows.get(k)?.carriers ?? []).some((c) => carried.has(c)));
        const claimed = await claimAll(port, fresh, rows, root.id, expiresAt, o.maxCarriers);
        // a story created concurrently for a copy of this version's new text is found here, as for a new story
        const found = (await discover(port, fp, root.id, fresh, claimed, rows, cache, o.maxCandidates)).merged;
        merged.push(...found);
        if (found.length) root = await rootOf(port, root.id, cache);
      }
      break;
    }
    // revision conflict (a concurrent version or merge): re-read and decide again
    cache.delete(root.id);
    root = await rootOf(port, best.recordId, cache);
  }
  const rec = root.record ?? cache.get(best.recordId);
  return {
    storyId: root.id,
    role,
    matchedItemId: best.member.itemId,
    similarity: best.verdict.similarity,
    rule: best.verdict.rule,
    origin: fp.origin,
    original: rec?.original ?? own,
    merged,
  };
}
