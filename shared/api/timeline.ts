import { z } from 'zod';
import { InputError } from '../errors.ts';
import type { StoreReader } from '../store/index.ts';
import { zodParams } from './params.ts';

/*
 * `GET /topics/{id}/timeline?bucket=hour|day&days=7|30`: how many items a topic matched per UTC hour or day over the
 * last 7 or 30 days, for the dashboard's chart.
 *
 * Store reads are bounded: one Query on the topic's own index rows (`TOPIC#<id>`, the rows `GET /items?topic=` reads),
 * key condition `sk BETWEEN <first bucket> AND <now>`, projection `sk` only, at most `MAX_TIMELINE_ROWS` rows; the
 * counting happens here. Nothing else is read — no item, no scan. Cost: DynamoDB bills a Query by the bytes of the
 * rows it reads (the projection does not reduce it), rounded up to 4 KB per page, eventually consistent = 0.5 read
 * unit per 4 KB. A topic row is ~0.4–1 KB (a copy of the item summary), so 1,000 matches in the window cost ~60–125
 * read units (≈ $0.00003 on demand); the cap bounds the worst case at ~2,500 read units per request. More matching
 * rows than the cap answer `truncated: true` with the newest `MAX_TIMELINE_ROWS` counted.
 */

/** Most topic rows one timeline request reads. */
export const MAX_TIMELINE_ROWS = 20_000;

/** Names accepted by `GET /topics/{id}/timeline`. */
export const TIMELINE_PARAMS = ['bucket', 'days'] as const;

const paramsSchema = z.strictObject({
  bucket: z.enum(['hour', 'day']).default('day'),
  days: z.enum(['7', '30']).default('7'),
});

/** A configured topic, as the API knows it. */
export interface ApiTopic {
  id: string;
  name: string;
  /** The topic's rule, as written in the configuration; absent when the caller did not give it. */
  rule?: string;
  /** Score needed to match; absent = 1. */
  threshold?: number;
}

/** The body of `GET /topics/{id}/timeline`. */
export interface TopicTimeline {
  topic: { id: string; name: string; rule: string | null; threshold: number };
  bucket: 'hour' | 'day';
  days: 7 | 30;
  /** Start of the first bucket, ISO-8601 UTC (inclusive). */
  from: string;
  /** The time of the request, ISO-8601 UTC (inclusive end of the last, current bucket). */
  until: string;
  /** Every bucket in order, empty ones included: start (ISO-8601 UTC) and matches. */
  buckets: Array<{ start: string; count: number }>;
  /** Matches in the window (the sum of `buckets`). */
  total: number;
  /** True when more than `MAX_TIMELINE_ROWS` rows matched and only the newest were counted. */
  truncated: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A topic id as configs allow them (shared/topics/config-schema.ts). */
const TOPIC_ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Counts a topic's matches per bucket.
 * @param topicId the path parameter (must be a configured topic)
 * @param query the route's query parameters (already checked by `parseRawQuery`/`checkQuery`)
 * @returns the timeline, or null when the topic is not configured (404)
 * @throws InputError `invalid_parameter` naming `bucket`, `days` or `id`; StoreError from the store
 */
export async function topicTimeline(
  store: StoreReader,
  topics: readonly ApiTopic[],
  topicId: string,
  query: Record<string, string>,
  now: Date,
  maxRows = MAX_TIMELINE_ROWS,
): Promise<TopicTimeline | null> {
  if (!TOPIC_ID_RE.test(topicId))
    throw new InputError('invalid_parameter', 'parameter id: must be a topic id (lower-case letters, digits and -)');
  const params = zodParams(paramsSchema, query);
  const topic = topics.find((t) => t.id === topicId);
  if (!topic) return null;
  const size = params.bucket === 'hour' ? HOUR_MS : DAY_MS;
  const days = Number(params.days) as 7 | 30;
  const count = params.bucket === 'hour' ? days * 24 : days;
  const t = now.getTime();
  // Buckets are aligned to UTC hours/days; the last one is the current (partial) bucket.
  const first = Math.floor(t / size) * size - (count - 1) * size;
  const from = new Date(first).toISOString();
  const until = now.toISOString();
  const { times, truncated } = await store.topicMatchTimes(topic.id, from, until, maxRows);
  const counts = new Array<number>(count).fill(0);
  let total = 0;
  for (const at of times) {
    const ms = Date.parse(at);
    if (Number.isNaN(ms) || ms < first || ms > t) continue;
    const i = Math.floor((ms - first) / size);
    if (i >= 0 && i < count) {
      counts[i]! += 1;
      total += 1;
    }
  }
  return {
    topic: { id: topic.id, name: topic.name, rule: topic.rule ?? null, threshold: topic.threshold ?? 1 },
    bucket: params.bucket,
    days,
    from,
    until,
    buckets: counts.map((c, i) => ({ start: new Date(first + i * size).toISOString(), count: c })),
    total,
    truncated,
  };
}
