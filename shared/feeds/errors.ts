import { WirewatchError } from '../errors.ts';

/** Codes of `FeedError`: `parse_error` (unreadable document) and `not_a_feed` (HTML page or unknown XML/JSON). */
export type FeedErrorCode = 'parse_error' | 'not_a_feed';

/**
 * A feed document that cannot be turned into entries. Never retryable by itself (the same bytes
 * fail the same way); the poller still re-polls on its backoff schedule because publishers fix feeds.
 * `suggestions` holds the absolute feed URLs an HTML page advertises with `<link rel="alternate">` (may be empty).
 */
export class FeedError extends WirewatchError {
  readonly suggestions: string[];

  constructor(code: FeedErrorCode, message: string, options: { suggestions?: string[]; cause?: unknown } = {}) {
    super(code, message, { retryable: false, cause: options.cause });
    this.name = 'FeedError';
    this.suggestions = options.suggestions ?? [];
  }
}
