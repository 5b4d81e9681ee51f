/**
 * OPML 2.0 (http://opml.org/spec2.opml) subscription lists: read the feeds out of one (feed readers export them
 * this way) and write the configured feeds as one. Reading is strict XML (saxes): a document that is not
 * well-formed is refused with its line and column, never half-read.
 */
import { SaxesParser } from 'saxes';
import { InputError } from '../errors.ts';
import { canonicalizeUrl } from './url.ts';
import { stripControlChars } from '../text/html.ts';

/** One subscription found in an OPML document. */
export interface OpmlFeed {
  /** `xmlUrl` as written (trimmed). */
  url: string;
  /** `text` (what readers display, OPML 2.0 requires it), else `title`; null when neither is set. */
  name: string | null;
  /** Names of the enclosing outlines (folders/categories), outermost first. */
  categories: string[];
  /** 1-based line of the `<outline>` in the document. */
  line: number;
}

/** An outline that names a feed but cannot be used, and why. */
export interface OpmlSkip {
  line: number;
  xmlUrl: string | null;
  reason: string;
}

/** What `parseOpml` found: usable feeds in document order, and outlines skipped with a reason. */
export interface ParsedOpml {
  title: string | null;
  feeds: OpmlFeed[];
  skipped: OpmlSkip[];
}

/**
 * Reads the subscriptions of an OPML 1.0/2.0 document. Every `<outline>` with an `xmlUrl` attribute is a feed,
 * at any depth (nested outlines are folders: flattened, their names kept in `categories`); outlines without
 * `xmlUrl` are folders (or links, `type="link"`) and contribute no feed. An `xmlUrl` that is not an absolute
 * http(s) URL is skipped with a reason. Namespaced attributes and unknown elements are ignored.
 * @param text the document, decoded
 * @param source file name for messages
 * @throws InputError `opml_invalid` when the XML is not well-formed (`source:line:col: …`) or the root is not
 *   `<opml>` with a `<body>`
 */
export function parseOpml(text: string, source: string): ParsedOpml {
  const stray = strayAmpersand(text);
  if (stray) {
    throw new InputError(
      'opml_invalid',
      `${source}:${stray.line}:${stray.col}: "&" that starts no entity reference (write &amp;) (not well-formed XML)`,
    );
  }
  const parser = new SaxesParser({ fileName: source, position: true });
  const stack: Array<{ name: string; folder: string | null }> = [];
  const feeds: OpmlFeed[] = [];
  const skipped: OpmlSkip[] = [];
  let root: string | null = null;
  let sawBody = false;
  let inHeadTitle = false;
  let title = '';
  let error: Error | null = null;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', (tag) => {
    const name = tag.name;
    if (root === null) root = name;
    if (name === 'body' && stack.length === 1) sawBody = true;
    if (name === 'title' && stack.length === 2 && stack[1]!.name === 'head') inHeadTitle = true;
    let folder: string | null = null;
    if (name === 'outline') {
      const attr = (k: string): string | null => {
        const v = tag.attributes[k];
        return typeof v === 'string' ? v : null;
      };
      const xmlUrl = attr('xmlUrl') ?? attr('xmlurl');
      const label = (attr('text') ?? '').trim() || (attr('title') ?? '').trim() || null;
      if (xmlUrl !== null) {
        const url = xmlUrl.trim();
        const canonical = /^https?:\/\//i.test(url) ? canonicalizeUrl(url) : null;
        if (!canonical) {
          skipped.push({ line: parser.line, xmlUrl, reason: 'xmlUrl is not an absolute http(s) URL' });
        } else {
          const categories = stack.map((s) => s.folder).filter((f): f is string => f !== null);
          feeds.push({ url, name: label, categories, line: parser.line });
        }
      } else {
        folder = label;
      }
    }
    stack.push({ name, folder });
  });
  parser.on('text', (t) => {
    if (inHeadTitle) title += t;
  });
  parser.on('closetag', () => {
    stack.pop();
    inHeadTitle = false;
  });
  try {
    parser.write(text).close();
  } catch (e) {
    error ??= e as Error;
  }
  if (error) {
    throw new InputError('opml_invalid', `${(error as Error).message.split('\n')[0]} (not well-formed XML)`, {
      cause: error,
    });
  }
  if (root !== 'opml') {
    throw new InputError(
      'opml_invalid',
      `${source}: not an OPML document (root element <${root ?? 'none'}>, expected <opml>)`,
    );
  }
  if (!sawBody) throw new InputError('opml_invalid', `${source}: OPML document without <body>`);
  return { title: title.trim() || null, feeds, skipped };
}

/**
 * The first `&` outside comments and CDATA that starts no character or entity reference (XML 1.0 §4.1), as
 * 1-based line and column; null when there is none. The most common flaw of hand-edited OPML, and one the
 * streaming parser only notices at the end of the document.
 */
function strayAmpersand(text: string): { line: number; col: number } | null {
  const re = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|&(?!(?:[A-Za-z_:][\w.:-]*|#[0-9]+|#x[0-9A-Fa-f]+);)/g;
  for (const m of text.matchAll(re)) {
    if (m[0] !== '&') continue;
    const before = text.slice(0, m.index);
    const line = before.split('\n').length;
    return { line, col: m.index - before.lastIndexOf('\n') };
  }
  return null;
}

/** Escapes a string for a double-quoted XML attribute (XML 1.0 §2.3, §3.3.3: whitespace kept as references). */
export function xmlAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** Escapes XML character data (characters XML 1.0 §2.2 does not allow are dropped first). */
function xmlText(s: string): string {
  return stripControlChars(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/**
 * Writes feeds as an OPML 2.0 document: one `<outline type="rss" text title xmlUrl>` per feed under `<body>`,
 * `text`/`title` = the feed's name (its URL when it has none). `dateCreated` is RFC 822 (as OPML 2.0 asks).
 * @param feeds the feeds, in order
 * @param opts document title and clock
 * @returns the document, UTF-8 text ending in a newline
 */
export function writeOpml(
  feeds: ReadonlyArray<{ url: string; name: string | null }>,
  opts: { title?: string; now?: Date } = {},
): string {
  const clean = stripControlChars;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${xmlText(opts.title ?? 'wirewatch feeds')}</title>`,
    `    <dateCreated>${(opts.now ?? new Date()).toUTCString()}</dateCreated>`,
    '  </head>',
    '  <body>',
    ...feeds.map((f) => {
      const label = xmlAttr(clean(f.name ?? f.url));
      return `    <outline type="rss" text="${label}" title="${label}" xmlUrl="${xmlAttr(clean(f.url))}"/>`;
    }),
    '  </body>',
    '</opml>',
  ];
  return `${lines.join('\n')}\n`;
}
