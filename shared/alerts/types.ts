import type { Table } from '../store/table.ts';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import type { AlertJob, EvidenceField, IsoDateTime, StoredItem, StoryUpdateNotice, TopicMatch } from '../types.ts';

/**
 * Lifecycle of one alert record (story × topic × subscription):
 *
 * - `pending` — claimed by a conditional put, a send is in progress (a crash leaves it here; `retryParked`
 *   re-drives `pending` records older than 10 minutes).
 * - `sent` — delivered (realtime, in a digest, or by a retry; see `via`).
 * - `failed` — parked after the retry budget; `retryParked` / `wirewatch alerts retry` re-drives it.
 * - `deferred` — waiting for the subscription's next digest (digest mode, or realtime over its hourly budget).
 * - `suppressed` — never sent: item older than `alerts.maxItemAgeHours`, or a backtest re-tag.
 */
export type AlertStatus = 'pending' | 'sent' | 'failed' | 'deferred' | 'suppressed';

/** Every status, in the order `listAlerts` merges them. */
export const ALERT_STATUSES: readonly AlertStatus[] = ['pending', 'sent', 'failed', 'deferred', 'suppressed'];

/**
 * What a message says about one alert: a snapshot taken from the item when the alert is claimed, so digests and
 * retries render the same text even after the item changed or expired. Every string is feed-derived and untrusted:
 * renderers escape it for their channel.
 */
export interface AlertContent {
  itemId: string;
  storyId: string;
  /** Canonical article URL. */
  url: string;
  title: string;
  /** Outlet: the page's site name, else the URL's host name. */
  outlet: string;
  publishedAt: IsoDateTime | null;
  topicId: string;
  topicName: string;
  score: number;
  /**
   * The first evidence sentence, with matched terms as offsets into `text` (UTF-16 code units, end exclusive);
   * null when the match carried no evidence. Kept for payload compatibility; `evidenceAll[0]` without `field`.
   */
  evidence: { clause: string; text: string; terms: Array<{ start: number; end: number }> } | null;
  /**
   * Up to three evidence sentences: the first sentence of each distinct clause or signal first, then further
   * sentences, never the same sentence twice. Absent in snapshots taken before it existed (renderers then use
   * `evidence`).
   */
  evidenceAll?: AlertEvidence[];
  /** Set for an update alert: the story's new version and what changed materially. */
  update?: StoryUpdateNotice | null;
}

/**
 * One evidence sentence of an alert: the clause (as written in the rule) it supports, the field it was found in,
 * the sentence, and the matched terms as offsets into `text` (UTF-16 code units, end exclusive; sorted, merged
 * where they overlap).
 */
export interface AlertEvidence {
  clause: string;
  /** `title`, `lead` or `body`; null for snapshots that did not record it. */
  field: EvidenceField | null;
  text: string;
  terms: Array<{ start: number; end: number }>;
}

/**
 * One alert record as stored under `ALERT#<storyId>#<topicId>` / `SUB#<subscriptionId>` (an update alert:
 * `SUB#<subscriptionId>#v<version>`) and listed by the CLI.
 */
export interface AlertRecord {
  /** `<storyId>#<topicId>#<subscriptionId>` (an update: `…#v<version>`) — the dedupe and idempotency key. */
  key: string;
  /** Set for an update alert: the story version it announces. */
  version?: number;
  itemId: string;
  storyId: string;
  topicId: string;
  subscriptionId: string;
  channelId: string;
  channelType: string;
  mode: 'realtime' | 'digest';
  status: AlertStatus;
  /** Why suppressed (`too_old`, `retag`) or deferred (`digest`, `budget`); null otherwise. */
  reason: string | null;
  /** Delivery attempts so far (all calls together). */
  attempts: number;
  /** `code: message` of the last failure, or null. */
  lastError: string | null;
  lastErrorCode: string | null;
  /** Whether the last failure may succeed when retried as is (drives DLQ vs. discard in AWS); null when none. */
  retryable: boolean | null;
  /** How it went out: `realtime`, `digest` or `retry`; null until sent. */
  via: 'realtime' | 'digest' | 'retry' | null;
  createdAt: IsoDateTime;
  updatedAt: IsoDateTime;
  sentAt: IsoDateTime | null;
  content: AlertContent;
}

/** Per-call counts of `deliver` (each counts subscriptions, not jobs). */
export interface DeliverResult {
  sent: number;
  /** Parked after the retry budget (status `failed`). */
  failed: number;
  /** Not alerted: too old or a re-tag. */
  suppressed: number;
  /** Queued for a digest (digest mode, or over budget). */
  deferred: number;
  /** The failures of this call, so the AWS handler can route retryable ones to the DLQ. */
  failures: Array<{ key: string; code: string; retryable: boolean }>;
}

/** What `runDigests` did: alert counts, and one entry per digest sent (or parked). */
export interface DigestRun {
  sent: number;
  failed: number;
  digests: Array<{ subscriptionId: string; channelId: string; alerts: number; sent: number; failed: number }>;
}

/** The next digest of one subscription (`previewDigests`). */
export interface DigestPreview {
  subscriptionId: string;
  channelId: string;
  channelType: string;
  mode: 'realtime' | 'digest';
  /** The digest schedule as configured (`hourly`, `daily 08:00 Europe/Berlin`). */
  schedule: string;
  /** When it is next due: ISO-8601 UTC. */
  dueAt: IsoDateTime;
  /** `dueAt` has passed: the next digest run sends it. */
  due: boolean;
  /** The deferred alerts it would carry, oldest first (empty: nothing to send). */
  alerts: AlertRecord[];
  /** The digest as its plain-text email would read (subject and body); null when there is nothing to send. */
  message: { subject: string; text: string } | null;
}

