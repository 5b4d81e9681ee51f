/**
 * The verifier: decides whether two fingerprinted documents are the same story (a copy or a version of one
 * another). It runs only on the few candidates the index proposes, so it can afford to be precise.
 *
 * Measures (all on the sampled shingles of the furniture-free bodies, see fingerprint.ts):
 *
 * - **Containment** `c(A in B)` = weighted share of A's shingles found anywhere in B. `hi` = the larger of the
 *   two directions (≈ containment of the smaller text in the larger: a copy cut from the bottom is fully
 *   contained in the original however much was cut), `lo` = the smaller direction.
 * - **Background discount**: a paragraph whose paragraph key was carried by `n ≥ 1` *other* stories (the
 *   index keeps the set of distinct stories per key; the caller passes the count through
 *   {@link VerifyContext.otherStories}) weighs `1 / (1 + 2n)`. Wires paste the same background paragraphs into
 *   many different stories; that text says little about which story a document belongs to.
 * - **Lead agreement** `lead` = the larger, over both directions, of the share of one text's lead (its first
 *   paragraphs up to 30 words) found in the other's opening (its first paragraphs up to 150 words, at least
 *   3): a copy keeps the lead, also below an outlet's own local lead paragraph. News is written as an
 *   inverted pyramid — the lead is the story's identity and the bottom is the most expendable and the most
 *   generic — so a follow-up that reuses the bottom of an earlier story shares none of its lead.
 *
 * Decision (`same` when any rule holds and at least 4 sampled shingles, ≈ 8 words, are shared):
 *
 * | rule        | condition                   | what it accepts                                                  |
 * | ----------- | --------------------------- | ---------------------------------------------------------------- |
 * | `lead`      | lead ≥ 0.5 and hi ≥ 0.5     | copies cut from the bottom, with outlet text around or a local   |
 * |             |                             | lead, residual boilerplate, copy-edits; exact duplicates         |
 * | `contained` | hi ≥ 0.85 and lo ≥ 0.3      | an earlier version inside a later one whose lead was rewritten   |
 * | `mutual`    | lo ≥ 0.5 (most of each text | versions with a rewritten lead and added or dropped paragraphs   |
 * |             | is in the other)            |                                                                  |
 * | `writethru` | same origin, and below the  | a later version under a new URL: new lead (and new paragraphs    |
 * |             | leads: body lo ≥ 0.5 or     | below it), the same dateline, byline and most of the body; also  |
 * |             | body hi ≥ 0.8, same order,  | a short first version ("urgent") inside the full story           |
 * |             | shared text high in both    |                                                                  |
 *
 * **Writethrus.** An agency's later version rewrites the lead — the very part the `lead` rule reads — and often
 * adds paragraphs below it, so on short wire stories neither `contained` nor `mutual` holds although the body
 * is the same. The `writethru` rule compares what a writethru keeps, and only between documents of one origin:
 *
 * - **Same origin**: both name the same agency, at least one of dateline place and reporters is known on both
 *   sides and agrees, and neither contradicts (two datelines naming different places, or two bylines without a
 *   common name). Outlets copying wire text keep these lines or drop them; they do not change them.
 * - **Body containment**: the weighted containment (background discount as above) of each text's body *below
 *   its lead* in the other. `bodyLo ≥ 0.5`: most of each body is in the other (a writethru); or `bodyHi ≥ 0.8`:
 *   nearly all of one body is in the other (a short first version inside the full story).
 * - **Same order**: the shared paragraphs come in the same order in both (longest non-decreasing run of their
 *   matched positions ≥ 80%): a writethru edits and inserts but does not reshuffle the story.
 * - **Shared text starts high**: in each body below the lead, at most half of its words come before its first
 *   paragraph found in the other, and in one of them (the earlier version) at most 30%. A writethru keeps the
 *   earlier body from right below its lead (it trims the bottom, the most expendable part of an inverted
 *   pyramid); a follow-up takes the earlier story's background — its bottom — and pastes it at its own bottom,
 *   below its new reporting.
 *
 * What the rule keeps apart: a same-desk follow-up from the same dateline with the same byline and the earlier
 * story's background paragraphs (a minority of either body, taken from the bottom of one and put at the bottom
 * of the other); another agency's report of the same event (other origin); opinion pieces and briefs (no agency
 * signals of their own, or quoting a minority of the text).
 *
 * Containment alone is not enough: a short text made mostly of one paragraph from the middle of a story is
 * contained in it but is not a copy of it (a copy is cut from the bottom, so it keeps the top; a version keeps
 * most of the body, so `lo` is large too).
 *
 * What stays apart, and why: an independent report of the same event (shares names and a quoted sentence or
 * two: hi ≪ 0.5); a follow-up pasting background paragraphs (its own lead and most of its text are new: hi <
 * 0.85, no lead agreement, and lo small; discounted further once the background was seen in other stories);
 * an opinion piece quoting 1–3 paragraphs (the quoted share of either text is < 0.5); a brief re-telling a
 * story in new words (few shared 5-grams); a closing paragraph shared by one desk's stories.
 *
 * The function is symmetric: `verify(a, b, ctx)` and `verify(b, a, ctx)` give the same verdict and numbers.
 */
