/**
 * Digests you can see, through the real CLI (spawned, persistent data dir): `run --once` counts the alerts it
 * deferred to digests, `alerts digest` (`--preview`) shows each subscription's next digest without sending or
 * changing anything, and `alerts digest --send-now` sends it through the normal digest path — once.
 */
import { spawn } from 'node:child_process';
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
const SECRET = 'digest-cli-secret';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('alerts digest', () => {
  let site: FixtureSite;
  let hook: Server;
  const posts: Array<{ body: any; key: string | undefined }> = [];
  let dir: string;
  let args: string[];

  function cli(more: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args, ...more], {
        cwd: ROOT,
        env: { ...process.env, WW_DIGEST_HOOK_SECRET: SECRET },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const json = async (more: string[]) => {
    const r = await cli(['--json', ...more]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, any>;
  };

  beforeAll(async () => {
    site = await startFixtureSite();
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        posts.push({ body: JSON.parse(body), key: req.headers['x-wirewatch-idempotency-key'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const hookPort = (hook.address() as AddressInfo).port;
    dir = await mkdtemp(join(tmpdir(), 'ww-digest-cli-'));
    const configFile = join(dir, 'wirewatch.yaml');
    await writeFile(
      configFile,
      [
        'feeds:',
        `  - { name: Wire Desk World, url: "${site.base}/feeds/world.rss" }`,
        `  - { name: Wire Desk Asia, url: "${site.base}/feeds/asia.atom" }`,
        'channels:',
        `  - { id: hook, type: webhook, url: "http://127.0.0.1:${hookPort}/in", secretEnv: WW_DIGEST_HOOK_SECRET }`,
        'subscriptions:',
        '  - { id: desk, topics: [china-russia], channel: console, mode: digest, schedule: "daily 08:00 Europe/Berlin" }',
        '  - { id: hook-digest, topics: ["*"], channel: hook, mode: digest, schedule: hourly }',
        `http: { allowHosts: ["${site.hostPort}", "127.0.0.1:${hookPort}"], hostGapMs: 0 }`,
        '',
      ].join('\n'),
    );
    args = ['--config', configFile, '--data-dir', join(dir, 'data')];
  });
  afterAll(async () => {
    await site?.close();
    await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('run --once counts the alerts deferred to digests, in JSON and in the human summary', async () => {
    const summary = await json(['run', '--once']);
    // One China–Russia story, two digest subscriptions: two deferred, nothing sent.
    expect(summary.alerts).toEqual({ sent: 0, failed: 0, suppressed: 0, deferred: 2 });
    expect(posts).toHaveLength(0);
    const again = await cli(['run', '--once']);
    expect(again.stdout).toMatch(/^alerts {4}0 sent, 0 to digest, 0 failed, 0 suppressed$/m);
  });

  it('--preview (the default) shows each next digest and changes nothing', async () => {
    const first = await json(['alerts', 'digest', '--preview']);
    expect(first.digests.map((d: any) => [d.subscriptionId, d.channelType, d.schedule, d.alerts.length])).toEqual([
      ['desk', 'console', 'daily 08:00 Europe/Berlin', 1],
      ['hook-digest', 'webhook', 'hourly', 1],
    ]);
    const desk = first.digests[0];
    expect(desk.due).toBe(false);
    expect(Date.parse(desk.dueAt)).toBeGreaterThan(Date.now());
    expect(desk.message.subject).toBe('[wirewatch] digest: 1 alert(s) — daily 08:00 Europe/Berlin');
    expect(desk.message.text).toContain("Xi's visit to Moscow gives isolated Putin a political boost");
    expect(desk.alerts[0]).toMatchObject({ status: 'deferred', reason: 'digest', topicId: 'china-russia' });
    // Nothing sent, nothing moved: the same preview again, both alerts still deferred.
    expect(await json(['alerts', 'digest'])).toEqual(first);
    expect((await json(['alerts', '--status', 'deferred'])).alerts).toHaveLength(2);
    expect(posts).toHaveLength(0);

    const human = await cli(['alerts', 'digest']);
    expect(human.stdout).toMatch(
      /^desk → console \(console\) · daily 08:00 Europe\/Berlin · 1 alert · next \d{4}-\d\d-\d\d \d\d:\d\d UTC$/m,
    );
    expect(human.stdout).toContain('    Subject: [wirewatch] digest: 1 alert(s) — daily 08:00 Europe/Berlin');
    expect(human.stdout).toContain('    China–Russia relations (1)');
  });

  it('--send-now sends through the digest path, one subscription or all, and never twice', async () => {
    const one = await json(['alerts', 'digest', '--send-now', '--subscription', 'hook-digest']);
    expect(one).toEqual({
      sent: 1,
      failed: 0,
      digests: [{ subscriptionId: 'hook-digest', channelId: 'hook', alerts: 1, sent: 1, failed: 0 }],
    });
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toMatchObject({ type: 'digest', event: 'digest', subscription: 'hook-digest' });
    expect(posts[0]!.key).toMatch(/^digest:hook-digest:[0-9a-f]{24}$/);
    expect(posts[0]!.body.id).toBe(posts[0]!.key);

    const rest = await cli(['alerts', 'digest', '--send-now']);
    expect(rest.code, rest.stderr).toBe(0);
    // The console channel prints the digest on stdout, then the command says what it sent.
    expect(rest.stdout).toMatch(/^\[alert digest\] china-russia /m);
    expect(rest.stdout.trimEnd().split('\n').at(-1)).toBe('sent  desk → console: 1 alert');

    expect(await json(['alerts', 'digest', '--send-now'])).toEqual({ sent: 0, failed: 0, digests: [] });
    expect(posts).toHaveLength(1);
    const sent = (await json(['alerts', '--status', 'sent'])).alerts;
    expect(sent.map((a: any) => [a.subscriptionId, a.via]).sort()).toEqual([
      ['desk', 'digest'],
      ['hook-digest', 'digest'],
    ]);
    const after = await json(['alerts', 'digest']);
    expect(after.digests.map((d: any) => [d.subscriptionId, d.alerts.length, d.message])).toEqual([
      ['desk', 0, null],
      ['hook-digest', 0, null],
    ]);
  });

  it('an unknown subscription, or both flags, is a usage error', async () => {
    const unknown = await cli(['alerts', 'digest', '--subscription', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('subscription "nope" is not in the configuration (configured: desk, hook-digest)');
    const both = await cli(['alerts', 'digest', '--preview', '--send-now']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give either --preview or --send-now, not both');
  });
});
