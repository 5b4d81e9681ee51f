import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile, open } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../local/cli.ts';
import { processStart } from '../../local/data-dir-lock.ts';
import { startEmbeddedStore } from '../../local/embedded-store.ts';
import { Store } from '../../shared/store/index.ts';
import { itemInput, topic } from '../store/factories.ts';

/*
 * Store safety against real LevelDB data dirs: a data dir that does not open cleanly is refused with exit 3 and a
 * message naming the problem and the fixes, and not one byte of it changes; `store repair` recovers the items
 * where LevelDB can; read-only commands never write to the data dir; stale locks are told from live ones by pid
 * and process start time; export → import keeps every item byte-identical.
 */

let root: string;
let base: string;
let config: string;
const ids: string[] = [];
const originals = new Map<string, string>();

/** sha256 of every file under `dir` (relative path → hex), plus the mtime, to see any write. */
async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    const st = await stat(p);
    out[p.slice(dir.length + 1)] = `${createHash('sha256')
      .update(await readFile(p))
      .digest('hex')} ${st.mtimeMs}`;
  }
  return out;
}

async function cli(dataDir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'wirewatch', '--config', config, '--data-dir', dataDir, ...args], {
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  return { code, out, err };
}

/** A copy of the base store to damage. */
async function copyOfBase(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(base, dir, { recursive: true });
  return dir;
}

async function garbage(file: string, at: number): Promise<void> {
  const h = await open(file, 'r+');
  await h.write(Buffer.from('GARBAGE-GARBAGE-GARBAGE'), 0, 23, at);
  await h.close();
}

