import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import snappy from 'snappyjs';

/*
 * A read-only consistency check of a LevelDB directory (the format of LevelDB 1.20, which classic-level 3 — under
 * dynalite's `level` — bundles). It runs before LevelDB opens a data dir, because LevelDB's own open is not safe
 * on a damaged directory: with `create_if_missing` it starts an empty database when CURRENT is gone and deletes
 * every table file the new MANIFEST does not list; without `paranoid_checks` (classic-level cannot set it) it skips
 * corrupt log records silently and then deletes the log; and a truncated MANIFEST opens as an older version whose
 * newer table files are deleted as "obsolete". This module reads the files the way LevelDB would and reports each
 * problem instead; it never writes.
 *
 * Formats (LevelDB sources, doc/log_format.md, doc/table_format.md, db/version_edit.cc, db/filename.cc):
 * - CURRENT: the name of the live MANIFEST and a newline.
 * - MANIFEST-N and N.log: a log of 32 KiB blocks of records `crc32c masked (4) | length (2) | type (1) | data`,
 *   types FULL=1, FIRST=2, MIDDLE=3, LAST=4; a block tail shorter than a header is zero padding.
 * - MANIFEST records are VersionEdits (tagged varint fields); together they give the live table files and sizes,
 *   the current log number and the next file number.
 * - N.ldb / N.sst: blocks each followed by `type (1) | crc32c masked (4)`, a metaindex and an index block, and a
 *   48-byte footer ending with the magic number 0xdb4775248b80fb57.
 */

/** What a check found. `fresh`: no directory or no LevelDB data in it; `ok`: consistent; `damaged`: see problems. */
export interface LevelDbReport {
  state: 'fresh' | 'ok' | 'damaged';
  /** One line per problem, each naming the file (relative to the directory) and what is wrong. */
  problems: string[];
  /** Files present, by kind (names relative to the directory). */
  files: { current: boolean; manifests: string[]; tables: string[]; logs: string[]; other: string[] };
  /** Live table files according to the MANIFEST (0 when it could not be read). */
  liveTables: number;
  /** Bytes of table files checked block by block. */
  bytesVerified: number;
}

/** Options of `checkLevelDb`. */
export interface CheckOptions {
  /**
   * Verify the checksum of every block of every live table file (reads all of them; see BENCHMARKS.md).
   * Default true; false checks sizes, footers and index blocks only.
   */
  verifyBlocks?: boolean;
  /** File names that belong to the application, not to LevelDB (they do not make the directory non-fresh). */
  ignore?: ReadonlySet<string>;
}

const TABLE_RE = /^(\d+)\.(ldb|sst)$/;
const LOG_RE = /^(\d+)\.log$/;
const MANIFEST_RE = /^MANIFEST-(\d+)$/;
/** LevelDB files that hold no data: the lock, the info log, temporary files. */
const NO_DATA_RE = /^(LOCK|LOG|LOG\.old|\d+\.dbtmp)$/;

// ---- CRC-32C (Castagnoli, RFC 3720 §B.4), slicing-by-8; LevelDB masks stored CRCs (util/crc32c.h) ----

const CRC_TABLE = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 255]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/**
 * CRC-32C of `buf[start, end)`, continuing from `crc` (0 to start).
 * @returns an unsigned 32-bit value
 */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  const T = CRC_TABLE;
  let c = ~crc;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) ^ c;
    c =
      T[1792 + (a & 255)]! ^
      T[1536 + ((a >>> 8) & 255)]! ^
      T[1280 + ((a >>> 16) & 255)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + buf[i + 4]!]! ^
      T[512 + buf[i + 5]!]! ^
      T[256 + buf[i + 6]!]! ^
      T[buf[i + 7]!]!;
  }
  for (; i < end; i++) c = T[(c ^ buf[i]!) & 255]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Undoes LevelDB's CRC masking (`crc32c::Unmask`). */
function unmask(masked: number): number {
  const rot = (masked - 0xa282ead8) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

// ---- varints (LevelDB util/coding.cc) ----

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}
  get done(): boolean {
    return this.pos >= this.end;
  }
  /** A varint of up to 64 bits as a number (exact below 2^53, which file numbers and sizes are). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new Error('varint too long');
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  lengthPrefixed(): Uint8Array {
    return this.bytes(this.varint());
  }
}

// ---- log files (doc/log_format.md; db/log_reader.cc) ----

const BLOCK = 32768;
const HEADER = 7;

/** The records of a log file, or the first corruption LevelDB would skip over. */
export interface LogRead {
  records: Uint8Array[];
  /** What is wrong, with the byte offset; null when every record is intact. */
  corruption: string | null;
  /** A record cut off at the end of the file (an interrupted write; LevelDB drops it silently). */
  tornTail: boolean;
}

