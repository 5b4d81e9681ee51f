/**
 * `wirewatch feeds [--json]` (the real CLI, spawned) after `run --once` on a persistent data dir: each feed's
 * interval as configured and in force, and its timing (overdue, silent).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureSite, type FixtureSite } from '../../scripts/fixture-site.ts';

const BIN = fileURLToPath(new URL('../../bin/wirewatch.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MIN = 60_000;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('wirewatch feeds: intervals', () => {
  let site: FixtureSite;
  let dir: string;
  let args: string[];

  beforeAll(async () => {
    site = await startFixtureSite();
    dir = await mkdtemp(join(tmpdir(), 'ww-feeds-iv-'));
    const configFile = join(dir, 'wirewatch.yaml');
    await writeFile(
      configFile,
      [
        'feeds:',
        `  - { id: world, name: Wire Desk World, url: "${site.base}/feeds/world.rss", interval: 15m }`,
        `  - { id: asia, name: Wire Desk Asia, url: "${site.base}/feeds/asia.atom", interval: adaptive, maxInterval: 2h }`,
        `  - { id: later, url: "${site.base}/feeds/none.rss" }`,
        `http: { allowHosts: ["${site.hostPort}"], hostGapMs: 0 }`,
        '',
      ].join('\n'),
    );
    args = ['--config', configFile, '--data-dir', join(dir, 'data')];
    const run = await cli([...args, 'run', '--once']);
    expect(run.code, run.stderr).toBe(0);
  });
  afterAll(async () => {
    await site?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--json: the interval as configured and in force; timing flags', async () => {
    const r = await cli([...args, '--json', 'feeds']);
    expect(r.code, r.stderr).toBe(0);
    const feeds = (JSON.parse(r.stdout) as { feeds: Array<Record<string, any>> }).feeds;
    const byId = new Map(feeds.map((f) => [f.id, f]));
    expect(byId.get('world')).toMatchObject({ interval: '15m', intervalMs: 15 * MIN, overdue: false, silent: false });
    // Polled once: the next poll is one interval after the poll (counted from its end).
    const world = byId.get('world')!;
    const gap = Date.parse(world.nextPollAt) - Date.parse(world.lastSuccessAt);
    expect(gap).toBeGreaterThanOrEqual(15 * MIN);
    expect(gap).toBeLessThan(15 * MIN + 10_000);
    // Adaptive, one entry an hour old and no rhythm yet: a quarter of the quiet time, within 5m…2h.
    const asia = byId.get('asia')!;
    expect(asia).toMatchObject({ interval: 'adaptive', rhythmMs: null, overdue: false, silent: false });
    expect(asia.intervalMs).toBeGreaterThanOrEqual(15 * MIN);
    expect(asia.intervalMs).toBeLessThan(20 * MIN);
    // The default: the period of schedule (*/5 * * * *); a failing feed is not overdue while it backs off.
    expect(byId.get('later')).toMatchObject({
      interval: '5m',
      intervalMs: 5 * MIN,
      status: 'http_error',
      overdue: false,
    });
  });

  it('the human listing names each interval', async () => {
    const r = await cli([...args, 'feeds']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.find((l) => l.includes('Wire Desk World'))).toMatch(/\(every 15m\)/);
    expect(lines.find((l) => l.includes('Wire Desk Asia'))).toMatch(/\(adaptive, now 1[5-9]m\)/);
    expect(lines.find((l) => l.includes('none.rss'))).toMatch(/^http_error +later .*\(every 5m\) 1 failures/);
  });
});
