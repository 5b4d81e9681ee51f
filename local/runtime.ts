import { availableParallelism } from 'node:os';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../shared/config/load.ts';
import type { Logger } from '../shared/log.ts';
import { createPipelineContext, type PipelineContext } from '../shared/pipeline/context.ts';
import { CycleCounters } from '../shared/pipeline/counters.ts';
import type { MetricName, MetricsPort } from '../shared/pipeline/ports.ts';
import type { AlertJob, ArticleJob, CycleSummary } from '../shared/types.ts';
import type { FeedMessage } from '../shared/pipeline/ports.ts';
import { createScheduleFeedsHandler } from '../functions/handlers/schedule-feeds.ts';
import { createPollFeedHandler } from '../functions/handlers/poll-feed.ts';
import { createProcessArticleHandler } from '../functions/handlers/process-article.ts';
import { createFanOutAlertsHandler } from '../functions/handlers/fan-out-alerts.ts';
import { createDigestHandler } from '../functions/handlers/digest.ts';
import type { HandlerDeps } from '../functions/lib/types.ts';
import { startEmbeddedStore, type EmbeddedStore } from './embedded-store.ts';
import { LocalQueue, type DeadLetter } from './queue.ts';

/** A metrics port whose sink can be swapped per cycle (cycles never overlap). */
class SwitchableMetrics implements MetricsPort {
  current: CycleCounters = new CycleCounters();
  count(name: MetricName, value?: number): void {
    this.current.count(name, value);
  }
}

/** Options of the local runtime. */
export interface LocalRuntimeOptions {
  config: Config;
  /** Embedded store directory (persistent); ignored with `memory`. */
  dataDir: string;
  memory?: boolean;
  logger: Logger;
  /** Console channel sink (default stderr). */
  consoleWrite?: (line: string) => void;
  /** Clock of the pipeline (default `new Date()`); tests step it to make page retries and rechecks due. */
  now?: () => Date;
}

/**
 * The whole pipeline in one process: the embedded store (dynalite), in-memory queues standing in for SQS, and
 * the same Lambda handlers as in AWS (functions/), wired schedule → feeds → articles → alerts. No pipeline
 * logic lives here: it only composes.
 */
/** Where the running cycle is (a progress line's figures). Counts since the cycle started. */
export interface CycleProgress {
  /** When the cycle started, epoch ms; null between cycles. */
  startedAt: number | null;
  /** Feed messages the cycle scheduled (0 until scheduling finished), feeds polled, feed messages waiting. */
  feeds: { scheduled: number; polled: number; queued: number };
  /** Articles processed (extracted, from feed text, or failed) and article messages waiting or in flight. */
  articles: { processed: number; queued: number };
  alerts: { sent: number; deferred: number };
}

export class LocalRuntime {
  private running: Promise<CycleSummary> | null = null;
  private closing: Promise<void> | null = null;
  private cycleStartedAt: number | null = null;
  private scheduled = 0;

  private constructor(
    readonly ctx: PipelineContext,
    /** Where undelivered queue messages are kept across restarts; null for an in-memory store. */
    private readonly pendingFile: string | null,
    private readonly embedded: EmbeddedStore,
    private readonly metrics: SwitchableMetrics,
    private readonly queues: {
      feeds: LocalQueue<FeedMessage>;
      articles: LocalQueue<ArticleJob>;
      alerts: LocalQueue<AlertJob>;
    },
    private readonly handlers: {
      schedule: (e: { force?: boolean }) => Promise<{ queued: number; pages: number }>;
      digest: () => Promise<{ sent: number; failed: number }>;
    },
  ) {}

