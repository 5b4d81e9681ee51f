/**
 * Small text helpers for feed fields: HTML → plain text, entity decoding, control-character
 * stripping, whitespace collapsing. Entity tables are the WHATWG HTML named character references
 * (`entities` package); this is not an HTML sanitiser (wirewatch keeps no HTML: items carry plain text).
 */
import { decodeHTML } from 'entities';

/** Decodes HTML character references (named, decimal, hex; WHATWG HTML §13.5), lenient like browsers. */
export function decodeEntities(s: string): string {
  return s.includes('&') ? decodeHTML(s) : s;
}

/**
 * Removes characters XML 1.0 §2.2 does not allow (C0 controls except TAB/LF/CR, U+FFFE/U+FFFF, lone
 * surrogates) and C1 controls U+0080–U+009F.
 */
export function stripControlChars(s: string): string {
  return s.replace(NOT_XML_CHARS, '');
}

const NOT_XML_CHARS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 §2.2 excludes these code points; this strips them
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const C1_TO_CP1252: Record<number, string> = {
  0x80: '\u20ac',
  0x82: '\u201a',
  0x83: '\u0192',
  0x84: '\u201e',
  0x85: '\u2026',
  0x86: '\u2020',
  0x87: '\u2021',
  0x88: '\u02c6',
  0x89: '\u2030',
  0x8a: '\u0160',
  0x8b: '\u2039',
  0x8c: '\u0152',
  0x8e: '\u017d',
  0x91: '\u2018',
  0x92: '\u2019',
  0x93: '\u201c',
  0x94: '\u201d',
  0x95: '\u2022',
  0x96: '\u2013',
  0x97: '\u2014',
  0x98: '\u02dc',
  0x99: '\u2122',
  0x9a: '\u0161',
  0x9b: '\u203a',
  0x9c: '\u0153',
  0x9e: '\u017e',
  0x9f: '\u0178',
};

/**
 * Replaces C1 control characters U+0080–U+009F (windows-1252 bytes mislabelled as ISO-8859-1 and then re-encoded,
 * "demoronize") with the windows-1252 characters they stand for; the 5 unassigned ones are removed.
 */
export function mapC1ToCp1252(s: string): string {
  return /[\u0080-\u009f]/.test(s) ? s.replace(/[\u0080-\u009f]/g, (c) => C1_TO_CP1252[c.charCodeAt(0)] ?? '') : s;
}

/** Collapses every run of whitespace (incl. NBSP and Unicode spaces) to one space and trims. */
export function collapseWhitespace(s: string): string {
  return s.replace(/[\s\u00a0\u2000-\u200b\u2028\u2029\u3000]+/g, ' ').trim();
}

const BLOCK =
  /<\/?(?:p|div|br|li|ul|ol|h[1-6]|blockquote|section|article|table|tr|td|th|pre|hr|dd|dt|figure|figcaption)\b[^>]*>/gi;

/**
 * HTML fragment → plain text on one line: comments, `<script>`/`<style>` and tags removed (block tags become a
 * space), entities decoded, control characters stripped, whitespace collapsed.
 * @returns plain text, `''` for empty input
 */
export function htmlToText(html: string | null | undefined): string {
  if (!html) return '';
  let s = html;
  if (s.includes('<')) {
    s = s
      .replace(/<!--[\s\S]*?(?:-->|$)/g, ' ')
      .replace(/<(script|style|noscript|template)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)/gi, ' ')
      .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
      .replace(BLOCK, ' ')
      .replace(/<\/?[A-Za-z][^<>]*(?:>|$)/g, '');
  }
  return collapseWhitespace(stripControlChars(decodeEntities(s)));
}

/** Plain text → plain text: entities NOT decoded (it is text already), controls stripped, whitespace collapsed. */
export function cleanText(text: string | null | undefined): string {
  if (!text) return '';
  return collapseWhitespace(stripControlChars(text));
}

/** Escapes `& < > "` so plain text can be embedded in HTML (for `content_text` → `contentHtml`). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}
