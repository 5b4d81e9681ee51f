import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConfigError, InputError } from '../errors.ts';

/*
 * Opaque, integrity-protected page cursors. A cursor is
 *   `v1.<base64url(JSON {l: last, f: queryFingerprint})>.<base64url(HMAC-SHA256(key, "v1." + payload))>`
 * (HMAC: RFC 2104; base64url: RFC 4648 §5). The fingerprint binds a cursor to the filters it was issued for,
 * so a cursor from another query ("foreign") is refused like a tampered one.
 */

/** Minimum length of a configured cursor key, characters. */
export const MIN_CURSOR_KEY_CHARS = 16;

/**
 * The cursor HMAC key from a configured secret value (env var named by `api.cursorKeyEnv`, or the API secret's
 * `cursorKey`): SHA-256 of the value, 32 bytes. Unset/blank → 32 random bytes (cursors then live as long as
 * the process).
 * @throws ConfigError `cursor_key_weak` when the value is shorter than 16 characters
 */
export function cursorKeyFrom(value: string | undefined | null): Buffer {
  const v = value?.trim();
  if (!v) return randomBytes(32);
  if (v.length < MIN_CURSOR_KEY_CHARS) {
    throw new ConfigError(`the cursor key must be at least ${MIN_CURSOR_KEY_CHARS} characters (got ${v.length})`, {
      code: 'cursor_key_weak',
    });
  }
  return createHash('sha256').update(v, 'utf8').digest();
}

/**
 * A stable fingerprint of the filters of a list query (key order and absent values do not matter).
 * @param filters the filters the cursor belongs to (e.g. topic, feed, since, until, q — not limit)
 */
export function queryFingerprint(filters: Record<string, string | undefined>): string {
  const entries = Object.entries(filters)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 16);
}

const mac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Encodes `last` (the store's position) as a signed cursor for the query with fingerprint `fp`.
 * @returns an opaque ASCII string (URL-safe)
 */
export function encodeCursor(key: Buffer, last: Record<string, unknown>, fp: string): string {
  const payload = `v1.${Buffer.from(JSON.stringify({ l: last, f: fp }), 'utf8').toString('base64url')}`;
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/**
 * Verifies and decodes a cursor issued by `encodeCursor` for the same query fingerprint.
 * @throws InputError `invalid_cursor` when the cursor is malformed, its signature does not match (tampered or
 *   signed with another key), or it belongs to another query
 */
export function decodeCursor(key: Buffer, cursor: string, fp: string): Record<string, unknown> {
  const bad = (why: string) => new InputError('invalid_cursor', `parameter cursor: ${why}`);
  const m = /^(v1\.[A-Za-z0-9_-]{1,4096})\.([A-Za-z0-9_-]{43})$/.exec(cursor);
  if (!m) throw bad('not a cursor issued by this API');
  const [, payload, sig] = m as unknown as [string, string, string];
  const expected = mac(key, payload);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw bad('signature does not match (tampered, or from another server)');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload.slice(3), 'base64url').toString('utf8'));
  } catch {
    throw bad('undecodable');
  }
  const b = body as { l?: unknown; f?: unknown };
  if (typeof b !== 'object' || b === null || typeof b.l !== 'object' || b.l === null || typeof b.f !== 'string')
    throw bad('undecodable');
  if (b.f !== fp) throw bad('belongs to a query with other filters; restart without cursor');
  return b.l as Record<string, unknown>;
}
