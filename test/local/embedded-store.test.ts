import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../../shared/store/schema.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStore } from '../../local/embedded-store.ts';

describe('embedded store (dynalite)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-store-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a data dir held by another live process, naming it, and takes over a stale lock', async () => {
    const dataDir = join(dir, 'data');
    // A live process "holding" the directory.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const clean = await startEmbeddedStore({ dataDir });
      expect(clean.uncleanShutdown).toBe(false);
      await clean.close();
      await writeFile(join(dataDir, 'wirewatch.lock'), String(holder.pid));
      const err = await startEmbeddedStore({ dataDir }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'store_unavailable' });
      expect((err as Error).message).toContain(
        `--data-dir ${dataDir} is in use by another wirewatch process (pid ${holder.pid}`,
      );
    } finally {
      holder.kill();
    }
    await new Promise((r) => holder.once('exit', r));
    // The holder is gone: its lock is stale and is taken over.
    const store = await startEmbeddedStore({ dataDir });
    expect(store.uncleanShutdown).toBe(true);
    expect((await store.client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    await store.close();
  });

  it('names --data-dir when a file is in the way', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    for (const access of ['read', 'write'] as const) {
      await expect(startEmbeddedStore({ dataDir: file, access })).rejects.toThrow(
        `--data-dir ${file}: not a directory (a file is in the way); move it or choose another --data-dir`,
      );
    }
  });

  it('names --data-dir when the directory cannot be created', async () => {
    const file = join(dir, 'a-file-2');
    await writeFile(file, 'x');
    await expect(startEmbeddedStore({ dataDir: join(file, 'data') })).rejects.toThrow(
      `--data-dir ${join(file, 'data')}: cannot be read (ENOTDIR)`,
    );
  });

  it('refuses a non-empty directory that holds no store instead of creating one in it', async () => {
    const other = join(dir, 'not-a-store');
    await mkdir(other);
    await writeFile(join(other, 'notes.txt'), 'mine');
    const err = await startEmbeddedStore({ dataDir: other }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'store_unavailable' });
    expect((err as Error).message).toContain('no LevelDB store, but other files: notes.txt');
    expect(await readdir(other)).toEqual(['notes.txt']);
  });

  it('a read-only store refuses writes through its client', async () => {
    const dataDir = join(dir, 'ro');
    const w = await startEmbeddedStore({ dataDir });
    await w.client.send(new CreateTableCommand(createTableInput('ro-table')));
    await w.close();
    const r = await startEmbeddedStore({ dataDir, access: 'read' });
    try {
      r.seal();
      await expect(
        r.client.send(new PutItemCommand({ TableName: 'ro-table', Item: { pk: { S: 'a' }, sk: { S: 'b' } } })),
      ).rejects.toMatchObject({ code: 'store_read_only' });
      expect((await r.client.send(new ListTablesCommand({}))).TableNames).toEqual(['ro-table']);
    } finally {
      await r.close();
    }
  });
});
