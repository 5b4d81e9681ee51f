/**
 * What changed between two members of a story: {@link describeChanges} for an outlet's copy against the
 * original (headline, paragraphs dropped and added, furniture, similarity), {@link diffVersions} for two
 * versions of the wire story (sentence-level diff and a material / cosmetic verdict).
 *
 * Both read the furniture-free bodies ({@link readBody}) and compare word 5-shingles on the full sets (not
 * the 1-in-2 sample the index stores), so they are exact on the texts they are given.
 */
import { sentenceSpans } from '../topics/text.ts';
import { shingleHashes } from './fingerprint.ts';
import { type FurnitureKind, normaliseText, readBody, words } from './normalise.ts';

/** The part of a document these functions read. */
export interface ComparableDoc {
  title: string;
  text: string;
  outlet?: string;
}

/** What an outlet changed in its copy of the original. Shares in [0, 1]. */
export interface ChangeReport {
  headline: { changed: boolean; from: string; to: string };
  /** Original body paragraphs the copy does not carry (≥ half of their shingles missing). */
  dropped: { count: number; fromBottom: boolean; firstWords: string[] };
  /** Copy body paragraphs the original does not have (local leads, outlet text not recognised as furniture). */
  added: { count: number; paragraphs: Array<{ firstWords: string; position: 'top' | 'middle' | 'bottom' }> };
  /** Kept paragraphs whose wording differs (copy-edits). */
  edited: number;
  /** Furniture lines in the copy that the original does not have, and the reverse. */
  furnitureAdded: Array<{ kind: FurnitureKind; text: string }>;
  furnitureRemoved: Array<{ kind: FurnitureKind; text: string }>;
  /** Jaccard similarity of the two bodies' shingle sets. */
  similarity: number;
  /** Share of the copy's body shingles found in the original. */
  containment: number;
}

const FIRST_WORDS = 8;

function firstWords(p: string): string {
  const ws = p.split(/\s+/).filter(Boolean);
  return ws.length > FIRST_WORDS ? `${ws.slice(0, FIRST_WORDS).join(' ')} …` : ws.join(' ');
}

function paragraphShingles(paragraphs: string[]): number[][] {
  return paragraphs.map((p) => shingleHashes(words(p), 5));
}

function share(sh: number[], set: Set<number>): number {
  if (sh.length === 0) return 1;
  let n = 0;
  for (const s of sh) if (set.has(s)) n++;
  return n / sh.length;
}

const sameWords = (a: string, b: string): boolean => words(a).join(' ') === words(b).join(' ');

/**
 * Describes what an outlet changed in its copy of an original.
 * @param original the original (wire) document
 * @param copy the outlet's copy
 * @returns the change report; never throws
 */
export function describeChanges(original: ComparableDoc, copy: ComparableDoc): ChangeReport {
  const a = readBody(original.title, original.text, original.outlet);
  const b = readBody(copy.title, copy.text, copy.outlet);
  const sa = paragraphShingles(a.paragraphs);
  const sb = paragraphShingles(b.paragraphs);
  const setA = new Set(sa.flat());
  const setB = new Set(sb.flat());
  const kept = sa.map((sh) => share(sh, setB) >= 0.5);
  const droppedIdx = kept.flatMap((k, i) => (k ? [] : [i]));
  const lastKept = kept.lastIndexOf(true);
  const addedIdx = sb.flatMap((sh, i) => (share(sh, setA) >= 0.5 ? [] : [i]));
  const firstMatched = sb.findIndex((sh) => share(sh, setA) >= 0.5);
  const lastMatched = sb.length - 1 - [...sb].reverse().findIndex((sh) => share(sh, setA) >= 0.5);
  const bodyB = new Set(b.paragraphs.map((p) => words(p).join(' ')));
  const edited = a.paragraphs.filter((p, i) => kept[i] && !bodyB.has(words(p).join(' '))).length;
  let inter = 0;
  for (const s of setB) if (setA.has(s)) inter++;
  const union = setA.size + setB.size - inter;
  const fa = new Set(a.furniture.map((f) => `${f.kind}|${words(f.text).join(' ')}`));
  const fb = new Set(b.furniture.map((f) => `${f.kind}|${words(f.text).join(' ')}`));
  const title = (s: string): string => normaliseText(s).replace(/\s+/g, ' ').trim();
  return {
    headline: { changed: !sameWords(original.title, copy.title), from: title(original.title), to: title(copy.title) },
    dropped: {
      count: droppedIdx.length,
      fromBottom: droppedIdx.length > 0 && droppedIdx.every((i) => i > lastKept),
      firstWords: droppedIdx.map((i) => firstWords(a.paragraphs[i]!)),
    },
    added: {
      count: addedIdx.length,
      paragraphs: addedIdx.map((i) => ({
        firstWords: firstWords(b.paragraphs[i]!),
        position: firstMatched < 0 || i < firstMatched ? 'top' : i > lastMatched ? 'bottom' : 'middle',
      })),
    },
    edited,
    furnitureAdded: b.furniture
      .filter((f) => !fa.has(`${f.kind}|${words(f.text).join(' ')}`))
      .map((f) => ({ kind: f.kind, text: f.text })),
    furnitureRemoved: a.furniture
      .filter((f) => !fb.has(`${f.kind}|${words(f.text).join(' ')}`))
      .map((f) => ({ kind: f.kind, text: f.text })),
    similarity: union === 0 ? 1 : inter / union,
    containment: share([...setB], setA),
  };
}

