/**
 * Makes feed XML safe and readable for a strict parser, without changing well-formed input's
 * meaning:
 * - the DOCTYPE (with any internal subset) is removed, so no DTD entity is ever expanded (billion laughs,
 *   XXE: OWASP XML External Entity Prevention) — references to undeclared entities are kept as literal text;
 * - HTML named character references (`&nbsp;`, `&eacute;`; WHATWG list) become the characters they name;
 * - numeric references to characters XML forbids are dropped; `&#128;`–`&#159;` are read as windows-1252
 *   (WHATWG HTML §13.2.5.80, what browsers do);
 * - a stray `&` or `<` in text becomes `&amp;` / `&lt;`, so one bad character does not lose the whole feed.
 * CDATA sections, comments and processing instructions are left untouched.
 */
import { decodeHTML } from 'entities';

const XML_PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

const CP1252_C1: Record<number, number> = {
  0x80: 0x20ac,
  0x82: 0x201a,
  0x83: 0x0192,
  0x84: 0x201e,
  0x85: 0x2026,
  0x86: 0x2020,
  0x87: 0x2021,
  0x88: 0x02c6,
  0x89: 0x2030,
  0x8a: 0x0160,
  0x8b: 0x2039,
  0x8c: 0x0152,
  0x8e: 0x017d,
  0x91: 0x2018,
  0x92: 0x2019,
  0x93: 0x201c,
  0x94: 0x201d,
  0x95: 0x2022,
  0x96: 0x2013,
  0x97: 0x2014,
  0x98: 0x02dc,
  0x99: 0x2122,
  0x9a: 0x0161,
  0x9b: 0x203a,
  0x9c: 0x0153,
  0x9e: 0x017e,
  0x9f: 0x0178,
};

function validXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function charRef(cp: number): string {
  return `&#${cp};`;
}

const REF = /&(?:#(\d{1,8});?|#[xX]([0-9a-fA-F]{1,7});?|([A-Za-z][A-Za-z0-9]{0,31});?)?/g;

function fixRefs(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REF, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (dec !== undefined || hex !== undefined) {
      let cp = dec !== undefined ? parseInt(dec, 10) : parseInt(hex!, 16);
      if (cp >= 0x80 && cp <= 0x9f) cp = CP1252_C1[cp] ?? 0xfffd;
      if (!validXmlChar(cp)) return '';
      return charRef(cp);
    }
    if (name !== undefined) {
      const terminated = whole.endsWith(';');
      if (terminated && XML_PREDEFINED.has(name)) return whole;
      if (terminated) {
        const decoded = decodeHTML(whole);
        if (decoded !== whole) return [...decoded].map((c) => charRef(c.codePointAt(0)!)).join('');
      } else {
        // Legacy unterminated references (`&amp` `&copy`): decode only when the name is a known one.
        const decoded = decodeHTML(whole);
        if (decoded !== whole && !decoded.startsWith('&')) {
          return [...decoded].map((c) => charRef(c.codePointAt(0)!)).join('');
        }
      }
      return `&amp;${whole.slice(1)}`;
    }
    return '&amp;';
  });
}

/** Escapes `<` that cannot start markup (`a < b`, `<3`). */
function fixLt(text: string): string {
  return text.replace(/<(?![A-Za-z_:/!?\u00c0-\uffff])/g, '&lt;');
}

const PROTECTED = /<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<!--[\s\S]*?(?:-->|$)|<\?[\s\S]*?(?:\?>|$)/g;

