/**
 * Fingerprints of documents for story assignment: the CPU half of {@link assignStory}, with no I/O, so the
 * pipeline can compute one once and reuse it.
 *
 * From the body ({@link readBody}: furniture removed) of a document:
 *
 * - **Shingles**: hashed word 5-grams inside each paragraph (never across a paragraph break, so dropped or
 *   inserted paragraphs do not create spurious grams). A paragraph shorter than 5 words is one shingle.
 * - **Sampled shingles** (what is stored and verified): the shingles whose hash is even — a content-defined
 *   1-in-2 sample, identical in every document, so containment estimated on the samples of two documents is
 *   an unbiased estimate of containment on the full sets. Deduplicated (first occurrence wins), capped at
 *   {@link FINGERPRINT_DEFAULTS}.maxShingles (the top of an article matters most: copies keep it).
 * - **Paragraph keys** `p<hex8>`: one per paragraph with ≥ 4 sampled shingles, the minimum of
 *   `mix32(shingle ^ seed)` over its sampled shingles — a one-value MinHash of the paragraph, so a copy-edited
 *   paragraph keeps its key with probability equal to its Jaccard similarity. Recomputable from a stored
 *   member, which the background discount of {@link verify} relies on. At most `maxParagraphKeys`, in order.
 * - **Sentence keys** (same form), only for a paragraph longer than {@link LONG_PARAGRAPH_WORDS}: one per sentence,
 *   the minimum over the sampled shingles that start in it. Some outlets strip every paragraph break (the whole
 *   article is one paragraph) or join paragraphs; such a paragraph would have one key where the original has one
 *   per paragraph. Each original paragraph's key is the minimum over its sentences' shingles, so one of the long
 *   paragraph's sentence keys is that key (unless the minimum is a shingle the long paragraph has across the old
 *   break): copies with their paragraph breaks stripped meet the original, and the original meets them.
 * - **Band keys** `b<i>:<hex8>`: MinHash over all shingles of the body with `bands × rows` hash functions,
 *   banded for LSH (a pair with Jaccard J shares a band with probability 1 − (1 − J^rows)^bands; with the
 *   defaults 8 × 3: J 0.5 → 0.66, J 0.7 → 0.97), for near-duplicates whose every paragraph was edited.
 *
 * Sizes: a stored member is ≈ 4 bytes per sampled shingle + 4 bytes per paragraph + ~150 bytes of ids, i.e.
 * ≈ 1.8 KB for an 800-word article and at most ≈ 3.4 KB (cap 768 shingles) — see {@link memberBytes}.
 */
import { sentenceSpans } from '../topics/text.ts';
import { combine, fnv1a, hex8, mix32 } from './hash.ts';
import {
  type Agency,
  type Body,
  bylineNames,
  datelinePlace,
  type Origin,
  normaliseText,
  readBody,
  words,
} from './normalise.ts';

/** A document as the story assigner reads it. Times ISO-8601 UTC. */
export interface StoryDoc {
  /** The item id (stable per canonical URL); becomes the story id when the document starts a story. */
  id: string;
  /** Canonical URL. */
  url: string;
  /** Outlet (publisher) name, e.g. `AP News`, `Daily Courier`. */
  outlet: string;
  /** Headline. */
  title: string;
  /** Extracted text; paragraphs separated by blank lines. */
  text: string;
  /** ISO-8601 UTC publish time. */
  publishedAt: string;
}

/**
 * The compact, storable fingerprint of one document ("member" of a story): what {@link verify} compares.
 * `words[i]` / `counts[i]`: word count and number of sampled shingles of body paragraph i; `shingles` holds
 * the sampled shingles of all paragraphs in order (`counts` partitions it).
 */
export interface MemberPrint {
  itemId: string;
  url: string;
  outlet: string;
  /** Headline, truncated to 200 characters. */
  title: string;
  publishedAt: string;
  agency: Agency | null;
  /** The dateline's place, folded (`ankara`), or null: see {@link datelinePlace}. */
  place: string | null;
  /** Reporters' surnames from the byline and credit lines, folded and sorted (≤ 8): see {@link bylineNames}. */
  names: string[];
  words: number[];
  counts: number[];
  shingles: Uint32Array;
}

