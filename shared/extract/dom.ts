/// <reference lib="dom" />
import { parseHTML } from 'linkedom';
import { ExtractError } from './errors.ts';

/**
 * Deepest element nesting handed to Readability. Real pages stay under ~40 levels (the three corpora: median 15,
 * max 38); Readability's cost grows with depth × nodes (2,000 nested `<div>`s take ~50 s on linkedom, and jsdom's
 * parser is quadratic in depth), so a deeper page is refused as `dom_too_deep` instead of stalling the process.
 */
export const MAX_DOM_DEPTH = 256;

/** DOM engines Readability can run on. */
export type DomEngine = 'linkedom' | 'jsdom';

/** A parsed page. Call `close()` when done (frees the jsdom window; a no-op for linkedom). */
export interface DomHandle {
  engine: DomEngine;
  document: Document;
  close(): void;
}

type JsdomModule = typeof import('jsdom');
let jsdomModule: Promise<JsdomModule> | null = null;

/**
 * Loads jsdom on first use only (dynamic import), so processes that never need it — the linkedom fast path on a
 * Lambda cold start — never pay for loading it.
 * @throws whatever `import('jsdom')` throws when jsdom is not installed
 */
export function loadJsdom(): Promise<JsdomModule> {
  jsdomModule ??= import('jsdom');
  return jsdomModule;
}

/** True once jsdom has been requested in this process (tests check the lazy loading with it). */
export function jsdomLoaded(): boolean {
  return jsdomModule !== null;
}

/**
 * The base URL of a document: its first `<base href>` resolved against the page URL (WHATWG HTML §2.4.1
 * "document base URL"), else the page URL. Invalid `href` values are ignored.
 */
export function documentBaseUrl(document: Document, pageUrl: string): string {
  const href = document.querySelector('base[href]')?.getAttribute('href');
  if (href) {
    try {
      return new URL(href.trim(), pageUrl).href;
    } catch {
      /* ignore a bad <base> */
    }
  }
  return pageUrl;
}

/**
 * Parses decoded HTML into a DOM with the given engine. Neither engine runs scripts or loads resources.
 *
 * - `linkedom`: fast, no layout; the document's `documentURI`/`baseURI` are set to the page URL / `<base>` so
 *   Readability resolves relative links. Input without an `<html>` element is wrapped in one first (linkedom
 *   does not synthesise the document skeleton the WHATWG parser would).
 * - `jsdom`: loaded lazily; one window per page with `url` = the page URL (`runScripts` off, no resource loader).
 *
 * @param html decoded page text
 * @param url absolute page URL (after redirects)
 * @throws ExtractError `dom_too_deep` when elements nest deeper than {@link MAX_DOM_DEPTH}; otherwise whatever the
 *   engine throws on input it cannot handle (callers fall back)
 */
export async function parseDocument(engine: DomEngine, html: string, url: string): Promise<DomHandle> {
  if (engine === 'jsdom') {
    const estimate = estimateNestingDepth(html, MAX_DOM_DEPTH);
    if (estimate > MAX_DOM_DEPTH) throw tooDeep(`about ${estimate}`);
    const { JSDOM, VirtualConsole } = await loadJsdom();
    const virtualConsole = new VirtualConsole();
    const dom = new JSDOM(html, { url, contentType: 'text/html', virtualConsole });
    const document = dom.window.document as unknown as Document;
    return { engine, document, close: () => dom.window.close() };
  }
  const { document } = parseHTML(normaliseSkeleton(html)) as unknown as { document: Document };
  // One walk measures the depth and finds the empty paragraphs nested in paragraphs.
  const nested: Element[] = [];
  const depth = domDepth(document.documentElement, MAX_DOM_DEPTH, nested);
  if (depth > MAX_DOM_DEPTH) throw tooDeep(`more than ${MAX_DOM_DEPTH}`);
  repairNestedParagraphs(document, nested);
  const baseURI = documentBaseUrl(document, url);
  Object.defineProperty(document, 'documentURI', { value: url, configurable: true });
  Object.defineProperty(document, 'baseURI', { value: baseURI, configurable: true });
  Object.defineProperty(document, 'URL', { value: url, configurable: true });
  return { engine, document, close: () => {} };
}

function tooDeep(depth: string): ExtractError {
  return new ExtractError('dom_too_deep', `elements nested ${depth} levels deep (limit ${MAX_DOM_DEPTH})`);
}

/**
 * Maximum element depth under `root` (root = 1), by an iterative walk that stops as soon as `limit` is exceeded.
 * @param emptyNestedParagraphs when given, receives the empty `<p>` elements that have a `<p>` ancestor
 * @returns the depth, or `limit + 1` when deeper than `limit`
 */
