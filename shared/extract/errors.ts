import { WirewatchError } from '../errors.ts';

/**
 * Stable codes of extraction problems. They never escape `extractPage`/`fetchAndExtract` (which report them as
 * `Extraction.status` + `reason`); the CLI and benchmarks see them for unreadable input files.
 * - `not_html`: the response is not an HTML document (`Content-Type` is not text/html or application/xhtml+xml)
 * - `dom_failed`: no DOM engine could parse the page
 * - `input_unreadable`: a CLI/batch input file or line cannot be read
 */
export type ExtractErrorCode = 'not_html' | 'dom_failed' | 'input_unreadable';

/** A page or input problem met during extraction. Never retryable: the same bytes fail the same way. */
export class ExtractError extends WirewatchError {
  constructor(code: ExtractErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retryable: false, cause: options.cause });
    this.name = 'ExtractError';
  }
}
