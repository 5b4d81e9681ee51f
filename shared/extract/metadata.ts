/// <reference lib="dom" />
import { collapseWhitespace } from './text.ts';

/** What the page's JSON-LD (schema.org) says about the article, from the first `Article`-like object found. */
export interface JsonLdArticle {
  /** schema.org `@type` of the object used, e.g. `NewsArticle`. */
  type: string | null;
  headline: string | null;
  /** `articleBody` as plain text (collapsed per paragraph), or null. */
  articleBody: string | null;
  /** ISO-8601 UTC, or null when absent or unparsable. */
  datePublished: string | null;
  dateModified: string | null;
  /** Author names (`author.name`, or strings), in order, de-duplicated. */
  authors: string[];
  publisherName: string | null;
  /** Absolute image URL, or null. */
  image: string | null;
  url: string | null;
  /** `isAccessibleForFree` of the article or any `hasPart`: false = paywalled, null = not stated. */
  isAccessibleForFree: boolean | null;
  /**
   * `cssSelector` of each `hasPart` marked `isAccessibleForFree: false` (Google's "subscription and paywalled
   * content" structured data): where the subscriber-only part of the article sits in the markup.
   */
  lockedSelectors: string[];
  /** schema.org `description` of the article object, else of any object on the page (a `VideoObject`, …), or null. */
  description: string | null;
}

/** Page metadata gathered before Readability runs (Readability mutates the DOM). */
export interface PageMetadata {
  jsonLd: JsonLdArticle | null;
  /** `<meta property|name=…>` values, keys lower-cased (first value wins). */
  meta: Map<string, string>;
  /** Raw `<title>` text, collapsed. */
  documentTitle: string | null;
  canonicalUrl: string | null;
  lang: string | null;
  dir: 'ltr' | 'rtl' | null;
  /** First `<time datetime>` (preferring `itemprop=datePublished`/`pubdate`), ISO-8601 UTC. */
  timeDatetime: string | null;
  /** Publication time from publisher-specific tags (`parsely-pub-date`, `dc.date`, …), ISO-8601 UTC. */
  otherPublished: string | null;
  /** Declared lead image: `og:image`, `twitter:image`, else JSON-LD `image` (absolute), or null. */
  leadImage: string | null;
  /** First content image of `<article>`/`<main>`/`<body>` (lazy-load attributes resolved), or null. */
  firstImage: string | null;
}

const ARTICLE_TYPES =
  /^(NewsArticle|Article|ReportageNewsArticle|AnalysisNewsArticle|OpinionNewsArticle|BackgroundNewsArticle|ReviewNewsArticle|AskPublicNewsArticle|BlogPosting|LiveBlogPosting|SocialMediaPosting|TechArticle|ScholarlyArticle|Report|WebPage|Review)$/;

/**
 * Converts a date string to ISO-8601 UTC (`2015-07-24T04:36:09.000Z`). Strings without a zone designator are read
 * as UTC (so the result never depends on the process time zone). Accepts ISO-8601 / RFC 3339 and the RFC 2822 /
 * RFC 9110 forms `Date.parse` understands.
 * @returns null when the value is empty or unparsable, or outside years 1970–2100
 */
export function toIsoUtc(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let v = value.trim();
  if (!v) return null;
  // ISO date-time without an offset: treat as UTC.
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) v = `${v.replace(' ', 'T')}Z`;
  // "+0100" offsets → "+01:00" (ES Date.parse only guarantees the colon form).
  v = v.replace(/^(\d{4}-\d{2}-\d{2}T[\d:.]+)([+-]\d{2})(\d{2})$/, '$1$2:$3');
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  const year = new Date(t).getUTCFullYear();
  if (year < 1970 || year > 2100) return null;
  return new Date(t).toISOString();
}

