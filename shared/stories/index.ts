/**
 * Story assignment (shared/stories): every processed item joins the story of the earlier item it is a copy
 * or version of, or starts a new story — online, at ingest, one document at a time in arrival order, safe
 * with many processes assigning at once. Pure TypeScript; the only I/O goes through {@link StoryIndexPort}.
 *
 * ## Design
 *
 * 1. **Read the body** (normalise.ts): typography normalised (quotes, dashes, NBSP, zero-width), paragraphs
 *    split, furniture removed by whole-line shape — datelines, bylines, copyright and credit lines, the
 *    wire's contributor and coverage notes, outlets' newsletter/related/ad/share/social lines, editor's
 *    notes, captions, timestamps, bare links, a repeated headline. The wire signals among them give the
 *    document's `origin` (`{agency: 'AP' | 'Reuters' | 'AFP' | null, signals}`); the dateline's place and the
 *    reporters named in bylines and credit lines are kept on the member (what a writethru keeps of its origin).
 * 2. **Fingerprint** (fingerprint.ts, CPU only): word 5-shingles per paragraph; a content-defined 1-in-2
 *    sample of them is the stored member (≈ 1.8 KB per 800 words, ≤ 3.4 KB); index keys = one MinHash key
 *    per paragraph (≤ 24: exact and lightly edited paragraphs meet, which finds copies cut from the bottom and
 *    versions with a new lead; a paragraph of over 100 words also gets one per sentence, which meets the
 *    paragraph keys of the same text with other paragraph breaks — copies whose outlet stripped them) + 8 LSH
 *    band keys of a 24-value MinHash of the whole body (near-duplicates edited throughout).
 * 3. **Candidates**: one BatchGetItem of the ≤ 32 key rows; every row lists the distinct stories that
 *    carried the key; stories are ranked by Σ 1/|carriers| over shared keys (rare keys count most) and the
 *    top C = 8 story records are fetched in one BatchGetItem (≤ 4 member fingerprints each).
 * 4. **Verify** (verify.ts) each candidate member: containment of the smaller text in the larger (weighted,
 *    paragraphs carried by other stories discounted to 1/(1+2n)), the other direction, and lead agreement; for
 *    two documents of one origin (agency, and dateline place or a reporter) also the `writethru` rule: the bodies
 *    below the leads — what a later version under a new URL keeps — in the same order, starting high in both.
 *    Symmetric and deterministic. The best verified member wins.
 * 5. **Join or create** (assign.ts): join the root story of the best match (a document that adds ≥ 20 new words
 *    and is from the story's source, or carries its wire agency and rewrote the lead, is a `version` and is added
 *    as a member, its new keys claimed for the story), or create a story with the document's id: write the
 *    record FIRST, then claim every key.
 *
 * The story's `original` is the wire-bylined member if any, else the earliest published one (kept on the
 * record, updated by a conditional write when a better one joins).
 *
 * ## Concurrency protocol
 *
 * Records: a story record per story (members, `rev`, `mergedInto`) and a key row per index key (`owner` =
 * first claimer, `carriers` = distinct stories that carried it, capped at 16). Writes are single-record
 * conditional writes: `putStory` (if absent), `claimKey` (owner if absent, add to carriers, returns the row
 * after the write), `setMergedInto` (if no redirect yet), `updateStory` (if `rev` matches). No transactions.
 *
 * A new story S: (a) putStory(S) — before any claim; (b) claimKey(k, S) for each key k; (c) every story T in
 * a returned row that was not in that key's row at the read is a story created concurrently: fetch it
 * (strongly consistent), verify, and if it matches, `union(S, T)`; (d) resolve S through redirects and
 * return the root. `union(x, y)`: take the current roots rx, ry; if equal, done; else conditionally set
 * `later(rx, ry).mergedInto = earlier(rx, ry)`, where the order is `(createdAt, storyId)` — fixed when a story
 * is created ({@link storyRank}); if the condition fails (that root was just merged), re-read and retry. A
 * redirect always points to an earlier story in one fixed total order, so redirects never form a cycle,
 * every story resolves by following them to a root, and an established story keeps its id.
 *
 * **Claim (two copies, one story).** Let processes P and Q assign documents d and e that verify as the same
 * story (verification is symmetric and deterministic), concurrently. They share at least one unsaturated
 * key k (copies share paragraphs). Interleavings:
 *
 * - Q's read of k happens after P's claim of k: Q sees P's story S_P among the candidates; its record exists
 *   (written before the claim), Q verifies it and joins S_P. One story. (Symmetric for P.)
 * - Both read k before either claimed it: both create stories S_P and S_Q and both claim k. Claims on one
 *   row are serialised; whichever claims second gets back a row holding the other's story, which it did not
 *   see at its read. That process fetches the other's record — it exists, being written before the other's
 *   claim — verifies it (match) and runs union(S_P, S_Q) before returning. Redirects are never removed
 *   (until TTL), so from then on S_P and S_Q resolve to one root.
 * - A version is claimed like a new story: a document joining story X as a version writes X's record
 *   (members) first and then claims its new keys for X, checking the returned rows the same way; so a
 *   process creating a story for a copy of the version's new text meets X on a claim or at its read, and
 *   the argument above applies to the pair (X, that story). A plain copy adds no keys and needs no claim:
 *   the story it joins was readable — record, then claims — before it could be found.
 * - A document that verifies against several candidate stories joins the best and unites the others with
 *   it (they are one story, split by a race the other way round); a redirect per extra story.
 *
 * So after both return, `resolveStory(S_P) = resolveStory(S_Q)`: never two stories. Three or more
 * processes: every pair is covered by the argument above (each pair is united by at least one of its two
 * processes), and union is transitive, so all end in one root. Two unrelated documents never verify, so
 * they stay two. The returned `storyId` is the root at return time; a process whose story is merged by the
 * other process after it returned learns it from `resolveStory`, and the merging process reports the
 * merged id in `Assignment.merged` — both resolve to one story (tests force every interleaving of two
 * processes and many random schedules of three).
 *
 * Assumptions: `getStories` reads are strongly consistent; the copies share at least one key carried by
 * fewer than `maxCarriers` stories; records live for the window (7 days by default, TTL `expiresAt`).
 *
 * ## Cost per document (K ≤ 32 keys, C = 8)
 *
 * | document                  | reads                                                | writes                                   |
 * | ------------------------- | ---------------------------------------------------- | ---------------------------------------- |
 * | copy of a known story     | BatchGet(≤ K) + BatchGet(≤ C)                         | 0 (1 if it becomes the story's original) |
 * | … verifying 2+ stories    | + GetItem per redirect hop                            | + 1 UpdateItem per extra story (merge)   |
 * | version of a known story  | BatchGet(≤ K) + BatchGet(≤ C)                         | 1 UpdateItem + 1 per key new to the story |
 * | new story                 | BatchGet(≤ K) + BatchGet(≤ C) + GetItem (resolve)     | 1 PutItem + ≤ K UpdateItem (claims)      |
 * | new story, race revealed  | + BatchGet(≤ C)                                       | + 1 UpdateItem per merge                 |
 *
 * Reads do not grow with the size of the index: keys are looked up by value, candidates are capped at C,
 * key rows at 16 carriers.
 */
