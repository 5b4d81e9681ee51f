import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../local/cli.ts';
import { fixture } from './helpers.ts';

/*
 * `classify <url>` and `extract <url>` when the page cannot be had: the reason and exit 1, never an empty
 * classification ("no topic matched") or an empty extraction with exit 0.
 */

let dir: string;
let server: Server;
let port: number;
let allowed: string;
let guarded: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ww-unavailable-'));
  server = createServer((req, res) => {
    if (req.url === '/ok') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(fixture('article.html'));
    } else if (req.url === '/report.pdf') {
      res.writeHead(200, { 'content-type': 'application/pdf' });
      res.end('%PDF-1.4');
    } else {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body><h1>Not found</h1></body></html>');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  allowed = join(dir, 'allowed.yaml');
  await writeFile(allowed, `http:\n  allowHosts: ["127.0.0.1:${port}"]\n  hostGapMs: 0\n`);
  guarded = join(dir, 'guarded.yaml');
  await writeFile(guarded, 'http:\n  hostGapMs: 0\n');
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function cli(config: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'wirewatch', '--config', config, ...args], {
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  return { code, out, err };
}

describe('classify <url> that cannot be fetched', () => {
  it('a 404 exits 1 with the reason, not "no topic matched"', async () => {
    const url = `http://127.0.0.1:${port}/missing`;
    const r = await cli(allowed, 'classify', url);
    expect(r.code).toBe(1);
    expect(r.out).not.toContain('no topic matched');
    expect(r.err).toContain(`wirewatch: cannot classify ${url}: http 404`);
    const j = await cli(allowed, '--json', 'classify', url);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toEqual({
      error: { code: 'page_unavailable', message: `cannot classify ${url}: http 404` },
    });
  });

  it('a page that is not HTML and a refused connection exit 1 too', async () => {
    const pdf = await cli(allowed, 'classify', `http://127.0.0.1:${port}/report.pdf`);
    expect(pdf.code).toBe(1);
    expect(pdf.err).toContain('not html (application/pdf)');
    const closed = await new Promise<number>((r) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const cfg = join(dir, 'closed.yaml');
    await writeFile(cfg, `http:\n  allowHosts: ["127.0.0.1:${closed}"]\n`);
    const refused = await cli(cfg, 'classify', `http://127.0.0.1:${closed}/x`);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/cannot classify http:\/\/127\.0\.0\.1:\d+\/x: .*(refused|ECONNREFUSED)/i);
  });

  it('an SSRF refusal of a loopback host names the allowHosts entry that would allow it', async () => {
    const r = await cli(guarded, 'classify', `http://127.0.0.1:${port}/ok`);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`http.allowHosts: ["127.0.0.1:${port}"]`);
    const byName = await cli(guarded, 'classify', `http://localhost:${port}/ok`);
    expect(byName.code).toBe(1);
    expect(byName.err).toContain('resolves to');
    expect(byName.err).toContain(`http.allowHosts: ["localhost:${port}"]`);
  });

  it('a page that was fetched is classified with exit 0, matched or not', async () => {
    const r = await cli(allowed, '--json', 'classify', `http://127.0.0.1:${port}/ok`);
    expect(r.code).toBe(0);
    expect(Array.isArray(JSON.parse(r.out).topics)).toBe(true);
  });
});

describe('extract <url> that cannot be fetched', () => {
  it('exits 1 with the reason and prints no extraction', async () => {
    const url = `http://127.0.0.1:${port}/missing`;
    const r = await cli(allowed, '--json', 'extract', url);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      error: { code: 'page_unavailable', message: `could not fetch ${url}: http 404` },
    });
    const guardedRun = await cli(guarded, 'extract', `http://127.0.0.1:${port}/ok`);
    expect(guardedRun.code).toBe(1);
    expect(guardedRun.out).toBe('');
    expect(guardedRun.err).toContain(`http.allowHosts: ["127.0.0.1:${port}"]`);
  });

  it('a fetched page still exits 0', async () => {
    const r = await cli(allowed, '--json', 'extract', `http://127.0.0.1:${port}/ok`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).status).toMatch(/full|partial/);
  });
});