/**
 * Reads a LevelDB log (MANIFEST or write-ahead log) strictly: every checksum, length and fragment sequence is
 * checked; a record cut off by the end of the file is reported as `tornTail`, as LevelDB treats it as the end.
 */
export function readLog(buf: Uint8Array): LogRead {
  const records: Uint8Array[] = [];
  let pending: Uint8Array[] | null = null;
  let pos = 0;
  while (pos < buf.length) {
    const left = BLOCK - (pos % BLOCK);
    if (left < HEADER) {
      pos += left; // zero trailer of a block
      continue;
    }
    if (buf.length - pos < HEADER) return { records, corruption: null, tornTail: true };
    const length = buf[pos + 4]! | (buf[pos + 5]! << 8);
    const type = buf[pos + 6]!;
    const masked = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
    if (type === 0 && length === 0) {
      // Zero-filled space (LevelDB's mmap preallocation): the rest of this block carries nothing.
      pos += left;
      continue;
    }
    if (HEADER + length > left) {
      if (pos + HEADER + length > buf.length && buf.length - pos < left)
        return { records, corruption: null, tornTail: true };
      return { records, corruption: `bad record length ${length} at byte ${pos}`, tornTail: false };
    }
    if (pos + HEADER + length > buf.length) return { records, corruption: null, tornTail: true };
    const actual = crc32c(buf, pos + 6, pos + HEADER + length);
    if (actual !== unmask(masked)) return { records, corruption: `checksum mismatch at byte ${pos}`, tornTail: false };
    const data = buf.subarray(pos + HEADER, pos + HEADER + length);
    pos += HEADER + length;
    if (type === 1) {
      if (pending) return { records, corruption: `record without its end before byte ${pos}`, tornTail: false };
      records.push(data);
    } else if (type === 2) {
      if (pending) return { records, corruption: `record without its end before byte ${pos}`, tornTail: false };
      pending = [data];
    } else if (type === 3 || type === 4) {
      if (!pending) return { records, corruption: `record fragment without a start at byte ${pos}`, tornTail: false };
      pending.push(data);
      if (type === 4) {
        records.push(Buffer.concat(pending));
        pending = null;
      }
    } else {
      return { records, corruption: `unknown record type ${type} at byte ${pos}`, tornTail: false };
    }
  }
  return { records, corruption: null, tornTail: pending !== null };
}

// ---- MANIFEST (db/version_edit.cc, db/version_set.cc VersionSet::Recover) ----

/** The database state a MANIFEST describes. */
export interface ManifestState {
  comparator: string | null;
  logNumber: number | null;
  prevLogNumber: number;
  nextFile: number | null;
  lastSequence: number | null;
  /** Live table files: number → size in bytes. */
  files: Map<number, number>;
  /**
   * Table files an edit removed and no later edit added back: the inputs of a finished compaction. LevelDB deletes
   * them after recording the edit, so after a crash at that moment they are still on disk, rightly unlisted.
   */
  obsolete: Set<number>;
}

/**
 * Replays VersionEdit records into the live file set, as VersionSet::Recover does.
 * @throws Error naming the record when an edit cannot be decoded
 */
