/**
 * `npm start` is how the README runs wirewatch, and process managers stop it with SIGTERM to the process they
 * started — npm. npm forwards the signal to its child; the child must be wirewatch itself (the script `exec`s it),
 * not a shell that dies and leaves the server running with the data dir locked.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir = '';

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts `npm start` in its own process group; resolves once serve listens. */
async function startNpm(): Promise<{ npm: ChildProcess; output: () => string; serve: number }> {
  dir = dir || (await mkdtemp(join(tmpdir(), 'ww-npm-start-')));
  const npm = spawn('npm', ['start', '--', '--data-dir', join(dir, 'data'), '--port', '0', '--memory'], {
    cwd: ROOT,
    env: { ...process.env, WIREWATCH_API_TOKEN: 'npm-start-token', npm_config_update_notifier: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!/API on http/.test(out) && Date.now() < deadline && npm.exitCode === null)
    await new Promise((r) => setTimeout(r, 50));
  expect(out).toMatch(/API on http/);
  // The serving process: npm's child running wirewatch.
  const children = execFileSync('pgrep', ['-P', String(npm.pid)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map(Number);
  const serve = children.find((pid) =>
    execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).includes('wirewatch.mjs serve'),
  );
  expect(serve, `children of npm: ${children.join(', ')}`).toBeDefined();
  return { npm, output: () => out, serve: serve! };
}

async function gone(pid: number): Promise<boolean> {
  const until = Date.now() + 15_000;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

describe('npm start', () => {
  it('stops serve cleanly when only npm gets SIGTERM (a process manager)', async () => {
    const { npm, output, serve } = await startNpm();
    const exited = new Promise((r) => npm.once('exit', r));
    npm.kill('SIGTERM');
    await exited;
    expect(await gone(serve), `serve (pid ${serve}) still running after npm got SIGTERM`).toBe(true);
    expect(output()).toContain('stopped');
  }, 90_000);

  it('one Ctrl-C (SIGINT to the process group, forwarded again by npm) is a graceful stop, not a forced one', async () => {
    const { npm, output, serve } = await startNpm();
    const exited = new Promise((r) => npm.once('exit', r));
    process.kill(-npm.pid!, 'SIGINT');
    await exited;
    expect(await gone(serve)).toBe(true);
    expect(output()).toContain('stopped');
    expect(output()).not.toContain('again: stopping now');
  }, 90_000);
});