const tableFile = async (dir: string) => (await readdir(dir)).find((n) => n.endsWith('.ldb'))!;
const logFile = async (dir: string) => (await readdir(dir)).find((n) => n.endsWith('.log'))!;
const manifestFile = async (dir: string) => (await readdir(dir)).find((n) => n.startsWith('MANIFEST-'))!;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ww-safety-'));
  await chmod(root, 0o755); // the unreadable-directory case runs a child as another user
  config = join(root, 'wirewatch.yaml');
  await writeFile(config, 'feeds: []\n');
  base = join(root, 'base');
  // Two sessions: the first session's records end up in a table file when the second opens the store, the
  // second's stay in the write-ahead log — both kinds of data file are present.
  for (let session = 0; session < 2; session++) {
    const embedded = await startEmbeddedStore({ dataDir: base });
    try {
      const store = new Store({ client: embedded.client, tableName: 'wirewatch', retentionDays: 90 });
      await store.ensureTable();
      for (let i = 0; i < 12; i++) {
        const saved = await store.saveItem(
          itemInput(`https://news.example/safety/${session}/${i}`, {
            publishedAt: `2026-11-${10 + i}T0${session}:00:00.000Z`,
            topics: i % 3 === 0 ? [topic('china-russia')] : [],
            text: `Paragraph ${i} of session ${session}. ${'Moscow and Beijing signed. '.repeat(40)}`,
          }),
        );
        ids.push(saved.item.id);
      }
    } finally {
      await embedded.close();
    }
  }
  for (const id of ids) originals.set(id, (await cli(base, '--json', 'item', id)).out);
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a data dir that does not open cleanly is refused, untouched', () => {
  const cases: Array<{ name: string; damage: (dir: string) => Promise<void>; problem: RegExp }> = [
    {
      name: 'CURRENT deleted',
      damage: (d) => rm(join(d, 'CURRENT')),
      problem: /CURRENT: missing \(it names the live MANIFEST; 1 table file\(s\), 1 log file\(s\)/,
    },
    { name: 'CURRENT empty', damage: (d) => writeFile(join(d, 'CURRENT'), ''), problem: /CURRENT: empty/ },
    {
      name: 'MANIFEST missing',
      damage: async (d) => rm(join(d, await manifestFile(d))),
      problem: /MANIFEST-\d+: missing \(named by CURRENT/,
    },
    {
      name: 'MANIFEST truncated',
      damage: async (d) => {
        const m = join(d, await manifestFile(d));
        await truncate(m, Math.floor((await stat(m)).size / 2));
      },
      problem: /MANIFEST-\d+: .*cut short/,
    },
    {
      name: 'garbage in the table file',
      damage: async (d) => garbage(join(d, await tableFile(d)), 2_000),
      problem: /\d+\.ldb: corrupt \(data block at byte \d+: checksum mismatch\)/,
    },
    {
      name: 'garbage in the write-ahead log',
      damage: async (d) => garbage(join(d, await logFile(d)), 5_000),
      problem: /\d+\.log: corrupt \(checksum mismatch at byte \d+\); LevelDB would drop the records after it/,
    },
    {
      name: 'LevelDB files gone, wirewatch files left',
      damage: async (d) => {
        for (const n of await readdir(d)) if (/^(\d+\.(ldb|log)|CURRENT|MANIFEST-\d+)$/.test(n)) await rm(join(d, n));
      },
      problem: /no LevelDB store, but other files: .*wirewatch-store\.json/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: items (read) and alerts retry (write) exit 3 naming the problem and the fixes`, async () => {
      const dir = await copyOfBase(c.name.replace(/\W+/g, '-'));
      await c.damage(dir);
      const before = await fingerprint(dir);
      const read = await cli(dir, 'items');
      expect(read.code).toBe(3);
      expect(read.err).toMatch(c.problem);
      expect(read.err).toContain(`--data-dir ${dir}: the store does not open cleanly`);
      expect(read.err).toMatch(/store repair|restore the directory from a backup/);
      expect(read.err).not.toMatch(/\n\s+at /); // no stack trace
      const json = await cli(dir, '--json', 'alerts', 'retry');
      expect(json.code).toBe(3);
      expect(JSON.parse(json.out).error.code).toBe('store_unavailable');
      expect(await fingerprint(dir)).toEqual(before);
    }, 60_000);
  }

  it('an unreadable data dir: exit 3 naming the permission problem, untouched', async () => {
    const dir = await copyOfBase('unreadable');
    const before = await fingerprint(dir);
    await chmod(dir, 0o000);
    try {
      // root reads any directory: run the CLI as an unprivileged user there.
      const asRoot = process.getuid?.() === 0;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'local/cli.ts', '--config', config, '--data-dir', dir, 'items'],
        { cwd: process.cwd(), ...(asRoot ? { uid: 65534, gid: 65534 } : {}), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(err).toContain('the directory cannot be read (EACCES)');
      expect(err).toContain('give the user running wirewatch read and write permission');
      expect(code).toBe(3);
    } finally {
      await chmod(dir, 0o755);
    }
    expect(await fingerprint(dir)).toEqual(before);
  }, 60_000);
});

describe('store repair', () => {
  it('recovers every item after CURRENT was deleted, and after the MANIFEST was cut short', async () => {
    for (const kind of ['current', 'manifest'] as const) {
      const dir = await copyOfBase(`repair-${kind}`);
      if (kind === 'current') await rm(join(dir, 'CURRENT'));
      else {
        const m = join(dir, await manifestFile(dir));
        await truncate(m, Math.floor((await stat(m)).size / 2));
      }
      const r = await cli(dir, 'store', 'repair');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`repaired --data-dir ${dir} with LevelDB's repair:`);
      expect(r.out).toMatch(/copied the original LevelDB files to .*repair-\w+\.before-repair-/);
      expect(r.out).toMatch(/after: the store opens cleanly .*24 item\(s\)/);
      for (const id of ids) expect((await cli(dir, '--json', 'item', id)).out).toBe(originals.get(id));
      const listed = JSON.parse((await cli(dir, '--json', 'items', '--limit', '100')).out);
      expect(listed.items).toHaveLength(24);
    }
  }, 120_000);

  it('keeps what LevelDB can read from a table file with a bad block, and says what it moved aside', async () => {
    const dir = await copyOfBase('repair-ldb');
    await garbage(join(dir, await tableFile(dir)), 2_000);
    const r = await cli(dir, 'store', 'repair');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/before: \d+\.ldb: corrupt/);
    expect(r.out).toMatch(/LevelDB moved the files it replaced or could not use to .*lost\/: .*\.ldb/);
    const json = JSON.parse((await cli(dir, '--json', 'store', 'check')).out);
    expect(json.state).toBe('ok');
    const listed = JSON.parse((await cli(dir, '--json', 'items', '--limit', '100')).out);
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items.length).toBeLessThanOrEqual(24);
  }, 60_000);

  it('refuses while a live wirewatch process holds the store', async () => {
    const dir = await copyOfBase('repair-locked');
    const holder = spawn('sleep', ['30']);
    try {
      const start = await processStart(holder.pid!);
      await writeFile(
        join(dir, 'wirewatch.lock'),
        JSON.stringify({ pid: holder.pid, host: hostname(), start, since: '', command: 'wirewatch serve' }),
      );
      const before = await fingerprint(dir);
      const r = await cli(dir, 'store', 'repair');
      expect(r.code).toBe(3);
      expect(r.err).toContain(`is in use by another wirewatch process (pid ${holder.pid}, wirewatch serve)`);
      expect(await fingerprint(dir)).toEqual(before);
    } finally {
      holder.kill();
    }
  }, 60_000);
});

