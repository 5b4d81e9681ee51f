/**
 * The one outbound HTTP chokepoint. Every request wirewatch makes — feeds, article pages,
 * autodiscovery, webhooks — goes through `createHttpClient(...).request`. On undici 7 (`undici.request`, which
 * neither follows redirects nor decompresses, so both happen here under our rules).
 *
 * Guarantees: http/https only; SSRF guard (IP-literal hosts refused; every DNS answer must be public unicast and
 * the socket connects to the checked answer — the check runs inside the connector's `lookup`, so there is no
 * second resolution to rebind); redirects followed manually (≤ 5 hops, each re-validated, no https→http);
 * connect/headers/whole-body timeouts; a body cap counted on the wire and after decompression (gzip, deflate,
 * br); per-host concurrency 1 with a minimum gap; an identifying User-Agent and kind-specific Accept headers.
 */
import dns from 'node:dns';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { isIP } from 'node:net';
import { Agent, request as undiciRequest } from 'undici';
import pkg from '../../package.json' with { type: 'json' };
import type { HttpConfig } from './config-schema.ts';
import { HttpError } from './errors.ts';
import { allowHostsHint, blockedReason, isIpLiteralHost } from './address.ts';
import { HostGate } from './gate.ts';
import type {
  DnsLookup,
  HostLeases,
  HttpClient,
  HttpRequestInit,
  HttpResponse,
  RequestKind,
  ResolvedAddress,
} from './types.ts';

export type {
  DnsLookup,
  HostLeases,
  HttpClient,
  HttpRequestInit,
  HttpResponse,
  RequestKind,
  ResolvedAddress,
} from './types.ts';
export { HttpError, errorForStatus, parseRetryAfter, isRetryableStatus, type HttpErrorCode } from './errors.ts';
export { blockedReason, isIpLiteralHost } from './address.ts';
export { httpConfigSchema, type HttpConfig } from './config-schema.ts';

/** Maximum redirect hops followed. */
export const MAX_REDIRECTS = 5;

/** wirewatch's version as sent in the User-Agent. */
export const WIREWATCH_VERSION: string = (pkg as { version?: string }).version ?? '0.0.0';

const ACCEPT: Record<RequestKind, string> = {
  feed:
    'application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, ' +
    'application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.5, */*;q=0.2',
  page: 'text/html, application/xhtml+xml;q=0.9, */*;q=0.5',
  webhook: 'application/json, */*;q=0.5',
};

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

