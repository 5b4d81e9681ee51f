import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { StoreError } from '../errors.ts';

/*
 * Small, explicit helpers between plain values and DynamoDB `AttributeValue`s (AWS DynamoDB API reference,
 * "AttributeValue"), plus text compression and the item-size arithmetic that keeps records under the 400 KB limit.
 */

/** A DynamoDB item as the low-level client sees it. */
export type Record_ = Record<string, AttributeValue>;

/** String attribute. */
export const S = (value: string): AttributeValue => ({ S: value });
/** Number attribute (DynamoDB numbers travel as decimal strings). */
export const N = (value: number): AttributeValue => ({ N: String(value) });
/** Binary attribute. */
export const B = (value: Uint8Array): AttributeValue => ({ B: value });
/** String-set attribute; DynamoDB refuses empty sets, so an empty list yields `undefined` (attribute omitted). */
export const SS = (values: string[]): AttributeValue | undefined =>
  values.length > 0 ? { SS: [...new Set(values)] } : undefined;

/** Reads a string attribute, or null when absent / of another type. */
export function getS(rec: Record_ | undefined, name: string): string | null {
  const v = rec?.[name];
  return v && 'S' in v && typeof v.S === 'string' ? v.S : null;
}

/** Reads a number attribute as a JS number, or null. */
export function getN(rec: Record_ | undefined, name: string): number | null {
  const v = rec?.[name];
  if (!v || !('N' in v) || typeof v.N !== 'string') return null;
  const n = Number(v.N);
  return Number.isFinite(n) ? n : null;
}

/** Reads a binary attribute, or null. */
export function getB(rec: Record_ | undefined, name: string): Uint8Array | null {
  const v = rec?.[name];
  return v && 'B' in v && v.B instanceof Uint8Array ? v.B : null;
}

/** Drops `undefined` attribute values (optional attributes) so the SDK never sees them. */
export function compact(rec: Record<string, AttributeValue | undefined>): Record_ {
  const out: Record_ = {};
  for (const [k, v] of Object.entries(rec)) if (v !== undefined) out[k] = v;
  return out;
}

/** Hex sha256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** gzip (RFC 1952) at level 6 of a UTF-8 string. */
export function gzipText(text: string): Buffer {
  return gzipSync(Buffer.from(text, 'utf8'), { level: 6 });
}

/**
 * Inflates a gzip member back to a UTF-8 string.
 * @throws StoreError `corrupt_record` when the bytes are not valid gzip (names the record)
 */
export function gunzipText(bytes: Uint8Array, where: string): string {
  try {
    return gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8');
  } catch (err) {
    throw new StoreError('corrupt_record', `stored text of ${where} is not valid gzip`, { cause: err });
  }
}

/**
 * Size of an item as DynamoDB counts it against the 400 KB limit (DynamoDB developer guide, "Item sizes"):
 * attribute name lengths (UTF-8) plus value sizes — strings in UTF-8 bytes, binaries in bytes, numbers
 * approximated as their digit count / 2 + 1, sets and lists summed with 1 byte overhead per element.
 * An upper bound close enough to decide whether a write is safe.
 * @returns bytes
 */
export function itemSizeBytes(rec: Record_): number {
  let total = 0;
  for (const [name, value] of Object.entries(rec)) total += Buffer.byteLength(name, 'utf8') + valueSize(value);
  return total;
}

function valueSize(v: AttributeValue): number {
  if ('S' in v && v.S !== undefined) return Buffer.byteLength(v.S, 'utf8');
  if ('N' in v && v.N !== undefined) return Math.ceil(v.N.length / 2) + 1;
  if ('B' in v && v.B !== undefined) return v.B.byteLength;
  if ('SS' in v && v.SS !== undefined) return v.SS.reduce((a, s) => a + Buffer.byteLength(s, 'utf8') + 1, 3);
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('L' in v && v.L !== undefined) return v.L.reduce((a, x) => a + valueSize(x) + 1, 3);
  if ('M' in v && v.M !== undefined) return 3 + itemSizeBytes(v.M);
  return 8;
}

/** An ISO-8601 string normalised to UTC with milliseconds (`toISOString`), or null when absent or unparseable. */
export function isoOrNull(v: string | null | undefined): string | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/**
 * Parses a JSON string attribute of a record.
 * @param where the record, for the error message (e.g. `item record ITEM#i_…`)
 * @throws StoreError `corrupt_record` when the attribute is missing or not valid JSON
 */
export function parseJsonAttr<T>(rec: Record_, attr: string, where: string): T {
  const raw = getS(rec, attr);
  try {
    if (raw === null) throw new Error(`attribute ${attr} missing`);
    return JSON.parse(raw) as T;
  } catch (err) {
    throw new StoreError('corrupt_record', `cannot decode ${attr} of ${where}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
