import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import TinyQueue from 'tinyqueue';
import type { QueuePort } from '../shared/pipeline/ports.ts';
import type { Logger } from '../shared/log.ts';

/** A parked message: it failed `maxReceives` times (the local dead-letter queue). */
export interface DeadLetter {
  queue: string;
  body: string;
  receiveCount: number;
  error: string;
  parkedAt: string;
}

interface Message {
  id: string;
  body: string;
  receiveCount: number;
  /** Visible again at this time (epoch ms); 0 = at once. */
  notBefore: number;
  /** Arrival order, so messages visible at the same time are delivered first in, first out. */
  seq: number;
}

/** Earlier visibility first, then arrival order. */
const byVisibility = (a: Message, b: Message) => a.notBefore - b.notBefore || a.seq - b.seq;

/**
 * An in-memory stand-in for an SQS queue with a Lambda event source mapping: messages are delivered to the
 * consumer as SQS-shaped events (batches of `batchSize`), partial batch failures (`batchItemFailures`) and
 * thrown errors make the records visible again after a short backoff, and after `maxReceives` receives a
 * message is parked in `deadLetters` (as SQS does with a redrive policy). Same handler code as in AWS.
 * Waiting messages are kept in a binary heap ordered by visibility time: enqueueing, taking the next visible
 * message and finding the next wake-up time are O(log n) or O(1), so a backlog of millions stays cheap.
 */
export class LocalQueue<T> implements QueuePort<T> {
  readonly deadLetters: DeadLetter[] = [];
  private pending = new TinyQueue<Message>([], byVisibility);
  private seq = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private paused = false;

  /**
   * @param name queue name (used in the event source ARN and logs)
   * @param consumer the Lambda handler this queue feeds
   * @param options.batchSize records per event (default 10)
   * @param options.concurrency events in flight at once (default 1)
   * @param options.maxReceives receives before a message is parked (default 5, as the stack's redrive policy)
   * @param options.retryDelayMs base visibility backoff for failed records, ms (default 200; × receive count)
   */
  constructor(
    readonly name: string,
    private readonly consumer: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>,
    private readonly options: {
      batchSize?: number;
      concurrency?: number;
      maxReceives?: number;
      retryDelayMs?: number;
      logger?: Logger;
      /** Called with each parked message (the local runtime keeps them in the data dir). */
      onDeadLetter?: (letter: DeadLetter) => Promise<void> | void;
    } = {},
  ) {}

  async send(messages: T[]): Promise<void> {
    if (this.closed) throw new Error(`queue ${this.name} is closed`);
    for (const m of messages) this.enqueue(JSON.stringify(m), 0, 0);
    this.pump();
  }

  /** Number of messages waiting or being processed. */
  get depth(): number {
    return this.pending.length + this.inFlight;
  }

  /** Resolves when the queue has nothing pending or in flight. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops delivering new batches (messages sent meanwhile wait in the queue) and resolves once the batches in
   * flight have finished. Used at shutdown: in-flight work completes, the rest is kept by `takePending`.
   */
  async pause(): Promise<void> {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /** Removes and returns the bodies (JSON) of every message not yet delivered successfully, in delivery order. */
  takePending(): string[] {
    const out: string[] = [];
    for (let m = this.pending.pop(); m !== undefined; m = this.pending.pop()) out.push(m.body);
    return out;
  }

  /** Re-enqueues message bodies kept by `takePending` (e.g. across a restart of the local runtime). */
  restore(bodies: string[]): void {
    for (const body of bodies) this.enqueue(body, 0, 0);
    this.pump();
  }

  private enqueue(body: string, receiveCount: number, notBefore: number, id: string = randomUUID()): void {
    this.pending.push({ id, body, receiveCount, notBefore, seq: this.seq++ });
  }

  /** Stops accepting messages; waits for in-flight events to finish. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pause();
  }

  private pump(): void {
    if (this.paused) return;
    const batchSize = this.options.batchSize ?? 10;
    const concurrency = this.options.concurrency ?? 1;
    while (this.inFlight < concurrency) {
      const now = Date.now();
      const ready: Message[] = [];
      while (ready.length < batchSize && (this.pending.peek()?.notBefore ?? Number.POSITIVE_INFINITY) <= now) {
        ready.push(this.pending.pop()!);
      }
      if (ready.length === 0) break;
      this.inFlight++;
      void this.deliver(ready).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length > 0 && this.inFlight < concurrency && !this.closed) {
      const wait = Math.max(0, (this.pending.peek()?.notBefore ?? 0) - Date.now());
      this.timer = setTimeout(() => this.pump(), wait);
    }
    if (this.depth === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async deliver(batch: Message[]): Promise<void> {
    for (const m of batch) m.receiveCount++;
    const records: SQSRecord[] = batch.map((m) => ({
      messageId: m.id,
      receiptHandle: m.id,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(Date.now()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:local:000000000000:${this.name}`,
      awsRegion: 'local',
    }));
    let failedIds: Set<string>;
    let error = 'reported in batchItemFailures';
    try {
      const res = await this.consumer({ Records: records });
      failedIds = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      failedIds = new Set(batch.map((m) => m.id));
      error = err instanceof Error ? err.message : String(err);
    }
    for (const m of batch) {
      if (!failedIds.has(m.id)) continue;
      const maxReceives = this.options.maxReceives ?? 5;
      if (m.receiveCount >= maxReceives) {
        const letter = {
          queue: this.name,
          body: m.body,
          receiveCount: m.receiveCount,
          error,
          parkedAt: new Date().toISOString(),
        };
        this.deadLetters.push(letter);
        this.options.logger?.error('message dead-lettered', { queue: this.name, receiveCount: m.receiveCount, error });
        try {
          await this.options.onDeadLetter?.(letter);
        } catch (err) {
          this.options.logger?.error('could not keep a dead-lettered message', {
            queue: this.name,
            error: (err as Error).message,
          });
        }
      } else {
        this.enqueue(m.body, m.receiveCount, Date.now() + (this.options.retryDelayMs ?? 200) * m.receiveCount, m.id);
      }
    }
  }
}
