import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fixture server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Server clock when the request arrived, ms. */
  at: number;
}

/** A real node:http server on 127.0.0.1 (port 0) with per-path handlers, for tests of the HTTP chokepoint. */
export interface FixtureServer {
  port: number;
  /** `127.0.0.1:<port>` — the one allowHosts entry tests use. */
  hostPort: string;
  origin: string;
  seen: SeenRequest[];
  /** Highest number of requests in flight at once. */
  maxInFlight: number;
  route(path: string, handler: http.RequestListener): void;
  close(): Promise<void>;
}

/** Starts the server; unknown paths answer 404. */
export async function startFixtureServer(): Promise<FixtureServer> {
  const routes = new Map<string, http.RequestListener>();
  const sockets = new Set<import('node:net').Socket>();
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    seen.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, at: Date.now() });
    const path = (req.url ?? '/').split('?')[0]!;
    const h = routes.get(path);
    if (h) return h(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hostPort: `127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    seen,
    get maxInFlight() {
      return state.maxInFlight;
    },
    route(path, handler) {
      routes.set(path, handler);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
