/**
 * Bytes → text for feeds and pages. Follows the WHATWG Encoding Standard's label mapping
 * (https://encoding.spec.whatwg.org/#names-and-labels) for the labels that matter on the web, and the
 * "BOM first, then declared, then sniffed" order of WHATWG HTML §13.2.3.1 / XML 1.0 Appendix F.
 * iconv-lite does the actual decoding.
 */
import iconv from 'iconv-lite';

/** Where the charset used by `decodeText` came from. */
export type CharsetSource = 'bom' | 'declared' | 'sniffed';

/** Result of `decodeText`: the text (BOM removed), the charset used (lower-case iconv-lite name), and why. */
export interface DecodedText {
  text: string;
  charset: string;
  source: CharsetSource;
}

/**
 * Charset label from a Content-Type header value (`text/html; charset=windows-1251` → `windows-1251`), else null.
 * Follows RFC 9110 §8.3 parameter syntax (quoted-string allowed, parameter names case-insensitive). The label is
 * trimmed and lower-cased but not mapped (see `normalizeCharsetLabel`).
 */
export function charsetFromContentType(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;,"]*))/i.exec(contentType);
  if (!m) return null;
  const label = (m[1] ?? m[2] ?? '').trim().toLowerCase();
  return label === '' ? null : label;
}

/** WHATWG label → encoding name for the families iconv-lite names differently or WHATWG remaps. */
const LABEL_MAP: Record<string, string> = {
  // WHATWG: all of these are windows-1252.
  'ansi_x3.4-1968': 'windows-1252',
  ascii: 'windows-1252',
  'us-ascii': 'windows-1252',
  cp1252: 'windows-1252',
  cp819: 'windows-1252',
  csisolatin1: 'windows-1252',
  ibm819: 'windows-1252',
  'iso-8859-1': 'windows-1252',
  'iso-ir-100': 'windows-1252',
  'iso8859-1': 'windows-1252',
  iso88591: 'windows-1252',
  'iso_8859-1': 'windows-1252',
  'iso_8859-1:1987': 'windows-1252',
  l1: 'windows-1252',
  latin1: 'windows-1252',
  'latin-1': 'windows-1252',
  'x-cp1252': 'windows-1252',
  'windows-1252': 'windows-1252',
  // WHATWG: latin5 family is windows-1254, TIS-620 family is windows-874.
  'iso-8859-9': 'windows-1254',
  'iso8859-9': 'windows-1254',
  iso88599: 'windows-1254',
  'iso_8859-9': 'windows-1254',
  latin5: 'windows-1254',
  l5: 'windows-1254',
  'tis-620': 'windows-874',
  'iso-8859-11': 'windows-874',
  'iso8859-11': 'windows-874',
  dos_874: 'windows-874',
  // WHATWG: gb2312 and friends decode as GBK (gb18030 superset handled by iconv-lite's gbk table).
  gb2312: 'gbk',
  chinese: 'gbk',
  csgb2312: 'gbk',
  'x-gbk': 'gbk',
  gb_2312: 'gbk',
  'gb_2312-80': 'gbk',
  // WHATWG: euc-kr is windows-949; big5 is big5-hkscs.
  'euc-kr': 'cp949',
  cseuckr: 'cp949',
  'ks_c_5601-1987': 'cp949',
  'windows-949': 'cp949',
  big5: 'big5hkscs',
  'big5-hkscs': 'big5hkscs',
  'x-x-big5': 'big5hkscs',
  'x-sjis': 'shift_jis',
  sjis: 'shift_jis',
  ms_kanji: 'shift_jis',
  'windows-31j': 'shift_jis',
  'x-mac-roman': 'macintosh',
  'x-mac-cyrillic': 'x-mac-cyrillic',
  unicode: 'utf-16le',
  'utf-16': 'utf-16',
  'unicode-1-1-utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-8': 'utf-8',
};

/**
 * Maps a charset label to the encoding wirewatch decodes with (WHATWG mapping, e.g. `ISO-8859-1` →
 * `windows-1252`, `gb2312` → `gbk`), or null when iconv-lite knows no such encoding.
 */