/** Sentence-level difference between two versions, with its verdict. */
export interface VersionDiff {
  headline: { changed: boolean; from: string; to: string };
  /** Sentences of `next` with no counterpart in `prev`. */
  added: string[];
  /** Sentences of `prev` with no counterpart in `next`. */
  removed: string[];
  /** Sentences reworded (word-set Dice similarity ≥ 0.5 to their counterpart). */
  changed: Array<{ from: string; to: string }>;
  verdict: 'material' | 'cosmetic';
  /** Why: the material changes when material, else what the cosmetic changes were (may be empty). */
  reasons: string[];
}

/** Options of {@link diffVersions}. */
export interface DiffOptions {
  /** A new, removed or reworded sentence needs this many words to be material. Default 6. */
  minWords?: number;
  /** Topic classifier (e.g. topic ids matched); a different result for the two versions is material. */
  topics?: (doc: { title: string; text: string }) => string[];
}

/** Words that carry no facts: a reworded sentence that only changes these is cosmetic. */
const FUNCTION_WORDS = new Set(
  'a an the and or but of to in on at by for from with as that this these those is are was were be been has have had it its he she they them his her their said says say told on also then there which who whom whose will would could should may might can'.split(
    ' ',
  ),
);
const NEGATIONS = new Set(['not', 'no', 'never', 'nor', 'without', 'denied', 'deny', 'denies']);

function sentencesOf(paragraphs: string[]): string[] {
  const out: string[] = [];
  for (const p of paragraphs) for (const s of sentenceSpans(p)) out.push(p.slice(s.start, s.end));
  return out;
}

function multisetMinus(a: string[], b: string[]): string[] {
  const m = new Map<string, number>();
  for (const w of b) m.set(w, (m.get(w) ?? 0) + 1);
  const out: string[] = [];
  for (const w of a) {
    const n = m.get(w) ?? 0;
    if (n > 0) m.set(w, n - 1);
    else out.push(w);
  }
  return out;
}

function dice(a: string[], b: string[]): number {
  if (a.length + b.length === 0) return 1;
  const common = a.length - multisetMinus(a, b).length;
  return (2 * common) / (a.length + b.length);
}

const quote = (s: string, n = 80): string => `"${s.length > n ? `${s.slice(0, n - 1)}…` : s}"`;

/**
 * Sentence-level diff of two versions of a story, with a verdict.
 *
 * **material** when any of: the headline's words changed; a new sentence of ≥ `minWords` words; a removed
 * sentence of ≥ `minWords` words (facts withdrawn); a reworded sentence whose changed words include a number,
 * a negation, or ≥ 2 content words (not function words), in a sentence of ≥ `minWords` words; the topic
 * classifier (if given) answers differently. **cosmetic** otherwise: punctuation, quote, dash and whitespace
 * differences (invisible after normalisation), single-word or function-word edits, short sentences.
 * @param prev the earlier version
 * @param next the later version
 * @param options see {@link DiffOptions}
 */
