/**
 * The extraction worker: a `node:worker_threads` thread that parses and extracts pages for {@link ExtractPool}.
 * Protocol (structured clone, HTML §2.7): the pool posts {@link WorkerRequest}s, the worker answers each with a
 * {@link WorkerResponse} carrying the same `id`. Bytes arrive as a transferred `Uint8Array`; only the
 * `Extraction` goes back.
 *
 * A thread serves requests once {@link runExtractWorker} runs in it: `worker-entry.mjs` calls it when running from
 * the TypeScript sources; a Lambda bundle that uses the pool calls it from its entry module when
 * {@link isExtractWorkerThread} (the pool starts the bundle itself as the worker). This module has no top-level
 * side effects, so bundles that never extract do not pull the extractor in.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Extraction } from '../types.ts';
import type { ExtractOptions } from './index.ts';

/** `workerData` key that tells a thread to serve extraction requests. */
export const WORKER_MARKER = 'wirewatchExtractWorker';

/** One page to extract. */
export interface WorkerRequest {
  id: number;
  body: Uint8Array;
  url: string;
  contentType: string | null;
  /** Options without functions (structured-clonable): the `extract:` settings and the feed fallback. */
  opts: ExtractOptions;
}

/** Messages about one {@link WorkerRequest}: `started` when its extraction begins, then its result or error. */
export type WorkerResponse =
  | { id: number; started: true }
  | { id: number; extraction: Extraction }
  | { id: number; error: string };

/** Serves requests on `parentPort` until the pool ends the thread. */
export function runExtractWorker(): void {
  const port = parentPort;
  if (!port) return;
  // Loaded lazily so that importing this module (it is part of every bundle that contains the pool) costs nothing.
  const ready = import('./index.ts');
  port.on('message', (req: WorkerRequest) => {
    void ready
      .then(({ extractPage }) => {
        // The page's time starts now, not while the worker was still loading its modules.
        port.postMessage({ id: req.id, started: true } satisfies WorkerResponse);
        const body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
        return extractPage({ body, url: req.url, contentType: req.contentType }, req.opts);
      })
      .then(
        (extraction) => port.postMessage({ id: req.id, extraction } satisfies WorkerResponse),
        (err: unknown) => port.postMessage({ id: req.id, error: String(err) } satisfies WorkerResponse),
      );
  });
}

/** True in a thread the extraction pool started (`workerData[WORKER_MARKER] === true`). */
export function isExtractWorkerThread(): boolean {
  return !isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_MARKER] === true;
}
