import { execFile } from 'node:child_process';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StoreError } from '../shared/errors.ts';

/*
 * One wirewatch process per data dir. LevelDB itself allows one process per directory (its LOCK file carries a
 * POSIX fcntl lock), but dynalite reports a second one only by failing every request later, so wirewatch keeps its
 * own lock file, `wirewatch.lock`, naming the holder.
 *
 * A lock file outlives a crash, and the pid it names may later belong to an unrelated process, so a holder is
 * identified by its pid AND its start time: on Linux `/proc/<pid>/stat` field 22 (starttime, clock ticks since
 * boot, proc(5)) together with the boot id (`/proc/sys/kernel/random/boot_id`), elsewhere the start time `ps`
 * prints (`ps -o lstart= -p <pid>`, POSIX ps). A live pid with another start time is pid reuse: the lock is stale.
 * Lock files of older versions hold only a pid; for those the command line is checked instead (a node/wirewatch
 * process is taken to be the holder).
 */

/** The lock file's name inside the data dir. */
export const LOCK_FILE = 'wirewatch.lock';

/** What `wirewatch.lock` records (JSON). */
export interface LockRecord {
  pid: number;
  host: string;
  /** Process start identity (see `processStart`), or null where the platform gives none. */
  start: string | null;
  /** When the lock was taken, ISO-8601 UTC. */
  since: string;
  /** The holder's command, for the refusal message. */
  command: string;
}

/** Whether the process a lock names still holds it. */
export type HolderState = { alive: true; record: LockRecord } | { alive: false; record: LockRecord | null };

const execFileP = promisify(execFile);
let bootId: string | null | undefined;

/**
 * A string that identifies a running process across pid reuse: on Linux `<boot id>:<starttime ticks>`, else the
 * start time printed by `ps`; null when the process does not exist or the platform gives neither.
 */
export async function processStart(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat !== null) {
    // The command name (field 2) is in parentheses and may contain spaces or ')': fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[22 - 3];
    if (bootId === undefined)
      bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim() || null;
    return ticks ? `${bootId ?? 'boot'}:${ticks}` : null;
  }
  if (process.platform === 'linux' || process.platform === 'win32') return null;
  try {
    const { stdout } = await execFileP('ps', ['-o', 'lstart=', '-p', String(pid)], { timeout: 2_000 });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Parses a lock file's text: the JSON record, or a bare pid (older versions). Null when neither. */
export function parseLock(text: string): LockRecord | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { pid: Number(t), host: hostname(), start: null, since: '', command: '' };
  try {
    const r = JSON.parse(t) as Partial<LockRecord>;
    if (typeof r.pid !== 'number' || !Number.isInteger(r.pid) || r.pid <= 0) return null;
    return {
      pid: r.pid,
      host: typeof r.host === 'string' ? r.host : hostname(),
      start: typeof r.start === 'string' ? r.start : null,
      since: typeof r.since === 'string' ? r.since : '',
      command: typeof r.command === 'string' ? r.command : '',
    };
  } catch {
    return null;
  }
}

/**
 * Reads `<dir>/wirewatch.lock` and decides whether its holder is alive. Never writes.
 * A lock from another host counts as alive (its process cannot be checked from here); an unreadable or garbled
 * lock file counts as stale.
 */
export async function lockHolder(dir: string): Promise<HolderState | null> {
  const text = await readFile(join(dir, LOCK_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    return '';
  });
  if (text === null) return null;
  const record = parseLock(text);
  if (!record) return { alive: false, record: null };
  if (record.host !== hostname()) return { alive: true, record };
  if (record.pid === process.pid) return { alive: false, record }; // left by this very process (e.g. a test)
  if (!pidExists(record.pid)) return { alive: false, record };
  if (record.start !== null) {
    const now = await processStart(record.pid);
    return now === null || now === record.start ? { alive: true, record } : { alive: false, record };
  }
  const cmdline = await readFile(`/proc/${record.pid}/cmdline`, 'utf8').catch(() => null);
  return cmdline === null || /node|wirewatch|tsx/.test(cmdline) ? { alive: true, record } : { alive: false, record };
}

/** The refusal for a live holder, naming the directory, the pid and how to proceed. */
export function heldError(dir: string, record: LockRecord): StoreError {
  const where = record.host !== hostname() ? ` on host ${record.host}` : '';
  const what = record.command ? `, ${record.command.slice(0, 80)}` : ', e.g. `wirewatch serve`';
  return new StoreError(
    'store_unavailable',
    `--data-dir ${dir} is in use by another wirewatch process (pid ${record.pid}${where}${what}): ` +
      `stop it, query it through its HTTP API, or use another --data-dir` +
      (where ? ` (if that host no longer uses it, remove ${join(dir, LOCK_FILE)})` : ''),
  );
}

/**
 * Takes `<dir>/wirewatch.lock` (exclusive create) with this process's pid and start time. A stale lock (its
 * process gone, or its pid now another process) is taken over and reported as `stale`: the previous holder did
 * not shut down cleanly.
 * @returns `release()` (removes the lock if it is still ours) and `stale`
 * @throws StoreError `store_unavailable` when a live process holds the lock (naming its pid) or the file cannot
 *   be created
 */
export async function acquireLock(dir: string): Promise<{ release: () => Promise<void>; stale: boolean }> {
  const file = join(dir, LOCK_FILE);
  const record: LockRecord = {
    pid: process.pid,
    host: hostname(),
    start: await processStart(process.pid),
    since: new Date().toISOString(),
    command: process.argv
      .slice(1)
      .map((a) => a.replace(/^.*[/\\]/, ''))
      .join(' '),
  };
  let stale = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o644);
      await handle.writeFile(`${JSON.stringify(record)}\n`);
      await handle.close();
      const ino = (await stat(file)).ino;
      return {
        stale,
        release: async () => {
          // Remove only our own lock (a stale-lock takeover by someone else must not be undone).
          const st = await stat(file).catch(() => null);
          if (st && st.ino === ino) await rm(file, { force: true });
        },
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        const hint = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? '; check its permissions' : '';
        throw new StoreError(
          'store_unavailable',
          `--data-dir ${dir}: cannot lock the store: cannot create ${LOCK_FILE} (${code ?? String(err)})${hint}`,
          { cause: err },
        );
      }
      const holder = await lockHolder(dir);
      if (holder?.alive) throw heldError(dir, holder.record);
      stale = true;
      await rm(file, { force: true }); // its process is gone
    }
  }
  throw new StoreError(
    'store_unavailable',
    `--data-dir ${dir}: cannot take the store lock (another process is starting?)`,
  );
}

/**
 * The pid holding LevelDB's own lock on `<dir>/LOCK` (a POSIX fcntl lock), from `/proc/locks` (proc(5)); null when
 * none is held or the platform has no `/proc/locks`. Lets a read-only command see a foreign process with the
 * database open without opening it itself.
 */
export async function levelDbLockPid(dir: string): Promise<number | null> {
  const [locks, st] = await Promise.all([
    readFile('/proc/locks', 'utf8').catch(() => null),
    stat(join(dir, 'LOCK')).catch(() => null),
  ]);
  if (!locks || !st) return null;
  for (const line of locks.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
    const m = /^\d+:\s+(?:->\s+)?POSIX\s+\S+\s+\S+\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s/.exec(line);
    if (m && Number(m[2]) === st.ino) return Number(m[1]);
  }
  return null;
}
