/**
 * Domain types shared by every stage of the pipeline. These shapes cross module boundaries, queue
 * messages and the store, so changing one is an interface change: update DEVELOPERS.md with it.
 *
 * Conventions: times are ISO-8601 UTC strings (`2023-03-20T12:00:00.000Z`) unless a field says
 * otherwise; sizes are bytes; durations are ms; absent values are `null`, not `undefined`.
 */

/** ISO-8601 UTC timestamp, e.g. `2023-03-20T12:00:00.000Z`. */
export type IsoDateTime = string;

/** A feed as configured in `wirewatch.yaml` after validation. `id` is stable: given, or derived from the URL. */
export interface FeedSource {
  /** Stable id: the configured `id`, else `f_` + first 12 hex chars of sha256(url). */
  id: string;
  url: string;
  name: string | null;
  /**
   * How often to poll it (resolved by the config loader: the feed's `interval`, else `polling.interval`, else the
   * period of `schedule`). Absent for feeds built by hand: `pollFeed`'s policy interval then applies.
   */
  interval?: FeedInterval;
}

/**
 * A feed's polling interval, all durations ms. `fixed`: every `ms`. `adaptive`: the median gap between the feed's
 * entries (`FeedState.rhythm`), kept within `minMs`…`maxMs`. `tickMs` is the period of `schedule` (the scheduler
 * runs once per tick, so a feed's polls are rounded to ticks).
 */
export type FeedInterval =
  | { mode: 'fixed'; ms: number; tickMs: number }
  | { mode: 'adaptive'; minMs: number; maxMs: number; tickMs: number };

/**
 * A feed's publishing rhythm, kept in its state: when its recent entries appeared (epoch seconds: an entry's
 * publication time when it has a plausible one, else when it was first seen; ascending, distinct, the most recent
 * few) and since when the feed has been watched (epoch seconds). Compact on purpose: it rides on every state write.
 */
export interface FeedRhythm {
  since: number;
  times: number[];
}

/** The feed document formats wirewatch reads. */
export type FeedFormat = 'rss' | 'rdf' | 'atom' | 'json';

/** A media enclosure of a feed entry (RSS `<enclosure>`, Atom `link rel=enclosure`, JSON Feed `attachments`). */
export interface Enclosure {
  url: string;
  type: string | null;
  /** bytes, when the feed declares it */
  length: number | null;
}

/**
 * One entry of a feed, normalised. Produced by `shared/feeds`, carried in the article
 * queue message, and used as the extraction fallback.
 */
export interface FeedEntry {
  /** Identity key within wirewatch: `url:<canonical url>`, `guid:<guid>` or `hash:<sha256 hex>`. */
  key: string;
  guid: string | null;
  /** Absolute, canonicalised article URL (tracking parameters removed), or null when the entry has none. */
  url: string | null;
  /** Plain text, entities decoded, whitespace collapsed. Empty string when the feed gives none. */
  title: string;
  /** Plain-text summary/description. */
  summary: string | null;
  /** Full HTML content when the feed carries it (content:encoded, atom:content, content_html). */
  contentHtml: string | null;
  /**
   * When the entry was published: its publication date (RSS `pubDate`/`dc:date`, Atom `published`, JSON Feed
   * `date_published`), else its last-update time (see `publishedAtSource`), else null.
   */
  publishedAt: IsoDateTime | null;
  updatedAt: IsoDateTime | null;
  /**
   * Where `publishedAt` came from: `published` = the entry's own publication date; `updated` = the entry had
   * none, so its update time stands in (Atom requires `<updated>` but not `<published>`, RFC 4287 §4.1.2), which
   * keeps an old backlog from looking new; null = no date at all. Optional: entries queued by earlier versions
   * lack it (read absent as unknown).
   */
  publishedAtSource?: PublishedAtSource | null;
  author: string | null;
  categories: string[];
  enclosures: Enclosure[];
}

/** See `FeedEntry.publishedAtSource`. */
export type PublishedAtSource = 'published' | 'updated';

/** Result of parsing one feed document. */
export interface ParsedFeed {
  feed: { title: string | null; link: string | null; format: FeedFormat };
  entries: FeedEntry[];
  /** Non-fatal problems, one sentence each (e.g. a date in the future clamped). */
  warnings: string[];
}

/** Health status of a feed. */
export type FeedStatus =
  | 'ok'
  | 'not_modified'
  | 'http_error'
  | 'network_error'
  | 'parse_error'
  | 'not_a_feed'
  | 'blocked'
  | 'gone';

