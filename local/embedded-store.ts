import {
  copyFile,
  constants as fsConstants,
  link,
  mkdir,
  mkdtemp,
  readdir,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { ClassicLevel } from 'classic-level';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StoreError } from '../shared/errors.ts';
import { acquireLock, heldError, levelDbLockPid, lockHolder, LOCK_FILE } from './data-dir-lock.ts';
import { checkLevelDb, classifyFiles, hasLevelDbData, strayFilesProblem, type LevelDbReport } from './leveldb-check.ts';

/*
 * The embedded DynamoDB-compatible store: dynalite 4 (LevelDB through `level` 10 = classic-level 3, LevelDB 1.20)
 * under a data dir, reached through the real `@aws-sdk/client-dynamodb` exactly as in AWS.
 *
 * Safety of the data dir (README.md#store-safety). LevelDB's open is not safe on a damaged directory: with
 * `create_if_missing` (dynalite never turns it off) a directory whose CURRENT is gone is opened as a NEW empty
 * database and the table files are deleted; a corrupt write-ahead log record is skipped silently (classic-level
 * cannot set `paranoid_checks`) and the log deleted; a MANIFEST cut short opens as an older version whose newer
 * table files are deleted as obsolete. So before anything opens the directory, `checkLevelDb` reads every file the
 * way LevelDB would and a damaged store is refused (StoreError `store_unavailable`, exit 3) with the problem and the
 * fixes; nothing is written. Then LevelDB is opened by wirewatch first with `createIfMissing: false` (only a
 * directory without LevelDB data gets a new database), closed, and handed to dynalite.
 *
 * Every LevelDB open writes to the directory even to read (LOCK; LOG renamed to LOG.old; the write-ahead log
 * replayed into a new table file, a new MANIFEST and CURRENT, the old log and MANIFEST deleted; compactions), and
 * LevelDB 1.20 has no read-only mode. So read-only commands (`access: 'read'`) open a snapshot: the table files are
 * hard-linked (immutable in LevelDB) and the other LevelDB files copied into a temporary directory, which is checked
 * and opened instead and removed on close; the data dir itself is only read. A write the read-only client attempts
 * is refused.
 */

// The local runtime runs on Node 20 by design; the SDK's "upgrade to Node 22" notice is noise for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Marks a data dir as holding a wirewatch store (written when the store is created or first opened for writing). */
export const STORE_MARKER = 'wirewatch-store.json';

/**
 * The CLI's cursor key (random, base64url, mode 0600), so `wirewatch items --cursor` works across invocations.
 * Created when the store is opened for writing; read-only commands only read it.
 */
export const CURSOR_KEY_FILE = 'cursor.key';

/** Creates `file` with `content` unless it exists. */
async function createOnce(file: string, content: string, mode: number): Promise<void> {
  await writeFile(file, content, { flag: 'wx', mode }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** How a command uses the store: `read` never writes to the data dir; `write` takes the lock. */
export type StoreAccess = 'read' | 'write';

/**
 * A running embedded store. dynalite's gaps (README.md#local-runtime-and-dynalite): no TTL expiry, no streams, no
 * transactions; every GSI must be declared at CreateTable.
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
  /** How the store was opened. */
  access: StoreAccess;
  /**
   * From now on, refuse writes through `client` (StoreError `store_read_only`). Read-only opens call it after the
   * table exists; a no-op for `write`.
   */
  seal(): void;
  /** Stops the server, destroys the client, removes a read snapshot, releases the lock. Idempotent. */
  close(): Promise<void>;
}

/** Options of `startEmbeddedStore`. */
export interface EmbeddedStoreOptions {
  /** Directory for persistence; omit (or `memory: true`) for a throwaway store. */
  dataDir?: string;
  memory?: boolean;
  /** Default `write`. */
  access?: StoreAccess;
}

/** A data dir that holds a store which does not open cleanly. Code `store_unavailable` (exit 3). */
export class StoreDamagedError extends StoreError {
  constructor(
    readonly dataDir: string,
    readonly report: LevelDbReport,
  ) {
    super('store_unavailable', damagedMessage(dataDir, report));
    this.name = 'StoreDamagedError';
  }
}

function damagedMessage(dir: string, report: LevelDbReport): string {
  const list = report.problems.map((p) => `\n  - ${p}`).join('');
  const f = report.files;
  const noStore = !f.current && f.manifests.length === 0 && f.tables.length === 0 && f.logs.length === 0;
  const access =
    report.problems.length > 0 && report.problems.every((p) => /cannot be read \((EACCES|EPERM)\)/.test(p));
  const fix = access
    ? `\nTo fix: give the user running wirewatch read and write permission on ${dir} and its files ` +
      `(e.g. \`chown -R "$USER" ${dir}\` or \`chmod -R u+rwX ${dir}\`), or run wirewatch as their owner.`
    : noStore
      ? `\nIf ${dir} held a wirewatch store, its LevelDB files are gone: restore the directory from a backup, or import ` +
        `one into a new directory (\`wirewatch --data-dir NEW store import BACKUP.jsonl\`). Otherwise choose an empty or ` +
        `new --data-dir.`
      : `\nTo fix: restore ${dir} from a backup (or \`wirewatch --data-dir NEW store import BACKUP.jsonl\` from an ` +
        `export); or run \`wirewatch --data-dir ${dir} store repair\` (LevelDB's repair: rebuilds the MANIFEST from the ` +
        `table and log files, after copying the originals aside); or move ${dir} aside to start with an empty store.`;
  return `--data-dir ${dir}: the store does not open cleanly, so wirewatch did not open it (nothing was changed):${list}${fix}`;
}

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
  'CreateTableCommand',
  'DeleteTableCommand',
  'UpdateTableCommand',
  'UpdateTimeToLiveCommand',
]);

