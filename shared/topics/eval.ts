/**
 * Evaluation of a topic set on labelled documents (`wirewatch topics eval`).
 * Input format: JSON Lines as in `../shared/corpus/topics/dev.jsonl` — one object per line with `id`,
 * `title` (string or null), `text` and `labels` (topic ids; `none` = no topic).
 */
import { InputError } from '../errors.ts';
import type { Evidence } from '../types.ts';
import type { TopicExplanation, TopicSet } from './compile.ts';

/** One labelled document. */
export interface LabelledDoc {
  id: string;
  title: string;
  text: string;
  /** Expected topic ids; empty (or `none`) means no topic. */
  labels: string[];
}

/**
 * Confusion counts and derived scores of one topic. precision/recall/f1 are 0..1, or null when undefined
 * (0/0): precision with no match, recall with no labelled positive, F1 with neither — a topic the data does
 * not exercise has no score rather than a score of 0.
 */
export interface TopicCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/** One wrong decision: `expected`/`got` say whether the topic was expected and whether it matched. */
export interface EvalError {
  id: string;
  topic: string;
  expected: boolean;
  got: boolean;
  /** Score when the rule held (also for a miss below the threshold), else null. */
  score: number | null;
  /** Evidence of the (false) match; empty for a miss. */
  evidence: Evidence[];
  /** Why: the rule's failed clauses (a miss whose rule failed), or score, threshold and the signals that held. */
  explanation: Omit<TopicExplanation, 'id'>;
}

/** The result of {@link evaluateTopics}; `topics` keyed by topic id in topic-set order. */
export interface EvalReport {
  documents: number;
  topics: Record<string, TopicCounts>;
  errors: EvalError[];
}

/**
 * Parses labelled JSON Lines. Blank lines are skipped.
 * @param text the file content (UTF-8 decoded)
 * @param source file name for messages
 * @throws InputError `bad_dataset` naming the 1-based line and the problem (not JSON, missing `text` or `labels`)
 */
export function parseLabelledJsonl(text: string, source = '<data>'): LabelledDoc[] {
  const docs: LabelledDoc[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      throw new InputError('bad_dataset', `${source}:${i + 1}: not valid JSON (${(err as Error).message})`, {
        cause: err,
      });
    }
    const o = obj as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || typeof o.text !== 'string' || !Array.isArray(o.labels)) {
      throw new InputError(
        'bad_dataset',
        `${source}:${i + 1}: expected an object with "text" (string) and "labels" (array)`,
      );
    }
    docs.push({
      id: typeof o.id === 'string' ? o.id : `line-${i + 1}`,
      title: typeof o.title === 'string' ? o.title : '',
      text: o.text,
      labels: (o.labels as unknown[]).filter((l): l is string => typeof l === 'string' && l !== 'none'),
    });
  });
  return docs;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : round(a / b));

/**
 * Classifies every document and scores each topic of the set against the labels.
 * @param set the compiled topic set
 * @param docs labelled documents
 * @param topicIds evaluate only these topics (default: every topic of the set)
 * @returns counts per topic and every wrong decision, in document order, each with its explanation
 * @throws InputError `unknown_topic` when `topicIds` names a topic the set does not have
 */
export function evaluateTopics(set: TopicSet, docs: LabelledDoc[], topicIds?: string[]): EvalReport {
  const known = set.topics.map((t) => t.id);
  const ids = topicIds ?? known;
  const bad = ids.find((id) => !known.includes(id));
  if (bad !== undefined)
    throw new InputError('unknown_topic', `topic ${bad}: no such topic (known: ${known.join(', ')})`);
  const counts: Record<string, TopicCounts> = {};
  for (const id of ids) counts[id] = { tp: 0, fp: 0, fn: 0, tn: 0, precision: null, recall: null, f1: null };
  const errors: EvalError[] = [];
  for (const d of docs) {
    const matches = set.classify({ title: d.title, text: d.text });
    for (const id of ids) {
      const m = matches.find((x) => x.id === id);
      const expected = d.labels.includes(id);
      const got = m !== undefined;
      const c = counts[id]!;
      if (expected && got) c.tp++;
      else if (!expected && got) c.fp++;
      else if (expected && !got) c.fn++;
      else c.tn++;
      if (expected !== got) {
        const { id: _id, ...explanation } = set.explain({ title: d.title, text: d.text }, id);
        errors.push({
          id: d.id,
          topic: id,
          expected,
          got,
          score: explanation.score,
          evidence: m?.evidence ?? [],
          explanation,
        });
      }
    }
  }
  for (const c of Object.values(counts)) {
    c.precision = ratio(c.tp, c.tp + c.fp);
    c.recall = ratio(c.tp, c.tp + c.fn);
    c.f1 = ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
  }
  return { documents: docs.length, topics: counts, errors };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