import { type MemberPrint, memberParagraphKeys } from './fingerprint.ts';

/** What the caller knows about how widely text is shared; all optional. */
export interface VerifyContext {
  /**
   * Number of distinct stories, other than the two being compared, known to carry this paragraph key
   * (`p<hex8>`); 0 when unknown.
   */
  otherStories?: (paragraphKey: string) => number;
}

/** The verifier's thresholds (shares in [0, 1]; words and shingles are counts). */
export const VERIFY_THRESHOLDS = Object.freeze({
  contained: 0.85,
  containedLo: 0.3,
  leadAgreement: 0.5,
  leadContainment: 0.5,
  /** Share of each text found in the other (`lo`, hence also `hi`). */
  mutualLo: 0.5,
  /** Minimum shared sampled shingles (≈ twice as many words). */
  minShared: 4,
  /** Lead: first paragraphs up to this many words. */
  leadWords: 30,
  /** Opening searched for the other lead: first paragraphs up to this many words (and at least 3 paragraphs). */
  openingWords: 150,
  openingParagraphs: 3,
  /** Writethru: share of each body (below the lead) found in the other (`bodyLo`), or of one body (`bodyHi`). */
  writethruBodyLo: 0.5,
  writethruBodyHi: 0.8,
  /** Writethru: share of the upper half of one body found in the other (a later version trimmed from the bottom). */
  writethruTop: 0.8,
  /** Writethru: share of the shared paragraphs that keep their order. */
  writethruOrder: 0.8,
  /** Writethru: at most this share of a body's words (below the lead) comes before its first paragraph found in the other. */
  writethruStart: 0.5,
  /** Writethru: … and in one of the two (the earlier version, whose body the other kept), at most this share. */
  writethruSourceStart: 0.3,
  /** A paragraph counts as found in the other text when this share of its sampled shingles is there. */
  paragraphFound: 0.5,
});

/** The verifier's verdict. Shares in [0, 1]. */
export interface Verdict {
  same: boolean;
  /** The rule that accepted the pair, or null. */
  rule: 'contained' | 'lead' | 'mutual' | 'writethru' | null;
  /** `hi`: weighted containment of the smaller text in the larger — the similarity reported to callers. */
  similarity: number;
  hi: number;
  lo: number;
  lead: number;
  /** Sampled shingles the two texts share. */
  shared: number;
  /** Whether the two name one origin (agency, and dateline place or reporters); see the module comment. */
  sameOrigin: boolean;
  /**
   * Containment of the bodies below the leads, larger and smaller direction; 0 unless the writethru rule was
   * weighed (same origin, no other rule held, and enough shared text for it to hold at all).
   */
  bodyHi: number;
  bodyLo: number;
}

interface Side {
  m: MemberPrint;
  /** Weight of each sampled shingle (background discount of its paragraph). */
  weights: Float64Array;
  set: Set<number>;
  total: number;
}

function side(m: MemberPrint, ctx: VerifyContext | undefined): Side {
  const weights = new Float64Array(m.shingles.length);
  const keys = ctx?.otherStories ? memberParagraphKeys(m) : null;
  let off = 0;
  let total = 0;
  m.counts.forEach((c, i) => {
    const k = keys?.[i];
    const n = k ? ctx!.otherStories!(k) : 0;
    const w = n > 0 ? 1 / (1 + 2 * n) : 1;
    for (let j = off; j < off + c; j++) weights[j] = w;
    total += w * c;
    off += c;
  });
  return { m, weights, set: new Set(m.shingles), total };
}

function containment(a: Side, b: Side): { c: number; shared: number } {
  let hit = 0;
  let shared = 0;
  const s = a.m.shingles;
  for (let i = 0; i < s.length; i++) {
    if (b.set.has(s[i]!)) {
      hit += a.weights[i]!;
      shared++;
    }
  }
  return { c: a.total > 0 ? hit / a.total : 0, shared };
}

