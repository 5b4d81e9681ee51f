/// <reference lib="dom" />
/**
 * Article extraction (extraction issue #4): decode → DOM (linkedom fast path, jsdom fallback) → metadata →
 * Readability → boilerplate cleaning → consent/paywall/shell verdicts → fallback chain
 * (Readability → JSON-LD `articleBody` → the feed entry's content or summary).
 *
 * Public entry points: {@link extractPage} (bytes in hand) and {@link fetchAndExtract} (through the HTTP
 * chokepoint). Neither throws for page problems: the outcome is `Extraction.status` + `reason`.
 */
import { Readability, isProbablyReaderable } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { describeError } from '../errors.ts';
import type { Extraction, ExtractionStatus } from '../types.ts';
import { extractConfigSchema, type ExtractConfig } from './config-schema.ts';
import { decodeHtml } from './decode.ts';
import { parseDocument, yieldToEventLoop, documentBaseUrl, type DomEngine } from './dom.ts';
import { cleanTitle, firstImageIn, readMetadata, toIsoUtc, type PageMetadata } from './metadata.ts';
import {
  collapseWhitespace,
  countWords,
  domToParagraphs,
  dropBoilerplateParagraphs,
  dedupeParagraphs,
  joinParagraphs,
  removeBoilerplateBlocks,
  textToParagraphs,
  approxVisibleText,
} from './text.ts';
import {
  detectAppShell,
  detectConsentWall,
  detectPaywall,
  isPaywallPitch,
  type PaywallVerdict,
  type ShellVerdict,
} from './walls.ts';

import { ExtractError } from './errors.ts';

export { ExtractError, type ExtractErrorCode } from './errors.ts';
export { extractConfigSchema, type ExtractConfig } from './config-schema.ts';
export { decodeHtml, prescanMetaCharset, type DecodedHtml } from './decode.ts';
export { jsdomLoaded, type DomEngine } from './dom.ts';
export { cleanTitle, toIsoUtc } from './metadata.ts';
export { countWords } from './text.ts';

/** Name recorded in `Extraction.extractor.name`. */
export const EXTRACTOR_NAME = 'wirewatch-extract';
/** Version recorded in `Extraction.extractor.version`: our pipeline version + the pinned Readability.js version. */
export const EXTRACTOR_VERSION = '1.0.0+readability.0.6.0';

/**
 * Minimal fetcher port; the HTTP chokepoint's `HttpClient` (shared/http) satisfies it.
 * `request` resolves for any HTTP status (headers with lower-case keys, `url` = final URL after redirects) and
 * throws for transport and guard failures (SSRF block, size cap, timeout).
 */
export interface PageFetcher {
  request(
    url: string,
    init: { kind: 'page'; headers?: Record<string, string> },
  ): Promise<{ url: string; status: number; headers: Record<string, string>; body: Buffer }>;
}

/** The feed entry's own text, used when the page gives none (`FeedEntry.title`/`summary`/`contentHtml`). */
export interface ExtractFallback {
  title?: string | null;
  summary?: string | null;
  /** HTML from the feed (content:encoded, atom:content); converted to text, never executed or kept. */
  contentHtml?: string | null;
}

/**
 * Extraction options. `dom` picks the engine (default `linkedom`, with jsdom as fallback); the remaining
 * fields mirror the `extract:` config section (defaults from `extractConfigSchema`).
 */
export interface ExtractOptions {
  dom?: 'linkedom' | 'jsdom';
  fallback?: ExtractFallback;
  /** Re-run on jsdom when linkedom throws or finds no article (default true). */
  jsdomFallback?: boolean;
  /** Bytes of page handed to the DOM; the rest is cut (status `partial`). Default 5 MiB. */
  maxHtmlBytes?: number;
  /** Fewer words than this = `partial`. Default 50. */
  minFullWords?: number;
  /** Paywall-marked page with fewer words than this = `paywalled`. Default 200. */
  paywallTeaserWords?: number;
}

const DEFAULTS: ExtractConfig = extractConfigSchema.parse({});
const ACCEPT = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1';

/** What Readability found on one DOM. */
interface ArticleResult {
  title: string | null;
  byline: string | null;
  siteName: string | null;
  lang: string | null;
  dir: string | null;
  publishedTime: string | null;
  excerpt: string | null;
  paragraphs: string[];
  /** Characters of text Readability returned, before boilerplate cleaning. */
  rawLength: number;
  image: string | null;
}

