import { z } from 'zod';
import type {
  FeedStatus,
  ItemDetail,
  ItemSummary,
  PageFetchState,
  StoredItem,
  StoryDetail,
  StorySummary,
} from '../types.ts';
import type { AlertView } from './alerts-query.ts';
import type { TopicTimeline } from './timeline.ts';

/*
 * Response schemas of the HTTP API (zod 4). They are the single source for three things: the OpenAPI 3.1
 * document (`z.toJSONSchema`, JSON Schema draft 2020-12, which OpenAPI 3.1 uses), the route table, and the
 * tests that parse real responses with them. Type-level checks below keep them equal to shared/types.ts.
 */

const iso = z.string().describe('ISO-8601 UTC timestamp');
const extractionStatus = z.enum([
  'full',
  'partial',
  'feed_only',
  'blocked_consent',
  'paywalled',
  'no_content',
  'failed',
]);
const feedStatus = z.enum([
  'ok',
  'not_modified',
  'http_error',
  'network_error',
  'parse_error',
  'not_a_feed',
  'blocked',
  'gone',
]);

const evidenceSchema = z.strictObject({
  clause: z.string(),
  field: z.enum(['title', 'lead', 'body']),
  text: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  terms: z.array(z.strictObject({ text: z.string(), start: z.number().int(), end: z.number().int() })),
});

const topicMatchSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  score: z.number(),
  evidence: z.array(evidenceSchema),
});

/** `ItemSummary` — one element of `GET /items`. */
export const itemSummarySchema = z
  .strictObject({
    id: z.string(),
    url: z.string(),
    title: z.string(),
    publishedAt: iso.nullable(),
    firstSeenAt: iso,
    feedIds: z.array(z.string()),
    extraction: z.strictObject({ status: extractionStatus }),
    topics: z.array(z.strictObject({ id: z.string(), score: z.number() })),
  })
  .describe('An item in list view');

/** `StoredItem` — `GET /items/{id}`. */
export const storedItemSchema = z
  .strictObject({
    id: z.string().describe('i_ + first 24 hex chars of sha256(canonical URL)'),
    url: z.string(),
    urls: z.array(z.string()),
    feedIds: z.array(z.string()),
    title: z.string(),
    byline: z.string().nullable(),
    siteName: z.string().nullable(),
    lang: z.string().nullable(),
    publishedAt: iso.nullable(),
    publishedAtSource: z
      .enum(['published', 'updated', 'page'])
      .nullable()
      .optional()
      .describe('published: the feed gave a publication date; updated: only an update time; page: page metadata'),
    firstSeenAt: iso,
    updatedAt: iso,
    version: z.number().int().min(1),
    extraction: z.strictObject({
      status: extractionStatus,
      reason: z.string().nullable(),
      extractor: z.strictObject({ name: z.string(), version: z.string(), dom: z.string().nullable().optional() }),
    }),
    topics: z.array(topicMatchSchema),
    text: z.string(),
    textTruncated: z.boolean(),
    contentHash: z.string(),
    storyId: z.string(),
    expiresAt: z.number().int().describe('TTL, epoch seconds'),
  })
  .describe('A stored item with text and evidence');

const recheckOutcome = z.enum(['not_modified', 'unchanged', 'changed', 'failed']);

/** `PageFetchState` — the `fetch` of `GET /items/{id}`: retries of a failed page fetch and rechecks of the page. */
export const pageFetchStateSchema = z
  .strictObject({
    state: z
      .enum(['retrying', 'rechecking', 'fetched', 'gave_up', 'failed'])
      .describe(
        'retrying: a retry is due at nextRetryAt; rechecking: re-checked at recheck.nextAt; fetched: nothing more ' +
          'scheduled; gave_up: the retries were used up; failed: a permanent failure (404, 410, SSRF, not HTML), not retried',
      ),
    attempts: z.number().int().min(0).describe('Fetches by the retry schedule, the first failed one included'),
    maxAttempts: z.number().int().min(0).describe('pages.retry.maxAttempts'),
    lastAttemptAt: iso.nullable(),
    lastError: z.string().nullable().describe('The last failure, e.g. `http 503`, `timeout: …`'),
    nextRetryAt: iso.nullable(),
    gaveUpAt: iso.nullable(),
    recheck: z
      .strictObject({
        checks: z.number().int().min(0).describe('Rechecks made'),
        of: z.number().int().min(0).describe('Rechecks configured (stories.recheck)'),
        nextAt: iso.nullable(),
        lastCheckedAt: iso.nullable(),
        lastOutcome: recheckOutcome.nullable(),
      })
      .nullable(),
  })
  .describe("The page's fetch state; null when it was fetched at the first attempt and is not re-checked");