const XHTML_CONSTRUCT =
  /<((?:[A-Za-z_][\w.-]*:)?(?:title|subtitle|summary|content|rights|tagline|info))(\s[^>]*?\btype\s*=\s*["'](?:xhtml|application\/xhtml\+xml)["'][^>]*?)(?<!\/)>([\s\S]*?)<\/\1\s*>/g;

/**
 * Atom `type="xhtml"` text constructs (RFC 4287 §3.1.1.3) → `type="html"` with the markup escaped, so element
 * order inside mixed content survives the object-model parser. The wrapping `<div>` is dropped (it is not part
 * of the content, RFC 4287 §3.1.1.3).
 */
export function xhtmlToEscaped(xml: string): string {
  if (!/xhtml/.test(xml)) return xml;
  return xml.replace(XHTML_CONSTRUCT, (_whole, tag: string, attrs: string, inner: string) => {
    const unwrapped = inner.replace(
      /^\s*<(?:[A-Za-z_][\w.-]*:)?div\b([^>]*)>([\s\S]*)<\/(?:[A-Za-z_][\w.-]*:)?div>\s*$/,
      // A wrapper carrying xml:base is kept (as a plain div) so the base still applies to what it contains.
      (_w, divAttrs: string, content: string) => {
        const xmlBase = /\sxml:base\s*=\s*("[^"]*"|'[^']*')/.exec(divAttrs);
        return xmlBase ? `<div xml:base=${xmlBase[1]}>${content}</div>` : content;
      },
    );
    const html = unwrapped.replace(/<(\/?)[A-Za-z_][\w.-]*:/g, '<$1'); // xhtml:p → p
    const escaped = html.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const newAttrs = attrs.replace(/\btype\s*=\s*["'][^"']*["']/, 'type="html"');
    return `<${tag}${newAttrs}>${escaped}</${tag}>`;
  });
}

/** Removes the prolog's `<!DOCTYPE …>` including an internal subset `[...]` (text in CDATA is left alone). */
export function stripDoctype(xml: string): string {
  return xml.replace(/^((?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*)<!DOCTYPE\b[^[>]*(?:\[[\s\S]*?\]\s*)?>/i, '$1');
}

/**
 * Applies the repairs listed in the module docstring.
 * @param xml decoded document text (control characters already stripped)
 * @returns repaired text (identical for a clean feed without DOCTYPE or HTML entities)
 */
export function repairXml(xml: string): string {
  const s = xhtmlToEscaped(stripDoctype(xml));
  let out = '';
  let last = 0;
  for (const m of s.matchAll(PROTECTED)) {
    out += fixLt(fixRefs(s.slice(last, m.index)));
    out += m[0];
    last = m.index! + m[0].length;
  }
  out += fixLt(fixRefs(s.slice(last)));
  return out;
}

const TOKEN =
  /<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<!--[\s\S]*?(?:-->|$)|<\?[\s\S]*?(?:\?>|$)|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*(\/?)>/g;

/**
 * Balances element tags for documents a strict parser rejects: a start tag that is never closed before its
 * parent closes becomes an empty element (`<a x='1'>` → `<a x='1'/>`, so what followed it stays a sibling),
 * a stray end tag is dropped, elements left open at the end (a truncated document) are closed, and text after
 * the root element is dropped.
 * @returns the balanced document, or null when nothing needed changing
 */
export function balanceTags(xml: string): string | null {
  type Open = { name: string; start: number; end: number };
  const stack: Open[] = [];
  const edits: Array<{ start: number; end: number; text: string }> = [];
  let rootEnd = -1;
  for (const m of xml.matchAll(TOKEN)) {
    if (m[2] === undefined) continue; // CDATA, comment, PI, doctype
    const start = m.index!;
    const end = start + m[0].length;
    if (rootEnd !== -1) {
      edits.push({ start: rootEnd, end: xml.length, text: '' });
      break;
    }
    const name = m[2];
    if (m[1] === '/') {
      let i = stack.length - 1;
      while (i >= 0 && stack[i]!.name !== name) i--;
      if (i < 0) {
        edits.push({ start, end, text: '' }); // stray end tag
        continue;
      }
      for (let j = stack.length - 1; j > i; j--) {
        const o = stack[j]!;
        edits.push({ start: o.end - 1, end: o.end, text: '/>' }); // unclosed → empty element
      }
      stack.length = i;
      if (i === 0) rootEnd = end;
    } else if (m[4] !== '/') {
      stack.push({ name, start, end });
    }
  }
  for (let j = stack.length - 1; j >= 0; j--)
    edits.push({ start: xml.length, end: xml.length, text: `</${stack[j]!.name}>` });
  if (edits.length === 0) return null;
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let pos = 0;
  for (const e of edits) {
    if (e.start < pos) continue;
    out += xml.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  out += xml.slice(pos);
  return out;
}