  /**
   * Starts the embedded store, creates the table and its indexes if missing, compiles topics and wires handlers.
   * @throws StoreError `store_unavailable`; ConfigError `rule_invalid`
   */
  static async start(opts: LocalRuntimeOptions): Promise<LocalRuntime> {
    const embedded = await startEmbeddedStore({ dataDir: opts.dataDir, memory: opts.memory });
    try {
      const metrics = new SwitchableMetrics();
      const ctx = createPipelineContext({
        config: opts.config,
        dynamo: embedded.client,
        logger: opts.logger,
        metrics,
        consoleWrite: opts.consoleWrite,
        now: opts.now,
      });
      await ctx.store.ensureTable();
      if (embedded.uncleanShutdown) await forgetValidators(ctx, opts.logger);
      const log = opts.logger.child({ stage: 'queue' });
      // Parked messages (5 failed receives) are kept in the data dir, as a dead-letter queue would keep them.
      const onDeadLetter = opts.memory
        ? undefined
        : (letter: DeadLetter) => appendFile(join(opts.dataDir, DEAD_LETTER_FILE), `${JSON.stringify(letter)}\n`);
      // Queues reference handlers that reference queues: build the deps object first, fill queues after.
      const deps: HandlerDeps = { context: async () => ctx, queues: undefined as unknown as HandlerDeps['queues'] };
      const queues = {
        feeds: new LocalQueue<FeedMessage>('feeds', createPollFeedHandler(deps), {
          batchSize: 1,
          concurrency: 4,
          logger: log,
          onDeadLetter,
        }),
        articles: new LocalQueue<ArticleJob>('articles', createProcessArticleHandler(deps), {
          batchSize: 5,
          // Extraction runs in the worker pool: enough batches in flight to keep every worker busy.
          concurrency: Math.max(2, ctx.config.extract.workers ?? availableParallelism()),
          logger: log,
          onDeadLetter,
        }),
        alerts: new LocalQueue<AlertJob>('alerts', createFanOutAlertsHandler(deps), {
          batchSize: 10,
          concurrency: 1,
          logger: log,
          onDeadLetter,
        }),
      };
      deps.queues = queues;
      const pendingFile = opts.memory ? null : join(opts.dataDir, PENDING_FILE);
      if (pendingFile) await restorePending(pendingFile, queues, opts.logger);
      if (embedded.uncleanShutdown) await recoverAlerts(ctx, opts.logger);
      return new LocalRuntime(ctx, pendingFile, embedded, metrics, queues, {
        schedule: createScheduleFeedsHandler(deps),
        digest: createDigestHandler(deps),
      });
    } catch (err) {
      await embedded.close();
      throw err;
    }
  }

  /** True while a cycle runs (a scheduled tick then skips rather than joining it). */
  get busy(): boolean {
    return this.running !== null;
  }

  /**
   * Runs one cycle: schedule (every feed with `force`, else only due feeds; with or without `force`, the page
   * retries and rechecks due at this moment) and wait until every queue has drained. Cycles never overlap: a call
   * during a running cycle returns that cycle's summary.
   */
  runCycle(opts: { force?: boolean } = {}): Promise<CycleSummary> {
    if (this.running) return this.running;
    this.running = (async () => {
      const counters = new CycleCounters();
      this.metrics.current = counters;
      this.cycleStartedAt = Date.now();
      this.scheduled = 0;
      try {
        this.scheduled = (await this.handlers.schedule({ force: opts.force })).queued;
        await this.drain();
        return counters.summary();
      } finally {
        this.metrics.current = new CycleCounters();
        this.running = null;
        this.cycleStartedAt = null;
      }
    })();
    return this.running;
  }

  /** The running cycle's progress so far (zeros between cycles). Cheap: counters and queue depths only. */
  progress(): CycleProgress {
    const c = this.metrics.current;
    return {
      startedAt: this.cycleStartedAt,
      feeds: { scheduled: this.scheduled, polled: c.get('feedsPolled'), queued: this.queues.feeds.depth },
      articles: {
        processed: c.get('articlesExtracted') + c.get('articlesFallback') + c.get('articlesFailed'),
        queued: this.queues.articles.depth,
      },
      alerts: { sent: c.get('alertsSent'), deferred: c.get('alertsDeferred') },
    };
  }

  /** Housekeeping dynalite cannot do: deletes items past their `expiresAt` (DynamoDB TTL in AWS); sends due digests. */
  async housekeeping(): Promise<{ purged: number; digests: { sent: number; failed: number } }> {
    const purged = await this.ctx.store.purgeExpired(this.ctx.now());
    const digests = await this.handlers.digest();
    return { purged, digests };
  }

  private async drain(): Promise<void> {
    // A stage may enqueue into the next one while we wait: loop until all three are idle at once.
    for (;;) {
      await this.queues.feeds.idle();
      await this.queues.articles.idle();
      await this.queues.alerts.idle();
      if (this.queues.feeds.depth + this.queues.articles.depth + this.queues.alerts.depth === 0) return;
    }
  }

