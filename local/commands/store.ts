import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';
import { InputError, StoreError, WirewatchError } from '../../shared/errors.ts';
import type { CliContext } from '../cli-context.ts';
import { StoreDamagedError, repairDataDir, type RepairReport } from '../embedded-store.ts';
import { checkLevelDb, type LevelDbReport } from '../leveldb-check.ts';
import { LOCK_FILE } from '../data-dir-lock.ts';

/*
 * `wirewatch store …`: the embedded store's backup and recovery tools.
 * - `store export [--out FILE]`: every record of the table as JSON Lines, one `{"Item":{…}}` per line with the
 *   attribute values in DynamoDB JSON (`{"S":…}`, `{"N":"…"}`, `{"B":"<base64>"}`, `{"SS":[…]}`, `{"M":{…}}`, …) —
 *   the line format of DynamoDB's export to S3 (AWS DynamoDB developer guide, "DynamoDB JSON" export output), so
 *   binary attributes such as the gzip-compressed text round-trip byte for byte. Read-only.
 * - `store import FILE [--merge]`: writes the records of such a file; into an empty table only unless `--merge`
 *   (records with the same key are then replaced). The whole file is validated before anything is written.
 * - `store check`: the LevelDB consistency check the store runs before every open, as a report. Read-only.
 * - `store repair`: LevelDB's repair, after copying the files aside; prints what it did.
 */

/** A DynamoDB JSON attribute value as exported: binary values as base64 strings. */
type JsonAttr =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { L: JsonAttr[] }
  | { M: Record<string, JsonAttr> };

/** An SDK attribute value → DynamoDB JSON. */
export function toJsonAttr(v: AttributeValue): JsonAttr {
  if (v.S !== undefined) return { S: v.S };
  if (v.N !== undefined) return { N: v.N };
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BOOL !== undefined) return { BOOL: v.BOOL };
  if (v.NULL !== undefined) return { NULL: true };
  if (v.SS !== undefined) return { SS: v.SS };
  if (v.NS !== undefined) return { NS: v.NS };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.L !== undefined) return { L: v.L.map(toJsonAttr) };
  if (v.M !== undefined) return { M: Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, toJsonAttr(x)])) };
  throw new StoreError('corrupt_record', `attribute value of unknown type: ${Object.keys(v).join(', ')}`);
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * DynamoDB JSON → an SDK attribute value, strictly: exactly one type key with a value of its type.
 * @param where for the message, e.g. `line 3, attribute textGz`
 * @throws InputError `invalid_import` naming `where`
 */
export function fromJsonAttr(v: unknown, where: string): AttributeValue {
  const bad = (why: string) => new InputError('invalid_import', `${where}: ${why}`);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not a DynamoDB JSON attribute value');
  const keys = Object.keys(v);
  if (keys.length !== 1) throw bad(`expected one type key, got ${keys.join(', ') || 'none'}`);
  const type = keys[0]!;
  const x = (v as Record<string, unknown>)[type];
  const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string');
  const base64 = (s: string): Uint8Array => {
    if (!BASE64_RE.test(s)) throw bad('binary value is not base64');
    return new Uint8Array(Buffer.from(s, 'base64'));
  };
  switch (type) {
    case 'S':
      if (typeof x !== 'string') throw bad('S must be a string');
      return { S: x };
    case 'N':
      if (typeof x !== 'string' || !/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(x)) throw bad('N must be a number string');
      return { N: x };
    case 'B':
      if (typeof x !== 'string') throw bad('B must be a base64 string');
      return { B: base64(x) };
    case 'BOOL':
      if (typeof x !== 'boolean') throw bad('BOOL must be true or false');
      return { BOOL: x };
    case 'NULL':
      if (x !== true) throw bad('NULL must be true');
      return { NULL: true };
    case 'SS':
      if (!strings(x) || x.length === 0) throw bad('SS must be a non-empty list of strings');
      return { SS: x };
    case 'NS':
      if (!strings(x) || x.length === 0) throw bad('NS must be a non-empty list of number strings');
      return { NS: x };
    case 'BS':
      if (!strings(x) || x.length === 0) throw bad('BS must be a non-empty list of base64 strings');
      return { BS: x.map(base64) };
    case 'L':
      if (!Array.isArray(x)) throw bad('L must be a list');
      return { L: x.map((e, i) => fromJsonAttr(e, `${where}[${i}]`)) };
    case 'M':
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw bad('M must be an object');
      return { M: Object.fromEntries(Object.entries(x).map(([k, e]) => [k, fromJsonAttr(e, `${where}.${k}`)])) };
    default:
      throw bad(`unknown type ${type.slice(0, 16)}`);
  }
}