export function domDepth(root: Node | null, limit: number, emptyNestedParagraphs?: Element[]): number {
  if (!root) return 0;
  let max = 0;
  const stack: Array<[Node, number, boolean]> = [[root, 1, false]];
  while (stack.length > 0) {
    const [node, depth, inP] = stack.pop()!;
    if (depth > max) {
      max = depth;
      if (max > limit) return limit + 1;
    }
    const isP = (node as Element).localName === 'p';
    if (isP && inP && emptyNestedParagraphs && node.firstChild === null) emptyNestedParagraphs.push(node as Element);
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 1) stack.push([child, depth + 1, inP || isP]);
    }
  }
  return max;
}

/** Elements whose end tag is optional or that never nest (not counted by {@link estimateNestingDepth}). */
const NON_NESTING =
  /^(p|li|dt|dd|tr|td|th|option|optgroup|rb|rt|rp|thead|tbody|tfoot|colgroup|caption|area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr|html|head|body|script|style)$/i;

/**
 * Estimates the element nesting depth of raw HTML without building a DOM (start tags minus end tags, ignoring
 * void elements, elements with optional end tags, self-closing tags and script/style bodies). Used before
 * handing a page to jsdom, whose parser is quadratic in depth.
 * @returns the estimate, or `limit + 1` as soon as it exceeds `limit`
 */
export function estimateNestingDepth(html: string, limit: number): number {
  const re =
    /<script\b[\s\S]*?<\/script\s*>|<style\b[\s\S]*?<\/style\s*>|<!--[\s\S]*?-->|<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g;
  let depth = 0;
  let max = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const name = m[2];
    if (!name || NON_NESTING.test(name) || m[3] === '/') continue;
    if (m[1] === '/') depth = Math.max(0, depth - 1);
    else if (++depth > max) {
      max = depth;
      if (max > limit) return limit + 1;
    }
  }
  return max;
}

/**
 * Gives linkedom the `<html><head>…</head><body>…</body></html>` skeleton the WHATWG parser would synthesise
 * (linkedom keeps a fragment's first element as the document element, and content outside `<body>` would be
 * invisible to Readability). Documents that already have a `<body>` are returned unchanged.
 */
export function normaliseSkeleton(html: string): string {
  if (/<body[\s>]/i.test(html)) return html;
  let rest = html.replace(/<!doctype[^>]*>/i, '');
  let htmlAttrs = '';
  rest = rest.replace(/<html(\s[^>]*)?>/i, (_m, attrs: string | undefined) => {
    htmlAttrs = attrs ?? '';
    return '';
  });
  rest = rest.replace(/<\/html\s*>/i, '');
  let head = '';
  rest = rest.replace(/<head(?:\s[^>]*)?>([\s\S]*?)<\/head\s*>/i, (_m, inner: string) => {
    head = inner;
    return '';
  });
  return `<!DOCTYPE html><html${htmlAttrs}><head>${head}</head><body>${rest}</body></html>`;
}

/**
 * linkedom (htmlparser2) does not apply the WHATWG "close a p element" rule: `<p>a<span><p></span>b</p>` leaves an
 * empty `<p>` inside the span and `b` in the same paragraph as `a`, where a browser starts a new paragraph.
 * Readability later drops the empty `<p>`, gluing the words together ("rangeThe"). Each empty `<p>` nested in
 * another `<p>` (found by {@link domDepth}'s walk) becomes a `<br>`, which keeps the break.
 */
function repairNestedParagraphs(document: Document, emptyNested: Element[]): void {
  for (const inner of emptyNested) inner.replaceWith(document.createElement('br'));
}

/**
 * Counts start tags in raw HTML (`<` followed by a letter: HTML §13.2.5.6 "tag open state"), without building a
 * DOM, stopping as soon as `limit` is passed. Tags inside comments and scripts are counted too: it is an upper
 * bound, and cheap (one scan of the bytes, ~5 ms per MB) next to building a DOM of the same page.
 * @returns the count, or `limit + 1` when the page has more than `limit`
 */
export function countStartTags(html: string, limit: number): number {
  let n = 0;
  let i = html.indexOf('<');
  while (i !== -1) {
    const c = html.charCodeAt(i + 1);
    // A–Z or a–z
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      if (++n > limit) return limit + 1;
    }
    i = html.indexOf('<', i + 1);
  }
  return n;
}

/** Resolves after pending I/O callbacks have run (yield to the event loop between pages). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