export {
  assignStory,
  resolveStory,
  storyRank,
  StoryError,
  ASSIGN_DEFAULTS,
  type AssignOptions,
  type Assignment,
} from './assign.ts';
export {
  fingerprintDoc,
  memberBytes,
  memberParagraphKeys,
  FINGERPRINT_DEFAULTS,
  type StoryDoc,
  type MemberPrint,
  type Fingerprint,
  type FingerprintOptions,
} from './fingerprint.ts';
export { verify, VERIFY_THRESHOLDS, type Verdict, type VerifyContext } from './verify.ts';
export {
  readBody,
  normaliseText,
  splitParagraphs,
  furnitureKind,
  words,
  agencyIn,
  bylineNames,
  datelinePlace,
  type Agency,
  type Body,
  type Furniture,
  type FurnitureKind,
  type Origin,
  type OriginSignal,
} from './normalise.ts';
export {
  describeChanges,
  diffVersions,
  type ChangeReport,
  type VersionDiff,
  type DiffOptions,
  type ComparableDoc,
} from './changes.ts';
export type { StoryIndexPort, StoryRecord, KeyRow, StoryOriginal } from './port.ts';
export { MemoryStoryIndex, type PortStats, type PortOperation } from './memory-port.ts';
export {
  evaluateStories,
  parseStoriesJsonl,
  partitionMetrics,
  arrivalOrder,
  type LabelledStoryDoc,
  type StoryMetrics,
  type StoriesEvalReport,
} from './eval.ts';
