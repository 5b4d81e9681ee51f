/**
 * Feed document → `ParsedFeed`. Bytes are decoded here (BOM → HTTP charset → XML
 * declaration, `shared/text/charset.ts`), sniffed (JSON Feed / XML / HTML page), XML is repaired
 * (`xml-repair.ts`: no DTD, HTML entities, stray `&`) and parsed with rss-parser's `parseString` (RSS 0.9x,
 * RSS 1.0/RDF, RSS 2.0, Atom 0.3/1.0; never `parseURL`), JSON Feed 1.0/1.1 with `json-feed.ts`. Each entry is
 * normalised into a `FeedEntry` (§6) and keyed (§7).
 */
import zlib from 'node:zlib';
import Parser from 'rss-parser';
import type { FeedEntry, FeedFormat, ParsedFeed } from '../types.ts';
import { charsetFromContentType, decodeText } from '../text/charset.ts';
import { cleanText, escapeHtml, htmlToText, mapC1ToCp1252, stripControlChars } from '../text/html.ts';
import { parseDate } from '../text/date.ts';
import { canonicalizeUrl, absoluteHttpUrl } from './url.ts';
import { FeedError } from './errors.ts';
import { feedLinksFromHtml, htmlMetaCharset, sniffDocument, xmlDeclaredEncoding } from './sniff.ts';
import { balanceTags, repairXml } from './xml-repair.ts';
import { assignKeys, type UnkeyedEntry } from './identity.ts';
import { parseJsonFeed } from './json-feed.ts';
import { isUrlAttribute, resolveHtmlUrls, resolveSrcset, resolveUrlValue } from './html-urls.ts';

/** Options of `parseFeed`. */
export interface ParseFeedOptions {
  /** URL the document came from (final URL after redirects): base for relative links, part of `hash:` keys. */
  url: string;
  /** The Content-Type header it came with (its charset is honoured), if any. */
  contentType?: string | null;
  /** "Now" for the future-date clamp (default: current time). */
  now?: Date;
}

/** A date more than this far in the future is clamped to `now` (first-seen time), ms. */
export const FUTURE_TOLERANCE_MS = 24 * 3600 * 1000;

/**
 * Parses one feed document.
 * @param body raw bytes (Content-Encoding already removed)
 * @param opts document URL, Content-Type, clock
 * @returns feed metadata, normalised keyed entries (duplicates dropped), and warnings (one sentence each)
 * @throws FeedError `not_a_feed` (HTML page — `suggestions` = advertised feed URLs — or XML/JSON that is no
 *   feed) or `parse_error` (unreadable XML/JSON)
 */
export async function parseFeed(body: Buffer, opts: ParseFeedOptions): Promise<ParsedFeed> {
  const now = opts.now ?? new Date();
  const gz = body.length > 18 && body[0] === 0x1f && body[1] === 0x8b;
  if (gz) body = gunzipped(body, opts.url);
  const httpCharset = charsetFromContentType(opts.contentType);
  // <meta charset> only counts for HTML (a feed's CDATA may quote one); XML without a declaration is UTF-8.
  const head = body.subarray(0, 512).toString('latin1');
  const xmlish = /^(?:\xef\xbb\xbf)?\s*(?:<\?xml|<(?:[\w-]+:)?(?:rss|feed|RDF)\b)/.test(head);
  const decoded = decodeText(body, [httpCharset, xmlDeclaredEncoding(body), xmlish ? null : htmlMetaCharset(body)]);
  const text = stripControlChars(mapC1ToCp1252(decoded.text));
  const kind = sniffDocument(text, opts.contentType);
  const warnings: string[] = [];
  if (decoded.source === 'sniffed' && httpCharset && decoded.charset !== httpCharset) {
    warnings.push(`declared charset ${httpCharset} contradicted by the bytes; decoded as ${decoded.charset}`);
  }

  let feed: ParsedFeed['feed'];
  let raw: UnkeyedEntry[];
  if (kind === 'json') {
    const r = parseJsonFeed(text, opts.url);
    feed = r.feed;
    raw = r.entries;
  } else if (kind === 'html') {
    const suggestions = feedLinksFromHtml(text, opts.url);
    const embedded = /<(rss|feed)\b[^>]*>[\s\S]*<\/\1>/.exec(text);
    if (embedded) {
      // A feed wrapped in an HTML page (seen in the wild): read the feed element.
      const r = await parseXmlFeed(embedded[0], opts.url);
      warnings.push('the feed was wrapped in an HTML page', ...r.warnings);
      return finish(r.feed, r.entries, warnings, opts.url, now);
    }
    throw new FeedError(
      'not_a_feed',
      `${opts.url} is an HTML page, not a feed` +
        (suggestions.length ? `; it advertises ${suggestions.join(', ')}` : ''),
      { suggestions },
    );
  } else if (kind === 'unknown') {
    throw new FeedError(
      'not_a_feed',
      `${opts.url} is neither XML nor JSON (starts ${JSON.stringify(text.slice(0, 40))})`,
    );
  } else {
    const r = await parseXmlFeed(text, opts.url);
    feed = r.feed;
    raw = r.entries;
    warnings.push(...r.warnings);
  }

  return finish(feed, raw, warnings, opts.url, now);
}

