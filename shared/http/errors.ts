import { WirewatchError } from '../errors.ts';
import type { HttpResponse } from './types.ts';

/**
 * Stable codes of `HttpError`:
 * - guard: `bad_url` (unparseable / not http(s)), `blocked_address` (SSRF guard), `insecure_redirect`
 *   (https→http), `too_many_redirects` (more than 5 hops or a loop), `response_too_large` (body cap, counted after
 *   decompression);
 * - transport: `timeout` (connect, headers or whole body), `network_error` (DNS, refused, reset),
 *   `tls_error` (certificate or handshake), `decode_error` (corrupt gzip/deflate/br stream), `host_busy` (the
 *   host's shared politeness slots are booked too far ahead by other workers);
 * - status: `http_status` (a non-2xx response turned into an error by `errorForStatus`).
 */
export type HttpErrorCode =
  | 'bad_url'
  | 'blocked_address'
  | 'insecure_redirect'
  | 'too_many_redirects'
  | 'response_too_large'
  | 'timeout'
  | 'network_error'
  | 'tls_error'
  | 'decode_error'
  | 'host_busy'
  | 'http_status';

/**
 * An outbound HTTP failure. `retryable` drives the poller's backoff; `status` and `retryAfterMs` are set for
 * `http_status` errors (RFC 9110 §15 status, §10.2.3 Retry-After), else null. `url` is the URL of the failing hop.
 */
export class HttpError extends WirewatchError {
  readonly url: string;
  readonly status: number | null;
  /** Delay the server asked for (Retry-After), ms from now; null when absent or unparseable. */
  readonly retryAfterMs: number | null;

  constructor(
    code: HttpErrorCode,
    message: string,
    options: {
      url: string;
      retryable?: boolean;
      status?: number | null;
      retryAfterMs?: number | null;
      cause?: unknown;
    },
  ) {
    super(code, message, { retryable: options.retryable ?? false, cause: options.cause });
    this.name = 'HttpError';
    this.url = options.url;
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/**
 * Parses a `Retry-After` header value (RFC 9110 §10.2.3): delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`, RFC 9110 §5.6.7 — the obsolete RFC 850/asctime forms too, via `Date.parse`).
 * @param value the header value
 * @param now reference time for HTTP-dates (default: current time)
 * @returns delay in ms (≥ 0; a date in the past gives 0), or null when absent/unparseable
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+$/.test(v)) {
    const secs = Number(v);
    return Number.isFinite(secs) ? secs * 1000 : null;
  }
  // HTTP-date: must name GMT (or be asctime, which is implicitly GMT); Date.parse reads both.
  if (!/[a-z]/i.test(v)) return null;
  const asctime = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/.test(v);
  const t = Date.parse(asctime ? `${v} GMT` : v);
  if (Number.isNaN(t)) return null;
  return Math.max(0, t - now.getTime());
}

/** True when a response status is worth retrying later: 408, 425, 429 and 5xx except 501/505. */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 425 || status === 429) return true;
  return status >= 500 && status !== 501 && status !== 505;
}

/**
 * Turns a non-2xx `HttpResponse` into a typed `HttpError` (`code: 'http_status'`) carrying `status`, `retryable`
 * (`isRetryableStatus`) and `retryAfterMs` (from `Retry-After`, RFC 9110 §10.2.3, on any status).
 * @param res the response as `HttpClient.request` returned it
 * @param now reference time for Retry-After HTTP-dates (default: current time)
 * @returns the error (not thrown; the caller decides)
 */
export function errorForStatus(res: HttpResponse, now: Date = new Date()): HttpError {
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'], now);
  return new HttpError('http_status', `HTTP ${res.status} from ${res.url}`, {
    url: res.url,
    status: res.status,
    retryable: isRetryableStatus(res.status),
    retryAfterMs,
  });
}
