/**
 * Evaluation of story assignment on labelled documents (`wirewatch stories eval`).
 *
 * Input: JSON Lines, one document per line: `{"id","url","outlet","title","text","publishedAt","story"}`
 * (`text`: paragraphs separated by blank lines; `story`: the label, optional; `event`: optional label of the
 * news event, shared by different stories about the same event). Documents are assigned in `publishedAt`
 * order (ties: file order) through {@link assignStory} on a fresh {@link MemoryStoryIndex} whose clock is the
 * document's publish time, exactly as the pipeline would assign them.
 *
 * Metrics, over the documents that carry a label:
 * - pairwise precision / recall / F1 over same-story pairs (a pair is positive when both documents are in
 *   one story; precision = predicted positive pairs that are labelled positive; 1 when nothing was merged);
 * - Adjusted Rand Index (Hubert & Arabie 1985) of the predicted vs the labelled partition;
 * - predicted vs labelled story counts;
 * - same-event merges: pairs labelled as different stories of one event but predicted as one story.
 *
 * Baselines, computed in the same run on the same order: exact canonical URL; normalised headline (folded
 * words); plain MinHash (128 functions over word 5-shingles of the raw text, furniture included) with
 * estimated Jaccard ≥ 0.5 to the most similar earlier document (single link), else a new story.
 */
import { InputError } from '../errors.ts';
import { type AssignOptions, type Assignment, assignStory, resolveStory } from './assign.ts';
import { type StoryDoc, fingerprintDoc, minhash, shingleHashes } from './fingerprint.ts';
import { MemoryStoryIndex } from './memory-port.ts';
import { normaliseText, splitParagraphs, words } from './normalise.ts';

/** A labelled document of an evaluation set. */
export interface LabelledStoryDoc extends StoryDoc {
  /** Story label, or null. */
  story: string | null;
  /** Event label (several stories may share one), or null. */
  event: string | null;
}

/** Pairwise and partition metrics; all null when no document is labelled. */
export interface StoryMetrics {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  ari: number | null;
  /** Predicted stories (over all documents). */
  stories: number;
  /** Labelled stories, or null without labels. */
  labelled: number | null;
}

/** The full result of {@link evaluateStories}. */
export interface StoriesEvalReport {
  /** Per document (input order): its final story. */
  assignments: Array<{ id: string; storyId: string }>;
  /** Per document id: the role it joined its story in when it was assigned (`original`, `copy`, `version`). */
  roles: Map<string, Assignment['role']>;
  metrics: StoryMetrics;
  /** Pairs labelled as different stories of one event that were put in one story. */
  sameEventMerges: Array<[string, string]>;
  baselines: Record<'exactUrl' | 'headline' | 'minhash', StoryMetrics>;
  /** Documents processed, and how many carry a story label. */
  documents: number;
  labelledDocuments: number;
}

/** ISO-8601 date or date-time; a date-time without an offset is read as UTC. */
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses an evaluation set. Blank lines are skipped.
 * @param text the file content
 * @param source file name for messages
 * @throws InputError `bad_dataset` naming the 1-based line and the field (not JSON; `id`, `text` or
 *   `publishedAt` missing or of the wrong type; `publishedAt` not ISO-8601; an optional field not a string; a
 *   duplicate `id`). `id`, `story` and `event` may be numbers; a `publishedAt` without an offset is UTC.
 */