/** Per-feed polling state, persisted in the store (one record per feed). */
export interface FeedState {
  feedId: string;
  url: string;
  name: string | null;
  /** `null` before the first poll. */
  status: FeedStatus | null;
  consecutiveFailures: number;
  lastPolledAt: IsoDateTime | null;
  lastSuccessAt: IsoDateTime | null;
  lastNewEntryAt: IsoDateTime | null;
  nextPollAt: IsoDateTime | null;
  lastError: string | null;
  /** Conditional GET validators (RFC 9110 §13.1). */
  etag: string | null;
  lastModified: string | null;
  /** sha256 hex of the last body parsed, to detect "unchanged" when the server ignores validators. */
  bodyHash: string | null;
  /** When the feed first answered 404/410 in the current run of failures, to decide `gone`. */
  goneSince: IsoDateTime | null;
  /** Feed URLs an HTML page advertised (`<link rel=alternate>`) when status is `not_a_feed`. */
  suggestions?: string[];
  /** When its recent entries appeared (adaptive intervals, silence); absent before the first successful poll. */
  rhythm?: FeedRhythm;
}

/** Queue message from poll-feed to process-article: one new (or changed) entry of one feed. */
export interface ArticleJob {
  feedId: string;
  feedUrl: string;
  entry: FeedEntry;
  /** When the poller first saw this entry. */
  discoveredAt: IsoDateTime;
  /** Correlation id of the feed poll that found the entry; carried on to its alert jobs and every log line. */
  correlationId?: string;
  /**
   * Set when the scheduler re-enqueues a page from its page schedule (a retry of a failed fetch, or a recheck of
   * a page that matched a topic); absent for entries fresh from a feed poll.
   */
  page?: PageJobMarker;
}

/** What a scheduled page job is for: which page schedule and which of its due times (a stale copy is dropped). */
export interface PageJobMarker {
  mode: 'retry' | 'recheck';
  /** The item whose page this is (the page schedule record's id). */
  itemId: string;
  /** The schedule's `nextAt` this job was enqueued for. */
  due: IsoDateTime;
}

/**
 * The page schedule of one item (`PAGE#<itemId>` / `SCHEDULE`): when its page is fetched again and why.
 * `phase`: `retry` = the last fetch failed transiently and another attempt is due at `nextAt`; `recheck` = the
 * page matched a topic and is re-checked with a conditional GET at `nextAt`; `done` = nothing more is scheduled
 * (`outcome` says why). Stored as JSON by shared/store; on the due-time index only while `nextAt` is set.
 */
export interface PageSchedule {
  itemId: string;
  /** The page fetched (the entry's URL). */
  url: string;
  /** The article job replayed when due (its entry without `contentHtml`, to keep the record small). */
  job: Pick<ArticleJob, 'feedId' | 'feedUrl' | 'entry' | 'discoveredAt'>;
  /** When the item was first seen: recheck times are counted from here. */
  firstSeenAt: IsoDateTime;
  phase: 'retry' | 'recheck' | 'done';
  /** When the next fetch is due; null when `phase` is `done`. */
  nextAt: IsoDateTime | null;
  /** Why nothing more is scheduled: `fetched`, `gave_up` (attempts or time exhausted), `permanent` (404, 410, SSRF…). */
  outcome: 'fetched' | 'gave_up' | 'permanent' | null;
  /** Fetches of the page by the retry machinery, the first failed one included (reset by a new run of failures). */
  attempts: number;
  /** `pages.retry.maxAttempts` when the schedule was last written. */
  maxAttempts: number;
  firstFailureAt: IsoDateTime | null;
  lastAttemptAt: IsoDateTime | null;
  /** The last failure, one line (`http 503`, `timeout: …`), or null. */
  lastError: string | null;
  gaveUpAt: IsoDateTime | null;
  /** Recheck progress: `next` = index into `stories.recheck` of the next check, `done` = checks made. */
  recheck: {
    next: number;
    done: number;
    of: number;
    lastCheckedAt: IsoDateTime | null;
    lastOutcome: 'not_modified' | 'unchanged' | 'changed' | 'failed' | null;
  } | null;
  /** Validators of the last 2xx response (RFC 9110 §13.1), sent on rechecks. */
  etag: string | null;
  lastModified: string | null;
  /** Set while a job for `due` is being processed (a redelivered copy of it may resume). */
  inFlight: { due: IsoDateTime; since: IsoDateTime } | null;
  updatedAt: IsoDateTime;
}

/**
 * An item's page fetch state as `GET /items/{id}` and `wirewatch item <id>` show it; null on items whose page was
 * fetched at the first attempt and is not re-checked.
 */