export function diffVersions(prev: ComparableDoc, next: ComparableDoc, options: DiffOptions = {}): VersionDiff {
  const minWords = options.minWords ?? 6;
  const a = readBody(prev.title, prev.text, prev.outlet);
  const b = readBody(next.title, next.text, next.outlet);
  const sa = sentencesOf(a.paragraphs);
  const sb = sentencesOf(b.paragraphs);
  const ka = sa.map((s) => words(s));
  const kb = sb.map((s) => words(s));
  // 1. identical sentences (after normalisation) pair up as a multiset
  const freeA = new Map<string, number[]>();
  ka.forEach((k, i) => {
    const key = k.join(' ');
    freeA.set(key, [...(freeA.get(key) ?? []), i]);
  });
  const matchedA = new Set<number>();
  const restB: number[] = [];
  let typography = 0;
  kb.forEach((k, j) => {
    const list = freeA.get(k.join(' '));
    const i = list?.shift();
    if (i === undefined) restB.push(j);
    else {
      matchedA.add(i);
      if (sa[i] !== sb[j]) typography++;
    }
  });
  const restA = sa.map((_, i) => i).filter((i) => !matchedA.has(i));
  // 2. reworded sentences: best Dice pairs first
  const pairs: Array<{ i: number; j: number; d: number }> = [];
  for (const i of restA)
    for (const j of restB) {
      const d = dice(ka[i]!, kb[j]!);
      if (d >= 0.5) pairs.push({ i, j, d });
    }
  pairs.sort((x, y) => y.d - x.d || x.i - y.i || x.j - y.j);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const changedPairs: Array<{ i: number; j: number }> = [];
  for (const p of pairs) {
    if (usedA.has(p.i) || usedB.has(p.j)) continue;
    usedA.add(p.i);
    usedB.add(p.j);
    changedPairs.push(p);
  }
  changedPairs.sort((x, y) => x.j - y.j);
  const added = restB.filter((j) => !usedB.has(j));
  const removed = restA.filter((i) => !usedA.has(i));

  const material: string[] = [];
  const cosmetic: string[] = [];
  const title = (s: string): string => normaliseText(s).replace(/\s+/g, ' ').trim();
  const headlineChanged = !sameWords(prev.title, next.title);
  if (headlineChanged) material.push(`headline changed: ${quote(title(prev.title))} → ${quote(title(next.title))}`);
  else if (title(prev.title) !== title(next.title)) cosmetic.push('headline typography changed');
  for (const j of added) {
    const n = kb[j]!.length;
    (n >= minWords ? material : cosmetic).push(
      `${n >= minWords ? 'new' : 'short new'} sentence (${n} words): ${quote(sb[j]!)}`,
    );
  }
  for (const i of removed) {
    const n = ka[i]!.length;
    (n >= minWords ? material : cosmetic).push(
      `${n >= minWords ? 'removed' : 'short removed'} sentence (${n} words): ${quote(sa[i]!)}`,
    );
  }
  for (const { i, j } of changedPairs) {
    const plus = multisetMinus(kb[j]!, ka[i]!);
    const minus = multisetMinus(ka[i]!, kb[j]!);
    const diff = [...plus, ...minus];
    const numbers = diff.some((w) => /\d/.test(w));
    const negation = diff.some((w) => NEGATIONS.has(w));
    // a substitution is one changed word: count the larger side, not the sum
    const contentOf = (ws: string[]): number => new Set(ws.filter((w) => !FUNCTION_WORDS.has(w))).size;
    const content = Math.max(contentOf(plus), contentOf(minus));
    const edited = Math.max(plus.length, minus.length);
    const long = Math.max(ka[i]!.length, kb[j]!.length) >= minWords;
    const why = numbers ? 'a number changed' : negation ? 'a negation changed' : `${content} content words changed`;
    if (long && (numbers || negation || content >= 2))
      material.push(`changed sentence (${why}): ${quote(sa[i]!)} → ${quote(sb[j]!)}`);
    else cosmetic.push(`edit (${edited} word${edited === 1 ? '' : 's'}): ${quote(sb[j]!)}`);
  }
  if (options.topics) {
    const ta = new Set(options.topics({ title: prev.title, text: prev.text }));
    const tb = new Set(options.topics({ title: next.title, text: next.text }));
    const gained = [...tb].filter((t) => !ta.has(t));
    const lost = [...ta].filter((t) => !tb.has(t));
    if (gained.length || lost.length)
      material.push(`topics changed: ${[...gained.map((t) => `+${t}`), ...lost.map((t) => `-${t}`)].join(' ')}`);
  }
  if (typography) cosmetic.push(`${typography} sentence${typography === 1 ? '' : 's'} differ only in typography`);
  return {
    headline: { changed: headlineChanged, from: title(prev.title), to: title(next.title) },
    added: added.map((j) => sb[j]!),
    removed: removed.map((i) => sa[i]!),
    changed: changedPairs.map(({ i, j }) => ({ from: sa[i]!, to: sb[j]! })),
    verdict: material.length ? 'material' : 'cosmetic',
    reasons: material.length ? material : cosmetic,
  };
}
