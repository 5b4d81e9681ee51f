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
});

/** The verifier's verdict. Shares in [0, 1]. */
export interface Verdict {
  same: boolean;
  /** The rule that accepted the pair, or null. */
  rule: 'contained' | 'lead' | 'mutual' | null;
  /** `hi`: weighted containment of the smaller text in the larger — the similarity reported to callers. */
  similarity: number;
  hi: number;
  lo: number;
  lead: number;
  /** Sampled shingles the two texts share. */
  shared: number;
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
  if (shared >= t.minShared) {
    if (lead >= t.leadAgreement && hi >= t.leadContainment) rule = 'lead';
    else if (hi >= t.contained && lo >= t.containedLo) rule = 'contained';
    else if (lo >= t.mutualLo) rule = 'mutual';
  }
  return { same: rule !== null, rule, similarity: hi, hi, lo, lead, shared };
}