export interface PageFetchState {
  /** `retrying`: a retry is due at `nextRetryAt`; `rechecking`: fetched, re-checked at `recheck.nextAt`;
   * `fetched`: nothing more scheduled; `gave_up`: attempts exhausted; `failed`: a permanent failure, not retried. */
  state: 'retrying' | 'rechecking' | 'fetched' | 'gave_up' | 'failed';
  attempts: number;
  maxAttempts: number;
  lastAttemptAt: IsoDateTime | null;
  lastError: string | null;
  nextRetryAt: IsoDateTime | null;
  gaveUpAt: IsoDateTime | null;
  recheck: {
    checks: number;
    of: number;
    nextAt: IsoDateTime | null;
    lastCheckedAt: IsoDateTime | null;
    lastOutcome: 'not_modified' | 'unchanged' | 'changed' | 'failed' | null;
  } | null;
}

/** `GET /items/{id}`: the stored item and its page fetch state. */
export interface ItemDetail extends StoredItem {
  fetch: PageFetchState | null;
}

/** Extraction outcome per page. */
export type ExtractionStatus =
  | 'full'
  | 'partial'
  | 'feed_only'
  | 'blocked_consent'
  | 'paywalled'
  | 'no_content'
  | 'failed';

/** What the extractor produced for one page (also the JSON of `wirewatch extract --json`). */
export interface Extraction {
  /** Final page URL after redirects. */
  url: string;
  /** `<link rel=canonical>` / `og:url`, absolute, canonicalised; null when the page names none. */
  canonicalUrl: string | null;
  title: string | null;
  byline: string | null;
  siteName: string | null;
  lang: string | null;
  dir: 'ltr' | 'rtl' | null;
  publishedAt: IsoDateTime | null;
  modifiedAt: IsoDateTime | null;
  /** Plain text, paragraphs separated by one blank line (`\n\n`). Best text available, possibly the feed's. */
  text: string;
  excerpt: string | null;
  wordCount: number;
  status: ExtractionStatus;
  /** Why the status is not `full` (e.g. `consent wall detected`, `http 404`), else null. */
  reason: string | null;
  paywalled: boolean;
  leadImage: string | null;
  extractor: { name: string; version: string; dom?: 'linkedom' | 'jsdom' | null };
}

/** Where in a document a piece of evidence was found. `lead` = the first 2 paragraphs of the body. */
export type EvidenceField = 'title' | 'lead' | 'body';

/**
 * Why a topic matched: one fired clause and the sentence that supports it. Offsets are UTF-16 code unit
 * offsets into the field's text (`title`, or the body text for `lead`/`body`), end exclusive.
 */
export interface Evidence {
  /** The rule clause or signal that fired, as written in the rule, e.g. `SENTENCE(@china, @russia)`. */
  clause: string;
  field: EvidenceField;
  /** The supporting sentence. */
  text: string;
  /** Offsets of the sentence within the field text. */
  start: number;
  end: number;
  /** The matched terms inside the sentence, offsets within the field text. */
  terms: Array<{ text: string; start: number; end: number }>;
}

/** A topic that matched a document. */
export interface TopicMatch {
  id: string;
  name: string;
  score: number;
  evidence: Evidence[];
}

/** The item as stored and returned by `GET /items/{id}`. */
export interface StoredItem {
  /** Stable hash of the canonical URL: `i_` + first 24 hex chars of sha256(canonical URL). */
  id: string;
  /** Canonical URL. */
  url: string;
  /** Canonical URL first, then every alias seen (entry links, redirects). */
  urls: string[];
  feedIds: string[];
  title: string;
  byline: string | null;
  siteName: string | null;
  lang: string | null;
  publishedAt: IsoDateTime | null;
  /**
   * Where `publishedAt` came from: `published` (a feed's publication date), `updated` (only a feed's update time
   * was given), `page` (the page's own metadata); null when unknown. A later arrival of the same article with a
   * better date (published or page over updated, anything over none) fills it in.
   */
  publishedAtSource?: 'published' | 'updated' | 'page' | null;
  firstSeenAt: IsoDateTime;
  updatedAt: IsoDateTime;
  /** Starts at 1; +1 each time the content changes. */
  version: number;
  extraction: {
    status: ExtractionStatus;
    reason: string | null;
    extractor: { name: string; version: string; dom?: string | null };
  };
  topics: TopicMatch[];
  text: string;
  textTruncated: boolean;
  /** sha256 hex of the text before truncation. */
  contentHash: string;
  /**
   * The story the item belongs to (shared/stories): the id of the story's first item, shared by every copy and
   * version of one wire report. Follow redirects (`GET /stories/{id}`) for a story merged after a race.
   */
  storyId: string;
  /** TTL, epoch seconds (DynamoDB TTL attribute `expiresAt`). */
  expiresAt: number;
}

