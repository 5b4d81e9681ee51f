import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
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

  it('names --data-dir when the directory cannot be created', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    await expect(startEmbeddedStore({ dataDir: file })).rejects.toThrow(
      `--data-dir ${file}: cannot create the store directory (EEXIST)`,
    );
  });
});
