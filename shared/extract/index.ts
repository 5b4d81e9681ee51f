/// <reference lib="dom" />
/**
 * Article extraction: decode → DOM (linkedom fast path, jsdom fallback) → metadata →
 * Readability → boilerplate cleaning → consent/paywall/shell verdicts → fallback chain
 * (Readability → JSON-LD `articleBody` → the feed entry's content or summary).
 *
 * Public entry points: {@link extractPage} (bytes in hand) and {@link fetchAndExtract} (through the HTTP
 * chokepoint). Neither throws for page problems: the outcome is `Extraction.status` + `reason`.
 */
import { Readability, isProbablyReaderable } from '@mozilla/readability';
import { describeError } from '../errors.ts';
import type { Extraction, ExtractionStatus } from '../types.ts';
import { extractConfigSchema, type ExtractConfig } from './config-schema.ts';
import { decodeHtml } from './decode.ts';
import { countStartTags, parseDocument, yieldToEventLoop, documentBaseUrl, type DomEngine } from './dom.ts';
import { cleanParagraphs, microdataBody, removeBoilerplateBlocks, type BodyReference } from './clean.ts';
import { cleanTitle, firstImageIn, pageElements, readMetadata, toIsoUtc, type PageMetadata } from './metadata.ts';
import {
  collapseWhitespace,
  countWords,
  domToParagraphs,
  dedupeParagraphs,
  joinParagraphs,
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
import { ExtractPool } from './pool.ts';
import { emptyExtraction, excerptOf, fallbackOnly, fallbackParagraphs, type ExtractFallback } from './result.ts';

export { ExtractError, type ExtractErrorCode } from './errors.ts';
export { extractConfigSchema, type ExtractConfig } from './config-schema.ts';
export { decodeHtml, prescanMetaCharset, type DecodedHtml } from './decode.ts';
export { jsdomLoaded, type DomEngine } from './dom.ts';
export { cleanTitle, toIsoUtc } from './metadata.ts';
export { countWords } from './text.ts';
export { EXTRACTOR_NAME, EXTRACTOR_VERSION, type ExtractFallback } from './result.ts';
export { ExtractPool, type ExtractPoolOptions, type ExtractPoolStats } from './pool.ts';
export { isExtractWorkerThread, runExtractWorker } from './worker.ts';

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
  /** Pages with more start tags than this are refused before a DOM is built. Default 100,000. */
  maxElements?: number;
  /**
   * {@link fetchAndExtract} only: extract in this worker pool instead of in-process (the fetch stays here). The
   * pipeline passes {@link extractPoolFor}`(config.extract)`.
   */
  pool?: ExtractPool | null;
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
  /** A subscription pitch ("Subscribe to continue reading", prices per week) was dropped from the text. */
  pitchDropped: boolean;
}

/** Everything learnt from one page on one DOM engine. */
interface Analysis {
  engine: DomEngine;
  meta: PageMetadata;
  readerable: boolean;
  paywall: PaywallVerdict;
  /**
   * For a page whose JSON-LD names its subscriber-only part (`hasPart.cssSelector`): whether that part is in the
   * markup with text (≥ 50 words), i.e. the page carries the whole article. Null when no selector is named.
   */
  lockedPartPresent: boolean | null;
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
    maxElements: opts.maxElements ?? DEFAULTS.maxElements,
    workers: DEFAULTS.workers,
    pageTimeoutMs: DEFAULTS.pageTimeoutMs,
    workerHeapMb: DEFAULTS.workerHeapMb,
  };
}