/** Response of the HTTP port: any HTTP status (transport failures throw). Header keys are lower-case. */
export interface AlertHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Minimal outbound HTTP port for Slack and webhook channels. The chokepoint's `HttpClient` (shared/http) satisfies
 * it, so SSRF guard, `http.allowHosts`, caps and timeouts apply to alert traffic too.
 * @throws a `WirewatchError` (HttpError) for transport and guard failures; never for an HTTP status.
 */
export interface AlertHttp {
  request(
    url: string,
    init: { kind: 'webhook'; method: 'POST'; headers: Record<string, string>; body: Buffer },
  ): Promise<AlertHttpResponse>;
}

/** Everything `createAlerter` needs. AWS clients only in the AWS runtime. */
export interface AlertDeps {
  /** Channels, subscriptions and `alerts:` settings (shared/config/load.ts). */
  config: Config;
  /** The table layer (shared/store/table.ts): alert records live in the single table. */
  table: Table;
  /** Item lookup; the Store satisfies it. */
  items: { getItem(id: string): Promise<StoredItem | null> };
  /** The story a story id belongs to now (after merges); default: the id itself. */
  resolveStory?: (storyId: string) => Promise<string>;
  http: AlertHttp;
  sns?: SNSClient;
  ses?: SESv2Client;
  /**
   * Resolves `webhookUrlEnv` / `secretEnv` values that are Secrets Manager ARNs (AWS runtime; optional).
   * Without it such a value parks the alert as `channel_misconfigured`.
   */
  secrets?: SecretsManagerClient;
  /** Where `webhookUrlEnv`, `secretEnv` and `topicArnEnv` are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  now?: () => Date;
  /** Waits between retries (default a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Sink of the console channel, one line per call without the newline. Default: `process.stderr`, because
   * `--json` runs reserve stdout for JSON; the CLI passes stdout when not in `--json` mode.
   */
  consoleWrite?: (line: string) => void;
}

/** The alert fan-out use-case. */
export interface Alerter {
  /**
   * Alert jobs for an item's new topic hits: one per distinct topic id. Pure, no I/O.
   * `opts.retag` marks jobs from a backtest re-tag; they are recorded as suppressed, never sent.
   */
  planAlerts(item: StoredItem, newTopics: TopicMatch[], opts?: { retag?: boolean }): AlertJob[];
  /**
   * Delivers one job to every matching subscription (topic listed or `*`, score ≥ `minScore`). For each, a
   * conditional put of the ALERT record comes first, so a redelivered job sends nothing. Never throws for channel
   * failures: they are retried (bounded; Slack 429 `Retry-After` honoured, 5xx backed off) and then parked.
   * @throws AlertError `item_not_found` (retryable) when the item is not in the store; StoreError when the table fails
   */
  deliver(job: AlertJob): Promise<DeliverResult>;
  /**
   * Sends every due digest: per subscription with deferred alerts, one message when the subscription's schedule
   * (`hourly`, `daily HH:MM Zone`; realtime budget overflow uses the subscription's `schedule`, else `hourly`) has an
   * occurrence after the last digest (or after the oldest deferred alert) and not after `now`. Precision is the
   * caller's cadence (hourly in AWS). Counts are alerts, not messages; a digest that fails is parked (`failed`).
   * `force` sends every deferred alert now, due or not (`wirewatch alerts digest --send-now`), through the same
   * path: each alert is claimed (`deferred` → `pending`) before the send, so a digest is never sent twice, and the
   * message carries the same idempotency key as any re-send of the same alerts. `subscriptionId` limits it to one.
   * @throws InputError `unknown_subscription`; StoreError when the table fails (channel failures are recorded)
   */
  runDigests(now: Date, opts?: { force?: boolean; subscriptionId?: string }): Promise<DigestRun>;
  /**
   * What the next digest of each subscription would carry, without sending or changing anything: every digest-mode
   * subscription (an empty one too) and every realtime one with budget overflow deferred, in configuration order
   * (see `DigestPreview`). `subscriptionId` limits it to one.
   * @throws InputError `unknown_subscription` for a `subscriptionId` not configured; StoreError when the table fails
   */
  previewDigests(now: Date, opts?: { subscriptionId?: string }): Promise<DigestPreview[]>;
  /**
   * Re-drives parked (`failed`) alerts, and `pending` ones stuck for at least `stalePendingMs` (default 10 minutes:
   * a crash mid-send), one message each (digest-bound ones as one digest). The local runtime passes 0 after an
   * unclean shutdown, when every `pending` record is known to be orphaned.
   */
  retryParked(opts?: { stalePendingMs?: number }): Promise<{ sent: number; failed: number }>;
  /**
   * Writes the outbox intents of `jobs` (one per story × topic) with the item's TTL. The pipeline calls it before it
   * marks the entry processed, so an alert is durable before its cause is forgotten.
   */
  recordIntents(jobs: AlertJob[], item: StoredItem): Promise<void>;
  /** Removes the intent of a job whose delivery finished (every subscription has its alert record). */
  completeIntent(job: AlertJob): Promise<void>;
  /**
   * Delivers outbox intents older than `olderThanMs` (default 15 minutes) that no queue message carried through —
   * a crash between storing an item and queueing its alert — and removes them. At most `limit` (default 1000).
   * @throws StoreError when the table fails
   */
  sweepOutbox(opts?: { olderThanMs?: number; limit?: number }): Promise<{
    intents: number;
    sent: number;
    failed: number;
    suppressed: number;
    deferred: number;
  }>;
  /** Recent alert records, newest `updatedAt` first. `limit` default 50 (max 1000); `status` one AlertStatus. */
  listAlerts(opts?: { limit?: number; status?: string }): Promise<AlertRecord[]>;
}
