import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the bundled fixture site (our own hand-written feeds and AP-style pages). */
export const FIXTURE_SITE_DIR = fileURLToPath(new URL('../test/fixtures/site/', import.meta.url));

/** A running fixture site. */
export interface FixtureSite {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** `127.0.0.1:<port>` — the entry to put in `http.allowHosts`. */
  hostPort: string;
  /** Request log: `GET /feeds/world.rss 200`, in order. */
  requests: string[];
  close(): Promise<void>;
}

const types: Record<string, string> = {
  '.rss': 'application/rss+xml; charset=utf-8',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.json': 'application/feed+json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/**
 * Serves `test/fixtures/site` on 127.0.0.1 (a free port) the way a publisher would: pages at `/world/<slug>`
 * (from `world/<slug>.html`), feeds at `/feeds/<file>`, strong ETags with `If-None-Match` → 304, 404 otherwise.
 * Placeholders in files: `{{BASE}}` (the site's base URL), `{{ISO_RECENT}}` / `{{RFC822_RECENT}}` (one hour
 * before the server started, fixed for its lifetime so bodies and ETags stay stable between polls).
 */
export async function startFixtureSite(dir: string = FIXTURE_SITE_DIR): Promise<FixtureSite> {
  const requests: string[] = [];
  const recent = new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000);
  let base = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = normalize(path).replace(/^\/+/, '');
      if (file.startsWith('..')) file = '';
      if (file && !extname(file)) file += '.html';
      let body: string;
      try {
        body = await readFile(join(dir, file), 'utf8');
      } catch {
        requests.push(`GET ${path} 404`);
        res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!DOCTYPE html><title>Not found</title><h1>Not found</h1>');
        return;
      }
      body = body
        .replaceAll('{{BASE}}', base)
        .replaceAll('{{ISO_RECENT}}', recent.toISOString())
        .replaceAll('{{RFC822_RECENT}}', recent.toUTCString());
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) {
        requests.push(`GET ${path} 304`);
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      requests.push(`GET ${path} 200`);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', etag });
      res.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    base,
    hostPort: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