export function replayManifest(records: Uint8Array[]): ManifestState {
  const s: ManifestState = {
    comparator: null,
    logNumber: null,
    prevLogNumber: 0,
    nextFile: null,
    lastSequence: null,
    files: new Map(),
    obsolete: new Set(),
  };
  const byLevel = new Map<string, number>(); // "level:number" → size
  const everDeleted = new Set<string>();
  records.forEach((rec, i) => {
    const r = new Reader(rec);
    const deleted: string[] = [];
    const added: Array<[string, number]> = [];
    try {
      while (!r.done) {
        const tag = r.varint();
        switch (tag) {
          case 1:
            s.comparator = Buffer.from(r.lengthPrefixed()).toString('latin1');
            break;
          case 2:
            s.logNumber = r.varint();
            break;
          case 3:
            s.nextFile = r.varint();
            break;
          case 4:
            s.lastSequence = r.varint();
            break;
          case 5:
            r.varint();
            r.lengthPrefixed();
            break;
          case 6:
            deleted.push(`${r.varint()}:${r.varint()}`);
            break;
          case 7: {
            const level = r.varint();
            const number = r.varint();
            const size = r.varint();
            r.lengthPrefixed();
            r.lengthPrefixed();
            added.push([`${level}:${number}`, size]);
            break;
          }
          case 9:
            s.prevLogNumber = r.varint();
            break;
          default:
            throw new Error(`unknown tag ${tag}`);
        }
      }
    } catch (err) {
      throw new Error(`record ${i + 1} cannot be decoded (${(err as Error).message})`);
    }
    // VersionSet::Builder::Apply: an edit's deletions, then its additions.
    for (const k of deleted) {
      byLevel.delete(k);
      everDeleted.add(k);
    }
    for (const [k, size] of added) byLevel.set(k, size);
  });
  for (const [k, size] of byLevel) s.files.set(Number(k.split(':')[1]), size);
  for (const k of everDeleted) {
    const n = Number(k.split(':')[1]);
    if (!s.files.has(n)) s.obsolete.add(n);
  }
  return s;
}

// ---- table files (doc/table_format.md; table/format.cc, table/block.cc) ----

const FOOTER = 48;
const MAGIC = Buffer.from([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]);

interface Handle {
  offset: number;
  size: number;
}

/**
 * Reads a block with its trailer: checks the checksum (which covers the stored bytes and the type) and, unless
 * `checkOnly`, decompresses (type 1 = Snappy). Data blocks are only checked: decompressing them would cost ~6×
 * the checksum and tell nothing more about whether the bytes are the ones LevelDB wrote.
 */
function readBlock(file: Uint8Array, h: Handle, what: string, checkOnly = false): Uint8Array {
  if (h.offset + h.size + 5 > file.length) throw new Error(`${what} lies past the end of the file`);
  const typeAt = h.offset + h.size;
  const stored =
    (file[typeAt + 1]! | (file[typeAt + 2]! << 8) | (file[typeAt + 3]! << 16) | (file[typeAt + 4]! << 24)) >>> 0;
  if (crc32c(file, h.offset, typeAt + 1) !== unmask(stored))
    throw new Error(`${what} at byte ${h.offset}: checksum mismatch`);
  const type = file[typeAt]!;
  if (checkOnly) {
    if (type > 1) throw new Error(`${what} at byte ${h.offset}: unknown compression type ${type}`);
    return file;
  }
  const raw = file.subarray(h.offset, typeAt);
  if (type === 0) return raw;
  if (type === 1) {
    try {
      return snappy.uncompress(Buffer.from(raw), 64 << 20);
    } catch (err) {
      throw new Error(`${what} at byte ${h.offset}: cannot be decompressed (${(err as Error).message})`);
    }
  }
  throw new Error(`${what} at byte ${h.offset}: unknown compression type ${type}`);
}

/** The values of a block's entries (keys are prefix-compressed and not needed here). */
function blockValues(block: Uint8Array, what: string): Array<{ key: Uint8Array; value: Uint8Array }> {
  if (block.length < 4) throw new Error(`${what}: too short`);
  const dv = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const restarts = dv.getUint32(block.length - 4, true);
  const limit = block.length - 4 - restarts * 4;
  if (limit < 0) throw new Error(`${what}: bad restart count`);
  const out: Array<{ key: Uint8Array; value: Uint8Array }> = [];
  const r = new Reader(block, limit);
  let key = new Uint8Array(0);
  while (!r.done) {
    const shared = r.varint();
    const nonShared = r.varint();
    const valueLength = r.varint();
    if (shared > key.length) throw new Error(`${what}: bad entry`);
    const next = new Uint8Array(shared + nonShared);
    next.set(key.subarray(0, shared));
    next.set(r.bytes(nonShared), shared);
    key = next;
    out.push({ key, value: r.bytes(valueLength) });
  }
  return out;
}

function handleOf(bytes: Uint8Array): Handle {
  const r = new Reader(bytes);
  return { offset: r.varint(), size: r.varint() };
}

/**
 * Checks one table file: footer, metaindex, filter and index blocks, and (with `verifyBlocks`) every data block's
 * checksum.
 * @throws Error describing the first problem
 */