export function parseStoriesJsonl(text: string, source = '<data>'): LabelledStoryDoc[] {
  const docs: LabelledStoryDoc[] = [];
  const ids = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const at = `${source}:${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      throw new InputError('bad_dataset', `${at}: not valid JSON (${(err as Error).message})`, { cause: err });
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw new InputError('bad_dataset', `${at}: expected a JSON object`);
    const o = obj as Record<string, unknown>;
    const str = (field: string, required: boolean): string | null => {
      let v = o[field];
      // ids and labels may be numbers in hand-made sets
      if (typeof v === 'number' && (field === 'id' || field === 'story' || field === 'event')) v = String(v);
      if (v === undefined || v === null) {
        if (required) throw new InputError('bad_dataset', `${at}: "${field}" is missing`);
        return null;
      }
      if (typeof v !== 'string')
        throw new InputError('bad_dataset', `${at}: "${field}" must be a string (got ${JSON.stringify(v)})`);
      if (required && field === 'id' && !v) throw new InputError('bad_dataset', `${at}: "id" is empty`);
      return v;
    };
    const id = str('id', true)!;
    const body = str('text', true)!;
    const publishedAt = str('publishedAt', true)!;
    const m = ISO_RE.exec(publishedAt);
    const zoned = m && publishedAt.length > 10 && !m[1] ? `${publishedAt.replace(' ', 'T')}Z` : publishedAt;
    if (!m || Number.isNaN(Date.parse(zoned)))
      throw new InputError('bad_dataset', `${at}: "publishedAt" must be an ISO-8601 date-time (got "${publishedAt}")`);
    const dup = ids.get(id);
    if (dup !== undefined) throw new InputError('bad_dataset', `${at}: "id" ${id} repeats line ${dup}`);
    ids.set(id, i + 1);
    docs.push({
      id,
      url: str('url', false) ?? '',
      outlet: str('outlet', false) ?? '',
      title: str('title', false) ?? '',
      text: body,
      publishedAt: new Date(zoned).toISOString(),
      story: str('story', false),
      event: str('event', false),
    });
  });
  return docs;
}

const pairs = (n: number): number => (n * (n - 1)) / 2;

/**
 * Pairwise precision/recall/F1 and ARI of a predicted partition against labels (parallel arrays).
 * @param predicted predicted story id per document
 * @param labelled labelled story per document
 */
export function partitionMetrics(
  predicted: string[],
  labelled: string[],
): { precision: number; recall: number; f1: number; ari: number } {
  const joint = new Map<string, number>();
  const pc = new Map<string, number>();
  const lc = new Map<string, number>();
  predicted.forEach((p, i) => {
    const l = labelled[i]!;
    joint.set(`${p}\u0000${l}`, (joint.get(`${p}\u0000${l}`) ?? 0) + 1);
    pc.set(p, (pc.get(p) ?? 0) + 1);
    lc.set(l, (lc.get(l) ?? 0) + 1);
  });
  let tp = 0;
  for (const n of joint.values()) tp += pairs(n);
  let pp = 0;
  for (const n of pc.values()) pp += pairs(n);
  let lp = 0;
  for (const n of lc.values()) lp += pairs(n);
  const precision = pp === 0 ? 1 : tp / pp;
  const recall = lp === 0 ? 1 : tp / lp;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const total = pairs(predicted.length);
  const expected = total === 0 ? 0 : (pp * lp) / total;
  const max = (pp + lp) / 2;
  const ari = max === expected ? 1 : (tp - expected) / (max - expected);
  return { precision, recall, f1, ari };
}

function metricsOf(docs: LabelledStoryDoc[], storyOf: Map<string, string>): StoryMetrics {
  const lab = docs.filter((d) => d.story !== null);
  const stories = new Set(storyOf.values()).size;
  if (lab.length === 0) return { precision: null, recall: null, f1: null, ari: null, stories, labelled: null };
  const m = partitionMetrics(
    lab.map((d) => storyOf.get(d.id)!),
    lab.map((d) => d.story!),
  );
  return { ...m, stories, labelled: new Set(lab.map((d) => d.story)).size };
}

/** Documents in assignment order: publish time, then file order. */
export function arrivalOrder<T extends { publishedAt: string }>(docs: T[]): T[] {
  return docs
    .map((d, i) => ({ d, i, t: Date.parse(d.publishedAt) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.d);
}

/** Headline baseline key: folded words of the headline (an empty headline is its own story). */
const headlineKey = (d: StoryDoc): string => words(normaliseText(d.title)).join(' ') || `\u0000${d.id}`;

function minhashBaseline(ordered: StoryDoc[]): Map<string, string> {
  const n = 128;
  const sigs: Uint32Array[] = [];
  const out = new Map<string, string>();
  ordered.forEach((d, idx) => {
    const sh = new Set<number>();
    for (const p of splitParagraphs(normaliseText(d.text))) for (const h of shingleHashes(words(p), 5)) sh.add(h);
    const sig = minhash(sh, n);
    let best = -1;
    let bestJ = 0;
    for (let j = 0; j < idx; j++) {
      const o = sigs[j]!;
      let eq = 0;
      for (let k = 0; k < n; k++) if (o[k] === sig[k]) eq++;
      const jac = eq / n;
      if (jac > bestJ) {
        bestJ = jac;
        best = j;
      }
    }
    sigs.push(sig);
    out.set(d.id, best >= 0 && bestJ >= 0.5 ? out.get(ordered[best]!.id)! : d.id);
  });
  return out;
}

/**
 * Runs story assignment over an evaluation set and scores it with the baselines.
 * @param docs parsed documents ({@link parseStoriesJsonl}), any order
 * @param options assignment options (the clock is set per document)
 */
export async function evaluateStories(
  docs: LabelledStoryDoc[],
  options: Omit<AssignOptions, 'now'> = {},
): Promise<StoriesEvalReport> {
  const ordered = arrivalOrder(docs);
  let clock = 0;
  const port = new MemoryStoryIndex({ now: () => clock });
  const raw = new Map<string, string>();
  const roles = new Map<string, Assignment['role']>();
  for (const d of ordered) {
    clock = Date.parse(d.publishedAt);
    const a = await assignStory(port, fingerprintDoc(d, options.fingerprint), { ...options, now: clock });
    raw.set(d.id, a.storyId);
    roles.set(d.id, a.role);
  }
  // a story merged after some of its documents were assigned: report every document under its final story
  const storyOf = new Map<string, string>();
  const finalCache = new Map<string, string>();
  for (const d of ordered) {
    const s = raw.get(d.id)!;
    let f = finalCache.get(s);
    if (f === undefined) {
      f = await resolveStory(port, s);
      finalCache.set(s, f);
    }
    storyOf.set(d.id, f);
  }
  const sameEventMerges: Array<[string, string]> = [];
  const lab = ordered.filter((d) => d.story !== null);
  for (let i = 0; i < lab.length; i++)
    for (let j = i + 1; j < lab.length; j++) {
      const x = lab[i]!;
      const y = lab[j]!;
      if (x.event && x.event === y.event && x.story !== y.story && storyOf.get(x.id) === storyOf.get(y.id))
        sameEventMerges.push([x.id, y.id]);
    }
  const byUrl = new Map<string, string>();
  const urlStory = new Map<string, string>();
  const byHead = new Map<string, string>();
  const headStory = new Map<string, string>();
  for (const d of ordered) {
    const u = d.url || `\u0000${d.id}`;
    if (!byUrl.has(u)) byUrl.set(u, d.id);
    urlStory.set(d.id, byUrl.get(u)!);
    const h = headlineKey(d);
    if (!byHead.has(h)) byHead.set(h, d.id);
    headStory.set(d.id, byHead.get(h)!);
  }
  return {
    assignments: docs.map((d) => ({ id: d.id, storyId: storyOf.get(d.id)! })),
    roles,
    metrics: metricsOf(docs, storyOf),
    sameEventMerges,
    baselines: {
      exactUrl: metricsOf(docs, urlStory),
      headline: metricsOf(docs, headStory),
      minhash: metricsOf(docs, minhashBaseline(ordered)),
    },
    documents: docs.length,
    labelledDocuments: lab.length,
  };
}