/** Clamps future dates, fills `publishedAt` from `updatedAt` where it is missing, assigns keys, collects warnings. */
function finish(feed: ParsedFeed['feed'], raw: UnkeyedEntry[], warnings: string[], url: string, now: Date): ParsedFeed {
  // Future dates: clamp to first-seen time (§6).
  const limit = now.getTime() + FUTURE_TOLERANCE_MS;
  raw.forEach((e, i) => {
    for (const field of ['publishedAt', 'updatedAt'] as const) {
      const v = e[field];
      if (v && Date.parse(v) > limit) {
        warnings.push(`entry ${i + 1} ${field} ${v} is more than a day in the future; clamped to ${now.toISOString()}`);
        e[field] = now.toISOString();
      }
    }
  });
  // An entry dated only by its update time (most Atom feeds without <published>; JSON Feed date_modified) is
  // taken to be published then: the best date there is, and recorded as such.
  for (const e of raw) {
    if (e.publishedAt) e.publishedAtSource = 'published';
    else if (e.updatedAt) {
      e.publishedAt = e.updatedAt;
      e.publishedAtSource = 'updated';
    } else e.publishedAtSource = null;
  }
  const keyed = assignKeys(raw, url);
  warnings.push(...keyed.warnings);
  return { feed, entries: keyed.entries, warnings };
}

/** Largest document `parseFeed` gunzips from a body that is still gzip (servers that double-encode), bytes. */
export const MAX_INNER_GZIP_BYTES = 10 * 1024 * 1024;