export function normalizeCharsetLabel(label: string | null | undefined): string | null {
  if (!label) return null;
  const l = label
    .trim()
    .toLowerCase()
    .replace(/^["']|["']$/g, '');
  if (l === '') return null;
  const mapped = LABEL_MAP[l] ?? l;
  return iconv.encodingExists(mapped) ? mapped : null;
}

const UNICODE_WIDE = /^(utf-?16|utf-?32|ucs-?2|ucs-?4)/;

/** True when the encoding maps bytes 0x00-0xFF one-to-one (windows-125x, iso-8859-x, koi8, mac, cp8xx…). */
function isSingleByte(enc: string): boolean {
  if (/^(utf|ucs|gb|big5|cp9(36|49|50)|shift|sjis|euc|iso-?2022|hz|cesu)/.test(enc)) return false;
  try {
    // A single-byte codec turns 256 distinct bytes into 256 chars.
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    return iconv.decode(all, enc).length === 256;
  } catch {
    return false;
  }
}

/**
 * Scans bytes as UTF-8 (RFC 3629: no overlongs, no surrogates, max U+10FFFF).
 * @returns `valid` (every sequence well-formed), `multibyte` (> 0 when well-formed multibyte sequences exist;
 *   an exact count only for invalid input) and `invalid` (count of ill-formed bytes/sequences)
 */
export function scanUtf8(bytes: Uint8Array): { valid: boolean; multibyte: number; invalid: number } {
  // Fast path: the native decoder validates. Valid input has multibyte sequences iff it decodes to fewer
  // UTF-16 units than it has bytes; callers only need yes/no then.
  try {
    const text = fatalUtf8.decode(bytes);
    return { valid: true, multibyte: text.length !== bytes.length ? 1 : 0, invalid: 0 };
  } catch {
    /* invalid somewhere: count the valid multibyte sequences the slow way */
  }
  let multibyte = 0;
  let invalid = 0;
  let valid = true;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else {
      valid = false;
      invalid++;
      i++;
      continue;
    }
    let ok = true;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) {
        ok = false;
        break;
      }
      const l = k === 1 ? lo : 0x80;
      const h = k === 1 ? hi : 0xbf;
      if (c < l || c > h) {
        ok = false;
        break;
      }
    }
    if (ok) {
      multibyte++;
      i += need + 1;
    } else {
      valid = false;
      invalid++;
      i++;
    }
  }
  return { valid, multibyte, invalid };
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** BOM → encoding (UTF-32 checked before UTF-16, whose BOM is a prefix of UTF-32LE's). */
function bomOf(bytes: Uint8Array): { enc: string; len: number } | null {
  const [a, b, c, d] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (a === 0xef && b === 0xbb && c === 0xbf) return { enc: 'utf-8', len: 3 };
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return { enc: 'utf-32le', len: 4 };
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return { enc: 'utf-32be', len: 4 };
  if (a === 0xff && b === 0xfe) return { enc: 'utf-16le', len: 2 };
  if (a === 0xfe && b === 0xff) return { enc: 'utf-16be', len: 2 };
  return null;
}

/**
 * Detects BOM-less UTF-16/UTF-32 from the first 4 bytes of a document that starts with `<` (XML 1.0
 * Appendix F "without a BOM" table), else null.
 */
export function sniffWideEncoding(bytes: Uint8Array): string | null {
  if (bytes.length < 4) return null;
  const [a, b, c, d] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (a === 0 && b === 0 && c === 0 && d === 0x3c) return 'utf-32be';
  if (a === 0x3c && b === 0 && c === 0 && d === 0) return 'utf-32le';
  if (a === 0 && b === 0x3c && c === 0 && d === 0x3f) return 'utf-16be';
  if (a === 0x3c && b === 0 && c === 0x3f && d === 0) return 'utf-16le';
  // Leading whitespace before `<` in UTF-16.
  if (a === 0 && (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x3c) && c === 0) return 'utf-16be';
  if ((a === 0x20 || a === 0x0a || a === 0x0d || a === 0x09 || a === 0x3c) && b === 0 && d === 0) return 'utf-16le';
  return null;
}

function decodeWith(bytes: Uint8Array, enc: string): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return iconv.decode(buf, enc, { stripBOM: true });
}

/**
 * Decodes bytes (iconv-lite). Order: BOM (UTF-8/UTF-16LE/BE/UTF-32), then the first label in `declared` that
 * iconv-lite knows — but if a declared single-byte charset is contradicted by bytes that are valid UTF-8 with
 * multibyte sequences, UTF-8 wins (also when a few stray bytes are not UTF-8: at least 4 well-formed multibyte
 * sequences per ill-formed byte; the strays then decode in the declared charset, see `decodeUtf8WithFallback`); with nothing declared: UTF-8 if valid, else windows-1252. ISO-8859-1,
 * latin1 and US-ASCII labels decode as windows-1252 (WHATWG Encoding).
 *
 * Details beyond the one-liner (all follow the same "bytes over labels when the labels are provably wrong" rule):
 * - a declared UTF-16/UTF-32 label without a BOM is honoured only when the bytes look wide (`<\0` / `\0<`),
 *   otherwise skipped (the declaration was readable as ASCII, so the document is not UTF-16);
 * - a declared `utf-8` contradicted by the bytes decodes as windows-1252, and with nothing declared invalid UTF-8
 *   decodes as windows-1252 — except text that is overwhelmingly UTF-8 with a few stray bytes (at least 4 valid
 *   multibyte sequences per ill-formed one), which stays UTF-8 (U+FFFD for the strays) rather than turning every
 *   non-ASCII character into mojibake;
 * - with nothing declared, BOM-less UTF-16/32 XML (`<\0?\0`) is sniffed (XML 1.0 Appendix F).
 *
 * @param bytes the raw body (after Content-Encoding was removed)
 * @param declared labels in priority order, e.g. `[httpCharset, xmlDeclEncoding]`; null/unknown ones are skipped
 * @returns text without BOM, lower-case charset actually used, and where it came from. Never throws.
 */
