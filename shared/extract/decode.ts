import { charsetFromContentType, decodeText, normalizeCharsetLabel, scanUtf8 } from '../text/charset.ts';

/** How many leading bytes the `<meta>` prescan looks at (WHATWG HTML §13.2.3.2, "prescan a byte stream"). */
export const PRESCAN_BYTES = 1024;

/**
 * Finds the charset an HTML document declares about itself in its first 1024 bytes: `<meta charset=…>` or
 * `<meta http-equiv="Content-Type" content="…; charset=…">`. Follows the shape of the WHATWG HTML
 * "prescan a byte stream to determine its encoding" algorithm (§13.2.3.2): comments are skipped, the first
 * `<meta>` that declares a charset wins, and a declared UTF-16 variant means UTF-8 (a byte-oriented prescan can
 * only have read it because the bytes are ASCII-compatible).
 *
 * @param bytes the start of the document (only the first {@link PRESCAN_BYTES} bytes are read)
 * @returns the label as written (lower-cased, trimmed), e.g. `windows-1251`, or null when none is declared.
 *   The label is not validated here; `decodeText` resolves labels (WHATWG Encoding §4.2) and ignores unknown ones.
 * @throws never
 */
export function prescanMetaCharset(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, PRESCAN_BYTES)).toString(
    'latin1',
  );
  let i = 0;
  while (i < head.length) {
    const lt = head.indexOf('<', i);
    if (lt < 0) break;
    if (head.startsWith('<!--', lt)) {
      const end = head.indexOf('-->', lt + 4);
      if (end < 0) break;
      i = end + 3;
      continue;
    }
    const m = /^<meta[\s/]/i.exec(head.slice(lt, lt + 6));
    const gt = head.indexOf('>', lt + 1);
    if (!m) {
      i = gt < 0 ? head.length : lt + 1;
      continue;
    }
    const tag = head.slice(lt + 5, gt < 0 ? head.length : gt);
    const label = charsetFromMetaAttributes(parseAttributes(tag));
    if (label) return label;
    if (gt < 0) break;
    i = gt + 1;
  }
  return null;
}

/** Attributes of a tag body (`name=value` pairs), names lower-cased, first occurrence wins (as in the prescan). */
function parseAttributes(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]*)))?/g;
  for (let m = re.exec(tag); m; m = re.exec(tag)) {
    const name = (m[1] ?? '').toLowerCase();
    if (!attrs.has(name)) attrs.set(name, m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** The charset a `<meta>` element's attributes declare, per the prescan's `need pragma` rules. */
function charsetFromMetaAttributes(attrs: Map<string, string>): string | null {
  let label: string | null = null;
  const charset = attrs.get('charset');
  if (charset !== undefined && charset.trim() !== '') {
    label = charset;
  } else if ((attrs.get('http-equiv') ?? '').trim().toLowerCase() === 'content-type') {
    const m = /charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))/i.exec(attrs.get('content') ?? '');
    if (m) label = m[1] ?? m[2] ?? m[3] ?? null;
  }
  if (!label) return null;
  label = label.trim().toLowerCase();
  if (/^(utf-16|utf-16le|utf-16be|unicode|ucs-2|csunicode|iso-10646-ucs-2|unicodefeff|unicodefffe)$/.test(label))
    return 'utf-8';
  if (label === 'x-user-defined') return 'windows-1252';
  return label;
}

/** Result of {@link decodeHtml}. */
export interface DecodedHtml {
  text: string;
  /** The encoding used (WHATWG name, e.g. `utf-8`, `windows-1251`). */
  charset: string;
  /** Where the charset came from, as reported by `decodeText` (e.g. `bom`, `declared`, `sniffed`). */
  source: string;
  /** The charset the HTTP `Content-Type` header named, and the one the `<meta>` prescan found (null when absent). */
  httpCharset: string | null;
  metaCharset: string | null;
}

/**
 * Decodes an HTML page: BOM first, then the HTTP `Content-Type` charset, then the `<meta>` prescan of the first
 * 1024 bytes, else UTF-8 validity sniffing (all done by `decodeText` from shared/text/charset.ts, which is given
 * `[httpCharset, metaCharset]`). Strings are returned unchanged (already decoded). Deviation from WHATWG HTML
 * (which trusts the label): a declared legacy label on bytes that are valid UTF-8 containing multi-byte sequences
 * decodes as UTF-8 (stale `<meta>` on re-saved pages).
 *
 * @param body raw bytes (or an already decoded string)
 * @param contentType the HTTP `Content-Type` header value, if any
 * @throws never for bad bytes: undecodable sequences become U+FFFD
 */
export function decodeHtml(body: Buffer | string, contentType?: string | null): DecodedHtml {
  const httpCharset = contentType ? charsetFromContentType(contentType) : null;
  if (typeof body === 'string') {
    return { text: body, charset: 'utf-8', source: 'string', httpCharset, metaCharset: null };
  }
  const metaCharset = prescanMetaCharset(body);
  const declaredLabel = normalizeCharsetLabel(httpCharset ?? metaCharset);
  // The common case, UTF-8 declared or nothing declared, decoded once: a strict decode that succeeds is the text
  // decodeText would return (after it had validated the bytes with one decode and decoded them with another).
  // Bytes with NULs are left to decodeText, which sniffs UTF-16 without a BOM, and a BOM is left to it too.
  const utf8Bom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  if ((declaredLabel === null || declaredLabel === 'utf-8') && !utf8Bom) {
    const text = strictUtf8(body);
    if (text !== null && !text.includes('\0')) {
      return { text, charset: 'utf-8', source: declaredLabel ? 'declared' : 'sniffed', httpCharset, metaCharset };
    }
  }
  let declared: Array<string | null> = [httpCharset, metaCharset];
  // A legacy multi-byte label (gb2312, shift_jis, euc-kr, big5 …) on bytes that are valid UTF-8 with multi-byte
  // sequences: the page was re-saved or re-served as UTF-8 and the label is stale (such bytes are practically
  // never valid UTF-8 by chance). decodeText already applies this override to single-byte labels.
  const label = declaredLabel;
  if (label && label !== 'utf-8') {
    const scan = scanUtf8(body);
    if (scan.valid && scan.multibyte > 0) declared = ['utf-8'];
  }
  const decoded = decodeText(body, declared);
  return { text: decoded.text, charset: decoded.charset, source: String(decoded.source), httpCharset, metaCharset };
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes decoded as UTF-8, or null when they are not well-formed UTF-8. */
function strictUtf8(bytes: Uint8Array): string | null {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    return null;
  }
}
