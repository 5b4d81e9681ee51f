import { WirewatchError } from '../errors.ts';

/**
 * Every failure of the alerts module. Channel failures are caught inside `deliver` and recorded on the
 * alert record (`lastError`, `lastErrorCode`, `retryable`); they never escape it. Stable codes:
 *
 * - `channel_misconfigured` — the channel cannot be used as configured (env var unset, no SMTP/SES). Not retryable
 *   until an operator fixes it; `wirewatch alerts retry` re-drives after the fix.
 * - `channel_rejected` — the receiver refused the message for good (HTTP 4xx other than 408/429, SES/SNS validation).
 * - `rate_limited` — HTTP 429; `retryAfterMs` carries the receiver's `Retry-After` (RFC 9110 §10.2.3). Retryable.
 * - `channel_unavailable` — HTTP 5xx/408 or an AWS throttling/server fault. Retryable.
 * - `channel_error` — transport failure (connection refused, timeout, SMTP error). Retryability follows the cause.
 * - `item_not_found` — `deliver` got a job whose item is not (yet) in the store. Retryable (eventual consistency).
 */
export class AlertError extends WirewatchError {
  /** For `rate_limited`: how long the receiver asked us to wait, ms; otherwise null. */
  readonly retryAfterMs: number | null;

  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; cause?: unknown; retryAfterMs?: number | null } = {},
  ) {
    super(code, message, { retryable: options.retryable, cause: options.cause });
    this.name = 'AlertError';
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}