/** `ItemDetail` — `GET /items/{id}`: the stored item and its page fetch state. */
export const itemDetailSchema = storedItemSchema
  .extend({ fetch: pageFetchStateSchema.nullable() })
  .describe('A stored item with text, evidence and page fetch state');

/** `GET /items` response. */
export const itemsPageSchema = z.strictObject({
  items: z.array(itemSummarySchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

/** `GET /topics` response. */
export const topicsResponseSchema = z.strictObject({
  topics: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      counts: z.strictObject({
        last24h: z.number().int().describe('items whose publishedAt (else firstSeenAt) is within the last 24 h'),
        last7d: z.number().int(),
      }),
    }),
  ),
});

/** One element of `GET /feeds` (same fields as `wirewatch feeds --json`, plus `id`). */
export const feedHealthSchema = z.strictObject({
  id: z.string(),
  url: z.string(),
  name: z.string().nullable(),
  status: feedStatus.nullable(),
  consecutiveFailures: z.number().int(),
  lastSuccessAt: iso.nullable(),
  lastNewEntryAt: iso.nullable(),
  nextPollAt: iso.nullable(),
  lastError: z.string().nullable(),
  etag: z.string().nullable(),
  lastModified: z.string().nullable(),
  interval: z
    .string()
    .nullable()
    .describe('the configured interval: a duration such as 15m, or adaptive; null for a feed no longer configured'),
  intervalMs: z.number().int().nullable().describe('the interval in force now, ms (adaptive: from the rhythm)'),
  rhythmMs: z.number().nullable().describe("median gap between the feed's recent entries, ms; null until known"),
  lastEntryAt: z
    .string()
    .nullable()
    .describe(
      "when the feed's newest entry appeared (publication time, else first sight), ISO-8601 UTC; null until known",
    ),
  overdue: z.boolean().describe('nextPollAt passed more than one schedule tick (and one interval) ago'),
  silent: z.boolean().describe('no new entry for 4 times its median gap, and for at least an hour'),
});

/** `GET /feeds` response. */
export const feedsResponseSchema = z.strictObject({ feeds: z.array(feedHealthSchema) });

const storyTopicSchema = z.strictObject({ id: z.string(), name: z.string(), score: z.number() });

/** `StorySummary` — one element of `GET /stories`. */
export const storySummarySchema = z
  .strictObject({
    id: z.string().describe('The story id: the id of the item that started it'),
    title: z.string().describe('Headline of the latest version'),
    original: z.strictObject({
      itemId: z.string(),
      url: z.string(),
      outlet: z.string(),
      publishedAt: iso.nullable(),
      agency: z.string().nullable().describe('AP, Reuters or AFP when the wire bylined it'),
    }),
    firstSeenAt: iso,
    lastActivityAt: iso.describe('When a member joined or a version was recorded last'),
    members: z.number().int().describe('Outlets and versions carrying the story'),
    version: z.number().int().min(1),
    topics: z.array(storyTopicSchema),
    feedIds: z.array(z.string()),
  })
  .describe('A story in list view');

const storyChangesSchema = z.strictObject({
  headline: z.strictObject({ changed: z.boolean(), to: z.string() }),
  paragraphsDropped: z.strictObject({ count: z.number().int(), fromBottom: z.boolean() }),
  paragraphsAdded: z.strictObject({
    count: z.number().int(),
    paragraphs: z.array(z.strictObject({ firstWords: z.string(), position: z.enum(['top', 'middle', 'bottom']) })),
  }),
  paragraphsEdited: z.number().int(),
});

/** `StoryMember` — one element of a story's lineage. */
export const storyMemberSchema = z.strictObject({
  itemId: z.string(),
  url: z.string(),
  outlet: z.string(),
  feedId: z.string().nullable(),
  role: z.enum(['original', 'copy', 'version']),
  firstSeenAt: iso,
  publishedAt: iso.nullable(),
  similarity: z.number().describe('Jaccard similarity of the body to the original, 0–1'),
  changes: storyChangesSchema.nullable().describe('What the outlet changed against the original; null for it'),
});

/** `StoryVersion` — one element of a story's versions. */
export const storyVersionSchema = z.strictObject({
  version: z.number().int().min(2),
  itemId: z.string(),
  url: z.string(),
  at: iso,
  title: z.string(),
  verdict: z.enum(['material', 'cosmetic']),
  reasons: z.array(z.string()),
  diff: z.strictObject({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.strictObject({ from: z.string(), to: z.string() })),
  }),
});

