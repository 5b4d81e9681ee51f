import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiRequest, ApiResponse } from '../shared/api/index.ts';
import type { Logger } from '../shared/log.ts';

/**
 * Serves the API handler (the same `handle` API Gateway calls in AWS) on a local node:http server.
 * Only GET is routed by the handler; request bodies are ignored.
 */
export interface LocalApiServer {
  /** `http://host:port` */
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Converts a node request into the framework-free `ApiRequest` (lower-case header names). The request target is
 * split, not resolved (RFC 9112 §3.2: origin-form `path?query`, or absolute-form): the raw query goes to the
 * handler, which parses it strictly, and no target can make this throw.
 */
export function toApiRequest(req: IncomingMessage): ApiRequest {
  let target = req.url ?? '/';
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target); // absolute-form: drop scheme and authority
  if (abs) target = target.slice(abs[0].length) || '/';
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return {
    method: req.method ?? 'GET',
    path: path || '/',
    query: {},
    rawQuery: q >= 0 ? target.slice(q + 1) : '',
    headers,
  };
}

/**
 * Starts the local API server.
 * @param handle the API handler
 * @param opts.host bind address (default 127.0.0.1), opts.port (0 = any free port)
 * @throws when the port is taken (EADDRINUSE), with the address in the message
 */
export async function startApiServer(
  handle: (req: ApiRequest) => Promise<ApiResponse>,
  opts: { host?: string; port: number; logger?: Logger },
): Promise<LocalApiServer> {
  const host = opts.host ?? '127.0.0.1';
  // Node would answer an HTTP/1.1 request without Host with an empty 400 of its own; the handler answers it with
  // the API's JSON error body instead (RFC 9112 §3.2: a server must answer 400 to such a request).
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const started = Date.now();
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
      const body = JSON.stringify({
        error: { code: 'bad_request', message: 'HTTP/1.1 request without a Host header' },
      });
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      res.end(body);
      return;
    }
    handle(toApiRequest(req))
      .then((r) => {
        res.writeHead(r.statusCode, r.headers);
        res.end(r.body);
        opts.logger?.debug('api request', {
          method: req.method,
          path: req.url?.split('?')[0],
          status: r.statusCode,
          durationMs: Date.now() - started,
        });
      })
      .catch((err: unknown) => {
        opts.logger?.error('api handler failed', { error: err instanceof Error ? err.message : String(err) });
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal_error', message: 'internal error' } }));
      });
  });
  // Requests node's HTTP parser refuses (bad request line or header, headers too large) get the API's JSON error
  // body too, instead of node's empty 400.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (err as { code?: string }).code === 'ECONNRESET') return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      error: tooLarge
        ? { code: 'headers_too_large', message: 'request headers too large' }
        : { code: 'bad_request', message: 'malformed HTTP request' },
    });
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `connection: close\r\n\r\n${body}`,
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(`API port ${host}:${opts.port} is already in use (set api.port in the config)`)
          : e,
      ),
    );
    server.listen(opts.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