/**
 * Starts dynalite on `dataDir` (or in memory).
 * - `write` (default): takes `<dataDir>/wirewatch.lock`, checks the LevelDB files, creates the directory and a new
 *   database only when it holds no LevelDB data, else opens the existing one with `createIfMissing: false`.
 * - `read`: takes no lock and writes nothing to `dataDir`: checks it is not in use, snapshots it into a temporary
 *   directory and serves the snapshot (an absent or empty data dir gives an empty in-memory store).
 * @throws StoreDamagedError (`store_unavailable`) when the data dir exists but does not open cleanly, naming each
 *   problem and the fixes; StoreError `store_unavailable` when it is locked by a live process (naming its pid), cannot
 *   be created or read, or dynalite cannot start
 */
export async function startEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
  const access = options.access ?? 'write';
  const dir = options.memory ? undefined : options.dataDir;
  if (!dir) return serve({ path: undefined, access, uncleanShutdown: false, cleanup: async () => {} });
  return access === 'write' ? openForWrite(dir) : openForRead(dir);
}

async function openForWrite(dir: string): Promise<EmbeddedStore> {
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : err));
  if (st instanceof Error)
    throw new StoreError('store_unavailable', `--data-dir ${dir}: cannot be read (${st.code ?? st.message})`, {
      cause: st,
    });
  if (st && !st.isDirectory()) throw notADirectory(dir);
  if (!st) {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new StoreError(
        'store_unavailable',
        `--data-dir ${dir}: cannot create the store directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        { cause: err },
      );
    }
  }
  // Lock first, so that no other wirewatch changes the files between the check and the open.
  const { release, stale } = await acquireLock(dir);
  try {
    await refuseForeignLevelDbLock(dir);
    const report = await checkLevelDb(dir, { ignore: new Set([LOCK_FILE]) });
    if (report.state === 'damaged') throw new StoreDamagedError(dir, report);
    await preOpen(dir, report.state === 'fresh');
    await createOnce(join(dir, STORE_MARKER), `${JSON.stringify({ format: 'dynalite-leveldb', version: 1 })}\n`, 0o644);
    await createOnce(join(dir, CURSOR_KEY_FILE), randomBytes(32).toString('base64url'), 0o600);
    return await serve({ path: dir, access: 'write', uncleanShutdown: stale, cleanup: release });
  } catch (err) {
    await release();
    throw err;
  }
}

async function openForRead(dir: string): Promise<EmbeddedStore> {
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : err));
  if (st instanceof Error)
    throw new StoreError('store_unavailable', `--data-dir ${dir}: cannot be read (${st.code ?? st.message})`, {
      cause: st,
    });
  // Nothing stored yet: answer from an empty in-memory store rather than create anything.
  if (!st) return serve({ path: undefined, access: 'read', uncleanShutdown: false, cleanup: async () => {} });
  if (!st.isDirectory()) throw notADirectory(dir);
  const holder = await lockHolder(dir);
  if (holder?.alive) throw heldError(dir, holder.record);
  await refuseForeignLevelDbLock(dir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw damaged(dir, `the directory cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const f = classifyFiles(names, new Set([LOCK_FILE]));
  if (!hasLevelDbData(f)) {
    const stray = strayFilesProblem(f);
    if (stray) throw damaged(dir, stray, f);
    return serve({ path: undefined, access: 'read', uncleanShutdown: false, cleanup: async () => {} });
  }

  await removeStaleSnapshots();
  const snap = await mkdtemp(join(tmpdir(), `${SNAPSHOT_PREFIX}${process.pid}-`));
  const cleanup = () => rm(snap, { recursive: true, force: true });
  try {
    const unreadable: string[] = [];
    const take = (n: string, copy: (from: string, to: string) => Promise<void>) =>
      copy(join(dir, n), join(snap, n)).catch((err: NodeJS.ErrnoException) => {
        unreadable.push(`${n}: cannot be read (${err.code ?? err.message})`);
      });
    await Promise.all([
      ...f.tables.map((n) => take(n, linkOrCopy)),
      ...[...(f.current ? ['CURRENT'] : []), ...f.manifests, ...f.logs].map((n) => take(n, (a, b) => copyFile(a, b))),
    ]);
    // The snapshot is a copy of the store's files: check every block of it (the same inodes for table files).
    const report = await checkLevelDb(snap);
    if (unreadable.length > 0) report.problems.unshift(...unreadable);
    if (report.problems.length > 0) throw new StoreDamagedError(dir, { ...report, state: 'damaged', files: f });
    const after = await lockHolder(dir);
    if (after?.alive) throw heldError(dir, after.record);
    await preOpen(snap, false);
    return await serve({ path: snap, access: 'read', uncleanShutdown: holder !== null, cleanup });
  } catch (err) {
    await cleanup();
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      'store_unavailable',
      `--data-dir ${dir}: cannot read the store (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      { cause: err },
    );
  }
}

function notADirectory(dir: string): StoreError {
  return new StoreError(
    'store_unavailable',
    `--data-dir ${dir}: not a directory (a file is in the way); move it or choose another --data-dir`,
  );
}

function damaged(dir: string, problem: string, files?: LevelDbReport['files']): StoreDamagedError {
  return new StoreDamagedError(dir, {
    state: 'damaged',
    problems: [problem],
    files: files ?? { current: false, manifests: [], tables: [], logs: [], other: [] },
    liveTables: 0,
    bytesVerified: 0,
  });
}

/** LevelDB's own LOCK held by a process without a wirewatch lock file (an older wirewatch, another tool). */
async function refuseForeignLevelDbLock(dir: string): Promise<void> {
  const pid = await levelDbLockPid(dir);
  if (pid !== null && pid !== process.pid)
    throw new StoreError(
      'store_unavailable',
      `--data-dir ${dir}: its LevelDB database is open in another process (pid ${pid} holds ${join(dir, 'LOCK')}); stop it first`,
    );
}

/**
 * Opens (and closes) LevelDB in `dir` before dynalite does, so a directory with data is never opened with
 * `createIfMissing`. `fresh`: no LevelDB data yet → a new database (`errorIfExists`, so a database that appeared
 * meanwhile is not touched).
 * @throws StoreError `store_unavailable` with LevelDB's message
 */
async function preOpen(dir: string, fresh: boolean): Promise<void> {
  const db = new ClassicLevel(dir, { createIfMissing: fresh, errorIfExists: fresh });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: Error }).cause ?? (err as Error);
    throw new StoreError('store_unavailable', `--data-dir ${dir}: LevelDB cannot open the store: ${cause.message}`, {
      cause: err,
    });
  } finally {
    await db.close().catch(() => undefined);
  }
}

const SNAPSHOT_PREFIX = 'wirewatch-snapshot-';

/** Hard link (same file system: instant, no extra space), else a copy (copy-on-write where the file system can). */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to, fsConstants.COPYFILE_FICLONE);
  }
}

/** Removes snapshots left in the temporary directory by read-only commands that did not exit cleanly. */
async function removeStaleSnapshots(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (n) => {
      const m = new RegExp(`^${SNAPSHOT_PREFIX}(\\d+)-`).exec(n);
      if (!m || Number(m[1]) === process.pid) return;
      try {
        process.kill(Number(m[1]), 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH')
          await rm(join(tmpdir(), n), { recursive: true, force: true }).catch(() => undefined);
      }
    }),
  );
}

async function serve(opts: {
  path: string | undefined;
  access: StoreAccess;
  uncleanShutdown: boolean;
  cleanup: () => Promise<void>;
}): Promise<EmbeddedStore> {
  const server: Server = dynalite({ path: opts.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const stopServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await opts.cleanup();
    throw new StoreError('store_unavailable', `cannot start the embedded store: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  });
  let sealed = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (sealed && WRITE_COMMANDS.has(context.commandName ?? ''))
        throw new StoreError(
          'store_read_only',
          `${context.commandName?.replace(/Command$/, '')} refused: this command opened the store read-only`,
        );
      return next(args);
    },
    { step: 'initialize', name: 'wirewatchReadOnlyGuard' },
  );
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    client.destroy();
    // dynalite's close also closes its LevelDB, which releases LevelDB's LOCK.
    await stopServer();
    await opts.cleanup();
  };
  return {
    endpoint,
    client,
    uncleanShutdown: opts.uncleanShutdown,
    access: opts.access,
    seal() {
      if (opts.access === 'read') sealed = true;
    },
    close,
  };
}