  /**
   * Shuts down promptly: stops delivering queued messages, lets the batches in flight finish, keeps every message
   * not yet processed in `<data-dir>/pending-queues.json` (SQS would keep them; the next start re-enqueues them,
   * so an entry whose feed answers 304 next time is not lost), then closes the store. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const all = [this.queues.feeds, this.queues.articles, this.queues.alerts] as const;
      await Promise.all(all.map((q) => q.pause()));
      const pending = { feeds: all[0].takePending(), articles: all[1].takePending(), alerts: all[2].takePending() };
      const count = pending.feeds.length + pending.articles.length + pending.alerts.length;
      if (this.pendingFile && count > 0) {
        await writeFile(this.pendingFile, JSON.stringify(pending));
        this.ctx.logger.info('kept unprocessed queue messages for the next start', {
          stage: 'queue',
          ...countsOf(pending),
        });
      } else if (count > 0) {
        this.ctx.logger.warn('in-memory store: unprocessed queue messages dropped at shutdown', {
          stage: 'queue',
          ...countsOf(pending),
        });
      }
      await Promise.all(all.map((q) => q.close()));
      await this.embedded.close();
    })();
    return this.closing;
  }
}

/**
 * After an unclean shutdown the in-memory queues are gone, but feed states already hold the validators of the
 * documents those queued entries came from, so the next poll would get 304 and never see them again. Forgetting
 * the validators makes the next poll read every feed in full; entries already processed are filtered out by the
 * store as usual, the rest are processed. This is the local runtime's stand-in for SQS durability.
 */
async function forgetValidators(ctx: PipelineContext, logger: Logger): Promise<void> {
  const states = await ctx.store.listFeedStates();
  for (const s of states)
    await ctx.store.putFeedState({ ...s, etag: null, lastModified: null, bodyHash: null, nextPollAt: null });
  logger.warn(
    'the previous run did not shut down cleanly; every feed will be read in full once so no entry is missed',
    {
      stage: 'queue',
      feeds: states.length,
    },
  );
}

/**
 * After an unclean shutdown nothing else runs on this data dir, so every outbox intent and every `pending` alert
 * is an orphan of the crash: deliver them now rather than after the usual grace periods. A delivery that was in
 * flight at the crash is sent again with the same idempotency key (receivers drop the repeat; a Slack incoming
 * webhook cannot, which is the one remaining at-least-once window).
 */
async function recoverAlerts(ctx: PipelineContext, logger: Logger): Promise<void> {
  const outbox = await ctx.alerter.sweepOutbox({ olderThanMs: 0 });
  const retried = await ctx.alerter.retryParked({ stalePendingMs: 0 });
  logger.warn('delivered the alerts the previous run left undelivered', { stage: 'alerts', outbox, retried });
}

/** File (in the data dir) where messages parked after 5 failed receives are appended, one JSON object a line. */
export const DEAD_LETTER_FILE = 'dead-letters.jsonl';

/** File (in the data dir) holding queue messages not processed when the runtime stopped. */
export const PENDING_FILE = 'pending-queues.json';

type PendingBodies = { feeds: string[]; articles: string[]; alerts: string[] };

const countsOf = (p: PendingBodies) => ({
  feeds: p.feeds.length,
  articles: p.articles.length,
  alerts: p.alerts.length,
});

/** Re-enqueues messages kept at the last shutdown, then removes the file. A damaged file is reported and set aside. */
async function restorePending(
  file: string,
  queues: { feeds: LocalQueue<FeedMessage>; articles: LocalQueue<ArticleJob>; alerts: LocalQueue<AlertJob> },
  logger: Logger,
): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return; // nothing kept
  }
  try {
    const p = JSON.parse(text) as PendingBodies;
    queues.feeds.restore(p.feeds ?? []);
    queues.articles.restore(p.articles ?? []);
    queues.alerts.restore(p.alerts ?? []);
    logger.info('re-enqueued queue messages kept at the last shutdown', { stage: 'queue', ...countsOf(p) });
    await rm(file, { force: true });
  } catch (err) {
    await writeFile(`${file}.damaged`, text);
    await rm(file, { force: true });
    logger.error('could not read kept queue messages; moved aside', {
      stage: 'queue',
      file: `${file}.damaged`,
      error: (err as Error).message,
    });
  }
}