/** Runs metadata, wall signals and Readability on one engine. Throws when the engine cannot parse the page. */
async function analyse(engine: DomEngine, html: string, url: string): Promise<Analysis> {
  const handle = await parseDocument(engine, html, url);
  try {
    const { document } = handle;
    const base = engine === 'jsdom' ? documentBaseUrl(document, url) : document.baseURI;
    const elements = pageElements(document);
    const meta = readMetadata(document, base, elements);
    const readerable = isProbablyReaderable(document);
    const paywall = detectPaywall(html, meta.jsonLd, meta.meta);
    const lockedPartPresent = lockedPart(document, meta.jsonLd?.lockedSelectors ?? []);
    // Only executable scripts count towards the app-shell verdict (HTML §4.12.1.1: a data block such as JSON-LD
    // is never run).
    const scripts = elements.scripts.filter((el) =>
      /^(|text\/javascript|application\/javascript|module|text\/ecmascript|application\/ecmascript)$/i.test(
        (el.getAttribute('type') ?? '').split(';')[0]!.trim(),
      ),
    ).length;
    const itemprop = microdataBody(document, elements.itemBodies);
    const reference: BodyReference | null = meta.jsonLd?.articleBody
      ? { source: 'json-ld', text: meta.jsonLd.articleBody }
      : itemprop
        ? { source: 'itemprop', text: itemprop }
        : null;
    const noscripts = elements.noscripts.map((n) => n.textContent ?? '');
    const mount = elements.mount;
    let article: ArticleResult | null = null;
    // Readability's defaults (charThreshold 500 …); the serializer hands back the element itself so the text is
    // read from the live subtree instead of re-parsing serialised HTML. Class names are kept: the boilerplate
    // cleaning reads them.
    const parsed = new Readability<Element>(document, {
      serializer: (node: Node) => node as Element,
      keepClasses: true,
    }).parse();
    if (parsed?.content) {
      const root = parsed.content;
      const image = firstImageIn(root, base);
      removeBoilerplateBlocks(root);
      const preformatted = new Set<string>();
      const raw = dedupeParagraphs(domToParagraphs(root, preformatted));
      const cleaned = cleanParagraphs(raw, {
        titles: [parsed.title, meta.meta.get('og:title'), meta.jsonLd?.headline, meta.documentTitle],
        reference,
        preformatted,
      });
      const paragraphs = cleaned.filter((p) => !isPaywallPitch(p));
      const pitchDropped = raw.some((p) => isPaywallPitch(p));
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
        pitchDropped,
      };
    }
    let shell: ShellVerdict = { shell: false, signal: null };
    let bodyText = '';
    if (!article || countWords(joinParagraphs(article.paragraphs)) < 60) {
      bodyText = approxVisibleText(html);
      shell = detectAppShell({ scripts, noscripts, mount }, bodyText);
    }
    return { engine, meta, readerable, paywall, lockedPartPresent, shell, bodyText, article };
  } finally {
    handle.close();
    if (engine === 'jsdom') await yieldToEventLoop();
  }
}

/** Whether the subscriber-only part named by JSON-LD `hasPart.cssSelector` is in the markup with ≥ 50 words. */
function lockedPart(document: Document, selectors: string[]): boolean | null {
  if (selectors.length === 0) return null;
  for (const sel of selectors) {
    try {
      const text = Array.from(document.querySelectorAll(sel))
        .map((el) => el.textContent ?? '')
        .join(' ');
      if (countWords(text) >= 50) return true;
    } catch {
      /* an invalid selector names nothing */
    }
  }
  return false;
}

function words(paragraphs: string[]): number {
  return countWords(joinParagraphs(paragraphs));
}

