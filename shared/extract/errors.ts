import { WirewatchError } from '../errors.ts';

/**
 * Stable codes of extraction problems. They never escape `extractPage`/`fetchAndExtract`, which report them as
 * `Extraction.status` (`feed_only`/`failed`) with the error's description as `reason`.
 * - `not_html`: the response is not an HTML document (`Content-Type` is not text/html or application/xhtml+xml,
 *   or untyped bytes carry no markup)
 * - `dom_failed`: no DOM engine could parse the page
 * - `dom_too_deep`: elements nest deeper than `MAX_DOM_DEPTH` (Readability and jsdom would stall on it)
 * - `page_too_complex`: the page has more elements than `extract.maxElements`
 * - `extract_timeout`: a worker spent longer than `extract.pageTimeoutMs` on the page and was ended
 * - `extract_out_of_memory`: a worker passed its heap limit (`extract.workerHeapMb`) on the page and was ended
 * - `worker_failed`: the worker extracting the page died (crash, exit) for another reason
 */
export type ExtractErrorCode =
  | 'not_html'
  | 'dom_failed'
  | 'dom_too_deep'
  | 'page_too_complex'
  | 'extract_timeout'
  | 'extract_out_of_memory'
  | 'worker_failed';

/** A page or input problem met during extraction. Never retryable: the same bytes fail the same way. */
export class ExtractError extends WirewatchError {
  constructor(code: ExtractErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retryable: false, cause: options.cause });
    this.name = 'ExtractError';
  }
}