export function decodeText(bytes: Uint8Array, declared: Array<string | null | undefined>): DecodedText {
  const bom = bomOf(bytes);
  if (bom) {
    return { text: decodeWith(bytes.subarray(bom.len), bom.enc), charset: bom.enc, source: 'bom' };
  }
  const wide = sniffWideEncoding(bytes);
  let utf8: { valid: boolean; multibyte: number; invalid: number } | null = null;
  const scan = () => (utf8 ??= scanUtf8(bytes));

  for (const label of declared) {
    const enc = normalizeCharsetLabel(label);
    if (!enc) continue;
    if (UNICODE_WIDE.test(enc)) {
      if (!wide) continue; // declared wide but bytes are ASCII-compatible: the label is wrong
      // The bytes tell the width and the byte order; the label only confirms "wide".
      return { text: decodeWith(bytes, wide), charset: wide, source: 'declared' };
    }
    if (enc === 'utf-8') {
      const s = scan();
      if (!mostlyUtf8(s)) {
        return { text: decodeWith(bytes, 'windows-1252'), charset: 'windows-1252', source: 'sniffed' };
      }
      return { text: decodeWith(bytes, 'utf-8'), charset: 'utf-8', source: 'declared' };
    }
    if (isSingleByteCached(enc)) {
      const s = scan();
      if (s.valid && s.multibyte > 0) {
        return { text: decodeWith(bytes, 'utf-8'), charset: 'utf-8', source: 'sniffed' };
      }
      if (mostlyUtf8(s)) {
        // UTF-8 content with a few bytes that are not (text pasted from a single-byte source into a UTF-8
        // CMS). The well-formed sequences are UTF-8; the strays are most likely in the declared charset.
        return { text: decodeUtf8WithFallback(bytes, enc), charset: 'utf-8', source: 'sniffed' };
      }
    }
    return { text: decodeWith(bytes, enc), charset: enc, source: 'declared' };
  }

  if (wide) return { text: decodeWith(bytes, wide), charset: wide, source: 'sniffed' };
  const s = scan();
  if (mostlyUtf8(s)) return { text: decodeWith(bytes, 'utf-8'), charset: 'utf-8', source: 'sniffed' };
  return { text: decodeWith(bytes, 'windows-1252'), charset: 'windows-1252', source: 'sniffed' };
}

/**
 * Decodes bytes that are UTF-8 except for some ill-formed bytes: each well-formed UTF-8 sequence (RFC 3629) as
 * UTF-8, each byte that starts no well-formed sequence as one character of the single-byte `fallback` encoding.
 * @param bytes the raw body
 * @param fallback a single-byte encoding iconv-lite knows (e.g. `windows-1252`)
 */
export function decodeUtf8WithFallback(bytes: Uint8Array, fallback: string): string {
  const table = singleByteTable(fallback);
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  let runStart = 0;
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const len = utf8SequenceLength(buf, i);
    if (len > 0) {
      i += len;
      continue;
    }
    if (i > runStart) out += buf.toString('utf8', runStart, i);
    out += table[buf[i]!]!;
    i++;
    runStart = i;
  }
  if (n > runStart) out += buf.toString('utf8', runStart, n);
  return out;
}

/** Length of the well-formed UTF-8 sequence starting at `i` (1 for ASCII), or 0 when none starts there. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) need = 1;
  else if (c >= 0xe0 && c <= 0xef) {
    need = 2;
    if (c === 0xe0) lo = 0xa0;
    if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 3;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f;
  } else return 0;
  for (let k = 1; k <= need; k++) {
    const d = b[i + k];
    if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return 0;
  }
  return need + 1;
}

const tableCache = new Map<string, string[]>();
/** The 256 characters of a single-byte encoding, by byte value. */
function singleByteTable(enc: string): string[] {
  let t = tableCache.get(enc);
  if (!t) {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    t = [...iconv.decode(all, enc)];
    tableCache.set(enc, t);
  }
  return t;
}

/** Valid UTF-8, or invalid only by a few stray bytes among many well-formed multibyte sequences. */
function mostlyUtf8(s: { valid: boolean; multibyte: number; invalid: number }): boolean {
  return s.valid || (s.multibyte > 0 && s.multibyte >= 4 * s.invalid);
}

const singleByteCache = new Map<string, boolean>();
function isSingleByteCached(enc: string): boolean {
  let v = singleByteCache.get(enc);
  if (v === undefined) {
    v = isSingleByte(enc);
    singleByteCache.set(enc, v);
  }
  return v;
}