/** Chooses text, status and reason from the analysis and the fallback chain. */
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
  x.paywalled = a.paywall.paywalled;
  if (consent.wall) {
    return finish(x, feedPars, 'blocked_consent', 'consent wall detected', fallback);
  }
  if (a.paywall.paywalled && n < c.paywallTeaserWords) {
    const teaser = feedWords > n ? feedPars : pars;
    if (teaser.length === 0) return noArticle(`paywall detected: ${a.paywall.signal}; no free text on page`);
    return finish(x, teaser, 'paywalled', `paywall detected: ${a.paywall.signal}`, fallback, m.meta.get('description'));
  }
  // A paywalled page longer than a teaser: the free part is kept and the pitch dropped. It is still only part of
  // the article when the page says a part is subscriber-only and that part is not in the markup, or when a
  // subscription pitch stood in the text.
  if (
    a.paywall.paywalled &&
    n > 0 &&
    a.lockedPartPresent !== true &&
    (a.lockedPartPresent === false || art?.pitchDropped)
  ) {
    const what =
      a.lockedPartPresent === false ? 'the subscriber-only part is not on the page' : 'subscription pitch removed';
    return finish(
      x,
      pars,
      'paywalled',
      `paywall detected: ${a.paywall.signal}; kept the free part (${n} words), ${what}`,
      fallback,
      art?.excerpt ?? description,
    );
  }
  if (n >= c.minFullWords) {
    status = 'full';
    if (truncatedAt !== null) {
      status = 'partial';
      reason = `page larger than ${truncatedAt} bytes; extracted from the first ${truncatedAt} bytes`;
    }
  } else if (n === 0) {
    return noArticle(a.shell.shell ? (a.shell.signal ?? 'script-only app shell') : 'no article body found on page');
  } else if (a.readerable || n >= feedWords) {
    if (feedWords > n) {
      return finish(x, feedPars, 'feed_only', `page text shorter than feed text (${n} words)`, fallback);
    }
    status = 'partial';
    reason = `short article text (${n} words)`;
  } else if (feedPars.length > 0) {
    return finish(x, feedPars, 'feed_only', `page text shorter than feed text (${n} words)`, fallback);
  } else {
    status = 'partial';
    reason = `short article text (${n} words)`;
  }
  x.text = joinParagraphs(pars);
  x.wordCount = n;
  x.status = status;
  x.reason = reason;
  x.excerpt = excerptOf(pars === pagePars ? (art?.excerpt ?? description) : description, pars);
  return x;

  /**
   * No article text on the page: the longest of the feed entry's text and the page's own description (JSON-LD
   * `description`, `<meta name=description>` / `og:description` / `twitter:description`), with a reason naming
   * what happened and where the text came from; `no_content` with an empty text only when neither exists.
   */
  function noArticle(why: string): Extraction {
    const pageDescs: Array<[string, string | null]> = [
      ['JSON-LD description', m.jsonLd?.description ?? null],
      [
        m.meta.get('description')
          ? 'meta description'
          : m.meta.get('og:description')
            ? 'og:description'
            : 'twitter:description',
        description,
      ],
    ];
    let best: [string, string] | null = null;
    for (const [src, d] of pageDescs) {
      if (d && countWords(d) > (best ? countWords(best[1]) : 0)) best = [src, d];
    }
    const descWords = best ? countWords(best[1]) : 0;
    if (feedWords > 0 && feedWords >= descWords) {
      return finish(x, feedPars, 'feed_only', `${why}; text from the feed entry`, fallback);
    }
    if (best && !consent.wall) {
      return finish(
        x,
        textToParagraphs(best[1]),
        'partial',
        `${why}; text from the page's ${best[0]}`,
        fallback,
        best[1],
      );
    }
    return finish(x, [], 'no_content', `${why}; no feed text or page description to fall back to`, fallback);
  }

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
 * Extracts an article from a page already in hand.
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
    // An absurd DOM costs seconds and gigabytes to build and walk (a million elements: ~40 s, ~2.6 GB), so the
    // element count is checked on the markup first.
    const elements = countStartTags(html, c.maxElements);
    if (elements > c.maxElements) {
      return fallbackOnly(url, opts.fallback, tooComplex(html, c.maxElements).message);
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
  const { pool, ...rest } = opts;
  if (pool) return pool.extract({ body: res.body, url: finalUrl, contentType }, rest);
  return extractPage({ body: res.body, url: finalUrl, contentType }, rest);
}

const pools = new Map<string, ExtractPool>();

/**
 * The process-wide extraction pool for an `extract:` config section (one per distinct worker settings), created on
 * first use; null when `workers` is 0 (extract in-process). Idle workers never keep the process alive, so callers
 * need not close it; {@link closeExtractPools} ends them all (tests, clean shutdown).
 *
 * @param config the `extract:` section (`workers`: null = one per core, `pageTimeoutMs`, `workerHeapMb`)
 */
export function extractPoolFor(
  config: Pick<ExtractConfig, 'workers' | 'pageTimeoutMs' | 'workerHeapMb'>,
): ExtractPool | null {
  if (config.workers === 0) return null;
  const key = `${config.workers}/${config.pageTimeoutMs}/${config.workerHeapMb}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new ExtractPool({
      size: config.workers ?? undefined,
      pageTimeoutMs: config.pageTimeoutMs,
      heapMb: config.workerHeapMb,
    });
    pools.set(key, pool);
  }
  return pool;
}

/** Ends every pool {@link extractPoolFor} created. */
export async function closeExtractPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close()));
}

/** The `page_too_complex` problem, with the page's full element count (`1,000,000 elements > cap 100,000`). */
function tooComplex(html: string, cap: number): ExtractError {
  const n = countStartTags(html, Number.MAX_SAFE_INTEGER);
  const fmt = (x: number) => x.toLocaleString('en-US');
  return new ExtractError('page_too_complex', `page too complex: ${fmt(n)} elements > cap ${fmt(cap)}`);
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