/**
 * One export line → the record it holds.
 * @throws InputError `invalid_import` naming the line and the attribute
 */
export function parseExportLine(line: string, lineNo: number): Record<string, AttributeValue> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new InputError('invalid_import', `line ${lineNo}: not JSON`);
  }
  const item = (value as { Item?: unknown } | null)?.Item;
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    throw new InputError('invalid_import', `line ${lineNo}: expected {"Item":{…}} (DynamoDB JSON)`);
  const rec: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(item)) rec[k] = fromJsonAttr(v, `line ${lineNo}, attribute ${k.slice(0, 64)}`);
  if (rec.pk?.S === undefined || rec.sk?.S === undefined)
    throw new InputError('invalid_import', `line ${lineNo}: the record has no string keys pk and sk`);
  return rec;
}

async function* exportLines(file: string): AsyncIterable<{ line: string; no: number }> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let no = 0;
  try {
    for await (const line of lines) {
      no++;
      if (line.trim() !== '') yield { line, no };
    }
  } catch (err) {
    throw new InputError(
      'input_unreadable',
      `${file}: cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

function formatCheck(dir: string, r: LevelDbReport): string {
  if (r.state === 'fresh') return `${dir}: no store yet`;
  if (r.state === 'damaged') return `${dir}: damaged\n${r.problems.map((p) => `  - ${p}`).join('\n')}`;
  return `${dir}: the store opens cleanly (${r.liveTables} table file(s), ${r.bytesVerified} bytes verified block by block)`;
}

function formatRepair(dir: string, r: RepairReport & { records?: number; items?: number }): string {
  const lines = [`repaired --data-dir ${dir} with LevelDB's repair:`];
  lines.push(
    r.before.problems.length
      ? `  before: ${r.before.problems.join('; ')}`
      : '  before: no problem found (repaired on request)',
  );
  lines.push(`  copied the original LevelDB files to ${r.backup}`);
  if (r.lost.length)
    lines.push(`  LevelDB moved the files it replaced or could not use to ${dir}/lost/: ${r.lost.join(', ')}`);
  lines.push(
    r.after.state === 'ok'
      ? `  after: the store opens cleanly (${r.after.liveTables} table file(s))${r.records !== undefined ? `; the table holds ${r.records} record(s), ${r.items} item(s)` : ''}`
      : `  after: still damaged: ${r.after.problems.join('; ')}`,
  );
  return lines.join('\n');
}

/** Registers `store export|import|check|repair`. */
export function register(program: Command, ctx: CliContext): void {
  const store = program.command('store').description('back up, restore, check and repair the embedded store');
  const needsDataDir = (what: string) => {
    if (ctx.globals().memory) throw new InputError('invalid_option', `store ${what} needs a --data-dir, not --memory`);
  };

  store
    .command('export')
    .description('write every record as JSON Lines (DynamoDB JSON) to stdout or --out FILE; read-only')
    .option('--out <file>', 'write to this file (replaced atomically) instead of stdout')
    .action(async (opts: { out?: string }) => {
      const tmp = opts.out ? `${opts.out}.tmp-${process.pid}` : null;
      const result = await ctx.withStore(
        async ({ config, store: s }) => {
          const out: Writable = tmp ? createWriteStream(tmp, { flags: 'wx' }) : process.stdout;
          let records = 0;
          try {
            for await (const page of s.table.scanPages({}, 'export')) {
              let chunk = '';
              for (const rec of page) {
                const item = Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, toJsonAttr(v)]));
                chunk += `${JSON.stringify({ Item: item })}\n`;
                records++;
              }
              await write(out, chunk);
            }
            if (tmp) {
              out.end();
              await once(out, 'close');
              await rename(tmp, opts.out!);
            }
          } catch (err) {
            if (tmp) {
              out.destroy();
              await rm(tmp, { force: true });
            }
            throw err;
          }
          return { table: config.store.tableName, records, file: opts.out ?? null };
        },
        { access: 'read' },
      );
      if (opts.out) ctx.output(result, (v) => `exported ${(v as typeof result).records} record(s) to ${opts.out}`);
      else process.stderr.write(`wirewatch: exported ${result.records} record(s)\n`);
    });

  store
    .command('import')
    .description('write the records of an export file into the store (empty store only, unless --merge)')
    .argument('<file>', 'a file written by `wirewatch store export`')
    .option('--merge', 'import into a store that already holds records (same keys are replaced)', false)
    .action(async (file: string, opts: { merge: boolean }) => {
      // Validate the whole file before the store is opened, so a bad line writes nothing.
      let records = 0;
      for await (const { line, no } of exportLines(file)) {
        parseExportLine(line, no);
        records++;
      }
      const result = await ctx.withStore(async ({ config, store: s }) => {
        if (!opts.merge) {
          for await (const page of s.table.scanPages({ ProjectionExpression: 'pk' }, 'import')) {
            if (page.length > 0)
              throw new WirewatchError(
                'store_not_empty',
                `table ${config.store.tableName} in --data-dir ${ctx.globals().dataDir} already holds records: import ` +
                  'into an empty store (a new --data-dir), or pass --merge to replace records with the same keys',
              );
          }
        }
        let batch: WriteRequest[] = [];
        for await (const { line, no } of exportLines(file)) {
          batch.push({ PutRequest: { Item: parseExportLine(line, no) } });
          if (batch.length === 25) {
            await s.table.batchWrite(batch, 'import');
            batch = [];
          }
        }
        if (batch.length > 0) await s.table.batchWrite(batch, 'import');
        return { table: config.store.tableName, records, merged: opts.merge };
      });
      ctx.output(result, (v) => `imported ${(v as typeof result).records} record(s) from ${file}`);
    });

  store
    .command('check')
    .description('check the LevelDB files of --data-dir without opening them (exit 3 when damaged)')
    .action(async () => {
      needsDataDir('check');
      const dir = ctx.globals().dataDir;
      const report = await checkLevelDb(dir, { ignore: new Set([LOCK_FILE]) });
      ctx.output({ dataDir: dir, state: report.state, problems: report.problems, liveTables: report.liveTables }, () =>
        formatCheck(dir, report),
      );
      if (report.state === 'damaged') ctx.fail(3);
    });

  store
    .command('repair')
    .description("repair --data-dir with LevelDB's repair (copies the files aside first; refuses while in use)")
    .action(async () => {
      needsDataDir('repair');
      const dir = ctx.globals().dataDir;
      const report: RepairReport & { records?: number; items?: number } = await repairDataDir(dir);
      if (report.after.state !== 'ok') {
        ctx.output(report, (v) => formatRepair(dir, v as RepairReport));
        throw new StoreDamagedError(dir, report.after);
      }
      await ctx.withStore(
        async ({ store: s }) => {
          let records = 0;
          let items = 0;
          for await (const page of s.table.scanPages({ ProjectionExpression: 'sk' }, 'repair')) {
            records += page.length;
            items += page.filter((r) => r.sk?.S === 'ITEM').length;
          }
          Object.assign(report, { records, items });
        },
        { access: 'read' },
      );
      ctx.output(report, (v) => formatRepair(dir, v as RepairReport));
    });
}