describe('read-only commands', () => {
  it('never write to the data dir (same bytes, same mtimes, no new file)', async () => {
    const before = await fingerprint(base);
    expect((await cli(base, '--json', 'items', '--since', '2026-11-01')).code).toBe(0);
    expect((await cli(base, 'item', ids[0]!)).code).toBe(0);
    expect((await cli(base, 'feeds')).code).toBe(0);
    expect((await cli(base, 'alerts')).code).toBe(0);
    expect((await cli(base, 'store', 'check')).code).toBe(0);
    expect((await cli(base, 'store', 'export', '--out', join(root, 'ro.jsonl'))).code).toBe(0);
    expect(await fingerprint(base)).toEqual(before);
  }, 120_000);

  it('on a data dir that does not exist: an empty answer, and nothing is created', async () => {
    const dir = join(root, 'never-created');
    const r = await cli(dir, '--json', 'items');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ items: [], nextCursor: null });
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the data dir lock', () => {
  it('a lock naming a live unrelated process (pid reused) is stale, in both lock formats', async () => {
    const sleeper = spawn('sleep', ['30']);
    try {
      for (const lock of [
        String(sleeper.pid), // older versions wrote the bare pid
        JSON.stringify({ pid: sleeper.pid, host: hostname(), start: 'boot:1', since: '', command: 'wirewatch serve' }),
      ]) {
        const dir = await copyOfBase(`stale-${lock.length}`);
        await writeFile(join(dir, 'wirewatch.lock'), lock);
        const r = await cli(dir, '--json', 'items', '--limit', '100');
        expect(r.err).toBe('');
        expect(JSON.parse(r.out).items).toHaveLength(24);
        // A write command takes the stale lock over (and reports the unclean shutdown to the runtime).
        const embedded = await startEmbeddedStore({ dataDir: dir });
        expect(embedded.uncleanShutdown).toBe(true);
        const held = JSON.parse(await readFile(join(dir, 'wirewatch.lock'), 'utf8'));
        expect(held.pid).toBe(process.pid);
        await embedded.close();
        await expect(stat(join(dir, 'wirewatch.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
      }
    } finally {
      sleeper.kill();
    }
  }, 60_000);

  it('a lock held by a live process (pid and start time match) refuses every command with its pid', async () => {
    const dir = await copyOfBase('held');
    const holder = spawn('sleep', ['30']);
    try {
      const start = await processStart(holder.pid!);
      expect(start).toBeTruthy();
      await writeFile(
        join(dir, 'wirewatch.lock'),
        JSON.stringify({ pid: holder.pid, host: hostname(), start, since: '', command: 'wirewatch serve' }),
      );
      for (const args of [['items'], ['alerts', 'retry'], ['store', 'export']]) {
        const r = await cli(dir, ...args);
        expect(r.code).toBe(3);
        expect(r.err).toContain(`--data-dir ${dir} is in use by another wirewatch process (pid ${holder.pid}`);
      }
    } finally {
      holder.kill();
    }
  }, 60_000);
});

describe('store export / import', () => {
  it('round-trips every record: each item byte-identical through item <id> --json', async () => {
    const file = join(root, 'backup.jsonl');
    const ex = await cli(base, 'store', 'export', '--out', file);
    expect(ex.code).toBe(0);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    const first = JSON.parse(lines.find((l) => l.includes('"textGz"'))!);
    expect(Object.keys(first.Item.textGz)).toEqual(['B']); // binary attribute in DynamoDB JSON (base64)

    const target = join(root, 'restored');
    const im = await cli(target, '--json', 'store', 'import', file);
    expect(im.code).toBe(0);
    expect(JSON.parse(im.out)).toEqual({ table: 'wirewatch', records: lines.length, merged: false });
    for (const id of ids) expect((await cli(target, '--json', 'item', id)).out).toBe(originals.get(id));
    const a = JSON.parse((await cli(base, '--json', 'items', '--limit', '100')).out);
    const b = JSON.parse((await cli(target, '--json', 'items', '--limit', '100')).out);
    expect(b.items).toEqual(a.items);

    // A second import into the now non-empty store is refused unless --merge.
    const again = await cli(target, 'store', 'import', file);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already holds records');
    expect((await cli(target, 'store', 'import', file, '--merge')).code).toBe(0);
  }, 120_000);

  it('validates the whole file first: a bad line names itself and nothing is written', async () => {
    const file = join(root, 'bad.jsonl');
    const good = (await readFile(join(root, 'backup.jsonl'), 'utf8')).split('\n')[0]!;
    await writeFile(file, `${good}\n{"Item":{"pk":{"S":"x"},"sk":{"B":"not base64!"}}}\n`);
    const target = join(root, 'bad-target');
    await mkdir(target);
    const r = await cli(target, 'store', 'import', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('line 2, attribute sk: binary value is not base64');
    expect(await readdir(target)).toEqual([]);
  });
});
