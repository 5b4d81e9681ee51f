import { mkdir } from 'node:fs/promises';
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
  if (path) await mkdir(path, { recursive: true });
  const server: Server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    throw new StoreError('store_unavailable', `cannot start the embedded store${path ? ` in ${path}` : ''}: ${(err as Error).message}`, { cause: err });
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
    },
  };
}