/** The list view of an item (`GET /items`, `wirewatch items`). */
export interface ItemSummary {
  id: string;
  url: string;
  title: string;
  publishedAt: IsoDateTime | null;
  firstSeenAt: IsoDateTime;
  feedIds: string[];
  extraction: { status: ExtractionStatus };
  topics: Array<{ id: string; score: number }>;
}

/** Queue message from process-article to fan-out-alerts: a new topic hit of one item. */
export interface AlertJob {
  itemId: string;
  topicId: string;
  /** Story id (today the item id); alerts dedupe on story × topic × subscription. */
  storyId: string;
  /** Set when the hit came from a backtest re-tag: never alerts. */
  retag?: boolean;
  /** Correlation id of the feed poll the item came from (see `ArticleJob.correlationId`). */
  correlationId?: string;
  /**
   * Set for an update alert: the story (which already alerted) has a materially new version. Sent to
   * subscriptions with `updates: material` that received the story's first alert; deduped per version.
   */
  update?: StoryUpdateNotice;
}

/** What an update alert says about the new version. */
export interface StoryUpdateNotice {
  version: number;
  previousVersion: number;
  /** The material changes, one line each (at most 5), e.g. `new sentence (14 words): "…"`. */
  summary: string[];
}

/** Summary printed by `wirewatch run --once --json`. All integers. */
export interface CycleSummary {
  feeds: { total: number; ok: number; notModified: number; failed: number };
  entries: { seen: number; new: number };
  articles: { extracted: number; fallback: number; failed: number };
  items: { stored: number; tagged: number };
  /** `deferred`: recorded for a digest (digest subscriptions, or realtime ones over their hourly budget). */
  alerts: { sent: number; failed: number; suppressed: number; deferred: number };
  /** Scheduled page fetches: retries of failed fetches, rechecks (of which not modified), retries given up. */
  pages: { retried: number; rechecked: number; notModified: number; gaveUp: number };
}

/** What an outlet changed in its copy, against the story's original (shared/stories `describeChanges`). */
export interface StoryChanges {
  headline: { changed: boolean; to: string };
  /** Original body paragraphs the copy does not carry; `fromBottom` when they are all after the last kept one. */
  paragraphsDropped: { count: number; fromBottom: boolean };
  /** Paragraphs the copy adds (local leads, outlet text), with their first words and where they stand. */
  paragraphsAdded: { count: number; paragraphs: Array<{ firstWords: string; position: 'top' | 'middle' | 'bottom' }> };
  /** Kept paragraphs whose wording differs (copy-edits). */
  paragraphsEdited: number;
}

/** One member of a story's lineage: an outlet that carried it (or the wire that updated it). */
export interface StoryMember {
  itemId: string;
  url: string;
  /** The outlet: the feed's configured name, else the page's site name, else the host. */
  outlet: string;
  feedId: string | null;
  /** `original` started the story (or is its wire-bylined member); `version` a same-source update; else `copy`. */
  role: 'original' | 'copy' | 'version';
  firstSeenAt: IsoDateTime;
  publishedAt: IsoDateTime | null;
  /** Jaccard similarity of the member's body to the original's, [0, 1] (1 for the original). */
  similarity: number;
  /** What the outlet changed; null for the original. */
  changes: StoryChanges | null;
}

/** One version of a story: a later text of the wire report, with its diff against the version before. */
export interface StoryVersion {
  /** 1 is the first text; each material or cosmetic change adds one. */
  version: number;
  itemId: string;
  url: string;
  at: IsoDateTime;
  title: string;
  /** `material`: a new or removed fact, a changed number, a new headline, changed topics; else `cosmetic`. */
  verdict: 'material' | 'cosmetic';
  reasons: string[];
  /** Sentence-level diff against the previous version (each list bounded). */
  diff: { added: string[]; removed: string[]; changed: Array<{ from: string; to: string }> };
}

/** The list view of a story (`GET /stories`). */
export interface StorySummary {
  id: string;
  title: string;
  original: { itemId: string; url: string; outlet: string; publishedAt: IsoDateTime | null; agency: string | null };
  firstSeenAt: IsoDateTime;
  /** The last time a member joined or a version was recorded. */
  lastActivityAt: IsoDateTime;
  /** Members (outlets and versions) carrying the story. */
  members: number;
  /** The current version number (1 until the first update). */
  version: number;
  topics: Array<{ id: string; name: string; score: number }>;
  feedIds: string[];
}

/** A story in full (`GET /stories/{id}`): its lineage, versions, and topics with evidence. */
export interface StoryDetail extends StorySummary {
  lineage: StoryMember[];
  versions: StoryVersion[];
  /** The topics of the story's members, each with the evidence of the member that scored highest. */
  topicMatches: TopicMatch[];
}