/** Everything learnt from one page on one DOM engine. */
interface Analysis {
  engine: DomEngine;
  meta: PageMetadata;
  readerable: boolean;
  paywall: PaywallVerdict;
  /** Set only when Readability found little (< 60 words): the app-shell verdict and the page's visible text. */
  shell: ShellVerdict;
  bodyText: string;
  article: ArticleResult | null;
}

/** Media types treated as HTML (WHATWG MIME Sniffing §4.6 "HTML MIME type" + XHTML). */
export function isHtmlContentType(contentType: string | null | undefined): boolean {
  if (!contentType) return true;
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  return essence === '' || essence === 'text/html' || essence === 'application/xhtml+xml';
}

/** True when bytes without a Content-Type look like HTML (a tag first, after BOM/whitespace/comments). */
function looksLikeHtml(head: string): boolean {
  // Any tag or doctype first, except the XML declaration and feed roots (RSS, Atom, RDF).
  return /^\s*(<!--[\s\S]*?-->\s*)*<(?!\?xml|rss[\s>]|feed[\s>]|rdf:)[!a-z]/i.test(
    head.replace(/^\uFEFF/, '').slice(0, 2048),
  );
}

function cfg(opts: ExtractOptions): ExtractConfig {
  return {
    dom: opts.dom ?? DEFAULTS.dom,
    jsdomFallback: opts.jsdomFallback ?? DEFAULTS.jsdomFallback,
    maxHtmlBytes: opts.maxHtmlBytes ?? DEFAULTS.maxHtmlBytes,
    minFullWords: opts.minFullWords ?? DEFAULTS.minFullWords,
    paywallTeaserWords: opts.paywallTeaserWords ?? DEFAULTS.paywallTeaserWords,
  };
}

/** Paragraphs of the feed fallback: the longer of `contentHtml` (as text) and `summary`. */
function fallbackParagraphs(fallback: ExtractFallback | undefined): string[] {
  if (!fallback) return [];
  let fromHtml: string[] = [];
  if (fallback.contentHtml?.trim()) {
    try {
      const { document } = parseHTML(
        `<!DOCTYPE html><html><head></head><body>${fallback.contentHtml}</body></html>`,
      ) as unknown as { document: Document };
      fromHtml = domToParagraphs(document.body);
    } catch {
      fromHtml = textToParagraphs(fallback.contentHtml.replace(/<[^>]*>/g, ' '));
    }
  }
  const fromSummary = fallback.summary ? textToParagraphs(fallback.summary) : [];
  return countWords(joinParagraphs(fromHtml)) >= countWords(joinParagraphs(fromSummary)) ? fromHtml : fromSummary;
}

function emptyExtraction(url: string, dom: DomEngine | null): Extraction {
  return {
    url,
    canonicalUrl: null,
    title: null,
    byline: null,
    siteName: null,
    lang: null,
    dir: null,
    publishedAt: null,
    modifiedAt: null,
    text: '',
    excerpt: null,
    wordCount: 0,
    status: 'failed',
    reason: null,
    paywalled: false,
    leadImage: null,
    extractor: { name: EXTRACTOR_NAME, version: EXTRACTOR_VERSION, dom },
  };
}

/**
 * The result when the page itself could not be used (transport error, HTTP error, not HTML, parse failure):
 * the feed's text with status `feed_only`, or `failed` when there is no feed text. `reason` says why.
 */
function fallbackOnly(url: string, fallback: ExtractFallback | undefined, reason: string): Extraction {
  const paragraphs = fallbackParagraphs(fallback);
  const text = joinParagraphs(paragraphs);
  const x = emptyExtraction(url, null);
  x.title = fallback?.title ? collapseWhitespace(fallback.title) || null : null;
  x.text = text;
  x.wordCount = countWords(text);
  x.excerpt = excerptOf(fallback?.summary ?? null, paragraphs);
  x.status = text ? 'feed_only' : 'failed';
  x.reason = reason;
  return x;
}

function excerptOf(declared: string | null | undefined, paragraphs: string[]): string | null {
  const d = declared ? collapseWhitespace(declared) : '';
  if (d) return d.length > 500 ? `${d.slice(0, 497)}...` : d;
  const first = paragraphs[0];
  if (!first) return null;
  return first.length > 300 ? `${first.slice(0, 297)}...` : first;
}

