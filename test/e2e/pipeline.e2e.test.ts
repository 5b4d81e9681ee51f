/**
 * End-to-end, real parts only: the fixture publisher (node:http on 127.0.0.1), the CLI entry point
 * (`bin/wirewatch.mjs`, as a user runs it) with the embedded dynalite persisting under a temp data dir, a real
 * webhook receiver for alerts, and the local API served by `wirewatch serve`.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureSite, type FixtureSite } from '../../scripts/fixture-site.ts';

const BIN = fileURLToPath(new URL('../../bin/wirewatch.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('wirewatch end to end', () => {
  let site: FixtureSite;
  let hook: Server;
  let hookPort: number;
  const hookBodies: Array<{ body: string; signature: string | undefined; timestamp: string | undefined }> = [];
  let dir: string;
  let configFile: string;
  const SECRET = 'e2e-webhook-secret';

  beforeAll(async () => {
    site = await startFixtureSite();
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        hookBodies.push({
          body,
          signature: req.headers['x-wirewatch-signature'] as string | undefined,
          timestamp: req.headers['x-wirewatch-timestamp'] as string | undefined,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    hookPort = (hook.address() as AddressInfo).port;
    dir = await mkdtemp(join(tmpdir(), 'wirewatch-e2e-'));
    configFile = join(dir, 'wirewatch.yaml');
    await writeFile(
      configFile,
      [
        'feeds:',
        `  - { name: Wire Desk World, url: "${site.base}/feeds/world.rss" }`,
        `  - { name: Wire Desk Asia, url: "${site.base}/feeds/asia.atom" }`,
        'http:',
        `  allowHosts: ["${site.hostPort}", "127.0.0.1:${hookPort}"]`,
        '  hostGapMs: 0',
        'channels:',
        `  - { id: hook, type: webhook, url: "http://127.0.0.1:${hookPort}/alerts", secretEnv: E2E_WEBHOOK_SECRET }`,
        'subscriptions:',
        '  - { topics: [china-russia], channel: hook, mode: realtime }',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await site?.close();
    await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const dataDir = () => join(dir, 'data');
  const env = () => ({ E2E_WEBHOOK_SECRET: SECRET });
  let seedId = '';

  it('run --once polls, extracts, tags the seed story and alerts once', async () => {
    const run = await runCli(['run', '--once', '--config', configFile, '--data-dir', dataDir(), '--json'], env());
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.feeds).toEqual({ total: 2, ok: 2, notModified: 0, failed: 0 });
    expect(summary.entries).toEqual({ seen: 5, new: 5 });
    // 3 pages extracted: the Xi story is linked from both feeds but fetched once (the second feed is recorded on
    // the stored item); the 404 page falls back to the feed's summary.
    expect(summary.articles.extracted).toBe(3);
    expect(site.requests.filter((r) => r.startsWith('GET /world/xi-putin-moscow-visit'))).toEqual([
      'GET /world/xi-putin-moscow-visit 200',
    ]);
    expect(summary.articles.fallback + summary.articles.failed).toBe(1);
    // The Xi story arrives from both feeds but is one item.
    expect(summary.items.stored).toBe(4);
    expect(summary.items.tagged).toBeGreaterThanOrEqual(1);
    expect(summary.alerts.sent).toBe(1);
    expect(hookBodies).toHaveLength(1);

    // The webhook is signed: HMAC-SHA256 over `${timestamp}.${body}` (see ALERTS docs).
    const [delivery] = hookBodies;
    expect(delivery!.timestamp).toBeTruthy();
    const expected = createHmac('sha256', SECRET).update(`${delivery!.timestamp}.${delivery!.body}`).digest('hex');
    expect(delivery!.signature).toContain(expected);
    const payload = JSON.parse(delivery!.body);
    expect(payload.type).toBe('alert');
    expect(payload.alerts).toHaveLength(1);
    expect(payload.alerts[0].topic.id).toBe('china-russia');
    // The alert explains itself: the evidence sentence naming the Xi–Putin meeting.
    expect(payload.alerts[0].evidence.text).toMatch(/Xi Jinping.*Putin/);
  });

  it('items --topic china-russia lists the seed story, with text and evidence in item <id>', async () => {
    const list = await runCli([
      'items',
      '--topic',
      'china-russia',
      '--config',
      configFile,
      '--data-dir',
      dataDir(),
      '--json',
    ]);
    expect(list.code, list.stderr).toBe(0);
    const { items } = JSON.parse(list.stdout);
    expect(items).toHaveLength(1);
    const [item] = items;
    expect(item.url).toBe(`${site.base}/world/xi-putin-moscow-visit`);
    expect(item.feedIds).toHaveLength(2);
    expect(item.topics.map((t: { id: string }) => t.id)).toContain('china-russia');
    seedId = item.id;

    const one = await runCli(['item', seedId, '--config', configFile, '--data-dir', dataDir(), '--json']);
    expect(one.code, one.stderr).toBe(0);
    const full = JSON.parse(one.stdout);
    expect(full.text).toContain('Xi Jinping');
    expect(full.text).not.toContain('Share on Facebook');
    expect(full.extraction.status).toBe('full');
    const cr = full.topics.find((t: { id: string }) => t.id === 'china-russia');
    expect(cr.evidence.length).toBeGreaterThan(0);
    expect(cr.evidence.some((e: { text: string }) => /Xi/.test(e.text) && /Putin/.test(e.text))).toBe(true);
  });

  it('a second run stores nothing new and sends no alert (conditional GET)', async () => {
    const run = await runCli(['run', '--once', '--config', configFile, '--data-dir', dataDir(), '--json'], env());
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.feeds.notModified).toBe(2);
    expect(summary.entries.new).toBe(0);
    expect(summary.items.stored).toBe(0);
    expect(summary.alerts.sent).toBe(0);
    expect(hookBodies).toHaveLength(1);
    expect(site.requests.filter((r) => r.startsWith('GET /feeds/') && r.endsWith(' 304'))).toHaveLength(2);
  });

  it('serve answers the API with the stored item, requires the token, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const token = 'e2e-token-0123456789';
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--port', String(port), '--config', configFile, '--data-dir', dataDir()],
      {
        cwd: ROOT,
        env: { ...process.env, ...env(), WIREWATCH_API_TOKEN: token },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!stderr.includes('API on') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toContain(`API on http://127.0.0.1:${port}`);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/items`)).status).toBe(401);
      const res = await fetch(`${base}/items?topic=china-russia`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: Array<{ id: string }> };
      expect(body.items.map((i) => i.id)).toEqual([seedId]);
      const one = await fetch(`${base}/items/${seedId}`, { headers: { authorization: `Bearer ${token}` } });
      expect(one.status).toBe(200);
      expect(((await one.json()) as { text: string }).text).toContain('Moscow');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(hookBodies).toHaveLength(1);
  });

  it('a bad config exits non-zero naming the file and the path before touching anything', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'feeds:\n  - { url: "ftp://example.org/feed" }\n');
    const run = await runCli(['run', '--once', '--config', bad, '--data-dir', join(dir, 'untouched'), '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bad.yaml');
    expect(run.stderr).toContain('feeds[0].url');
    expect(JSON.parse(run.stdout).error.code).toBe('config_invalid');
  });
});
