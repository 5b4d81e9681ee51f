import type { AlertJob, ArticleJob } from '../types.ts';

/**
 * A queue the pipeline sends work to. In AWS: SQS (SendMessageBatch, JSON bodies). Locally: an in-memory queue
 * that invokes the next Lambda handler with an SQS-shaped event. Either way the body is JSON of `T`.
 */
export interface QueuePort<T> {
  /** Enqueues messages (any count; adapters batch). @throws when the queue refuses them — the caller's record fails and is retried. */
  send(messages: T[]): Promise<void>;
}

/** Body of a feed-queue message: poll this feed now. `force` polls even when the feed is not due. */
export interface PollMessage {
  feedId: string;
  force?: boolean;
  /** Made by the scheduler per message; follows the feed's entries to their alerts in every log line. */
  correlationId?: string;
  catalog?: never;
}

/**
 * Body of a feed-queue message that completes the due-time index for a changed set of configured feeds (`catalog`
 * = their `catalogHash`): the scheduler only reads, so the poller writes the initial states.
 */
export interface CatalogMessage {
  catalog: string;
  feedId?: never;
}

/** A feed-queue message. */
export type FeedMessage = PollMessage | CatalogMessage;

/** The three queues of the pipeline (schedule → feeds → articles → alerts). */
export interface PipelineQueues {
  feeds: QueuePort<FeedMessage>;
  articles: QueuePort<ArticleJob>;
  alerts: QueuePort<AlertJob>;
}

/**
 * Pipeline counters. Names map 1:1 onto `CycleSummary` (local `run --once --json`) and onto CloudWatch EMF
 * metrics in AWS (Powertools Metrics, namespace `Wirewatch`).
 */
export type MetricName =
  | 'feedsPolled'
  | 'feedsOk'
  | 'feedsNotModified'
  | 'feedsFailed'
  | 'entriesSeen'
  | 'entriesNew'
  | 'articlesExtracted'
  | 'articlesFallback'
  | 'articlesFailed'
  | 'itemsStored'
  | 'itemsTagged'
  | 'alertsSent'
  | 'alertsFailed'
  | 'alertsSuppressed'
  | 'alertsDeferred'
  | 'pagesRetried'
  | 'pagesRechecked'
  | 'pagesNotModified'
  | 'pagesGaveUp';

/** Where the pipeline counts things. */
export interface MetricsPort {
  count(name: MetricName, value?: number): void;
}

/** Metrics that go nowhere. */
export const noMetrics: MetricsPort = { count() {} };
