/**
 * Document sniffing before parsing: the XML declaration's encoding, whether bytes are
 * JSON, XML or an HTML page, and the feed links an HTML page advertises (RSS Autodiscovery /
 * WHATWG HTML `link rel=alternate`).
 */
import { canonicalizeUrl } from './url.ts';
import { decodeEntities } from '../text/html.ts';

/** The `encoding` pseudo-attribute of an ASCII-compatible XML declaration (XML 1.0 §4.3.3), else null. */
export function xmlDeclaredEncoding(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString('latin1');
  const m = /^(?:\ufeff|\xef\xbb\xbf)?\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return m ? m[1]!.toLowerCase() : null;
}

/** `<meta charset>` / `<meta http-equiv=content-type content="...charset=...">` in the first 2 KiB of HTML. */
export function htmlMetaCharset(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 2048)).toString('latin1');
  const m = /<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)/i.exec(head);
  return m ? m[1]!.toLowerCase() : null;
}

/** What a decoded document looks like. */
export type DocumentKind = 'json' | 'xml' | 'html' | 'unknown';

/**
 * Classifies decoded text: JSON (`{` first), HTML (`<!DOCTYPE html>`, `<html`, or `<head>`/`<body>` with no feed
 * root), XML (anything else starting with `<`), else unknown. Content-Type is a hint only for JSON vs unknown.
 */
export function sniffDocument(text: string, contentType?: string | null): DocumentKind {
  const start = text.replace(/^[\s\ufeff]+/, '');
  if (start.startsWith('{') || start.startsWith('[')) return 'json';
  if (!start.startsWith('<')) {
    return /json/i.test(contentType ?? '') ? 'json' : 'unknown';
  }
  const head = start.slice(0, 4096);
  const rootIsFeed = /<(?:[A-Za-z0-9_-]+:)?(?:rss|feed|RDF|channel)\b/.test(head);
  if (/^(?:<!--[\s\S]*?-->\s*)*<!doctype\s+html/i.test(start)) return 'html';
  if (/^(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<html[\s>]/i.test(start)) return 'html';
  if (!rootIsFeed && /<(?:head|body|title|meta|div|p)[\s>]/i.test(head) && !/^<\?xml/.test(start)) return 'html';
  return 'xml';
}

const FEED_TYPES = /^(application\/(?:rss|atom|rdf|feed)\+(?:xml|json)|application\/(?:xml|json)|text\/xml)$/i;

/**
 * Feed URLs advertised by an HTML page: `<link rel="alternate" type="application/rss+xml|atom+xml|feed+json"
 * href>` (any attribute order/quoting), resolved against `baseUrl` (and `<base href>` when present), canonicalised,
 * de-duplicated, in document order.
 */
export function feedLinksFromHtml(html: string, baseUrl: string): string[] {
  const baseTag = /<base\b[^>]*\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(html);
  let base = baseUrl;
  if (baseTag) {
    try {
      base = new URL(decodeEntities(baseTag[1] ?? baseTag[2] ?? baseTag[3] ?? ''), baseUrl).href;
    } catch {
      /* keep baseUrl */
    }
  }
  const out: string[] = [];
  for (const m of html.matchAll(/<link\b([^>]*)>/gi)) {
    const attrs = parseAttributes(m[1]!);
    const rel = (attrs.rel ?? '').toLowerCase().split(/\s+/);
    if (!rel.includes('alternate')) continue;
    const type = (attrs.type ?? '').trim();
    if (!FEED_TYPES.test(type)) continue;
    if (!attrs.href) continue;
    const url = canonicalizeUrl(attrs.href, base);
    if (url && !out.includes(url)) out.push(url);
  }
  return out;
}

function parseAttributes(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([A-Za-z_:][-A-Za-z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    const name = m[1]!.toLowerCase();
    if (!(name in out)) out[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}