/** Full fingerprint of a document: the storable member, its index keys, and what was read. */
export interface Fingerprint {
  member: MemberPrint;
  /** Index keys in lookup order: paragraph keys (document order, each long paragraph's sentence keys after its own), then band keys. */
  keys: string[];
  /** Paragraph key of each body paragraph (`null` when the paragraph is too short to have one). */
  paragraphKeys: Array<string | null>;
  bandKeys: string[];
  origin: Origin;
  body: Body;
  /** Words in the body (after furniture). */
  wordCount: number;
}

/** Fingerprint parameters. Changing any of them changes stored keys: treat as a format version. */
export interface FingerprintOptions {
  /** Words per shingle. Default 5. */
  shingleSize: number;
  /** Sampled shingles kept per member (bytes ≈ 4 × this). Default 768. */
  maxShingles: number;
  /** Paragraph keys per document. Default 24. */
  maxParagraphKeys: number;
  /** LSH bands and rows per band. Defaults 8 and 3 (24 MinHash values). 0 bands = no band keys. */
  bands: number;
  rows: number;
}

/** Default {@link FingerprintOptions}. */
export const FINGERPRINT_DEFAULTS: Readonly<FingerprintOptions> = Object.freeze({
  shingleSize: 5,
  maxShingles: 768,
  maxParagraphKeys: 24,
  bands: 8,
  rows: 3,
});

const PARAGRAPH_SEED = 0x5bd1e995;
const MIN_KEY_SHINGLES = 4;
/** Words above which a paragraph also gets a key per sentence: about twice a long wire paragraph. */
export const LONG_PARAGRAPH_WORDS = 100;

/**
 * Sentence keys of a long paragraph: per sentence (`sentenceSpans`, the topic matcher's segmentation), the key of
 * the sampled shingles starting in it. `sh` are the paragraph's shingles in word order (`shingleHashes`).
 */
function sentenceKeys(paragraph: string, sh: number[]): string[] {
  const out: string[] = [];
  let start = 0;
  for (const span of sentenceSpans(paragraph)) {
    const n = words(paragraph.slice(span.start, span.end)).length;
    const starting = sh.slice(start, start + n).filter(isSampled);
    start += n;
    const k = paragraphKey(starting);
    if (k && !out.includes(k)) out.push(k);
  }
  return out;
}

/** Hashed shingles of one paragraph's words (a paragraph shorter than `k` words gives one shingle). */
export function shingleHashes(ws: string[], k: number): number[] {
  if (ws.length === 0) return [];
  const th = ws.map(fnv1a);
  const out: number[] = [];
  const n = ws.length < k ? 1 : ws.length - k + 1;
  const len = Math.min(k, ws.length);
  for (let i = 0; i < n; i++) {
    // order-dependent polynomial over the word hashes, finalised once
    let h = 0x2545f491;
    for (let j = 0; j < len; j++) h = (Math.imul(h, 0x9e3779b1) ^ th[i + j]!) >>> 0;
    out.push(mix32(h));
  }
  return out;
}

/** True for a shingle in the 1-in-2 content-defined sample. */
export function isSampled(h: number): boolean {
  return (h & 1) === 0;
}

/** The paragraph key of a paragraph's sampled shingles, or null when it has fewer than 4. */
export function paragraphKey(sampled: ArrayLike<number>): string | null {
  if (sampled.length < MIN_KEY_SHINGLES) return null;
  let m = 0xffffffff;
  for (let i = 0; i < sampled.length; i++) {
    const v = mix32((sampled[i]! ^ PARAGRAPH_SEED) >>> 0);
    if (v < m) m = v;
  }
  return `p${hex8(m)}`;
}

/** Paragraph keys of a stored member, recomputed from its sampled shingles (same values as at fingerprint time). */
export function memberParagraphKeys(m: MemberPrint): Array<string | null> {
  const out: Array<string | null> = [];
  let off = 0;
  for (const c of m.counts) {
    out.push(paragraphKey(m.shingles.subarray(off, off + c)));
    off += c;
  }
  return out;
}

/**
 * MinHash signature of a shingle set with `n` hash functions `h_i(x) = h1(x) + i·h2(x) mod 2^32` (the
 * Kirsch–Mitzenmacher double-hashing family: two mixes per shingle instead of `n`). Empty set → all 0xffffffff.
 */
