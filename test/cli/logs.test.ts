/**
 * What the real CLI (`bin/wirewatch.mjs`, spawned) writes on stderr: JSON lines when stderr is a pipe, readable
 * lines with `--log-format pretty` or `WIREWATCH_LOG_FORMAT`, and on a terminal — a pseudo-terminal from util-linux
 * `script` — readable lines and a progress line redrawn in place, gone before the summary.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureSite, type FixtureSite } from '../../scripts/fixture-site.ts';

const BIN = fileURLToPath(new URL('../../bin/wirewatch.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ESC = '\x1b';
const CLEAR = `\r${ESC}[2K`;
const PRETTY = /^\d\d:\d\d:\d\d (DEBUG|INFO |WARN |ERROR) /;
/** Console-channel alerts share stderr with the logs (`[alert] china-russia …`, evidence lines indented). */
const CONSOLE_ALERT = /^\[(alert|digest|update)\] /;

/** stderr lines that are log lines (not console-channel alerts and their indented evidence). */
const logLines = (stderr: string) =>
  stderr
    .trimEnd()
    .split('\n')
    .filter((l) => !CONSOLE_ALERT.test(l) && !/^\s/.test(l));

/** What a terminal shows once every progress frame is gone: the segments between line erasures that end lines. */
const withoutProgress = (out: string) =>
  out
    .split(CLEAR)
    .filter((s) => s.includes('\n'))
    .join('');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnRun(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('CLI logs and progress', () => {
  let site: FixtureSite;
  let dir: string;
  let configFile: string;
  const clean = { WIREWATCH_LOG_FORMAT: '', WIREWATCH_PROGRESS: '', NO_COLOR: '' };
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnRun(process.execPath, [BIN, '--config', configFile, '--memory', ...args], { ...clean, ...env });
  /** Runs the CLI with stdin, stdout and stderr on one pseudo-terminal; everything it wrote comes back in stdout. */
  const onTerminal = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const quoted = [process.execPath, BIN, '--config', configFile, '--memory', ...args].map((a) => `'${a}'`);
    return spawnRun('script', ['-qefc', quoted.join(' '), '/dev/null'], { ...clean, ...env });
  };

  beforeAll(async () => {
    site = await startFixtureSite();
    dir = await mkdtemp(join(tmpdir(), 'ww-logs-'));
    configFile = join(dir, 'wirewatch.yaml');
    await writeFile(
      configFile,
      [
        'feeds:',
        `  - { name: Wire Desk World, url: "${site.base}/feeds/world.rss" }`,
        `  - { name: Wire Desk Asia, url: "${site.base}/feeds/asia.atom" }`,
        `http: { allowHosts: ["${site.hostPort}"], hostGapMs: 0 }`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await site?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stderr not a terminal: JSON lines only, no progress; the human summary on stdout', async () => {
    const r = await cli(['run', '--once']);
    expect(r.code).toBe(0);
    const lines = logLines(r.stderr);
    expect(lines.length).toBeGreaterThan(3);
    // The demo feeds carry one China–Russia story: its console alert is on stderr too.
    expect(r.stderr).toMatch(/^\[alert\] china-russia /m);
    for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
    expect(lines.map((l) => JSON.parse(l).message)).toContain('feed polled');
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toContain(ESC);
    expect(r.stdout).toMatch(/^feeds {5}2 polled: 2 ok/);
    expect(r.stdout.trimEnd().split('\n').at(-2)).toMatch(/^alerts /);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^pages /);
  });

  it('--json: one JSON object on stdout (the summary), JSON lines on stderr', async () => {
    const r = await cli(['--json', 'run', '--once']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(Object.keys(summary)).toEqual(['feeds', 'entries', 'articles', 'items', 'alerts', 'pages']);
    expect(summary.feeds).toEqual({ total: 2, ok: 2, notModified: 0, failed: 0 });
    for (const l of logLines(r.stderr)) expect(() => JSON.parse(l), l).not.toThrow();
  });

  it.each([
    ['--log-format pretty', ['--log-format', 'pretty'], {}],
    ['WIREWATCH_LOG_FORMAT=pretty', [], { WIREWATCH_LOG_FORMAT: 'pretty' }],
  ])('%s: readable lines, still no progress without a terminal', async (_name, flags, env) => {
    for (const r of [await cli([...flags, 'run', '--once'], env)]) {
      expect(r.code).toBe(0);
      const lines = logLines(r.stderr);
      for (const l of lines) expect(l).toMatch(PRETTY);
      expect(lines.some((l) => /INFO {2}poll {5}feed polled {2}feedId=f_[0-9a-f]{12} /.test(l))).toBe(true);
      expect(r.stderr).not.toContain('\r');
      expect(r.stderr).not.toContain(ESC);
    }
  });

  it('a bad format is a usage error (exit 2), from the flag or the environment', async () => {
    const flag = await cli(['--log-format', 'xml', 'run', '--once']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/'--log-format <format>' argument 'xml' is invalid/);
    const env = await cli(['run', '--once'], { WIREWATCH_LOG_FORMAT: 'xml' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('WIREWATCH_LOG_FORMAT must be json or pretty, not "xml"');
  });

  it.skipIf(!hasScript)(
    'on a terminal: coloured readable lines, a progress line redrawn in place, then the summary',
    async () => {
      const r = await onTerminal(['run', '--once']);
      expect(r.code).toBe(0);
      const out = r.stdout;
      // Progress frames: erased and redrawn in place (no newline), counting the feeds.
      const frames = out.split(CLEAR).filter((s) => s.startsWith('feeds ') && !s.includes('\n'));
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.at(-1)).toMatch(/^feeds 2\/2 polled · articles \d+ processed \((-|[\d.]+)\/s\), \d+ queued/);
      // Log lines: erase the progress line, then one readable line, coloured.
      const logged = out.split(CLEAR).find((s) => s.includes('feed polled'));
      expect(logged).toMatch(/^.\[2m\d\d:\d\d:\d\d.\[0m .\[36mINFO .\[0m poll {5}feed polled/);
      expect(logged?.startsWith(`${ESC}[2m`)).toBe(true);
      expect(out).not.toContain('{"level"');
      // The console alert is written past the progress line too, never into the middle of a frame.
      expect(out).toContain(`${CLEAR}[alert] china-russia `);
      // The summary comes after the progress line was erased for the last time.
      const tail = out.slice(out.lastIndexOf(CLEAR) + CLEAR.length);
      expect(tail).toMatch(/^feeds {5}2 polled: 2 ok[\s\S]*\r\nalerts /);
    },
  );

  it.skipIf(!hasScript)('on a terminal: --no-progress draws no progress line; NO_COLOR drops colours', async () => {
    const r = await onTerminal(['--no-progress', 'run', '--once'], { NO_COLOR: '1' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(CLEAR);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout.split('\r\n').filter((l) => PRETTY.test(l)).length).toBeGreaterThan(3);
  });

  it.skipIf(!hasScript)('on a terminal: WIREWATCH_PROGRESS=0 draws no progress line', async () => {
    const r = await onTerminal(['run', '--once'], { WIREWATCH_PROGRESS: '0' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(CLEAR);
  });

  it.skipIf(!hasScript)(
    'on a terminal with --json: JSON log lines and summary; the progress line still shows',
    async () => {
      const r = await onTerminal(['--json', 'run', '--once']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(CLEAR);
      const lines = withoutProgress(r.stdout).split('\r\n').filter(Boolean);
      expect(lines.some((l) => l.startsWith('{"level"'))).toBe(true);
      expect(lines.some((l) => l.startsWith('{"feeds":{"total":2'))).toBe(true);
    },
  );
});
