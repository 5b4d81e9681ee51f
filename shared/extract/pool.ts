/**
 * A pool of extraction worker threads (node:worker_threads). Only parsing and extraction run in the workers; the
 * HTTP fetch stays on the main thread, in the one chokepoint (shared/http). Each page runs under a wall-clock
 * limit and each worker under a V8 heap limit (`resourceLimits`); a worker that passes either, or dies, is ended
 * and replaced, and only its page's item falls back to the feed text, with a reason. The event loop of the
 * process is never blocked by a page, and the pool uses every core.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Extraction } from '../types.ts';
import { ExtractError } from './errors.ts';
import { fallbackOnly } from './result.ts';
import type { ExtractOptions } from './index.ts';
import { WORKER_MARKER, type WorkerRequest, type WorkerResponse } from './worker.ts';

/** Settings of an {@link ExtractPool}; the defaults are those of the `extract:` config section. */
export interface ExtractPoolOptions {
  /** Worker threads. Default: one per core (`os.availableParallelism()`). */
  size?: number;
  /** Wall-clock limit of one page, ms. Default 20,000. */
  pageTimeoutMs?: number;
  /** V8 old-generation heap limit of each worker, MB. Default 512. */
  heapMb?: number;
  /**
   * Script each worker runs. Default: `worker-entry.mjs` beside this module when running from the TypeScript
   * sources, else the bundle this code was bundled into (its entry must call `runExtractWorker()` when
   * `isExtractWorkerThread()`).
   */
  workerUrl?: URL;
}

/** Counters of a pool's life, for tests and benchmarks. */
export interface ExtractPoolStats {
  /** Pages answered by a worker. */
  extracted: number;
  /** Pages whose worker was ended for the time limit. */
  timedOut: number;
  /** Pages whose worker died (heap limit, crash, exit). */
  crashed: number;
  /** Workers started (the initial ones and every replacement). */
  started: number;
}

interface Job {
  req: WorkerRequest;
  transfer: ArrayBuffer[];
  resolve: (x: Extraction) => void;
  url: string;
  opts: ExtractOptions;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/** Longest a worker may take to load its modules before its first page starts, ms. */
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Default worker script: the tsx shim from source; when bundled, the bundle itself, whose entry module starts the
 * worker loop in pool threads (functions/process-article.ts).
 */
function defaultWorkerUrl(): URL {
  const self = new URL(import.meta.url);
  return self.pathname.endsWith('.ts') ? new URL('./worker-entry.mjs', self) : self;
}

/**
 * Runs `extractPage` in worker threads.
 *
 * Outcomes that end a worker are permanent for that page: the returned extraction has the feed text (status
 * `feed_only`, or `failed` without feed text) and a reason (`extract_timeout`, `extract_out_of_memory`,
 * `worker_failed`), so the pipeline stores the item and never retries the page forever.
 *
 * Idle workers do not keep the process alive (they are `unref`ed while idle).
 */
export class ExtractPool {
  readonly size: number;
  private readonly pageTimeoutMs: number;
  private readonly heapMb: number;
  private readonly workerUrl: URL;
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly counters: ExtractPoolStats = { extracted: 0, timedOut: 0, crashed: 0, started: 0 };

  /** @throws RangeError when `size` is not a positive integer */
  constructor(opts: ExtractPoolOptions = {}) {
    const size = opts.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`extract pool size must be ≥ 1 (got ${size})`);
    this.size = size;
    this.pageTimeoutMs = opts.pageTimeoutMs ?? 20_000;
    this.heapMb = opts.heapMb ?? 512;
    this.workerUrl = opts.workerUrl ?? defaultWorkerUrl();
    this.slots = Array.from({ length: size }, () => ({ worker: null, job: null, timer: null }));
  }

  /** Counters so far (a copy). */
  stats(): ExtractPoolStats {
    return { ...this.counters };
  }

  /** Workers currently running (started and not ended). */
  get liveWorkers(): number {
    return this.slots.filter((s) => s.worker !== null).length;
  }