/** Shingle positions [0, end) of the first paragraphs until `minWords` words and `minParagraphs` paragraphs. */
function prefixEnd(m: MemberPrint, minWords: number, minParagraphs: number, minShingles: number): number {
  let w = 0;
  let end = 0;
  for (let i = 0; i < m.counts.length; i++) {
    if (w >= minWords && i >= minParagraphs && end >= minShingles) break;
    w += m.words[i]!;
    end += m.counts[i]!;
  }
  return end;
}

function leadIn(a: MemberPrint, b: MemberPrint): number {
  const t = VERIFY_THRESHOLDS;
  const leadEnd = prefixEnd(a, t.leadWords, 1, 3);
  if (leadEnd < 3) return 0;
  const opening = new Set(b.shingles.subarray(0, prefixEnd(b, t.openingWords, t.openingParagraphs, 0)));
  let hit = 0;
  for (let i = 0; i < leadEnd; i++) if (opening.has(a.shingles[i]!)) hit++;
  return hit / leadEnd;
}

/**
 * Whether two members name one origin: the same agency, corroborated by the dateline place or a reporter, and
 * contradicted by neither. Unknown (null) places and empty bylines neither corroborate nor contradict.
 */
export function sameOrigin(a: MemberPrint, b: MemberPrint): boolean {
  if (!a.agency || a.agency !== b.agency) return false;
  const place = a.place && b.place ? a.place === b.place : null;
  const names = a.names.length && b.names.length ? a.names.some((n) => b.names.includes(n)) : null;
  return place !== false && names !== false && (place === true || names === true);
}

/** Per paragraph of `a`: its sampled shingles found in `b`, and the paragraph of `b` holding most of them (-1). */
function paragraphHits(a: Side, paragraphOfB: Map<number, number>): Array<{ hit: number; at: number }> {
  const out: Array<{ hit: number; at: number }> = [];
  let off = 0;
  for (const c of a.m.counts) {
    const votes = new Map<number, number>();
    let hit = 0;
    for (let j = off; j < off + c; j++) {
      const p = paragraphOfB.get(a.m.shingles[j]!);
      if (p === undefined) continue;
      hit++;
      votes.set(p, (votes.get(p) ?? 0) + 1);
    }
    let at = -1;
    let most = 0;
    for (const [p, v] of votes) if (v > most || (v === most && p < at)) [at, most] = [p, v];
    out.push({ hit, at });
    off += c;
  }
  return out;
}

function paragraphIndex(m: MemberPrint): Map<number, number> {
  const out = new Map<number, number>();
  let off = 0;
  m.counts.forEach((c, i) => {
    for (let j = off; j < off + c; j++) if (!out.has(m.shingles[j]!)) out.set(m.shingles[j]!, i);
    off += c;
  });
  return out;
}

/** Number of paragraphs in the lead (first paragraphs up to `leadWords`, as {@link leadIn} reads it). */
function leadParagraphs(m: MemberPrint): number {
  const end = prefixEnd(m, VERIFY_THRESHOLDS.leadWords, 1, 3);
  let n = 0;
  for (let off = 0; n < m.counts.length && off < end; n++) off += m.counts[n]!;
  return Math.max(1, n);
}

/**
 * Upper bound of the body containment of the larger of the two directions, from the whole-text containment `c`
 * of `a` in the other and `b`'s in `a` (shared weight over body weight, as if no shared shingle were in a lead).
 */
function bodyBound(a: Side, c: number): number {
  const leadEnd = prefixEnd(a.m, VERIFY_THRESHOLDS.leadWords, 1, 3);
  let lead = 0;
  for (let j = 0; j < leadEnd; j++) lead += a.weights[j]!;
  const body = a.total - lead;
  return body > 0 ? (c * a.total) / body : 0;
}

