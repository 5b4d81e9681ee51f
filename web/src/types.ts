/*
 * Response shapes of the API routes the dashboard reads. Items and stories come from shared/types.ts (which has no
 * imports); the rest mirror the zod schemas of shared/api/schemas.ts, which the OpenAPI document is generated from.
 */
export type {
  Evidence,
  ItemSummary,
  StoredItem,
  StoryChanges,
  StoryDetail,
  StoryMember,
  StorySummary,
  StoryVersion,
  TopicMatch,
} from '../../shared/types.ts';

/** `GET /topics` */
export interface TopicsResponse {
  topics: Array<{ id: string; name: string; counts: { last24h: number; last7d: number } }>;
}

/** `GET /topics/{id}/timeline` */
export interface TopicTimeline {
  topic: { id: string; name: string; rule: string | null; threshold: number };
  bucket: 'hour' | 'day';
  days: 7 | 30;
  from: string;
  until: string;
  buckets: Array<{ start: string; count: number }>;
  total: number;
  truncated: boolean;
}

/** One row of `GET /feeds` */
export interface FeedHealth {
  id: string;
  url: string;
  name: string | null;
  status: string | null;
  consecutiveFailures: number;
  lastSuccessAt: string | null;
  lastNewEntryAt: string | null;
  nextPollAt: string | null;
  lastError: string | null;
  etag: string | null;
  lastModified: string | null;
  /** Median gap between the feed's recent entries, ms; null until known. */
  rhythmMs: number | null;
  /** When its newest entry appeared, ISO-8601 UTC; null until known. */
  lastEntryAt: string | null;
  /** No new entry for 4 times its median gap, and for at least an hour. */
  silent: boolean;
}

/** One row of `GET /alerts` */
export interface AlertView {
  key: string;
  storyId: string;
  itemId: string;
  topicId: string;
  subscriptionId: string;
  channelId: string;
  channelType: string;
  mode: 'realtime' | 'digest';
  status: 'pending' | 'sent' | 'failed' | 'deferred' | 'suppressed';
  parked: boolean;
  reason: string | null;
  attempts: number;
  lastError: string | null;
  lastErrorCode: string | null;
  via: string | null;
  version: number | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  title: string;
  url: string;
  outlet: string;
}