/** What `repairDataDir` did. */
export interface RepairReport {
  /** The check before the repair. */
  before: LevelDbReport;
  /** Where the original LevelDB files were copied (table files hard-linked where possible). */
  backup: string;
  /** Files LevelDB's repair moved into `<dataDir>/lost/` (unreadable, or superseded by the rebuilt ones). */
  lost: string[];
  /** The check after the repair. */
  after: LevelDbReport;
}

/**
 * Repairs the LevelDB store in `dir` with LevelDB's RepairDB (`ClassicLevel.repair`, db/repair.cc): it reads every
 * log and table file, keeps every record it can read, and writes a new MANIFEST and CURRENT listing them; files it
 * cannot use go to `<dir>/lost/`. The LevelDB files are first copied to `<dir>.before-repair-<UTC time>` beside the
 * directory. Takes the data dir lock for the whole repair.
 * @throws StoreError `store_unavailable` when the directory is locked by a live process (naming its pid) or holds no
 *   LevelDB store; LevelDB's error when the repair itself fails
 */
export async function repairDataDir(dir: string, now: Date = new Date()): Promise<RepairReport> {
  const st = await stat(dir).catch(() => null);
  if (!st) throw new StoreError('store_unavailable', `--data-dir ${dir}: does not exist; nothing to repair`);
  if (!st.isDirectory()) throw notADirectory(dir);
  const { release } = await acquireLock(dir);
  try {
    await refuseForeignLevelDbLock(dir);
    const before = await checkLevelDb(dir, { ignore: new Set([LOCK_FILE]) });
    if (!hasLevelDbData(before.files))
      throw new StoreError('store_unavailable', `--data-dir ${dir}: holds no LevelDB store; nothing to repair`);
    const backup = `${dir.replace(/[/\\]+$/, '')}.before-repair-${now.toISOString().replace(/[:.]/g, '-')}`;
    await mkdir(backup, { recursive: false });
    const f = before.files;
    for (const n of f.tables) await linkOrCopy(join(dir, n), join(backup, n));
    for (const n of [...(f.current ? ['CURRENT'] : []), ...f.manifests, ...f.logs])
      await copyFile(join(dir, n), join(backup, n));
    const lostBefore = new Set(await readdir(join(dir, 'lost')).catch(() => [] as string[]));
    try {
      await ClassicLevel.repair(dir);
    } catch (err) {
      const cause = (err as { cause?: Error }).cause ?? (err as Error);
      throw new StoreError('store_unavailable', `--data-dir ${dir}: LevelDB's repair failed: ${cause.message}`, {
        cause: err,
      });
    }
    const lost = (await readdir(join(dir, 'lost')).catch(() => [] as string[])).filter((n) => !lostBefore.has(n));
    const after = await checkLevelDb(dir, { ignore: new Set([LOCK_FILE, 'lost']) });
    return { before, backup, lost, after };
  } finally {
    await release();
  }
}