/** Runs metadata, wall signals and Readability on one engine. Throws when the engine cannot parse the page. */
async function analyse(engine: DomEngine, html: string, url: string): Promise<Analysis> {
  const handle = await parseDocument(engine, html, url);
  try {
    const { document } = handle;
    const base = engine === 'jsdom' ? documentBaseUrl(document, url) : document.baseURI;
    const meta = readMetadata(document, base);
    const readerable = isProbablyReaderable(document);
    const paywall = detectPaywall(html, meta.jsonLd, meta.meta);
    const scripts = document.querySelectorAll('script').length;
    const noscripts = Array.from(document.querySelectorAll('noscript')).map((n) => n.textContent ?? '');
    const mount = document.querySelector('#root, #app, #__next, #__nuxt, [data-reactroot], app-root') !== null;
    let article: ArticleResult | null = null;
    // Readability's defaults (charThreshold 500 …); the serializer hands back the element itself so the text is
    // read from the live subtree instead of re-parsing serialised HTML.
    const parsed = new Readability<Element>(document, { serializer: (node: Node) => node as Element }).parse();
    if (parsed?.content) {
      const root = parsed.content;
      const image = firstImageIn(root, base);
      removeBoilerplateBlocks(root);
      const paragraphs = dedupeParagraphs(dropBoilerplateParagraphs(domToParagraphs(root))).filter(
        (p) => !isPaywallPitch(p),
      );
      article = {
        title: parsed.title ? collapseWhitespace(parsed.title) || null : null,
        byline: parsed.byline ? collapseWhitespace(parsed.byline) || null : null,
        siteName: parsed.siteName ? collapseWhitespace(parsed.siteName) || null : null,
        lang: parsed.lang ?? null,
        dir: parsed.dir ?? null,
        publishedTime: parsed.publishedTime ?? null,
        excerpt: parsed.excerpt ?? null,
        paragraphs,
        rawLength: collapseWhitespace(parsed.textContent ?? '').length,
        image,
      };
    }
    let shell: ShellVerdict = { shell: false, signal: null };
    let bodyText = '';
    if (!article || countWords(joinParagraphs(article.paragraphs)) < 60) {
      bodyText = approxVisibleText(html);
      shell = detectAppShell({ scripts, noscripts, mount }, bodyText);
    }
    return { engine, meta, readerable, paywall, shell, bodyText, article };
  } finally {
    handle.close();
    if (engine === 'jsdom') await yieldToEventLoop();
  }
}

function words(paragraphs: string[]): number {
  return countWords(joinParagraphs(paragraphs));
}

