/** Public shapes of the HTTP chokepoint. */

/** What a request is for: selects the `Accept` header, the default body cap and politeness rules. */
export type RequestKind = 'feed' | 'page' | 'webhook';

/** Options of one `HttpClient.request` call. */
export interface HttpRequestInit {
  kind: RequestKind;
  /** Default `GET`. */
  method?: 'GET' | 'POST';
  /** Extra request headers (e.g. `If-None-Match`); names are case-insensitive. `User-Agent` cannot be replaced. */
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Body cap in bytes after decompression; default `config.maxBytes.feed` / `.page` (webhooks: the page cap). */
  maxBytes?: number;
}

/** A received HTTP response, whatever its status. */
export interface HttpResponse {
  /** Final URL after redirects. */
  url: string;
  status: number;
  /** Response headers, lower-case names; repeated headers joined with `, ` (`set-cookie` with `\n`). */
  headers: Record<string, string>;
  /** Body bytes after Content-Encoding was removed (gzip, deflate, br). */
  body: Buffer;
  /** URLs that answered with a redirect, in order (empty when none). */
  redirects: string[];
}

/** A DNS answer. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves a host name to all its addresses (like `dns.promises.lookup(host, {all: true})`). Injectable so tests
 * can make a name resolve to a private address; rejects (any error) when the name does not resolve.
 */
export type DnsLookup = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * Politeness across processes: many Lambdas may fetch from one publisher at once, each with its own in-process
 * gate. `reserve` books the next start slot for `host` in shared storage and says how long to wait for it.
 */
export interface HostLeases {
  /**
   * Books a request start for `host`, at least `gapMs` after the previous booking by any process.
   * @returns the booked start, epoch ms (the caller waits until then; a past time = start now)
   * @throws a `WirewatchError` when the shared storage fails (the request then fails retryably)
   */
  reserve(host: string, gapMs: number): Promise<number>;
}

/** The one outbound HTTP client. */
export interface HttpClient {
  /**
   * Sends one request, following redirects (at most 5, each re-validated), and reads the whole body.
   * @returns the response for ANY HTTP status (use `errorForStatus` to turn a non-2xx into an error)
   * @throws HttpError `bad_url`, `blocked_address`, `insecure_redirect`, `too_many_redirects`,
   *   `response_too_large`, `timeout`, `network_error`, `tls_error`, `decode_error`
   */
  request(url: string, init: HttpRequestInit): Promise<HttpResponse>;
  /** The User-Agent this client sends: `wirewatch/<version> (+<contactUrl>)` (without the comment when unset). */
  readonly userAgent: string;
  /** Closes pooled connections. Further requests fail. */
  close(): Promise<void>;
}
