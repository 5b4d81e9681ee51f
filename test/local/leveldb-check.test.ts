import { link, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLevelDb } from '../../local/leveldb-check.ts';

/*
 * The pre-open check against real LevelDB directories in the states a `kill -9` leaves behind. A compaction records
 * its edit (inputs deleted, outputs added) in the MANIFEST and only then deletes the input files; a crash between
 * the two leaves inputs on disk that the MANIFEST rightly does not list. That is normal, not damage.
 */

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ww-ldbcheck-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const tables = async (dir: string) => (await readdir(dir)).filter((n) => /\.(ldb|sst)$/.test(n));

async function fill(db: ClassicLevel<string, string>, from: number, n: number): Promise<void> {
  const batch = db.batch();
  for (let i = from; i < from + n; i++) batch.put(`k${String(i).padStart(6, '0')}`, `v${i}-${'x'.repeat(200)}`);
  await batch.write();
}

describe('checkLevelDb after a crash during compaction', () => {
  it('accepts compaction inputs still on disk after their deletion was recorded, and LevelDB opens the data', async () => {
    const dir = join(root, 'compacted');
    const saved = join(root, 'saved');
    await mkdir(saved);
    // Session 1: two flushes give two level-0 tables.
    let db = new ClassicLevel<string, string>(dir, { writeBufferSize: 64 * 1024 });
    await db.open();
    await fill(db, 0, 2000);
    await db.close();
    db = new ClassicLevel<string, string>(dir, { writeBufferSize: 64 * 1024 });
    await db.open();
    await fill(db, 2000, 2000);
    await db.close();
    const before = await tables(dir);
    expect(before.length).toBeGreaterThan(0);
    for (const t of before) await link(join(dir, t), join(saved, t));

    // Session 2: a full compaction replaces those tables and records their deletion.
    db = new ClassicLevel<string, string>(dir, { writeBufferSize: 64 * 1024 });
    await db.open();
    await fill(db, 4000, 100);
    await db.compactRange('k', 'l');
    await db.close();
    const after = await tables(dir);
    const gone = before.filter((t) => !after.includes(t));
    expect(gone.length).toBeGreaterThan(0);
    expect((await checkLevelDb(dir)).state).toBe('ok');

    // The crash: the inputs are back on disk, as if the process died between the MANIFEST write and the unlink.
    for (const t of gone) await link(join(saved, t), join(dir, t));
    const report = await checkLevelDb(dir);
    expect(report.problems).toEqual([]);
    expect(report.state).toBe('ok');

    db = new ClassicLevel<string, string>(dir);
    await db.open();
    expect(await db.get('k000000')).toMatch(/^v0-/);
    expect(await db.get('k004099')).toMatch(/^v4099-/);
    await db.close();
  });
});