export function verifyTable(file: Uint8Array, verifyBlocks: boolean): void {
  if (file.length < FOOTER) throw new Error(`${file.length} bytes, shorter than a table footer`);
  const footer = file.subarray(file.length - FOOTER);
  if (!Buffer.from(footer.subarray(40)).equals(MAGIC)) throw new Error('no table magic number at the end');
  const r = new Reader(footer, 40);
  const metaindex = { offset: r.varint(), size: r.varint() };
  const index = { offset: r.varint(), size: r.varint() };
  for (const { key, value } of blockValues(readBlock(file, metaindex, 'metaindex block'), 'metaindex block')) {
    readBlock(file, handleOf(value), `meta block ${Buffer.from(key).toString('latin1')}`);
  }
  const entries = blockValues(readBlock(file, index, 'index block'), 'index block');
  if (!verifyBlocks) return;
  for (const { value } of entries) readBlock(file, handleOf(value), 'data block', true);
}

// ---- the directory ----

/** Sorts a directory's names into LevelDB's kinds; names in `ignore` and LevelDB files without data are left out. */
export function classifyFiles(names: string[], ignore?: ReadonlySet<string>): LevelDbReport['files'] {
  const f: LevelDbReport['files'] = { current: false, manifests: [], tables: [], logs: [], other: [] };
  for (const n of [...names].sort()) {
    if (n === 'CURRENT') f.current = true;
    else if (MANIFEST_RE.test(n)) f.manifests.push(n);
    else if (TABLE_RE.test(n)) f.tables.push(n);
    else if (LOG_RE.test(n)) f.logs.push(n);
    else if (!NO_DATA_RE.test(n) && !ignore?.has(n)) f.other.push(n);
  }
  return f;
}

/** True when any LevelDB file that carries data (or points to it) is present. */
export function hasLevelDbData(f: LevelDbReport['files']): boolean {
  return f.current || f.manifests.length > 0 || f.tables.length > 0 || f.logs.length > 0;
}

/**
 * For a directory without LevelDB data: the problem when it still holds other files (a store whose LevelDB files
 * are gone, or a directory that is not a data dir), else null.
 */
export function strayFilesProblem(f: LevelDbReport['files']): string | null {
  if (f.other.length === 0) return null;
  return (
    `no LevelDB store, but other files: ${f.other.slice(0, 5).join(', ')}${f.other.length > 5 ? ', …' : ''} ` +
    '(the store files are gone, or this is not a wirewatch data dir)'
  );
}

/**
 * Checks a LevelDB directory without writing to it.
 * Problems found: an unreadable directory or file; data files without CURRENT; CURRENT empty or not naming a
 * MANIFEST; the MANIFEST missing, corrupt, cut short so that it no longer lists files that exist, or lacking the
 * log number / next file / last sequence; a live table file missing, of another size than recorded, or with a bad
 * footer, index or block; the current write-ahead log missing or with a corrupt record; table files that the
 * MANIFEST does not list (LevelDB would delete them); files that are not LevelDB's in a directory without a store.
 * @param dir the directory (missing → `fresh`)
 */