export function minhash(shingles: Iterable<number>, n: number): Uint32Array {
  const sig = new Uint32Array(n).fill(0xffffffff);
  for (const s of shingles) {
    const h1 = mix32((s ^ 0x3c6ef372) >>> 0);
    const h2 = mix32((s ^ 0xa54ff53a) >>> 0) | 1;
    let v = h1;
    for (let i = 0; i < n; i++) {
      if (v < sig[i]!) sig[i] = v;
      v = (v + h2) >>> 0;
    }
  }
  return sig;
}

/**
 * Fingerprints a document (pure CPU, no I/O). Deterministic: the same document gives the same fingerprint
 * in every process.
 * @param doc the document; `text` paragraphs separated by blank lines
 * @param options fingerprint parameters (defaults {@link FINGERPRINT_DEFAULTS})
 */
export function fingerprintDoc(doc: StoryDoc, options: Partial<FingerprintOptions> = {}): Fingerprint {
  const o = { ...FINGERPRINT_DEFAULTS, ...options };
  const body = readBody(doc.title, doc.text, doc.outlet);
  const seen = new Set<number>();
  const all = new Set<number>();
  const wordsPer: number[] = [];
  const counts: number[] = [];
  const sampled: number[] = [];
  const paragraphKeys: Array<string | null> = [];
  const extraKeys = new Map<number, string[]>();
  let wordCount = 0;
  for (const p of body.paragraphs) {
    const ws = words(p);
    wordCount += ws.length;
    const sh = shingleHashes(ws, o.shingleSize);
    if (ws.length > LONG_PARAGRAPH_WORDS) extraKeys.set(paragraphKeys.length, sentenceKeys(p, sh));
    const mine: number[] = [];
    for (const h of sh) {
      all.add(h);
      if (!isSampled(h) || seen.has(h)) continue;
      seen.add(h);
      if (sampled.length + mine.length < o.maxShingles) mine.push(h);
    }
    wordsPer.push(Math.min(ws.length, 0xffff));
    counts.push(mine.length);
    for (const h of mine) sampled.push(h);
    paragraphKeys.push(paragraphKey(mine));
  }
  const pk: string[] = [];
  paragraphKeys.forEach((key, i) => {
    for (const k of [key, ...(extraKeys.get(i) ?? [])])
      if (k && !pk.includes(k) && pk.length < o.maxParagraphKeys) pk.push(k);
  });
  const bandKeys: string[] = [];
  if (o.bands > 0 && all.size >= 10) {
    const sig = minhash(all, o.bands * o.rows);
    for (let b = 0; b < o.bands; b++) {
      let h = 0x1b873593 + b;
      for (let r = 0; r < o.rows; r++) h = combine(h, sig[b * o.rows + r]!);
      bandKeys.push(`b${b}:${hex8(h)}`);
    }
  }
  const member: MemberPrint = {
    itemId: doc.id,
    url: doc.url,
    outlet: doc.outlet,
    title: normaliseText(doc.title).replace(/\s+/g, ' ').slice(0, 200),
    publishedAt: doc.publishedAt,
    agency: body.origin.agency,
    place: datelinePlace(body),
    names: bylineNames(body),
    words: wordsPer,
    counts,
    shingles: Uint32Array.from(sampled),
  };
  return { member, keys: [...pk, ...bandKeys], paragraphKeys, bandKeys, origin: body.origin, body, wordCount };
}

/** Approximate stored size of a member in bytes (DynamoDB counts attribute names and values; this counts both). */
export function memberBytes(m: MemberPrint): number {
  const str = (s: string | null): number => (s ? Buffer.byteLength(s) : 0) + 2;
  return (
    str(m.itemId) +
    str(m.url) +
    str(m.outlet) +
    str(m.title) +
    str(m.publishedAt) +
    str(m.agency) +
    str(m.place) +
    str(m.names.join(' ')) +
    m.shingles.byteLength +
    // words and counts as 2-byte binaries
    m.words.length * 2 +
    m.counts.length * 2 +
    // attribute names of the member map (`i`,`u`,`o`,`h`,`t`,`a`,`d`,`n`,`w`,`c`,`s`)
    11
  );
}
