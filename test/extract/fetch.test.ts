import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAndExtract } from '../../shared/extract/index.ts';
import { createHttpClient, httpConfigSchema, type HttpClient } from '../../shared/http/index.ts';
import { fixture } from './helpers.ts';

let server: Server;
let base: string;
let client: HttpClient;
let smallClient: HttpClient;
const seen: Array<{ path: string; accept: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', accept: req.headers.accept });
    switch (req.url) {
      case '/article':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(fixture('article.html'));
        return;
      case '/cyrillic':
        res.writeHead(200, { 'content-type': 'text/html; charset=windows-1251' });
        res.end(iconv.encode(fixture('cyrillic.html').toString('utf8'), 'windows-1251'));
        return;
      case '/moved':
        res.writeHead(301, { location: '/article' });
        res.end();
        return;
      case '/gone':
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<html><body><p>Not found</p></body></html>');
        return;
      case '/pdf':
        res.writeHead(200, { 'content-type': 'application/pdf' });
        res.end('%PDF-1.7');
        return;
      case '/shell':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(fixture('app-shell.html'));
        return;
      case '/huge':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(Buffer.alloc(200_000, '<p>filler text</p>'));
        return;
      default:
        res.writeHead(500);
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  const config = httpConfigSchema.parse({ allowHosts: [`127.0.0.1:${port}`], hostGapMs: 0 });
  client = createHttpClient(config);
  smallClient = createHttpClient({ ...config, maxBytes: { ...config.maxBytes, page: 50_000 } });
});

afterAll(async () => {
  await client.close();
  await smallClient.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const fallback = { title: 'Feed title', summary: 'The feed summary of the story.' };

describe('fetchAndExtract through the HTTP chokepoint', () => {
  it('fetches an HTML page as kind page and extracts it', async () => {
    const x = await fetchAndExtract(client, `${base}/article`);
    expect(x.status).toBe('full');
    expect(x.url).toBe(`${base}/article`);
    expect(x.title).toBe('Beijing and Moscow sign new energy pact');
    // relative canonical and image URLs resolve against the page URL
    expect(x.canonicalUrl).toBe(`${base}/world/energy-pact`);
    expect(x.leadImage).toBe(`${base}/img/pact.jpg`);
    expect(seen.find((s) => s.path === '/article')?.accept).toMatch(/text\/html/);
  });

  it('uses the final URL after redirects as the page URL', async () => {
    const x = await fetchAndExtract(client, `${base}/moved`);
    expect(x.url).toBe(`${base}/article`);
    expect(x.status).toBe('full');
  });

  it('decodes with the charset from the HTTP header only (windows-1251)', async () => {
    const x = await fetchAndExtract(client, `${base}/cyrillic`);
    expect(x.title).toBe('Москва и Пекин договорились о поставках газа');
    expect(x.text).toContain('подписали соглашение');
  });

  it('falls back to the feed text on an HTTP error, with the status as reason', async () => {
    const x = await fetchAndExtract(client, `${base}/gone`, { fallback });
    expect(x.status).toBe('feed_only');
    expect(x.reason).toBe('http 404');
    expect(x.text).toBe('The feed summary of the story.');
    expect(x.title).toBe('Feed title');
  });

  it('reports failed when there is no fallback text', async () => {
    const x = await fetchAndExtract(client, `${base}/gone`);
    expect(x.status).toBe('failed');
    expect(x.reason).toBe('http 404');
  });

  it('does not extract non-HTML responses', async () => {
    const x = await fetchAndExtract(client, `${base}/pdf`, { fallback });
    expect(x.status).toBe('feed_only');
    expect(x.reason).toBe('not html (application/pdf)');
  });

  it('falls back to the feed summary for a script-only shell', async () => {
    const x = await fetchAndExtract(client, `${base}/shell`, { fallback });
    expect(x.status).toBe('feed_only');
    expect(x.text).toBe(fallback.summary);
  });

  it('falls back when the page is larger than the chokepoint cap', async () => {
    const x = await fetchAndExtract(smallClient, `${base}/huge`, { fallback });
    expect(x.status).toBe('feed_only');
    expect(x.reason).toMatch(/response_too_large/);
    expect(x.text).toBe(fallback.summary);
  });

  it('reports transport failures (blocked address) without throwing', async () => {
    const blocked = createHttpClient(httpConfigSchema.parse({ hostGapMs: 0 }));
    try {
      const x = await fetchAndExtract(blocked, `${base}/article`, { fallback });
      expect(x.status).toBe('feed_only');
      expect(x.reason).toMatch(/^fetch failed: blocked_address/);
    } finally {
      await blocked.close();
    }
  });
});
