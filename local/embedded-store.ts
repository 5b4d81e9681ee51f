import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StoreError } from '../shared/errors.ts';

/**
 * An embedded DynamoDB-compatible store: dynalite 4 listening on a free 127.0.0.1 port, reached through
 * the real `@aws-sdk/client-dynamodb` exactly as in AWS. Persistent under `dataDir` (LevelDB) or in memory.
 *
 * dynalite's gaps (documented in README.md#local-runtime): no TTL expiry (the local runtime purges expired
 * items on its schedule), no streams (alerts travel on a queue in both runtimes), no transactions (the core
 * uses none). Every GSI must be declared at CreateTable.
 */
export interface EmbeddedStore {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  client: DynamoDBClient;
  /**
   * True when the previous process using this data dir did not shut down cleanly (it left its lock behind: a
   * crash, `kill -9`, or a forced second Ctrl-C). Work it had queued in memory may be lost; the local runtime
   * then re-reads every feed in full once, so no entry is missed.
   */
  uncleanShutdown: boolean;
  /** Stops the server and destroys the client. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts dynalite.
 * @param options.dataDir directory for persistence; omit (or `memory: true`) for a throwaway store
 * @throws StoreError `store_unavailable` when the server cannot start (e.g. the data dir is locked by another process)
 */
// The local runtime runs on Node 20 by design; the SDK's "upgrade to Node 22" notice is noise for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function startEmbeddedStore(options: { dataDir?: string; memory?: boolean } = {}): Promise<EmbeddedStore> {
  const path = options.memory ? undefined : options.dataDir;
  let releaseLock = async () => {};
  let uncleanShutdown = false;
  if (path) {
    try {
      await mkdir(path, { recursive: true });
    } catch (err) {
      throw new StoreError(
        'store_unavailable',
        `--data-dir ${path}: cannot create the store directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        { cause: err },
      );
    }
    ({ release: releaseLock, stale: uncleanShutdown } = await lockDataDir(path));
  }
  const server: Server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await releaseLock();
    throw new StoreError(
      'store_unavailable',
      `cannot start the embedded store${path ? ` in ${path}` : ''}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  });
  let closed = false;
  return {
    endpoint,
    client,
    uncleanShutdown,
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      // dynalite keeps its LevelDB open on the server object; close it so the data dir lock is released.
      const db = (server as unknown as { db?: { close?: (cb: (e?: Error) => void) => void } }).db;
      if (db?.close) await new Promise<void>((resolve) => db.close!(() => resolve()));
      await releaseLock();
    },
  };
}

/**
 * Is the lock holder still a running wirewatch (node) process? Signal 0 probes without signalling; on Linux the
 * command line is checked too, so a pid reused by another program after a crash does not block the data dir.
 */
async function holderAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  return cmdline === null || /node|wirewatch|tsx/.test(cmdline);
}

/**
 * Takes `<dataDir>/wirewatch.lock` (exclusive create, holding our pid). LevelDB allows one process per data
 * directory and dynalite reports a second one only by crashing later, so wirewatch checks first and says so.
 * A lock left by a process that no longer runs is taken over and reported as `stale` (an unclean shutdown).
 * @returns `release()` and whether a stale lock was found
 * @throws StoreError `store_unavailable` naming the directory and the pid holding it
 */
async function lockDataDir(dir: string): Promise<{ release: () => Promise<void>; stale: boolean }> {
  const file = join(dir, 'wirewatch.lock');
  let stale = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => rm(file, { force: true }), stale };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(
          'store_unavailable',
          `--data-dir ${dir}: cannot lock the store (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
          { cause: err },
        );
      }
      const pid = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && (await holderAlive(pid))) {
        throw new StoreError(
          'store_unavailable',
          `--data-dir ${dir} is in use by another wirewatch process (pid ${pid}, e.g. \`wirewatch serve\`): ` +
            'stop it, query it through its HTTP API, or use another --data-dir',
        );
      }
      stale = true;
      await rm(file, { force: true }); // its process is gone
    }
  }
  throw new StoreError(
    'store_unavailable',
    `--data-dir ${dir}: cannot take the store lock (another process is starting?)`,
  );
}
