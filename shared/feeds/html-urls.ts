/**
 * Relative URLs inside entry HTML resolved against the entry's base URI. In Atom the base is given by
 * `xml:base` on the feed, the entry and the content element, applied in document order (RFC 4287 §2,
 * XML Base §4.2: each `xml:base` is resolved against the base of its parent); elsewhere it is the document (or
 * channel) URL. Content read later out of its feed (extraction fallback, alerts) then has working links and
 * images, as feed readers show it.
 */
import { decodeHTMLAttribute } from 'entities';

/**
 * Attributes that hold one URL (HTML Living Standard, the URL-valued content attributes; plus the legacy ones
 * feed content still carries: `background`, `longdesc`, `codebase`).
 */
const URL_ATTRS = new Set([
  'href',
  'src',
  'cite',
  'action',
  'formaction',
  'poster',
  'data',
  'background',
  'longdesc',
  'codebase',
  'usemap',
  'manifest',
  'icon',
]);

/** True for an attribute name (lower case) that holds one URL (`href`, `src`, `poster`, …; not `srcset`). */
export function isUrlAttribute(name: string): boolean {
  return URL_ATTRS.has(name);
}

/** An attribute inside a start tag: name, then an optional `=value` (double-, single- or unquoted). */
const ATTR = /([^\s"'>/=]+)(\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
/** An end tag, or a start tag with its attributes (quoted values may contain `>`). */
const TAG =
  /<\/([A-Za-z][^\s/>]*)\s*>|<([A-Za-z][^\s/>]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/g;

/** HTML void elements (HTML §13.1.2): no end tag, so they never open a scope. */
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

/**
 * Resolves one attribute value against `base`: absolute URLs (any scheme) stay as they are, so do empty values;
 * an unresolvable value is left unchanged.
 * @param value the decoded attribute value
 * @param base absolute base URL
 */
export function resolveUrlValue(value: string, base: string): string {
  const v = value.trim();
  if (v === '' || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(v)) return value;
  try {
    return new URL(v, base).href;
  } catch {
    return value;
  }
}

/** `srcset` (HTML §4.8.4.3.1): comma-separated candidates `URL [descriptor]`; each URL is resolved. */
export function resolveSrcset(value: string, base: string): string {
  return value
    .split(',')
    .map((candidate) => {
      const m = /^(\s*)(\S+)(.*)$/s.exec(candidate);
      return m ? `${m[1]}${resolveUrlValue(m[2]!, base)}${m[3]}` : candidate;
    })
    .join(',');
}

/** Escapes a value for a double-quoted HTML attribute. */
function quoteAttr(v: string): string {
  return `"${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`;
}

/**
 * Rewrites the URL-valued attributes (`href`, `src`, `srcset`, `poster`, `cite`, …) of every start tag in an
 * HTML fragment to absolute URLs against `base`. An `xml:base` attribute inside the fragment (XHTML content
 * carries them) changes the base for that element and its descendants, and is dropped. Only those attributes
 * change (values re-quoted with `"`); the rest of the markup is kept byte for byte.
 * @param html an HTML fragment (entry content)
 * @param base absolute base URL (the entry content's base URI)
 * @returns the fragment with absolute URLs
 */
export function resolveHtmlUrls(html: string, base: string): string {
  if (!html.includes('<')) return html;
  // Open elements with the base URI in force inside each (only tracked once some xml:base was seen).
  const open: Array<{ name: string; base: string }> = [];
  const current = () => open[open.length - 1]?.base ?? base;
  return html.replace(
    TAG,
    (tag: string, endName: string | undefined, name: string, attrText: string, selfClose: string) => {
      if (endName !== undefined) {
        const lower = endName.toLowerCase();
        for (let i = open.length - 1; i >= 0; i--) {
          if (open[i]!.name === lower) {
            open.length = i;
            break;
          }
        }
        return tag;
      }
      const lower = name.toLowerCase();
      let elBase = current();
      let changed = false;
      const declared = /\sxml:base\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i.exec(attrText);
      if (declared) {
        const v = decodeHTMLAttribute(declared[1] ?? declared[2] ?? declared[3] ?? '').trim();
        try {
          elBase = new URL(v, elBase).href;
        } catch {
          /* an unusable xml:base changes nothing */
        }
      }
      if (!selfClose && !VOID.has(lower) && (declared || open.length > 0)) open.push({ name: lower, base: elBase });
      if (!declared && !URL_ATTR_HINT.test(attrText)) return tag;
      const rewritten = attrText.replace(
        ATTR,
        (whole: string, attr: string, eq: string | undefined, dq?: string, sq?: string, uq?: string) => {
          const attrLower = attr.toLowerCase();
          if (attrLower === 'xml:base') {
            changed = true;
            return '';
          }
          if (eq === undefined) return whole;
          const isSrcset = attrLower === 'srcset' || attrLower === 'imagesrcset';
          if (!isSrcset && !URL_ATTRS.has(attrLower)) return whole;
          const raw = decodeHTMLAttribute(dq ?? sq ?? uq ?? '');
          const next = isSrcset ? resolveSrcset(raw, elBase) : resolveUrlValue(raw, elBase);
          if (next === raw) return whole;
          changed = true;
          return `${attr}=${quoteAttr(next)}`;
        },
      );
      if (!changed) return tag;
      return `<${name}${rewritten.replace(/\s+(?=\s)/g, '').trimEnd()}${selfClose ? ' /' : ''}>`;
    },
  );
}

const URL_ATTR_HINT =
  /(?:href|src|srcset|cite|action|poster|data|background|longdesc|codebase|usemap|manifest|icon)\s*=/i;
