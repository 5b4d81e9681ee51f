/**
 * Backtest of one topic rule over stored items (`wirewatch topics backtest`).
 * Runs a (new) rule over every stored item, reports matches gained and lost against the tags stored with
 * each item and, with `apply`, re-tags the items whose match for that topic changed. Re-tagging goes through
 * the store port; the store marks such hits as re-tags so no alert is sent for old items.
 */
import type { TopicMatch } from '../types.ts';
import type { TopicSet } from './compile.ts';

/** What the backtest needs from the store (implemented by `Store` in shared/store). */
export interface BacktestPort {
  /** Every stored item (any order), with the topics stored on it. */
  scanItems(): AsyncIterable<{ id: string; title: string; text: string; topics: TopicMatch[] }>;
  /** Replaces the stored topics of one item (a re-tag; sends no alerts). */
  retagItem(id: string, topics: TopicMatch[]): Promise<void>;
}

/** One item whose decision for the topic changed. `score` is the new score (null when lost). */
export interface BacktestChange {
  id: string;
  title: string;
  score: number | null;
  previousScore: number | null;
  /** The first evidence sentence of the new match (gained), else null. */
  evidence: string | null;
}

/** Result of {@link backtestTopic}. Counts are items. */
export interface BacktestReport {
  topic: string;
  scanned: number;
  matchedBefore: number;
  matchedAfter: number;
  gained: BacktestChange[];
  lost: BacktestChange[];
  /** Items whose stored topics were rewritten (0 unless `apply`). Includes score-only changes. */
  retagged: number;
  applied: boolean;
}

/**
 * Runs `topicId` of `set` over every item of `port`.
 * @param port store access (scan + re-tag)
 * @param set a topic set containing `topicId` (usually the configured set with the new rule merged in)
 * @param topicId the topic to test
 * @param opts.apply re-tag items whose match or score for the topic changed (default false: report only)
 * @returns gained and lost matches (document order of the scan) and counts
 * @throws Error from the port (e.g. StoreError) unchanged; nothing is re-tagged after a failed scan step
 */
export async function backtestTopic(
  port: BacktestPort,
  set: TopicSet,
  topicId: string,
  opts: { apply?: boolean } = {},
): Promise<BacktestReport> {
  const report: BacktestReport = {
    topic: topicId,
    scanned: 0,
    matchedBefore: 0,
    matchedAfter: 0,
    gained: [],
    lost: [],
    retagged: 0,
    applied: opts.apply === true,
  };
  for await (const item of port.scanItems()) {
    report.scanned++;
    const before = item.topics.find((t) => t.id === topicId) ?? null;
    const after =
      set.classify({ title: item.title ?? '', text: item.text ?? '' }).find((t) => t.id === topicId) ?? null;
    if (before) report.matchedBefore++;
    if (after) report.matchedAfter++;
    if (!before && after) {
      report.gained.push({
        id: item.id,
        title: item.title,
        score: after.score,
        previousScore: null,
        evidence: after.evidence[0]?.text ?? null,
      });
    } else if (before && !after) {
      report.lost.push({ id: item.id, title: item.title, score: null, previousScore: before.score, evidence: null });
    }
    const changed = (before === null) !== (after === null) || (before && after && before.score !== after.score);
    if (opts.apply && changed) {
      const others = item.topics.filter((t) => t.id !== topicId);
      const topics = after ? [...others, after].sort((a, b) => b.score - a.score) : others;
      await port.retagItem(item.id, topics);
      report.retagged++;
    }
  }
  return report;
}
