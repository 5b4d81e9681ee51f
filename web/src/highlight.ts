import type { Evidence, TopicMatch } from './types.ts';

/*
 * Evidence highlighting, as pure functions over strings (no DOM, so tests run them in node): an item's text is cut
 * into segments, each marked as inside a supporting sentence (with the clauses it supports) and/or a matched term.
 * Offsets in evidence are UTF-16 code units into the field text — the title for `title` evidence, the item's text
 * for `lead`/`body` — end exclusive (shared/types.ts `Evidence`).
 */

/** A run of text with the same marks. */
export interface Segment {
  text: string;
  /** Start offset in the field text. */
  start: number;
  /** Inside at least one supporting sentence. */
  sentence: boolean;
  /** Inside a matched term. */
  term: boolean;
  /** Clauses (as written in the rule) whose sentence covers this run, with their topic ids. */
  clauses: Array<{ topicId: string; clause: string }>;
  /** Index (into `located`) of the first sentence starting at this run's start, for anchors. */
  sentenceStart: number | null;
}

/** An evidence sentence placed in the field text. */
export interface Located {
  topicId: string;
  evidence: Evidence;
  start: number;
  end: number;
  terms: Array<{ start: number; end: number }>;
}

/**
 * Places each evidence entry of `field` in `text`. The recorded offsets are used when they point at the recorded
 * sentence; otherwise (a text cut to fit the store, say) the sentence is searched for and its terms shifted with it;
 * evidence whose sentence is not in the text is left out (the evidence list still shows it).
 */
export function locate(text: string, topics: TopicMatch[], field: 'title' | 'text'): Located[] {
  const out: Located[] = [];
  for (const t of topics) {
    for (const e of t.evidence) {
      if ((field === 'title') !== (e.field === 'title')) continue;
      let delta = 0;
      if (text.slice(e.start, e.end) !== e.text) {
        const at = e.text ? text.indexOf(e.text) : -1;
        if (at < 0) continue;
        delta = at - e.start;
      }
      const start = e.start + delta;
      const end = e.end + delta;
      const terms = e.terms
        .map((term) => ({ start: term.start + delta, end: term.end + delta }))
        .filter((term) => term.start >= start && term.end <= end && term.start < term.end);
      out.push({ topicId: t.id, evidence: e, start, end, terms });
    }
  }
  return out;
}

/**
 * Cuts `text` into segments at every boundary of the located sentences and terms.
 * @returns segments in order; their texts concatenate to `text`
 */
export function segments(text: string, located: Located[]): Segment[] {
  const cuts = new Set<number>([0, text.length]);
  for (const l of located) {
    cuts.add(l.start);
    cuts.add(l.end);
    for (const t of l.terms) {
      cuts.add(t.start);
      cuts.add(t.end);
    }
  }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    if (a === b) continue;
    const covering = located.filter((l) => l.start <= a && l.end >= b);
    const term = covering.some((l) => l.terms.some((t) => t.start <= a && t.end >= b));
    const clauses: Segment['clauses'] = [];
    for (const l of covering) {
      if (!clauses.some((c) => c.topicId === l.topicId && c.clause === l.evidence.clause))
        clauses.push({ topicId: l.topicId, clause: l.evidence.clause });
    }
    const starting = located.findIndex((l) => l.start === a);
    const prev = out[out.length - 1];
    const sameMarks =
      prev &&
      starting < 0 &&
      prev.term === term &&
      prev.sentence === covering.length > 0 &&
      prev.clauses.length === clauses.length &&
      prev.clauses.every((c, j) => c.clause === clauses[j]!.clause && c.topicId === clauses[j]!.topicId);
    if (sameMarks && prev) {
      prev.text += text.slice(a, b);
      continue;
    }
    out.push({
      text: text.slice(a, b),
      start: a,
      sentence: covering.length > 0,
      term,
      clauses,
      sentenceStart: starting >= 0 ? starting : null,
    });
  }
  return out;
}

/**
 * The sentence of one evidence entry cut into plain and matched runs (offsets relative to the sentence).
 * @returns runs whose texts concatenate to `evidence.text`
 */
export function sentenceRuns(evidence: Evidence): Array<{ text: string; term: boolean }> {
  const text = evidence.text;
  const terms = evidence.terms
    .map((t) => ({ start: t.start - evidence.start, end: t.end - evidence.start }))
    .filter((t) => t.start >= 0 && t.end <= text.length && t.start < t.end)
    .sort((a, b) => a.start - b.start);
  const runs: Array<{ text: string; term: boolean }> = [];
  let at = 0;
  for (const t of terms) {
    if (t.start < at) continue; // overlapping terms: the first wins
    if (t.start > at) runs.push({ text: text.slice(at, t.start), term: false });
    runs.push({ text: text.slice(t.start, t.end), term: true });
    at = t.end;
  }
  if (at < text.length) runs.push({ text: text.slice(at), term: false });
  return runs;
}
