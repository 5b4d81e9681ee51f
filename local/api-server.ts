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

/** Converts a node request into the framework-free `ApiRequest` (lower-case header names, first query value). */
export function toApiRequest(req: IncomingMessage): ApiRequest {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query: Record<string, string | undefined> = {};
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return { method: req.method ?? 'GET', path: url.pathname, query, headers };
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
  const server = createServer((req, res) => {
    const started = Date.now();
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