export async function checkLevelDb(dir: string, opts: CheckOptions = {}): Promise<LevelDbReport> {
  const verifyBlocks = opts.verifyBlocks ?? true;
  const report: LevelDbReport = {
    state: 'fresh',
    problems: [],
    files: { current: false, manifests: [], tables: [], logs: [], other: [] },
    liveTables: 0,
    bytesVerified: 0,
  };
  const problem = (p: string) => report.problems.push(p);
  let names: string[];
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) {
      problem('the path is not a directory');
      report.state = 'damaged';
      return report;
    }
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return report;
    problem(`the directory cannot be read (${code ?? String(err)})`);
    report.state = 'damaged';
    return report;
  }
  const f = classifyFiles(names, opts.ignore);
  report.files = f;
  if (!hasLevelDbData(f)) {
    const stray = strayFilesProblem(f);
    if (stray) {
      problem(stray);
      report.state = 'damaged';
    }
    return report;
  }
  report.state = 'ok';
  const read = async (name: string): Promise<Buffer | null> => {
    try {
      return await readFile(join(dir, name));
    } catch (err) {
      problem(`${name}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return null;
    }
  };
  const summary = `${f.tables.length} table file(s), ${f.logs.length} log file(s), ${f.manifests.length} MANIFEST file(s) present`;
  await checkFiles(read, f, summary, problem, report, verifyBlocks);
  if (report.problems.length > 0) report.state = 'damaged';
  return report;
}

async function checkFiles(
  read: (name: string) => Promise<Buffer | null>,
  f: LevelDbReport['files'],
  summary: string,
  problem: (p: string) => void,
  report: LevelDbReport,
  verifyBlocks: boolean,
): Promise<void> {
  if (!f.current) return problem(`CURRENT: missing (it names the live MANIFEST; ${summary})`);
  const current = await read('CURRENT');
  if (!current) return;
  const text = current.toString('latin1');
  if (text.length === 0) return problem(`CURRENT: empty (${summary})`);
  const m = /^(MANIFEST-\d+)\n$/.exec(text);
  if (!m) return problem(`CURRENT: does not name a MANIFEST (${JSON.stringify(text.slice(0, 40))})`);
  const manifestName = m[1]!;
  if (!f.manifests.includes(manifestName)) return problem(`${manifestName}: missing (named by CURRENT; ${summary})`);
  const manifest = await read(manifestName);
  if (!manifest) return;
  if (manifest.length === 0) return problem(`${manifestName}: empty`);
  const log = readLog(manifest);
  if (log.corruption) return problem(`${manifestName}: corrupt (${log.corruption})`);
  let state: ManifestState;
  try {
    state = replayManifest(log.records);
  } catch (err) {
    return problem(`${manifestName}: ${(err as Error).message}`);
  }
  const cut = log.tornTail ? ' (it ends in a partial record: cut short)' : '';
  if (state.comparator !== null && state.comparator !== 'leveldb.BytewiseComparator')
    return problem(`${manifestName}: unexpected comparator ${state.comparator}`);
  if (state.logNumber === null || state.nextFile === null || state.lastSequence === null)
    return problem(`${manifestName}: lacks the log number, next file number or last sequence${cut}`);
  report.liveTables = state.files.size;

  const onDisk = new Map(f.tables.map((n) => [Number(TABLE_RE.exec(n)![1]), n] as const));
  for (const [number, size] of state.files) {
    const name = onDisk.get(number);
    if (!name) {
      problem(`${String(number).padStart(6, '0')}.ldb: missing (listed in ${manifestName}${cut})`);
      continue;
    }
    const file = await read(name);
    if (!file) continue;
    if (file.length !== size) {
      problem(`${name}: ${file.length} bytes, but ${manifestName} records ${size}`);
      continue;
    }
    try {
      verifyTable(file, verifyBlocks);
      if (verifyBlocks) report.bytesVerified += file.length;
    } catch (err) {
      problem(`${name}: corrupt (${(err as Error).message})`);
    }
  }
  // LevelDB deletes table files the MANIFEST does not list. Files numbered from `nextFile` on are outputs of a
  // compaction or flush that was interrupted before it was recorded (garbage); files an edit removed are inputs of
  // a finished compaction whose deletion a crash interrupted (garbage too, and the normal state after `kill -9`
  // during a compaction). Any other lower number was recorded once, so the MANIFEST has lost the edit that
  // listed it.
  const unlisted = [...onDisk]
    .filter(([n]) => !state.files.has(n) && !state.obsolete.has(n) && n < state.nextFile!)
    .map(([, name]) => name);
  if (unlisted.length > 0)
    problem(
      `${manifestName}: does not list ${unlisted.length} table file(s) that exist (${unlisted.slice(0, 5).join(', ')}${unlisted.length > 5 ? ', …' : ''})${cut}; LevelDB would delete them`,
    );
  // The write-ahead logs LevelDB replays: the current one (it always exists once the database has been opened)
  // and any newer one.
  const logs = new Map(f.logs.map((n) => [Number(LOG_RE.exec(n)![1]), n] as const));
  if (state.logNumber > 0 && !logs.has(state.logNumber))
    problem(
      `${String(state.logNumber).padStart(6, '0')}.log: missing (the current log named by ${manifestName}${cut})`,
    );
  for (const [number, name] of logs) {
    if (number < state.logNumber && number !== state.prevLogNumber) continue; // already in tables; LevelDB ignores it
    const file = await read(name);
    if (!file) continue;
    const l = readLog(file);
    if (l.corruption) problem(`${name}: corrupt (${l.corruption}); LevelDB would drop the records after it`);
  }
}