/** `GET /stories` response. */
export const storiesPageSchema = z.strictObject({
  stories: z.array(storySummarySchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

/** `StoryDetail` — `GET /stories/{id}`. */
export const storyDetailSchema = storySummarySchema
  .extend({
    lineage: z.array(storyMemberSchema),
    versions: z.array(storyVersionSchema),
    topicMatches: z.array(topicMatchSchema),
  })
  .describe('A story with its lineage, versions and topics with evidence');

/** `GET /topics/{id}/timeline` response. */
export const topicTimelineSchema = z
  .strictObject({
    topic: z.strictObject({
      id: z.string(),
      name: z.string(),
      rule: z.string().nullable().describe('The rule as configured; null when the server was not given it'),
      threshold: z.number(),
    }),
    bucket: z.enum(['hour', 'day']),
    days: z.union([z.literal(7), z.literal(30)]),
    from: iso.describe('Start of the first bucket (UTC hour or day), inclusive'),
    until: iso.describe('Time of the request: the end of the last (current) bucket'),
    buckets: z.array(
      z.strictObject({
        start: iso,
        count: z.number().int().describe('Items matched, by publishedAt else firstSeenAt'),
      }),
    ),
    total: z.number().int(),
    truncated: z.boolean().describe('More matches than the per-request read cap; only the newest were counted'),
  })
  .describe('Matches of one topic per hour or day');

const alertStatus = z.enum(['pending', 'sent', 'failed', 'deferred', 'suppressed']);

/** One element of `GET /alerts`. */
export const alertViewSchema = z
  .strictObject({
    key: z.string().describe('<storyId>#<topicId>#<subscriptionId>[#v<version>]'),
    storyId: z.string(),
    itemId: z.string(),
    topicId: z.string(),
    subscriptionId: z.string(),
    channelId: z.string(),
    channelType: z.string(),
    mode: z.enum(['realtime', 'digest']),
    status: alertStatus,
    parked: z.boolean().describe('A failed alert that can be re-driven (`wirewatch alerts retry`; DLQ in AWS)'),
    reason: z.string().nullable().describe('Why deferred (digest, budget) or suppressed (too_old, retag)'),
    attempts: z.number().int(),
    lastError: z.string().nullable().describe('code: message of the last failure (URL paths removed)'),
    lastErrorCode: z.string().nullable(),
    via: z.enum(['realtime', 'digest', 'retry']).nullable(),
    version: z.number().int().nullable().describe('The story version an update alert announces; null for the first'),
    createdAt: iso,
    updatedAt: iso,
    sentAt: iso.nullable(),
    title: z.string(),
    url: z.string(),
    outlet: z.string(),
  })
  .describe('One alert delivery record');

/** `GET /alerts` response. */
export const alertsPageSchema = z.strictObject({
  alerts: z.array(alertViewSchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

/** Every error response: 400, 401, 404, 405, 500, 503. */
export const errorSchema = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string() }),
});

/** `GET /healthz` response. */
export const healthSchema = z.strictObject({ ok: z.literal(true) });

/** `GET /openapi.json` response (loosely: an object with `openapi: "3.1.x"`). */
export const openApiDocSchema = z.looseObject({ openapi: z.string().regex(/^3\.1\.\d+$/) });

/** The feed health row type. */
export type FeedHealth = z.infer<typeof feedHealthSchema>;

// Compile-time guarantees that the schemas and shared/types.ts describe the same shapes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _summaryMatches: Same<z.infer<typeof itemSummarySchema>, ItemSummary> = true;
const _itemMatches: Same<z.infer<typeof storedItemSchema>, StoredItem> = true;
const _statusMatches: Same<z.infer<typeof feedStatus>, FeedStatus> = true;
const _fetchMatches: Same<z.infer<typeof pageFetchStateSchema>, PageFetchState> = true;
const _detailMatches: Same<z.infer<typeof itemDetailSchema>, ItemDetail> = true;
void _fetchMatches;
void _detailMatches;
void _summaryMatches;
void _itemMatches;
void _statusMatches;
const _storyMatches: Same<z.infer<typeof storySummarySchema>, StorySummary> = true;
const _storyDetailMatches: Same<z.infer<typeof storyDetailSchema>, StoryDetail> = true;
void _storyMatches;
void _storyDetailMatches;
const _timelineMatches: Same<z.infer<typeof topicTimelineSchema>, TopicTimeline> = true;
const _alertMatches: Same<z.infer<typeof alertViewSchema>, AlertView> = true;
void _timelineMatches;
void _alertMatches;