/** Default resolver: the OS resolver with every answer (`dns.lookup(host, {all: true})`). */
const systemLookup: DnsLookup = async (hostname) => {
  const answers = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Options of `createHttpClient`. */
export interface HttpClientOptions {
  /** Replaces the whole User-Agent (default `wirewatch/<version> (+<config.contactUrl>)`, or `wirewatch/<version>` without one). */
  userAgent?: string;
  /** DNS resolver (default the OS resolver); tests inject one to make names resolve to private addresses. */
  lookup?: DnsLookup;
  /**
   * Shared per-host booking (the store's lease rows), so `hostGapMs` holds across processes, not only within this
   * one. Without it the gap holds per process.
   */
  leases?: HostLeases;
}

/** Longest wait a host lease may impose on one request, ms; beyond it the request fails retryably (`host_busy`). */
export const MAX_LEASE_WAIT_MS = 60_000;

type LookupCallback = (err: Error | null, address?: string | ResolvedAddress[], family?: number) => void;

/**
 * Creates the HTTP chokepoint client.
 * @param config the validated `http:` config section (timeouts ms, body caps bytes, hostGapMs, allowHosts)
 * @param options User-Agent override and DNS resolver
 * @returns an `HttpClient`; call `close()` when done to release pooled sockets
 */
export function createHttpClient(config: HttpConfig, options: HttpClientOptions = {}): HttpClient {
  const userAgent =
    options.userAgent ??
    (config.contactUrl ? `wirewatch/${WIREWATCH_VERSION} (+${config.contactUrl})` : `wirewatch/${WIREWATCH_VERSION}`);
  const resolve = options.lookup ?? systemLookup;
  const allow = new Set(config.allowHosts.map((h) => h.toLowerCase()));
  const gate = new HostGate();

  /** Builds a connector `lookup` that resolves once and, when `guard`, refuses any non-public answer. */
  const makeLookup =
    (guard: boolean) =>
    (hostname: string, opts: { family?: number; all?: boolean }, cb: LookupCallback): void => {
      resolve(hostname)
        .then((answers) => {
          if (answers.length === 0) {
            throw new HttpError('network_error', `DNS lookup of ${hostname} returned no address`, {
              url: hostname,
              retryable: true,
            });
          }
          if (guard) {
            for (const a of answers) {
              const why = blockedReason(a.address);
              if (why) {
                throw new HttpError('blocked_address', `${hostname} resolves to ${a.address} (${why})`, {
                  url: hostname,
                });
              }
            }
          }
          const fam = opts.family === 4 || opts.family === 6 ? opts.family : null;
          const usable = fam ? answers.filter((a) => a.family === fam) : answers;
          const list = usable.length ? usable : answers;
          if (opts.all) cb(null, list);
          else cb(null, list[0]!.address, list[0]!.family);
        })
        .catch((err: unknown) => {
          if (err instanceof HttpError) return cb(err);
          const code = (err as { code?: string }).code ?? 'EDNS';
          cb(
            new HttpError('network_error', `DNS lookup of ${hostname} failed (${code})`, {
              url: hostname,
              retryable: true,
              cause: err,
            }),
          );
        });
    };

  const agentOptions = (guard: boolean) => ({
    connect: { timeout: config.timeouts.connectMs, lookup: makeLookup(guard) as never },
    headersTimeout: config.timeouts.headersMs,
    bodyTimeout: config.timeouts.bodyMs,
    connections: 4,
  });
  const guarded = new Agent(agentOptions(true));
  const open = new Agent(agentOptions(false));
  let closed = false;

  /** Parses and validates one hop's URL; returns it and whether it is an allowHosts exception. */
  const check = (raw: string, base?: string): { u: URL; allowed: boolean } => {
    let u: URL;
    try {
      u = base === undefined ? new URL(raw) : new URL(raw, base);
    } catch (cause) {
      throw new HttpError('bad_url', `not a valid URL: ${JSON.stringify(raw.slice(0, 200))}`, { url: raw, cause });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new HttpError('bad_url', `only http and https URLs are fetched, not ${u.protocol} (${u.href})`, {
        url: u.href,
      });
    }
    if (!u.hostname) throw new HttpError('bad_url', `URL has no host: ${u.href}`, { url: u.href });
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    const allowed = allow.has(`${u.hostname}:${port}`.toLowerCase());
    // Obfuscated IP notations (decimal `2130706433`, hex `0x7f.1`, octal `0177.0.0.1`) are refused outright,
    // even when their normalised form is on allowHosts: no legitimate feed link is written that way.
    const written = writtenHost(raw);
    if (written !== null && isIpLiteralHost(written) && written.toLowerCase().replace(/\.$/, '') !== u.hostname) {
      throw new HttpError(
        'blocked_address',
        `IP-literal host in non-standard notation refused: ${written} (${u.href})`,
        {
          url: u.href,
        },
      );
    }
    if (!allowed) {
      // WHATWG parsing already turned decimal/hex/octal IPv4 forms into dotted quads.
      const bare = u.hostname.replace(/^\[|\]$/g, '');
      if (isIP(bare)) {
        const why = blockedReason(bare);
        throw new HttpError(
          'blocked_address',
          `IP-literal host ${u.hostname} refused${why ? ` (${why})` : ''}: ${u.href}${allowHostsHint(why, `${u.hostname}:${port}`)}`,
          { url: u.href },
        );
      }
    }
    return { u, allowed };
  };

  const oneHop = async (
    u: URL,
    allowed: boolean,
    init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string | Buffer; maxBytes: number },
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer | null }> => {
    const ac = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const res = await undiciRequest(u, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        dispatcher: allowed ? open : guarded,
        signal: ac.signal,
      });
      const headers = flattenHeaders(res.headers);
      if (REDIRECT_STATUSES.has(res.statusCode) && headers.location) {
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        return { status: res.statusCode, headers, body: null };
      }
      timer = setTimeout(() => {
        timedOut = true;
        ac.abort();
      }, config.timeouts.bodyMs);
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > init.maxBytes) {
        res.body.destroy();
        throw tooLarge(u.href, init.maxBytes, `declared Content-Length ${declared}`);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body) {
        const b = chunk as Buffer;
        total += b.length;
        if (total > init.maxBytes) {
          res.body.destroy();
          throw tooLarge(u.href, init.maxBytes, 'body');
        }
        chunks.push(b);
      }
      const raw = Buffer.concat(chunks, total);
      const body = await decodeContent(raw, headers['content-encoding'], init.maxBytes, u.href);
      return { status: res.statusCode, headers, body };
    } catch (err) {
      const mapped = mapError(err, u.href, timedOut, config);
      // A DNS answer refused by the guard: name the fix when the host is on the operator's own machine/network.
      const hint =
        mapped.code === 'blocked_address'
          ? allowHostsHint(mapped.message, `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`)
          : '';
      throw hint && !mapped.message.includes('http.allowHosts')
        ? new HttpError('blocked_address', `${mapped.message}${hint}`, { url: mapped.url, cause: mapped.cause })
        : mapped;
    } finally {
      if (timer) clearTimeout(timer);
    }
  };

  const request = async (url: string, init: HttpRequestInit): Promise<HttpResponse> => {
    if (closed) throw new HttpError('network_error', `HTTP client is closed (request to ${url})`, { url });
    const maxBytes = init.maxBytes ?? (init.kind === 'feed' ? config.maxBytes.feed : config.maxBytes.page);
    const headers: Record<string, string> = {
      accept: ACCEPT[init.kind],
      'accept-encoding': 'gzip, deflate, br',
    };
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
    headers['user-agent'] = userAgent;
    let method: 'GET' | 'POST' = init.method ?? 'GET';
    let body = init.body;
    const redirects: string[] = [];
    const seen = new Set<string>();
    let { u, allowed } = check(url);
    const gap = init.kind === 'webhook' ? 0 : config.hostGapMs;
    for (;;) {
      seen.add(u.href);
      const current = u;
      const host = current.hostname.toLowerCase();
      const hop = await gate.run(host, gap, async () => {
        if (options.leases && gap > 0) {
          const wait = (await options.leases.reserve(host, gap)) - Date.now();
          if (wait > MAX_LEASE_WAIT_MS) {
            throw new HttpError('host_busy', `${host} is booked ${wait} ms ahead by other workers; try later`, {
              url: current.href,
              retryable: true,
            });
          }
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        return oneHop(current, allowed, { method, headers, body, maxBytes });
      });
      if (hop.body !== null) {
        return { url: current.href, status: hop.status, headers: hop.headers, body: hop.body, redirects };
      }
      // A redirect: validate the next hop before following it.
      redirects.push(current.href);
      const next = check(hop.headers.location!, current.href);
      if (redirects.length > MAX_REDIRECTS) {
        throw new HttpError('too_many_redirects', `more than ${MAX_REDIRECTS} redirects starting at ${url}`, {
          url: current.href,
        });
      }
      if (seen.has(next.u.href)) {
        throw new HttpError('too_many_redirects', `redirect loop: ${current.href} → ${next.u.href}`, {
          url: current.href,
        });
      }
      if (current.protocol === 'https:' && next.u.protocol === 'http:') {
        throw new HttpError('insecure_redirect', `refused https→http redirect ${current.href} → ${next.u.href}`, {
          url: current.href,
        });
      }
      // RFC 9110 §15.4: 303 (and, by practice, 301/302 after POST) continue as GET without a body.
      if (hop.status === 303 || ((hop.status === 301 || hop.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      // Credentials never follow a redirect to another origin.
      if (next.u.origin !== current.origin) {
        delete headers.authorization;
        delete headers.cookie;
      }
      u = next.u;
      allowed = next.allowed;
    }
  };

  return {
    request,
    userAgent,
    async close() {
      closed = true;
      await Promise.allSettled([guarded.close(), open.close()]);
    },
  };
}

/** The host of an absolute URL exactly as written (before WHATWG normalisation), else null. */
function writtenHost(raw: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the URL parser skips leading C0 controls and spaces (WHATWG URL §4.4), so this does too
  const m = /^[\s\u0000-\u001f]*[a-z][a-z0-9+.-]*:[\\/]{2}(?:[^@/?#\\]*@)?(\[[^\]]*\]|[^:/?#\\]*)/i.exec(raw);
  return m ? m[1]! : null;
}

function tooLarge(url: string, cap: number, what: string): HttpError {
  return new HttpError('response_too_large', `response from ${url} exceeds the ${cap}-byte cap (${what})`, { url });
}

/** Lower-cases header names; joins repeats with `, ` (`set-cookie` with `\n`). */
function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    out[name] = Array.isArray(v) ? v.join(name === 'set-cookie' ? '\n' : ', ') : v;
  }
  return out;
}

/**
 * Removes Content-Encoding (RFC 9110 §8.4; gzip/x-gzip, deflate — zlib or raw, br), applied in reverse order
 * of listing. Output is capped at `maxBytes` (zlib `maxOutputLength`, so a bomb stops as soon as the cap is
 * passed). Truncated streams yield what was decodable (like browsers). Unknown codings pass through unchanged.
 * @throws HttpError `response_too_large` past the cap, `decode_error` for corrupt data
 */
async function decodeContent(
  raw: Buffer,
  encoding: string | undefined,
  maxBytes: number,
  url: string,
): Promise<Buffer> {
  if (!encoding) return raw;
  const codings = encoding
    .toLowerCase()
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'identity')
    .reverse();
  let data = raw;
  const maxOutputLength = maxBytes + 1;
  for (const coding of codings) {
    if (data.length === 0) break;
    try {
      if (coding === 'gzip' || coding === 'x-gzip') {
        // Some servers say gzip but send plain bytes: only decode what starts with the gzip magic.
        if (data[0] !== 0x1f || data[1] !== 0x8b) continue;
        data = await gunzip(data, { maxOutputLength, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      } else if (coding === 'deflate') {
        const zlibWrapped = (data[0]! & 0x0f) === 8 && ((data[0]! << 8) | data[1]!) % 31 === 0;
        data = zlibWrapped
          ? await inflate(data, { maxOutputLength, finishFlush: zlib.constants.Z_SYNC_FLUSH })
          : await inflateRaw(data, { maxOutputLength, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      } else if (coding === 'br') {
        data = await brotli(data, { maxOutputLength });
      } else {
        continue;
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw tooLarge(url, maxBytes, `after ${coding} decompression`);
      }
      throw new HttpError('decode_error', `corrupt ${coding} body from ${url}: ${(err as Error).message}`, {
        url,
        cause: err,
      });
    }
    if (data.length > maxBytes) throw tooLarge(url, maxBytes, `after ${coding} decompression`);
  }
  return data;
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/;

/** Maps whatever undici/node threw into an `HttpError` (kept as is when it already is one). */
function mapError(err: unknown, url: string, timedOut: boolean, config: HttpConfig): HttpError {
  if (err instanceof HttpError) {
    if (err.url === url) return err;
    return new HttpError(err.code as never, `${err.message} (fetching ${url})`, {
      url,
      retryable: err.retryable,
      status: err.status,
      retryAfterMs: err.retryAfterMs,
      cause: err.cause,
    });
  }
  if (timedOut) {
    return new HttpError('timeout', `body of ${url} not received within ${config.timeouts.bodyMs} ms`, {
      url,
      retryable: true,
      cause: err,
    });
  }
  // Walk the cause chain for the most specific code.
  let e: unknown = err;
  const codes: string[] = [];
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') codes.push(c);
    if (e instanceof HttpError) return mapError(e, url, false, config);
    e = (e as { cause?: unknown }).cause;
  }
  const code = codes[0] ?? 'unknown';
  const msg = (err as Error)?.message ?? String(err);
  if (codes.includes('UND_ERR_CONNECT_TIMEOUT') || codes.includes('ETIMEDOUT')) {
    return new HttpError('timeout', `connect to ${url} timed out after ${config.timeouts.connectMs} ms`, {
      url,
      retryable: true,
      cause: err,
    });
  }
  if (codes.includes('UND_ERR_HEADERS_TIMEOUT')) {
    return new HttpError('timeout', `no response headers from ${url} within ${config.timeouts.headersMs} ms`, {
      url,
      retryable: true,
      cause: err,
    });
  }
  if (codes.includes('UND_ERR_BODY_TIMEOUT')) {
    return new HttpError('timeout', `body of ${url} stalled for ${config.timeouts.bodyMs} ms`, {
      url,
      retryable: true,
      cause: err,
    });
  }
  if (codes.some((c) => TLS_CODES.test(c))) {
    return new HttpError(
      'tls_error',
      `TLS failure talking to ${url} (${codes.find((c) => TLS_CODES.test(c))}): ${msg}`,
      {
        url,
        retryable: false,
        cause: err,
      },
    );
  }
  return new HttpError('network_error', `request to ${url} failed (${code}): ${msg}`, {
    url,
    retryable: true,
    cause: err,
  });
}