  /**
   * Extracts one page in a worker: the same result as `extractPage(input, opts)` in-process, or the feed fallback
   * with a reason when the worker passes a limit or dies. Never rejects for page problems.
   * @throws ExtractError `worker_failed` (as a rejection) only after {@link close}
   */
  extract(
    input: { body: Buffer | Uint8Array | string; url: string; contentType?: string | null },
    opts: ExtractOptions = {},
  ): Promise<Extraction> {
    if (this.closed) return Promise.reject(new ExtractError('worker_failed', 'extract pool is closed'));
    // A copy of the bytes, transferred (not cloned again) to the worker.
    const bytes = typeof input.body === 'string' ? new Uint8Array(Buffer.from(input.body)) : new Uint8Array(input.body);
    return new Promise((resolve) => {
      this.queue.push({
        req: { id: this.nextId++, body: bytes, url: input.url, contentType: input.contentType ?? null, opts },
        transfer: [bytes.buffer as ArrayBuffer],
        resolve,
        url: input.url,
        opts,
      });
      this.pump();
    });
  }

  /** Ends every worker; queued and running pages resolve with `worker_failed`. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.queue.splice(0);
    for (const job of pending) job.resolve(this.failure(job, new ExtractError('worker_failed', 'extract pool closed')));
    await Promise.all(
      this.slots.map(async (slot) => {
        const job = slot.job;
        const worker = slot.worker;
        this.clear(slot);
        if (job) job.resolve(this.failure(job, new ExtractError('worker_failed', 'extract pool closed')));
        if (worker) await worker.terminate();
      }),
    );
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job) continue;
      const job = this.queue.shift()!;
      const worker = slot.worker ?? this.spawn(slot);
      slot.job = job;
      worker.ref();
      // Until the worker says the page has started, the budget is the worker's start-up (module loading).
      this.arm(slot, STARTUP_TIMEOUT_MS, 'extraction worker did not start');
      worker.postMessage(job.req, job.transfer);
    }
  }

  /** (Re)starts the slot's timer: past `ms` the worker is ended and its page answered with the fallback. */
  private arm(slot: Slot, ms: number, what: string): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      this.counters.timedOut++;
      this.fail(
        slot,
        new ExtractError('extract_timeout', `${what} within ${ms} ms; worker ended (extract.pageTimeoutMs)`),
      );
    }, ms);
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(this.workerUrl, {
      workerData: { [WORKER_MARKER]: true },
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: Math.min(64, this.heapMb / 4) },
    });
    this.counters.started++;
    slot.worker = worker;
    worker.on('message', (msg: WorkerResponse) => {
      const job = slot.job;
      if (slot.worker !== worker || !job || msg.id !== job.req.id) return;
      if ('started' in msg) {
        this.arm(slot, this.pageTimeoutMs, 'page extraction did not finish');
        return;
      }
      this.clear(slot, false);
      this.counters.extracted++;
      job.resolve(
        'extraction' in msg
          ? msg.extraction
          : this.failure(job, new ExtractError('worker_failed', `extraction failed in worker: ${msg.error}`)),
      );
      worker.unref();
      this.pump();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (slot.worker !== worker) return;
      this.counters.crashed++;
      const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.fail(
        slot,
        oom
          ? new ExtractError(
              'extract_out_of_memory',
              `page extraction passed the worker heap limit of ${this.heapMb} MB; worker ended (extract.workerHeapMb)`,
            )
          : new ExtractError('worker_failed', `extraction worker crashed: ${err.message}`),
      );
    });
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return;
      this.counters.crashed++;
      this.fail(slot, new ExtractError('worker_failed', `extraction worker exited with code ${code}`));
    });
    worker.unref();
    return worker;
  }

  /** Ends the slot's worker (a fresh one is started for the next page) and answers its page with the fallback. */
  private fail(slot: Slot, err: ExtractError): void {
    const job = slot.job;
    const worker = slot.worker;
    this.clear(slot);
    if (worker) void worker.terminate();
    if (job) job.resolve(this.failure(job, err));
    if (!this.closed) this.pump();
  }

  private clear(slot: Slot, dropWorker = true): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    if (dropWorker) slot.worker = null;
  }

  private failure(job: Job, err: ExtractError): Extraction {
    return fallbackOnly(job.url, job.opts.fallback, err.message);
  }
}