function gunzipped(body: Buffer, url: string): Buffer {
  try {
    return zlib.gunzipSync(body, { maxOutputLength: MAX_INNER_GZIP_BYTES, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch (err) {
    throw new FeedError(
      'parse_error',
      `${url}: body is gzip data that does not decompress within ${MAX_INNER_GZIP_BYTES} bytes`,
      {
        cause: err,
      },
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// XML path

type XAttrs = Record<string, string>;
/** An xml2js node: text, or an element object with `_` text, `$` attributes and child arrays. */
type XNode = string | { _?: string; $?: XAttrs; [child: string]: unknown };

const NS: Record<string, string> = {
  'http://www.w3.org/2005/Atom': 'atom',
  'http://purl.org/atom/ns#': 'atom',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://purl.org/dc/terms/': 'dcterms',
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://search.yahoo.com/mrss/': 'media',
  'http://search.yahoo.com/mrss': 'media',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#': 'rdf',
  'http://purl.org/rss/1.0/': '',
  'http://backend.userland.com/rss2': '',
  'http://backend.userland.com/rss': '',
  'http://my.netscape.com/rdf/simple/0.9/': '',
  'http://rssnamespace.org/feedburner/ext/1.0': 'feedburner',
  'http://www.itunes.com/dtds/podcast-1.0.dtd': 'itunes',
  'http://www.w3.org/1999/xhtml': 'xhtml',
};

/** Root element name (qualified as written), skipping prolog, comments, PIs and DOCTYPE. */
function rootName(xml: string): string | null {
  const m = /^(?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^[>]*(?:\[[\s\S]*?\])?\s*>)*<([A-Za-z_][\w.:-]*)/.exec(
    xml,
  );
  return m ? m[1]! : null;
}

/** Builds a tag-name processor that maps well-known namespace prefixes to the names rss-parser expects. */
function prefixMapper(xml: string, root: string): ((name: string) => string) | null {
  const renames = new Map<string, string>();
  const rootPrefix = root.includes(':') ? root.slice(0, root.indexOf(':')) : null;
  for (const m of xml.matchAll(/\sxmlns:([A-Za-z_][\w.-]*)\s*=\s*["']([^"']+)["']/g)) {
    const prefix = m[1]!;
    let canonical = NS[m[2]!.trim()];
    if (canonical === undefined) continue;
    if (canonical === 'atom' && rootPrefix === prefix) canonical = '';
    if (canonical === 'rdf' && prefix !== 'rdf') canonical = 'rdf';
    if (canonical !== prefix && !renames.has(prefix)) renames.set(prefix, canonical);
  }
  if (renames.size === 0) return null;
  return (name: string) => {
    const i = name.indexOf(':');
    if (i === -1) return name;
    const to = renames.get(name.slice(0, i));
    if (to === undefined) return name;
    return to === '' ? name.slice(i + 1) : `${to}:${name.slice(i + 1)}`;
  };
}

const ITEM_FIELDS: Array<[string, string]> = [
  ['$', 'x_attrs'],
  ['title', 'x_title'],
  ['dc:title', 'x_dctitle'],
  ['media:title', 'x_mediatitle'],
  ['link', 'x_link'],
  ['wwLink', 'x_link'],
  ['atom:link', 'x_atomlink'],
  ['guid', 'x_guid'],
  ['id', 'x_id'],
  ['description', 'x_description'],
  ['summary', 'x_summary'],
  ['dc:description', 'x_dcdescription'],
  ['itunes:summary', 'x_itunessummary'],
  ['content', 'x_content'],
  ['content:encoded', 'x_encoded'],
  ['xhtml:body', 'x_xhtmlbody'],
  ['body', 'x_body'],
  ['pubDate', 'x_pubdate'],
  ['dc:date', 'x_dcdate'],
  ['dcterms:issued', 'x_dctissued'],
  ['dcterms:created', 'x_dctcreated'],
  ['published', 'x_published'],
  ['wwPublished', 'x_published'],
  ['atom:published', 'x_atompublished'],
  ['issued', 'x_issued'],
  ['created', 'x_created'],
  ['updated', 'x_updated'],
  ['wwUpdated', 'x_updated'],
  ['atom:updated', 'x_atomupdated'],
  ['modified', 'x_modified'],
  ['dcterms:modified', 'x_dctmodified'],
  ['author', 'x_author'],
  ['dc:creator', 'x_dccreator'],
  ['dc:author', 'x_dcauthor'],
  ['itunes:author', 'x_itunesauthor'],
  ['category', 'x_category'],
  ['dc:subject', 'x_dcsubject'],
  ['enclosure', 'x_enclosure'],
  ['media:content', 'x_media'],
  ['media:group', 'x_mediagroup'],
  ['feedburner:origLink', 'x_origlink'],
];

const FEED_FIELDS: Array<[string, string]> = [
  ['$', 'x_attrs'],
  ['title', 'x_title'],
  ['dc:title', 'x_dctitle'],
  ['link', 'x_link'],
  ['wwLink', 'x_link'],
  ['atom:link', 'x_atomlink'],
];

/**
 * Atom element names hidden from rss-parser's own Atom mapping, which throws on a `<link>` without attributes
 * and on a `<published>`/`<updated>` that `new Date()` cannot read (one bad entry would lose the whole feed).
 * wirewatch reads these elements itself (custom fields below).
 */
const ATOM_HIDDEN: Record<string, string> = { link: 'wwLink', published: 'wwPublished', updated: 'wwUpdated' };
const hideAtom = (name: string) => ATOM_HIDDEN[name] ?? name;

function makeParser(mapper: ((n: string) => string) | null, atom: boolean, loose?: (n: string) => string): Parser {
  const keep = (f: [string, string]) => [f[0], f[1], { keepArray: true }];
  const tagNameProcessors = [...(loose ? [loose] : []), ...(mapper ? [mapper] : []), ...(atom ? [hideAtom] : [])];
  return new Parser({
    defaultRSS: 2,
    xml2js: loose
      ? { strict: false, tagNameProcessors, attrNameProcessors: [loose] }
      : tagNameProcessors.length
        ? { tagNameProcessors }
        : {},
    customFields: {
      feed: FEED_FIELDS.map(keep) as never,
      item: ITEM_FIELDS.map(keep) as never,
    },
  });
}

const plainParsers = { rss: makeParser(null, false), atom: makeParser(null, true) };

async function parseXmlFeed(
  xmlIn: string,
  url: string,
): Promise<{ feed: ParsedFeed['feed']; entries: UnkeyedEntry[]; warnings: string[] }> {
  const warnings: string[] = [];
  let xml = xmlIn;
  let root = rootName(xml);
  if (!root) throw new FeedError('parse_error', `${url}: no XML root element found`);
  let local = root.includes(':') ? root.slice(root.indexOf(':') + 1) : root;
  if (local === 'entry' && /xmlns(?::\w+)?\s*=\s*["']http:\/\/www\.w3\.org\/2005\/Atom["']/.test(xml.slice(0, 4000))) {
    // An Atom Entry Document (RFC 4287 §4.1.2): read it as a feed of one entry.
    const body = xml.replace(/^\s*<\?xml[\s\S]*?\?>/, '');
    xml = `<feed xmlns="http://www.w3.org/2005/Atom"${root.includes(':') ? ` xmlns:${root.slice(0, root.indexOf(':'))}="http://www.w3.org/2005/Atom"` : ''}>${body}</feed>`;
    root = 'feed';
    local = 'feed';
  }
  const format: FeedFormat | null =
    local === 'rss' ? 'rss' : local === 'RDF' || local === 'rdf' ? 'rdf' : local === 'feed' ? 'atom' : null;
  if (!format && local.toLowerCase() === 'html') {
    const embedded = /<(rss|feed)\b[^>]*>[\s\S]*<\/\1>/.exec(xml);
    if (embedded) {
      const r = await parseXmlFeed(embedded[0], url);
      r.warnings.unshift('the feed was wrapped in an HTML page');
      return r;
    }
  }
  if (!format) {
    throw new FeedError('not_a_feed', `${url}: XML root <${root}> is not RSS, RDF or Atom`);
  }
  const repaired = ensureChannel(repairXml(xml.replace(/^\s+/, '')), root, format);
  const mapper = prefixMapper(repaired.slice(0, 20_000), root);
  const atom = format === 'atom';
  const parser = mapper ? makeParser(mapper, atom) : atom ? plainParsers.atom : plainParsers.rss;
  let out: Record<string, unknown> = {};
  try {
    out = (await parser.parseString(repaired)) as unknown as Record<string, unknown>;
  } catch (err) {
    if (/not recognized/i.test(firstLine(err))) throw parseFailure(err, url);
    // Second chance: balanced tags (unclosed elements, stray end tags, text after the root, a document cut
    // short); third: sax's non-strict mode with the original name spelling restored.
    const salvaged = balanceTags(repaired);
    let ok = false;
    if (salvaged !== null) {
      try {
        out = (await parser.parseString(salvaged)) as unknown as Record<string, unknown>;
        ok = true;
      } catch {
        /* try the loose parser */
      }
    }
    if (!ok) {
      try {
        out = (await makeParser(mapper, atom, caseRestorer(repaired)).parseString(repaired)) as unknown as Record<
          string,
          unknown
        >;
      } catch {
        throw parseFailure(err, url);
      }
    }
    warnings.push(`XML was not well-formed (${firstLine(err)}); parsed it leniently`);
  }
  return normalizeXml(out, format, url, warnings);
}

/**
 * sax in non-strict mode upper-cases element and attribute names; this maps them back to their first spelling
 * in the source, so rss-parser finds `pubDate`, `content:encoded`, `isPermaLink`.
 */
function caseRestorer(xml: string): (name: string) => string {
  const spelling = new Map<string, string>();
  for (const m of xml.matchAll(/<\/?([A-Za-z_][\w.:-]*)|\s([A-Za-z_][\w.:-]*)\s*=/g)) {
    const n = m[1] ?? m[2]!;
    const up = n.toUpperCase();
    if (!spelling.has(up)) spelling.set(up, n);
  }
  return (name: string) => spelling.get(name.toUpperCase()) ?? name.toLowerCase();
}

/**
 * rss-parser needs a `<channel>`: RSS documents without one (items straight under `<rss>`, or an empty
 * `<rss/>`) get one wrapped around the root's content; RDF without one gets an empty channel.
 */
function ensureChannel(xml: string, root: string, format: FeedFormat): string {
  if (format === 'atom') return xml;
  const prefix = root.includes(':') ? root.slice(0, root.indexOf(':') + 1) : '';
  if (new RegExp(`<(?:${prefix.replace(/[.-]/g, '\\$&')})?channel[\\s>/]`).test(xml)) return xml;
  const open = new RegExp(`<${root.replace(/[.-]/g, '\\$&')}\\b[^>]*?(/?)>`).exec(xml);
  if (!open) return xml;
  const at = open.index + open[0].length;
  if (open[1] === '/') {
    const tag = open[0].replace(/\s*\/>$/, '>');
    const channel = format === 'rdf' ? 'channel' : `${prefix}channel`;
    return `${xml.slice(0, open.index)}${tag}<${channel}></${channel}></${root}>${xml.slice(at)}`;
  }
  // RDF: the channel is in the RSS 1.0 / 0.90 namespace (the default one), not in rdf:.
  if (format === 'rdf') return `${xml.slice(0, at)}<channel></channel>${xml.slice(at)}`;
  const close = xml.lastIndexOf(`</${root}`);
  if (close === -1) return xml;
  return `${xml.slice(0, at)}<${prefix}channel>${xml.slice(at, close)}</${prefix}channel>${xml.slice(close)}`;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 200);
}

function parseFailure(err: unknown, url: string): FeedError {
  const msg = firstLine(err);
  if (/not recognized/i.test(msg)) return new FeedError('not_a_feed', `${url}: ${msg}`, { cause: err });
  return new FeedError('parse_error', `${url}: XML parse error: ${msg}`, { cause: err });
}

// ---- xml2js node helpers -------------------------------------------------------------------------------

function arr(v: unknown): XNode[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as XNode[];
}

function attrs(n: XNode | undefined): XAttrs {
  return n && typeof n === 'object' && n.$ && typeof n.$ === 'object' ? n.$ : {};
}

/** All text under a node (mixed-content order is approximate: xml2js groups children by name). */
function textOf(n: XNode | undefined): string {
  if (n === undefined || n === null) return '';
  if (typeof n === 'string') return n;
  if (typeof n !== 'object') return String(n);
  let s = typeof n._ === 'string' ? n._ : '';
  for (const [k, v] of Object.entries(n)) {
    if (k === '$' || k === '_') continue;
    for (const c of arr(v)) s += ` ${textOf(c)}`;
  }
  return s;
}

/**
 * Serialises an xml2js subtree back to (X)HTML for Atom `type="xhtml"` content. URL-valued attributes are made
 * absolute against the element's base URI: `base`, changed by each `xml:base` on the way down (XML Base §4.2),
 * which is dropped from the output.
 */
function toHtml(n: XNode | undefined, base: string): string {
  if (n === undefined || n === null) return '';
  if (typeof n === 'string') return escapeHtml(n);
  let s = typeof n._ === 'string' ? escapeHtml(n._) : '';
  for (const [k, v] of Object.entries(n)) {
    if (k === '$' || k === '_') continue;
    const tag = k.replace(/^xhtml:/, '');
    for (const c of arr(v)) {
      const elBase = withBase(c, base);
      const a = Object.entries(attrs(c))
        .filter(([name]) => !name.startsWith('xmlns') && name !== 'xml:base')
        .map(([name, val]) => {
          const lower = name.toLowerCase();
          const abs =
            lower === 'srcset'
              ? resolveSrcset(val, elBase)
              : isUrlAttribute(lower)
                ? resolveUrlValue(val, elBase)
                : val;
          return ` ${name}="${escapeHtml(abs)}"`;
        })
        .join('');
      s += `<${tag}${a}>${toHtml(c, elBase)}</${tag}>`;
    }
  }
  return s;
}

/**
 * Base64 content: Atom 0.3 `mode="base64"`, or Atom 1.0 content whose `type` is a MIME type that is neither
 * text nor XML (RFC 4287 §4.1.3.3 rule 5).
 */
function isBase64Construct(n: XNode): boolean {
  const a = attrs(n);
  if ((a.mode ?? '').toLowerCase() === 'base64') return true;
  const type = (a.type ?? '').toLowerCase().trim();
  return type.includes('/') && !type.startsWith('text/') && !/[+/]xml$/.test(type) && !/xhtml/.test(type);
}

/** An Atom text construct (RFC 4287 §3.1) or RSS text as plain text. */
/**
 * @param rssHtml true for RSS fields, which are HTML by convention (RSS 2.0 spec: description "may contain
 *   entity-encoded HTML"); untyped Atom text is read the same way, as feed readers do.
 */
function plainFrom(n: XNode | undefined, rssHtml: boolean): string {
  if (n === undefined) return '';
  if (isBase64Construct(n)) {
    // Atom 0.3 mode="base64" (draft-ietf-atompub-format-03 §3.1.2)
    return htmlToText(Buffer.from(textOf(n).replace(/\s+/g, ''), 'base64').toString('utf8'));
  }
  const type = (attrs(n).type ?? attrs(n).mode ?? '').toLowerCase();
  if (type === 'xhtml' || type === 'application/xhtml+xml') return cleanText(textOf(n));
  if (type === 'text' || type === 'text/plain') return cleanText(textOf(n));
  if (type === 'html' || type === 'text/html' || type === 'escaped' || rssHtml) return htmlToText(textOf(n));
  return htmlToText(textOf(n));
}

/**
 * An Atom text construct / RSS HTML field as HTML, its relative URLs resolved against the element's base URI
 * (`base` of the parent, then the element's own `xml:base`; RFC 4287 §2).
 */
function htmlFrom(n: XNode | undefined, parentBase: string): string | null {
  if (n === undefined) return null;
  const a = attrs(n);
  if (a.src) return null; // out-of-line content (RFC 4287 §4.1.3.2)
  const type = (a.type ?? '').toLowerCase();
  const base = withBase(n, parentBase);
  let html: string;
  if (type === 'xhtml' || type === 'application/xhtml+xml') {
    const node = n as Record<string, unknown>;
    const div = arr(node.div ?? node['xhtml:div'])[0];
    html = div !== undefined ? toHtml(div, withBase(div, base)) : toHtml(n, base);
  } else if (type === 'text' || type === 'text/plain') {
    html = escapeHtml(textOf(n));
  } else if (isBase64Construct(n)) {
    html = resolveHtmlUrls(Buffer.from(textOf(n).replace(/\s+/g, ''), 'base64').toString('utf8'), base);
  } else {
    html = resolveHtmlUrls(textOf(n), base);
  }
  html = html.trim();
  return html === '' ? null : html;
}

function firstText(...nodes: XNode[][]): string | null {
  for (const list of nodes) {
    for (const n of list) {
      const t = cleanText(textOf(n));
      if (t) return t;
    }
  }
  return null;
}

function dateFrom(...nodes: XNode[][]): string | null {
  for (const list of nodes) {
    for (const n of list) {
      const d = parseDate(textOf(n));
      if (d) return d.toISOString();
    }
  }
  return null;
}

function withBase(node: XNode | undefined, base: string): string {
  const b = attrs(node)['xml:base'];
  if (b === undefined) return base;
  try {
    return new URL(b.trim(), base).href;
  } catch {
    return base;
  }
}

/** Picks the entry/feed link from Atom links (RFC 4287 §4.2.7): `alternate` (or no rel), HTML types first. */
function atomAlternate(links: XNode[], base: string): string | null {
  const cands = links
    .filter((l) => typeof l === 'object' && attrs(l).href !== undefined)
    .map((l) => ({ a: attrs(l), base: withBase(l, base) }));
  const alt = cands.filter((c) => (c.a.rel ?? 'alternate').toLowerCase() === 'alternate');
  const html = alt.find((c) => !c.a.type || /html/i.test(c.a.type));
  const pick = html ?? alt[0];
  return pick ? canonicalizeUrl(pick.a.href!, pick.base) : null;
}

function authorName(raw: string): string {
  // RSS 2.0 author is an email, often "jo@example.com (Jo Writer)".
  const m = /^\s*[^\s@()]+@[^\s@()]+\s*\(([^)]+)\)\s*$/.exec(raw);
  return cleanText(m ? m[1] : raw);
}

function normalizeXml(
  out: Record<string, unknown>,
  format: FeedFormat,
  url: string,
  warnings: string[],
): { feed: ParsedFeed['feed']; entries: UnkeyedEntry[]; warnings: string[] } {
  const fattrs = (out.x_attrs ?? {}) as XAttrs;
  let docBase = url;
  if (fattrs['xml:base'] !== undefined) docBase = withBase({ $: fattrs }, url);

  const feedLinks = arr(out.x_link);
  let feedLink: string | null = null;
  if (format === 'atom') {
    feedLink = atomAlternate(feedLinks, docBase);
    const t = feedLink ? null : firstText(feedLinks.filter((l) => typeof l === 'string' || !attrs(l).href));
    if (t) feedLink = canonicalizeUrl(t, docBase);
  } else {
    const t = firstText(feedLinks.filter((l) => typeof l === 'string' || !attrs(l).href));
    feedLink = t ? canonicalizeUrl(t, docBase) : null;
    if (!feedLink) feedLink = atomAlternate(arr(out.x_atomlink), docBase);
  }
  // RSS/RDF: relative item links resolve against the channel link when no xml:base says otherwise.
  const itemBase = format !== 'atom' && fattrs['xml:base'] === undefined && feedLink ? feedLink : docBase;
  const feedTitleNode = arr(out.x_title)[0] ?? arr(out.x_dctitle)[0];
  const feedTitle = feedTitleNode === undefined ? null : plainFrom(feedTitleNode, format !== 'atom') || null;

  const items = arr(out.items) as unknown as Array<Record<string, unknown>>;
  const entries: UnkeyedEntry[] = [];
  items.forEach((it, i) => {
    try {
      const e = normalizeItem(it, format, itemBase);
      const empty =
        !e.url &&
        !e.guid &&
        !e.title &&
        !e.summary &&
        !e.contentHtml &&
        !e.publishedAt &&
        !e.updatedAt &&
        !e.author &&
        e.categories.length === 0 &&
        e.enclosures.length === 0;
      if (empty) {
        warnings.push(`entry ${i + 1} is empty; skipped`);
        return;
      }
      entries.push(e);
    } catch (err) {
      warnings.push(`entry ${i + 1} could not be read (${firstLine(err)}); skipped`);
    }
  });
  return { feed: { title: feedTitle, link: feedLink, format }, entries, warnings };
}

function normalizeItem(it: Record<string, unknown>, format: FeedFormat, base0: string): UnkeyedEntry {
  const base = withBase({ $: (it.x_attrs ?? {}) as XAttrs }, base0);
  const isAtom = format === 'atom';
  const links = arr(it.x_link);

  // guid
  const guidNode = arr(it.x_guid)[0];
  const idNode = arr(it.x_id)[0];
  let guid = cleanText(textOf(isAtom ? idNode : (guidNode ?? idNode))) || null;
  if (!guid && format === 'rdf')
    guid = cleanText(attrs({ $: (it.x_attrs ?? {}) as XAttrs })['rdf:about'] ?? '') || null;

  // url
  let url: string | null = null;
  const orig = firstText(arr(it.x_origlink));
  if (orig) url = canonicalizeUrl(orig, base);
  if (!url && isAtom) url = atomAlternate(links, base);
  if (!url) {
    // RSS <link>text</link>; also the common Atom mistake of putting the URL in the element's text.
    const t = firstText(links.filter((l) => typeof l === 'string' || !attrs(l).href));
    if (t) url = canonicalizeUrl(t, base);
    if (!url && !isAtom) url = atomAlternate([...links, ...arr(it.x_atomlink)], base);
  }
  if (!url && guidNode !== undefined && guid) {
    const permalink = (attrs(guidNode).isPermaLink ?? 'true').toLowerCase() !== 'false';
    if (permalink && /^https?:\/\//i.test(guid)) url = canonicalizeUrl(guid, base);
  }
  if (!url && format === 'rdf') {
    const about = ((it.x_attrs ?? {}) as XAttrs)['rdf:about'];
    if (about && /^https?:\/\//i.test(about)) url = canonicalizeUrl(about, base);
  }
  if (!url && isAtom && idNode !== undefined && guid && /^https?:\/\//i.test(guid)) url = canonicalizeUrl(guid, base);

  // title
  const titleNode = arr(it.x_title)[0] ?? arr(it.x_dctitle)[0] ?? arr(it.x_mediatitle)[0];
  const title = titleNode === undefined ? '' : plainFrom(titleNode, !isAtom);

  // summary / content
  const summaryNode = isAtom
    ? arr(it.x_summary)[0]
    : (arr(it.x_description)[0] ?? arr(it.x_summary)[0] ?? arr(it.x_dcdescription)[0] ?? arr(it.x_itunessummary)[0]);
  const summary = summaryNode === undefined ? null : plainFrom(summaryNode, !isAtom) || null;
  let contentHtml: string | null = null;
  const encoded = arr(it.x_encoded)[0];
  if (encoded !== undefined) contentHtml = htmlFrom(encoded, base);
  if (!contentHtml) {
    const c = arr(it.x_content)[0];
    if (c !== undefined) contentHtml = htmlFrom(c, base);
  }
  if (!contentHtml) {
    const b = arr(it.x_xhtmlbody)[0] ?? arr(it.x_body)[0];
    if (b !== undefined && typeof b === 'object') contentHtml = toHtml(b, withBase(b, base)).trim() || null;
  }

  // dates
  const publishedAt = dateFrom(
    arr(it.x_pubdate),
    arr(it.x_published),
    arr(it.x_atompublished),
    arr(it.x_issued),
    arr(it.x_created),
    arr(it.x_dcdate),
    arr(it.x_dctissued),
    arr(it.x_dctcreated),
  );
  const updatedAt = dateFrom(arr(it.x_updated), arr(it.x_atomupdated), arr(it.x_modified), arr(it.x_dctmodified));

  // author
  let author: string | null = null;
  for (const a of arr(it.x_author)) {
    if (typeof a === 'object' && (a as Record<string, unknown>).name !== undefined) {
      author = firstText(arr((a as Record<string, unknown>).name));
    } else if (typeof a === 'object' && (a as Record<string, unknown>).email !== undefined && !a._) {
      author = firstText(arr((a as Record<string, unknown>).email));
    } else {
      const t = cleanText(textOf(a));
      if (t) author = authorName(t);
    }
    if (author) break;
  }
  if (!author) author = firstText(arr(it.x_dccreator), arr(it.x_dcauthor), arr(it.x_itunesauthor));

  // categories
  const cats: string[] = [];
  for (const c of arr(it.x_category)) {
    const a = attrs(c);
    const t = isAtom || (a.term !== undefined && !textOf(c).trim()) ? (a.label ?? a.term ?? '') : textOf(c);
    const v = htmlToText(t);
    if (v && !cats.includes(v)) cats.push(v);
  }
  for (const c of arr(it.x_dcsubject)) {
    const v = htmlToText(textOf(c));
    if (v && !cats.includes(v)) cats.push(v);
  }

  // enclosures
  const enclosures: FeedEntry['enclosures'] = [];
  const addEnc = (href: string | undefined, type: string | undefined, length: string | undefined, at = base) => {
    const u = absoluteHttpUrl(href, at);
    if (!u || enclosures.some((e) => e.url === u)) return;
    const n = length !== undefined && /^\d+$/.test(length.trim()) ? Number(length.trim()) : null;
    enclosures.push({ url: u, type: type?.trim() || null, length: n && n > 0 ? n : null });
  };
  for (const e of arr(it.x_enclosure)) addEnc(attrs(e).url, attrs(e).type, attrs(e).length);
  for (const l of [...links, ...arr(it.x_atomlink)]) {
    const a = attrs(l);
    if ((a.rel ?? '').toLowerCase() === 'enclosure') addEnc(a.href, a.type, a.length, withBase(l, base));
  }
  const media = [...arr(it.x_media)];
  for (const g of arr(it.x_mediagroup)) {
    if (typeof g === 'object') media.push(...arr((g as Record<string, unknown>)['media:content']));
  }
  for (const m of media) addEnc(attrs(m).url, attrs(m).type, attrs(m).fileSize);

  return {
    guid,
    url,
    title,
    summary,
    contentHtml,
    publishedAt,
    updatedAt,
    author,
    categories: cats,
    enclosures,
  };
}
