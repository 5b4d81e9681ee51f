import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without type declarations
import { buildCliBundle, bundleStatus } from '../../bin/cli-bundle.mjs';
import { buildProgram, COMMAND_MODULES, commandNameIn } from '../../local/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/wirewatch.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('lazy command loading', () => {
  it('the root help with stubs reads exactly as with every command module loaded', async () => {
    const render = async (all: boolean) => {
      let out = '';
      const { program } = await buildProgram({ out: (s) => (out += s) }, ['node', 'wirewatch', '--help'], { all });
      program.outputHelp();
      return out;
    };
    const eager = await render(true);
    expect(eager).toContain('classify [options] <input>');
    expect(await render(false)).toBe(eager);
  });

  it('every stub names a command its module registers, with the same description', async () => {
    for (const m of COMMAND_MODULES) {
      const { program } = await buildProgram({}, ['node', 'wirewatch', m.commands[0]!.name]);
      for (const c of m.commands) {
        const real = program.commands.find((x) => x.name() === c.name);
        expect(real?.description(), c.name).toBe(c.summary);
      }
    }
  });

  it('finds the command after global options', () => {
    expect(commandNameIn(['node', 'w', '--json', '--config', 'items', 'feeds'])).toBe('feeds');
    expect(commandNameIn(['node', 'w', '--config=x.yaml', '--memory', 'items', '--limit', '2'])).toBe('items');
    expect(commandNameIn(['node', 'w', 'help', 'topics'])).toBe('topics');
    expect(commandNameIn(['node', 'w', '--help'])).toBeNull();
    expect(commandNameIn(['node', 'w'])).toBeNull();
  });
});

describe('the prebuilt bundle (bin/cli-bundle.mjs)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-bundle-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is fresh after a build; a changed input makes it stale, a touched one does not', async () => {
    const outDir = join(dir, 'fresh');
    expect(bundleStatus({ outDir })).toEqual({ fresh: false, reason: 'no bundle built yet' });
    const built = await buildCliBundle({ outDir });
    expect(bundleStatus({ outDir })).toEqual({ fresh: true, entry: built.entry });
    const manifestPath = join(outDir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    expect(Object.keys(manifest.inputs)).toEqual(
      expect.arrayContaining(['local/cli.ts', 'local/commands/feeds.ts', 'shared/config/load.ts', 'tsconfig.json']),
    );
    // as if local/commands/feed.ts had been touched (other mtime, same bytes): still fresh
    manifest.inputs['local/commands/feed.ts'].mtimeMs -= 5000;
    await writeFile(manifestPath, JSON.stringify(manifest));
    expect(bundleStatus({ outDir }).fresh).toBe(true);
    // as if it had been edited since the build (other bytes): stale, naming it
    manifest.inputs['local/commands/feed.ts'].sha256 = '0'.repeat(64);
    await writeFile(manifestPath, JSON.stringify(manifest));
    expect(bundleStatus({ outDir })).toEqual({ fresh: false, reason: 'local/commands/feed.ts changed' });
  });

  const run = (args: string[], env: Record<string, string>) =>
    promisify(execFile)(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, WIREWATCH_DEBUG: '1', ...env },
    });

  it('bin/wirewatch.mjs builds a missing bundle, then runs it; files beside the sources still resolve', async () => {
    const env = { WIREWATCH_CLI_BUNDLE_DIR: join(dir, 'bin') };
    const first = await run(['--version'], env);
    expect(first.stdout.trim()).toBe(VERSION);
    expect(first.stderr).toMatch(/bundle rebuilt \(no bundle built yet\)/);
    const text = join(dir, 'story.txt');
    await writeFile(
      text,
      'Xi and Putin meet in Moscow\n\nChinese leader Xi Jinping held talks with Russian President Vladimir Putin in Moscow on trade.\n',
    );
    // shipped.yaml is read next to shared/topics/ although the code runs from the bundle directory
    const second = await run(['--json', 'classify', text], env);
    expect(second.stderr).toMatch(/running the bundle /);
    expect(JSON.parse(second.stdout).topics.map((t: { id: string }) => t.id)).toContain('china-russia');
  });

  it('WIREWATCH_NO_BUNDLE=1 runs the sources through tsx, with the same result', async () => {
    const r = await run(['--version'], { WIREWATCH_NO_BUNDLE: '1' });
    expect(r.stdout.trim()).toBe(VERSION);
    expect(r.stderr).toContain('running the sources with tsx (WIREWATCH_NO_BUNDLE=1)');
  });
});