/** What the writethru rule reads of one direction: body containment, order kept, where the shared text starts. */
function writethruSide(a: Side, b: Side, paragraphOfB: Map<number, number>) {
  const t = VERIFY_THRESHOLDS;
  const hits = paragraphHits(a, paragraphOfB);
  const lead = leadParagraphs(a.m);
  let total = 0;
  let hit = 0;
  const bodyHits: Array<[number, number]> = [];
  let off = 0;
  let wordsBefore = 0;
  let start = -1;
  const matched: number[] = [];
  a.m.counts.forEach((c, i) => {
    const found = c > 0 && hits[i]!.hit / c >= t.paragraphFound;
    if (found) matched.push(hits[i]!.at);
    // where the shared text starts, in words of the body below the lead (the lead is what a writethru rewrites)
    if (found && i >= lead && start < 0) start = wordsBefore;
    if (i >= lead) wordsBefore += a.m.words[i]!;
    if (i >= lead)
      for (let j = off; j < off + c; j++) {
        total += a.weights[j]!;
        const h = b.set.has(a.m.shingles[j]!) ? a.weights[j]! : 0;
        hit += h;
        bodyHits.push([a.weights[j]!, h]);
      }
    off += c;
  });
  // longest non-decreasing subsequence of the matched positions (patience sorting)
  const tails: number[] = [];
  for (const x of matched) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = x;
  }
  // the upper half of the body (by weight): what a version cut from the bottom keeps
  let topTotal = 0;
  let topHit = 0;
  for (const [w, h] of bodyHits) {
    if (topTotal >= total / 2) break;
    topTotal += w;
    topHit += h;
  }
  return {
    top: topTotal > 0 ? topHit / topTotal : 0,
    body: total > 0 ? hit / total : 0,
    found: matched.length,
    order: matched.length ? tails.length / matched.length : 0,
    start: start < 0 || wordsBefore === 0 ? 1 : start / wordsBefore,
    /** The first paragraph below the lead is found in the other. */
    opens: lead < a.m.counts.length && a.m.counts[lead]! > 0 && hits[lead]!.hit / a.m.counts[lead]! >= t.paragraphFound,
    bodyParagraphs: a.m.counts.length - lead,
  };
}

/**
 * Decides whether two documents are the same story. Symmetric; deterministic given `ctx`.
 * @param a one member fingerprint
 * @param b the other
 * @param ctx optional background knowledge (paragraph keys carried by other stories)
 */
export function verify(a: MemberPrint, b: MemberPrint, ctx?: VerifyContext): Verdict {
  const t = VERIFY_THRESHOLDS;
  const sa = side(a, ctx);
  const sb = side(b, ctx);
  const ab = containment(sa, sb);
  const ba = containment(sb, sa);
  const hi = Math.max(ab.c, ba.c);
  const lo = Math.min(ab.c, ba.c);
  const shared = ab.shared;
  const lead = Math.max(leadIn(a, b), leadIn(b, a));
  let rule: Verdict['rule'] = null;
  const origin = sameOrigin(a, b);
  let bodyHi = 0;
  let bodyLo = 0;
  if (shared >= t.minShared) {
    if (lead >= t.leadAgreement && hi >= t.leadContainment) rule = 'lead';
    else if (hi >= t.contained && lo >= t.containedLo) rule = 'contained';
    else if (lo >= t.mutualLo) rule = 'mutual';
  }
  // The body below the lead can contain at most all the shared text: when even that bound is under every body
  // threshold the rule cannot hold, and its measures (the costly part of a verdict) are not computed.
  const bound = origin && rule === null ? Math.max(bodyBound(sa, ab.c), bodyBound(sb, ba.c)) : 0;
  if (shared >= t.minShared && bound >= t.writethruBodyLo) {
    const wa = writethruSide(sa, sb, paragraphIndex(b));
    const wb = writethruSide(sb, sa, paragraphIndex(a));
    bodyHi = Math.max(wa.body, wb.body);
    bodyLo = Math.min(wa.body, wb.body);
    const holds =
      wa.bodyParagraphs >= 2 &&
      wb.bodyParagraphs >= 2 &&
      Math.min(wa.found, wb.found) >= 2 &&
      (bodyLo >= t.writethruBodyLo ||
        (wa.body >= t.writethruBodyHi && wa.opens) ||
        (wb.body >= t.writethruBodyHi && wb.opens) ||
        (wa.top >= t.writethruTop && wb.body >= t.writethruBodyLo) ||
        (wb.top >= t.writethruTop && wa.body >= t.writethruBodyLo)) &&
      Math.min(wa.order, wb.order) >= t.writethruOrder &&
      Math.max(wa.start, wb.start) <= t.writethruStart &&
      Math.min(wa.start, wb.start) <= t.writethruSourceStart;
    if (holds) rule = 'writethru';
  }
  return { same: rule !== null, rule, similarity: hi, hi, lo, lead, shared, sameOrigin: origin, bodyHi, bodyLo };
}
