import { InputError } from '../errors.ts';

/*
 * Query-string handling of the API: one strict reading of `name=value&…` for every runtime, so that what reaches
 * validation is always a set of distinct, well-formed Unicode parameters.
 *
 * The query is read as application/x-www-form-urlencoded (WHATWG URL Standard §5.1: `&`-separated, `+` is a space,
 * percent-encoded UTF-8), except that where the standard's parser is lenient this one refuses, with a 400 naming the
 * parameter: a `%` not followed by two hex digits (RFC 3986 §2.1), percent-encoded bytes that are not UTF-8
 * (RFC 3629; the standard would substitute U+FFFD), a parameter given twice, a parameter without a name, too many
 * parameters, and names or values beyond the limits below.
 */

/** Most query parameters one request may carry. */
export const MAX_QUERY_PARAMS = 32;
/** Longest parameter name, characters. */
export const MAX_PARAM_NAME_CHARS = 64;
/** Longest parameter value, characters (a cursor is at most ~4,150). */
export const MAX_PARAM_VALUE_CHARS = 8192;
/** Longest raw query string, characters. */
export const MAX_QUERY_CHARS = 16384;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const invalid = (what: string, why: string) => new InputError('invalid_parameter', `${what}: ${why}`);

/** A name for messages: at most 64 characters, control characters escaped. */
export function shownName(name: string): string {
  return JSON.stringify(name.slice(0, MAX_PARAM_NAME_CHARS)).slice(1, -1);
}

/** Decodes one form-urlencoded component strictly. Null when it is not well-formed. */
function decodeComponent(s: string): string | null {
  if (!/[%+]/.test(s) && !LONE_SURROGATE.test(s)) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b /* + */) {
      bytes.push(0x20);
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      const cp = s.codePointAt(i)!;
      if (cp >= 0xd800 && cp <= 0xdfff) return null; // a lone surrogate cannot be UTF-8
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

/**
 * Parses a raw query string (without `?`, percent-encoded as received) into distinct parameters.
 * @returns a record without prototype: name → value
 * @throws InputError `invalid_parameter` naming the parameter and the problem
 */
export function parseRawQuery(raw: string): Record<string, string> {
  if (raw.length > MAX_QUERY_CHARS) throw invalid('query', `longer than ${MAX_QUERY_CHARS} characters`);
  const out: Record<string, string> = Object.create(null);
  let count = 0;
  for (const segment of raw.split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const rawName = eq < 0 ? segment : segment.slice(0, eq);
    const rawValue = eq < 0 ? '' : segment.slice(eq + 1);
    const name = decodeComponent(rawName);
    if (name === null)
      throw invalid(`parameter ${shownName(rawName)}`, 'the name is not well-formed percent-encoded UTF-8');
    const value = decodeComponent(rawValue);
    if (value === null) throw invalid(`parameter ${shownName(name)}`, 'not well-formed percent-encoded UTF-8');
    add(out, name, value);
    if (++count > MAX_QUERY_PARAMS) throw invalid('query', `more than ${MAX_QUERY_PARAMS} parameters`);
  }
  return out;
}

function add(out: Record<string, string>, name: string, value: string): void {
  if (name === '') throw invalid('query', 'a parameter without a name');
  if (name.length > MAX_PARAM_NAME_CHARS)
    throw invalid(`parameter ${shownName(name)}…`, `name longer than ${MAX_PARAM_NAME_CHARS} characters`);
  if (Object.hasOwn(out, name)) throw invalid(`parameter ${shownName(name)}`, 'given more than once; give it once');
  if (value.length > MAX_PARAM_VALUE_CHARS)
    throw invalid(`parameter ${shownName(name)}`, `longer than ${MAX_PARAM_VALUE_CHARS} characters`);
  out[name] = value;
}

/**
 * Checks parameters that arrive already decoded (an `ApiRequest.query` built by a caller): the same limits as
 * `parseRawQuery`, and every name and value well-formed Unicode (no lone surrogates, which DynamoDB refuses).
 * @returns a record without prototype: name → value (undefined values dropped)
 * @throws InputError `invalid_parameter` naming the parameter
 */
export function checkQuery(query: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let count = 0;
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalid(`parameter ${shownName(String(name))}`, 'must be a string');
    if (LONE_SURROGATE.test(name)) throw invalid(`parameter ${shownName(name)}`, 'the name is not well-formed Unicode');
    if (LONE_SURROGATE.test(value)) throw invalid(`parameter ${shownName(name)}`, 'not well-formed Unicode');
    add(out, name, value);
    if (++count > MAX_QUERY_PARAMS) throw invalid('query', `more than ${MAX_QUERY_PARAMS} parameters`);
  }
  return out;
}