/** Chooses text, status and reason from the analysis and the fallback chain (extraction issue §2, §5). */
function decide(
  a: Analysis,
  url: string,
  fallback: ExtractFallback | undefined,
  c: ExtractConfig,
  truncatedAt: number | null,
): Extraction {
  const x = emptyExtraction(url, a.engine);
  const m = a.meta;
  const art = a.article;
  const pagePars = art?.paragraphs ?? [];
  const jsonLdPars = m.jsonLd?.articleBody ? textToParagraphs(m.jsonLd.articleBody) : [];
  const feedPars = fallbackParagraphs(fallback);
  const pageWords = words(pagePars);
  const jsonLdWords = words(jsonLdPars);
  const feedWords = words(feedPars);

  // Metadata (Readability first, then page markup, then the feed).
  const siteName = art?.siteName ?? m.meta.get('og:site_name') ?? m.jsonLd?.publisherName ?? null;
  x.siteName = siteName ? collapseWhitespace(siteName) || null : null;
  // Readability 0.6 strips " | " and " - " suffixes but not " – " / " — ": when it returned the raw <title>,
  // clean it the same way as a <title> fallback.
  const readabilityTitle =
    art?.title && m.documentTitle && art.title === m.documentTitle ? cleanTitle(art.title, x.siteName) : art?.title;
  x.title =
    readabilityTitle ??
    (m.meta.get('og:title') ? collapseWhitespace(m.meta.get('og:title')!) : null) ??
    (m.documentTitle ? cleanTitle(m.documentTitle, x.siteName) || null : null) ??
    m.jsonLd?.headline ??
    (fallback?.title ? collapseWhitespace(fallback.title) || null : null);
  x.byline =
    art?.byline ??
    (m.jsonLd?.authors.length ? m.jsonLd.authors.join(', ') : null) ??
    (m.meta.get('author') ? collapseWhitespace(m.meta.get('author')!) : null);
  x.lang = art?.lang ?? m.lang;
  const dir = (art?.dir ?? m.dir ?? '').toLowerCase();
  x.dir = dir === 'rtl' || dir === 'ltr' ? dir : null;
  x.publishedAt =
    m.jsonLd?.datePublished ??
    toIsoUtc(m.meta.get('article:published_time')) ??
    toIsoUtc(m.meta.get('datepublished')) ??
    m.timeDatetime ??
    toIsoUtc(art?.publishedTime) ??
    m.otherPublished;
  x.modifiedAt =
    m.jsonLd?.dateModified ??
    toIsoUtc(m.meta.get('article:modified_time')) ??
    toIsoUtc(m.meta.get('og:updated_time')) ??
    toIsoUtc(m.meta.get('datemodified'));
  x.canonicalUrl = m.canonicalUrl ?? m.jsonLd?.url ?? null;
  x.leadImage = m.leadImage ?? art?.image ?? m.firstImage;

  // Text: Readability, else JSON-LD articleBody (also when Readability clearly got less of it).
  const pars = jsonLdWords > pageWords * 1.5 && jsonLdWords >= c.minFullWords ? jsonLdPars : pagePars;
  const n = words(pars);
  let status: ExtractionStatus;
  let reason: string | null = null;

  const declared =
    m.meta.get('description') ?? m.meta.get('og:description') ?? m.meta.get('twitter:description') ?? null;
  const description = declared ? collapseWhitespace(declared) || null : null;
  const consent = detectConsentWall(joinParagraphs(n > 0 ? pars : textToParagraphs(a.bodyText)), m.documentTitle);
  if (consent.wall) {
    x.paywalled = a.paywall.paywalled;
    return finish(x, feedPars, 'blocked_consent', 'consent wall detected', fallback);
  }
  x.paywalled = a.paywall.paywalled;
  if (a.paywall.paywalled && n < c.paywallTeaserWords) {
    const teaser = feedWords > n ? feedPars : pars;
    return finish(x, teaser, 'paywalled', `paywall detected: ${a.paywall.signal}`, fallback, m.meta.get('description'));
  }
  if (n >= c.minFullWords) {
    status = 'full';
    if (truncatedAt !== null) {
      status = 'partial';
      reason = `page larger than ${truncatedAt} bytes; extracted from the first ${truncatedAt} bytes`;
    }
  } else if (a.shell.shell && n === 0 && pageWords === 0) {
    return finish(
      x,
      feedPars,
      feedPars.length ? 'feed_only' : 'no_content',
      a.shell.signal ?? 'script-only app shell',
      fallback,
    );
  } else if (n > 0 && (a.readerable || n >= feedWords)) {
    if (feedWords > n) {
      return finish(x, feedPars, 'feed_only', `page text shorter than feed text (${n} words)`, fallback);
    }
    status = 'partial';
    reason = `short article text (${n} words)`;
  } else if (feedPars.length > 0) {
    return finish(
      x,
      feedPars,
      'feed_only',
      n > 0 ? `page text shorter than feed text (${n} words)` : 'no article found on page',
      fallback,
    );
  } else if (n > 0) {
    status = 'partial';
    reason = `short article text (${n} words)`;
  } else if (description && !a.shell.shell) {
    const descPars = [description];
    return finish(x, descPars, 'partial', 'no article text on page; using the page description', fallback, description);
  } else {
    status = 'no_content';
    reason = a.shell.shell ? (a.shell.signal ?? 'script-only app shell') : 'no article text found on page';
  }
  x.text = joinParagraphs(pars);
  x.wordCount = n;
  x.status = status;
  x.reason = reason;
  x.excerpt = excerptOf(pars === pagePars ? (art?.excerpt ?? description) : description, pars);
  return x;

  function finish(
    e: Extraction,
    chosen: string[],
    st: ExtractionStatus,
    why: string,
    fb: ExtractFallback | undefined,
    declaredExcerpt?: string | null,
  ): Extraction {
    e.text = joinParagraphs(chosen);
    e.wordCount = countWords(e.text);
    e.status = st;
    e.reason = why;
    e.excerpt = excerptOf(chosen === feedPars ? (fb?.summary ?? null) : (declaredExcerpt ?? null), chosen);
    return e;
  }
}

/**
 * Extracts an article from a page already in hand (extraction issue §1–§5).
 *
 * Decoding: BOM, then the `contentType` charset, then `<meta charset>`/`http-equiv` in the first 1024 bytes, else
 * UTF-8 validity (WHATWG HTML §13.2.3). The DOM gets `url` as its address so relative links and images resolve;
 * no scripts run and no resources load. Pages over `maxHtmlBytes` are cut (status `partial`).
 *
 * @param input.body raw bytes (or decoded text) of the page
 * @param input.url absolute page URL (final URL after redirects)
 * @param input.contentType the HTTP `Content-Type`, if known; a non-HTML type gives the feed fallback
 * @returns the extraction; `status`/`reason` describe problems. Never throws for page problems.
 */