/** Resolves `href` against `base` to an absolute http(s) URL; null for other schemes, `data:` and junk. */
export function absoluteHttpUrl(href: string | null | undefined, base: string): string | null {
  if (!href) return null;
  const h = href.trim();
  if (!h || /^(data|javascript|about|blob):/i.test(h)) return null;
  try {
    const u = new URL(h, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** First candidate URL of a `srcset` attribute (WHATWG HTML §4.8.4.3, simplified: split on commas + spaces). */
function firstSrcsetUrl(srcset: string | null): string | null {
  if (!srcset) return null;
  const first = srcset.trim().split(/,\s+/)[0];
  return first ? (first.trim().split(/\s+/)[0] ?? null) : null;
}

/** Attributes that lazy-loading scripts use for the real image URL, most specific first. */
const LAZY_ATTRS = [
  'data-src',
  'data-lazy-src',
  'data-original',
  'data-url',
  'data-hi-res-src',
  'data-full-src',
  'data-lazy',
];

/**
 * The real URL of an `<img>`: lazy-load attributes (`data-src`, `data-lazy-src`, `data-original`, …,
 * `data-srcset`) win over a placeholder `src` (a `data:` URI or a 1×1 gif), then `src`, then `srcset`.
 * @returns an absolute http(s) URL or null
 */
export function imageUrl(img: Element, base: string): string | null {
  for (const attr of LAZY_ATTRS) {
    const u = absoluteHttpUrl(img.getAttribute(attr), base);
    if (u) return u;
  }
  const lazySet = absoluteHttpUrl(firstSrcsetUrl(img.getAttribute('data-srcset')), base);
  if (lazySet) return lazySet;
  const src = img.getAttribute('src');
  if (src && !/^data:/i.test(src.trim()) && !/(^|\/)(blank|spacer|pixel|1x1|transparent)\.(gif|png)/i.test(src)) {
    const u = absoluteHttpUrl(src, base);
    if (u) return u;
  }
  return absoluteHttpUrl(firstSrcsetUrl(img.getAttribute('srcset')), base);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return collapseWhitespace(v) || null;
  if (typeof v === 'number') return String(v);
  return null;
}

function typeOf(o: Record<string, unknown>): string[] {
  return asArray(o['@type'])
    .filter((t): t is string => typeof t === 'string')
    .map((t) => t.replace(/^.*[/#]/, ''));
}

function boolish(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'false' || s === 'no') return false;
    if (s === 'true' || s === 'yes') return true;
  }
  return null;
}

/** Plain text of an `articleBody` (which some sites fill with HTML): tags dropped, paragraphs kept. */
function articleBodyText(v: unknown): string | null {
  if (typeof v !== 'string' || !v.trim()) return null;
  let t = v;
  if (/<[a-z][^>]*>/i.test(t)) {
    t = t
      .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<\/(p|div|h\d|li|blockquote)>|<br\s*\/?>/gi, '\n\n')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&nbsp;/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'");
  }
  return t.trim() || null;
}

/**
 * The elements the metadata, wall and shell checks read, gathered in one walk of the document instead of one
 * selector query (and one walk) each. Template contents are not walked, as with `querySelectorAll`.
 */
export interface PageElements {
  /** `<meta>` with a `content` attribute. */
  metas: Element[];
  /** Every `<script>`. */
  scripts: Element[];
  /** `<link>` with `rel` and `href`. */
  links: Element[];
  /** `<time>` with `datetime`. */
  times: Element[];
  noscripts: Element[];
  /** Elements whose `itemprop` names `articleBody` (schema.org microdata). */
  itemBodies: Element[];
  title: Element | null;
  /** An element a script-rendered app mounts into (`#root`, `#app`, `#__next`, `#__nuxt`, `[data-reactroot]`, `<app-root>`). */
  mount: boolean;
}

const MOUNT_IDS = new Set(['root', 'app', '__next', '__nuxt']);

/** Gathers {@link PageElements} in one walk. */
export function pageElements(document: Document): PageElements {
  const out: PageElements = {
    metas: [],
    scripts: [],
    links: [],
    times: [],
    noscripts: [],
    itemBodies: [],
    title: null,
    mount: false,
  };
  for (const el of Array.from(document.querySelectorAll('*'))) {
    const name = el.localName;
    if (name === 'meta') {
      if (el.hasAttribute('content')) out.metas.push(el);
    } else if (name === 'script') out.scripts.push(el);
    else if (name === 'link') {
      if (el.hasAttribute('rel') && el.hasAttribute('href')) out.links.push(el);
    } else if (name === 'time') {
      if (el.hasAttribute('datetime')) out.times.push(el);
    } else if (name === 'noscript') out.noscripts.push(el);
    else if (name === 'title') out.title ??= el;
    else if (name === 'app-root') out.mount = true;
    const itemprop = el.getAttribute('itemprop');
    if (itemprop && /(^|\s)article[Bb]ody(\s|$)/.test(itemprop)) out.itemBodies.push(el);
    if (!out.mount) {
      const id = el.getAttribute('id');
      if ((id && MOUNT_IDS.has(id)) || el.hasAttribute('data-reactroot')) out.mount = true;
    }
  }
  return out;
}

/**
 * Reads the page's JSON-LD (`<script type="application/ld+json">`, JSON-LD 1.1 / schema.org), flattening
 * arrays and `@graph`, and returns the first `Article`-like object (NewsArticle first). Invalid JSON blocks are
 * skipped (never thrown).
 */
export function readJsonLd(document: Document, base: string, elements?: PageElements): JsonLdArticle | null {
  const objects: Array<Record<string, unknown>> = [];
  for (const script of (elements ?? pageElements(document)).scripts) {
    if (!/^application\/ld\+json/i.test((script.getAttribute('type') ?? '').trim())) continue;
    let data: unknown;
    try {
      data = JSON.parse((script.textContent ?? '').replace(/^\s*<!\[CDATA\[|\]\]>\s*$/g, ''));
    } catch {
      continue;
    }
    const queue = asArray(data);
    while (queue.length > 0 && objects.length < 200) {
      const o = queue.shift();
      if (!o || typeof o !== 'object' || Array.isArray(o)) continue;
      const rec = o as Record<string, unknown>;
      objects.push(rec);
      for (const g of asArray(rec['@graph'])) queue.push(g);
      if (typeof rec.mainEntity === 'object') queue.push(rec.mainEntity);
    }
  }
  const ranked = objects
    .map((o) => ({ o, types: typeOf(o) }))
    .filter(({ types }) => types.some((t) => ARTICLE_TYPES.test(t)));
  ranked.sort((a, b) => rank(a.types) - rank(b.types));
  const hit = ranked[0];
  if (!hit) {
    // Still report a paywall flag or a description set on a non-article object (a WebPage without a recognised
    // type, a VideoObject).
    const paywall = objects.map((o) => boolish(o.isAccessibleForFree)).find((b) => b !== null) ?? null;
    const description = objects.map((o) => str(o.description)).find((d) => d !== null) ?? null;
    return paywall === null && description === null
      ? null
      : {
          type: null,
          headline: null,
          articleBody: null,
          datePublished: null,
          dateModified: null,
          authors: [],
          publisherName: null,
          image: null,
          url: null,
          isAccessibleForFree: paywall,
          lockedSelectors: [],
          description,
        };
  }
  const o = hit.o;
  const authors: string[] = [];
  for (const a of asArray(o.author)) {
    const name =
      typeof a === 'string' ? str(a) : a && typeof a === 'object' ? str((a as Record<string, unknown>).name) : null;
    if (name && !authors.includes(name)) authors.push(name);
  }
  const publisher = o.publisher;
  const publisherName =
    publisher && typeof publisher === 'object' ? str((publisher as Record<string, unknown>).name) : str(publisher);
  let image: string | null = null;
  for (const img of asArray(o.image)) {
    const u =
      typeof img === 'string' ? img : img && typeof img === 'object' ? str((img as Record<string, unknown>).url) : null;
    image = absoluteHttpUrl(u, base);
    if (image) break;
  }
  let free = boolish(o.isAccessibleForFree);
  const lockedSelectors: string[] = [];
  for (const part of asArray(o.hasPart)) {
    if (part && typeof part === 'object') {
      const b = boolish((part as Record<string, unknown>).isAccessibleForFree);
      if (b === false) {
        free = false;
        const sel = str((part as Record<string, unknown>).cssSelector);
        if (sel) lockedSelectors.push(sel);
      }
    }
  }
  return {
    type: hit.types[0] ?? null,
    headline: str(o.headline) ?? str(o.name),
    articleBody: articleBodyText(o.articleBody),
    datePublished: toIsoUtc(o.datePublished),
    dateModified: toIsoUtc(o.dateModified),
    authors,
    publisherName,
    image,
    url: absoluteHttpUrl(str(o.url), base),
    isAccessibleForFree: free,
    lockedSelectors,
    description: str(o.description) ?? objects.map((x) => str(x.description)).find((d) => d !== null) ?? null,
  };
}

function rank(types: string[]): number {
  if (types.some((t) => /NewsArticle$/.test(t))) return 0;
  if (types.some((t) => /^(Article|BlogPosting|LiveBlogPosting|Report)$/.test(t))) return 1;
  if (types.includes('WebPage')) return 3;
  return 2;
}

/**
 * Gathers the page metadata that Readability does not give or that its DOM mutations would destroy: JSON-LD,
 * `<meta>` tags, `<title>`, canonical URL (`<link rel=canonical>`, else `og:url`; RFC 6596), `lang`/`dir`,
 * `<time datetime>` and the lead image (`og:image`/`twitter:image`/JSON-LD `image`, else the first content image
 * with lazy-load attributes resolved). All URLs are absolute, resolved against `base` (the document base URL).
 * `elements`: the document's {@link pageElements}, when the caller has them already.
 */
export function readMetadata(document: Document, base: string, elements?: PageElements): PageMetadata {
  const els = elements ?? pageElements(document);
  const meta = new Map<string, string>();
  for (const m of els.metas) {
    const content = m.getAttribute('content');
    if (!content) continue;
    for (const key of [
      m.getAttribute('property'),
      m.getAttribute('name'),
      m.getAttribute('itemprop'),
      m.getAttribute('http-equiv'),
    ]) {
      if (!key) continue;
      for (const k of key.toLowerCase().trim().split(/\s+/)) if (k && !meta.has(k)) meta.set(k, content.trim());
    }
  }
  const jsonLd = readJsonLd(document, base, els);
  const titleEl = els.title;
  const documentTitle = titleEl ? collapseWhitespace(titleEl.textContent ?? '') || null : null;

  let canonicalUrl: string | null = null;
  for (const link of els.links) {
    if ((link.getAttribute('rel') ?? '').toLowerCase().split(/\s+/).includes('canonical')) {
      canonicalUrl = absoluteHttpUrl(link.getAttribute('href'), base);
      if (canonicalUrl) break;
    }
  }
  canonicalUrl ??= absoluteHttpUrl(meta.get('og:url'), base);

  const root = document.documentElement;
  const langRaw =
    root?.getAttribute('lang') ??
    root?.getAttribute('xml:lang') ??
    meta.get('content-language') ??
    meta.get('og:locale') ??
    null;
  const lang = langRaw ? langRaw.trim().replace(/_/g, '-').split(/[\s,]/)[0] || null : null;
  const dirRaw = (root?.getAttribute('dir') ?? document.body?.getAttribute('dir') ?? '').trim().toLowerCase();
  const dir = dirRaw === 'rtl' || dirRaw === 'ltr' ? dirRaw : null;

  // Publisher-specific date tags (Parse.ly, cXense, Dublin Core, Sailthru, …), in order of trust.
  let otherPublished: string | null = null;
  for (const key of [
    'parsely-pub-date',
    'og:published_time',
    'publish-date',
    'publishdate',
    'dc.date.issued',
    'dcterms.created',
    'dc.date',
    'sailthru.date',
    'cxenseparse:recs:publishtime',
    'article_date_original',
    'pubdate',
    'date',
  ]) {
    otherPublished = toIsoUtc(meta.get(key));
    if (otherPublished) break;
  }
  if (!otherPublished && meta.has('parsely-page')) {
    try {
      otherPublished = toIsoUtc((JSON.parse(meta.get('parsely-page')!) as { pub_date?: unknown }).pub_date);
    } catch {
      /* not JSON */
    }
  }

  let timeDatetime: string | null = null;
  const times = els.times;
  const preferred =
    times.find((t) => /datePublished/i.test(t.getAttribute('itemprop') ?? '') || t.hasAttribute('pubdate')) ?? times[0];
  if (preferred) timeDatetime = toIsoUtc(preferred.getAttribute('datetime'));

  const leadImage =
    absoluteHttpUrl(meta.get('og:image') ?? meta.get('og:image:url') ?? meta.get('og:image:secure_url'), base) ??
    absoluteHttpUrl(meta.get('twitter:image') ?? meta.get('twitter:image:src'), base) ??
    jsonLd?.image ??
    null;
  const scope = document.querySelector('article') ?? document.querySelector('main') ?? document.body;
  const firstImage = scope ? firstImageIn(scope, base) : null;
  return { jsonLd, meta, documentTitle, canonicalUrl, lang, dir, timeDatetime, otherPublished, leadImage, firstImage };
}

/** The first `<img>` under `root` with a real (non-placeholder) URL, absolute; null when none. */
export function firstImageIn(root: ParentNode, base: string): string | null {
  for (const img of Array.from(root.querySelectorAll('img'))) {
    const u = imageUrl(img, base);
    if (u) return u;
  }
  return null;
}

const TITLE_SEPARATORS = /\s+(?:[|–—]|--)\s+|\s+[-:»·]\s+/;

/**
 * Removes site-name suffixes from a `<title>`: the part after the last ` | `, ` – `, ` — `, ` -- ` (or ` - `,
 * ` » `, ` · `) goes when what remains still has at least two words (four after a hyphen-like separator) and the
 * suffix is short (≤ 6 words), or when the suffix equals `siteName`; repeated up to three times
 * (`"Story » Local » News"` → `"Story"`). `"Talks stall — Example News"` → `"Talks stall"`.
 */
export function cleanTitle(title: string, siteName?: string | null): string {
  let t = collapseWhitespace(title);
  for (let round = 0; round < 3; round++) {
    const next = stripOneSuffix(t, siteName);
    if (next === t) break;
    t = next;
  }
  return t;
}

function stripOneSuffix(t: string, siteName?: string | null): string {
  const parts = t.split(TITLE_SEPARATORS);
  if (parts.length < 2) return t;
  const seps = t.match(new RegExp(TITLE_SEPARATORS.source, 'g')) ?? [];
  const last = parts[parts.length - 1]!;
  const head = t.slice(0, t.length - last.length - (seps[seps.length - 1]?.length ?? 0)).trim();
  if (!head) return t;
  if (siteName && collapseWhitespace(last).toLowerCase() === collapseWhitespace(siteName).toLowerCase()) return head;
  // The strong separators (| – — --) need a two-word head; hyphen-like ones a four-word head.
  const strong = /[|–—]|--/.test(seps[seps.length - 1] ?? '');
  const words = head.split(/\s+/).length;
  if (words >= (strong ? 2 : 4) && last.split(/\s+/).length <= 6) return head;
  return t;
}