export async function extractPage(
  input: { body: Buffer | string; url: string; contentType?: string | null },
  opts: ExtractOptions = {},
): Promise<Extraction> {
  const c = cfg(opts);
  const { url } = input;
  try {
    if (input.contentType && !isHtmlContentType(input.contentType)) {
      return fallbackOnly(url, opts.fallback, notHtml(input.contentType).message);
    }
    let body = input.body;
    let truncatedAt: number | null = null;
    const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    if (size > c.maxHtmlBytes) {
      truncatedAt = c.maxHtmlBytes;
      body =
        typeof body === 'string' ? Buffer.from(body).subarray(0, c.maxHtmlBytes) : body.subarray(0, c.maxHtmlBytes);
    }
    const html = decodeHtml(body, input.contentType ?? null).text;
    if (!input.contentType && !looksLikeHtml(html) && html.trim() !== '') {
      return fallbackOnly(url, opts.fallback, notHtml(null).message);
    }
    let analysis: Analysis | null = null;
    let firstError: unknown = null;
    try {
      analysis = await analyse(c.dom, html, url);
    } catch (err) {
      firstError = err;
    }
    // jsdom only when linkedom threw or found no article on a page that has text to find (an app shell or an
    // empty page would cost a jsdom load for nothing).
    const hopeless =
      firstError instanceof RangeError || (firstError instanceof ExtractError && firstError.code === 'dom_too_deep');
    const worthRetry =
      !hopeless &&
      (analysis === null ||
        ((analysis.article === null || analysis.article.rawLength === 0) && countWords(analysis.bodyText) >= 60));
    if (c.dom === 'linkedom' && c.jsdomFallback && worthRetry) {
      try {
        const retry = await analyse('jsdom', html, url);
        if (analysis === null || (retry.article !== null && retry.article.rawLength > 0)) analysis = retry;
      } catch (err) {
        firstError ??= err;
      }
    }
    if (analysis === null) {
      const err =
        firstError instanceof ExtractError
          ? firstError
          : new ExtractError('dom_failed', `no DOM engine could parse the page (${describeError(firstError)})`, {
              cause: firstError,
            });
      return fallbackOnly(url, opts.fallback, describeError(err));
    }
    return decide(analysis, url, opts.fallback, c, truncatedAt);
  } catch (err) {
    return fallbackOnly(url, opts.fallback, `extraction failed: ${describeError(err)}`);
  }
}

/**
 * Fetches a page through the HTTP chokepoint (`kind: 'page'`), then {@link extractPage} with the final URL.
 * Transport/guard errors (the fetcher throws), HTTP statuses outside 2xx and non-HTML responses give the feed
 * fallback text with status `feed_only` (or `failed` without fallback text) and a `reason` such as `http 404`,
 * `fetch failed: response_too_large: …` or `not html (application/pdf)`.
 *
 * @param fetcher the chokepoint (`HttpClient` from shared/http) or any {@link PageFetcher}
 * @param url absolute article URL
 * @returns the extraction. Never throws for page problems.
 */
export async function fetchAndExtract(
  fetcher: PageFetcher,
  url: string,
  opts: ExtractOptions = {},
): Promise<Extraction> {
  let res: Awaited<ReturnType<PageFetcher['request']>>;
  try {
    res = await fetcher.request(url, { kind: 'page', headers: { accept: ACCEPT } });
  } catch (err) {
    return fallbackOnly(url, opts.fallback, `fetch failed: ${describeError(err)}`);
  }
  const finalUrl = res.url || url;
  if (res.status < 200 || res.status > 299) return fallbackOnly(finalUrl, opts.fallback, `http ${res.status}`);
  const contentType = headerValue(res.headers, 'content-type');
  if (contentType && !isHtmlContentType(contentType)) {
    return fallbackOnly(finalUrl, opts.fallback, notHtml(contentType).message);
  }
  return extractPage({ body: res.body, url: finalUrl, contentType }, opts);
}

/** The `not_html` problem for a Content-Type (or for untyped bytes without markup); its message is the `reason`. */
function notHtml(contentType: string | null): ExtractError {
  const what = contentType ? contentType.split(';')[0]!.trim() : 'no content type and no markup';
  return new ExtractError('not_html', `not html (${what})`);
}

function headerValue(headers: Record<string, string>, name: string): string | null {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return null;
}
