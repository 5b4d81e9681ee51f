/// <reference lib="dom" />
/**
 * Boilerplate cleaning of the article Readability returned, at the edges and inside, from general DOM and text
 * signals only (no site-specific rules): markup roles and semantic elements (`nav`, `aside`, `figcaption`,
 * ARIA landmark roles), class/id vocabulary (share, related, newsletter, caption, author bio, …), link density,
 * position at the edges of the article, short lines repeated inside it, and the page's own statement of its body
 * (JSON-LD `articleBody`, `itemprop=articleBody`) as a cross-check.
 */
import { collapseWhitespace, countWords, isBoilerplateParagraph, isDateLine } from './text.ts';

/** ARIA landmark and widget roles that never hold article prose (WAI-ARIA 1.2 §5.3.4 landmark roles, §5.3.2 widgets). */
const BOILERPLATE_ROLES =
  /^(navigation|complementary|contentinfo|banner|search|dialog|alertdialog|toolbar|menu|menubar)$/i;

/** Elements that hold navigation and asides rather than article prose (WHATWG HTML §4.3.4, §4.3.5). */
const BOILERPLATE_TAGS = new Set(['NAV', 'ASIDE']);

/** Class/id words of caption elements (`figcaption`-like blocks that are not `<figcaption>`: "wp-caption-text"). */
const CAPTION_WORDS = new Set(['caption', 'captions', 'figcaption']);

/** Single words of class/id names that mark boilerplate blocks (split on `-`, `_`, camelCase). */
const BOILERPLATE_WORDS = new Set([
  'share',
  'shares',
  'sharing',
  'sharebar',
  'sharetools',
  'social',
  'related',
  'recommended',
  'recommendations',
  'recirc',
  'newsletter',
  'newsletters',
  'subscribe',
  'subscription',
  'promo',
  'promos',
  'advert',
  'adverts',
  'advertisement',
  'advertising',
  'ad',
  'ads',
  'adslot',
  'sponsor',
  'sponsored',
  'outbrain',
  'taboola',
  'readmore',
  'signup',
  'cta',
  'paywall',
  'credit',
  'credits',
  'copyright',
  'bio',
  'authorbio',
  'breadcrumb',
  'breadcrumbs',
  'toolbar',
  'sidebar',
  'popup',
  'modal',
  'comments',
  'disqus',
  'trending',
  'tags',
  'taglist',
  'regist',
  'registration',
  'login',
  'donate',
  'donation',
]);

/** Two-word class/id phrases that mark boilerplate blocks ("read-more", "more-stories", "author-info", …). */
const BOILERPLATE_PAIRS = new Set([
  'read more',
  'more stories',
  'also read',
  'most read',
  'most popular',
  'author info',
  'author box',
  'author card',
  'author details',
  'about author',
  'article tools',
  'story tools',
  'follow us',
  'image credit',
  'photo credit',
  'sign up',
  // Text only screen readers get (Bootstrap "sr-only", WordPress "screen-reader-text", "visually-hidden",
  // "off-screen"): labels such as "Image caption", "Image copyright", "Advertisement", never article prose.
  'sr only',
  'screen reader',
  'visually hidden',
  'off screen',
]);

/** Class/id names that mark the article body itself; a block carrying one is never removed by its names. */
const BODY_WORDS =
  /(^|[\s_-])(article-?body|story-?body|post-?body|entry-?content|article-?content|story-?content)($|[\s_-])/i;

/** Lower-cased words of class and id names (`relatedStories-list` → related, stories, list). */
export function nameWords(el: Element): string[] {
  return wordsOfName(`${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`);
}

function wordsOfName(raw: string): string[] {
  return raw
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** True when an element's class/id names say it is boilerplate (share bar, related list, caption, author bio, …). */
export function hasBoilerplateName(el: Element): boolean {
  return boilerplateName(`${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`);
}

/** {@link hasBoilerplateName} of the joined class and id attributes. */
function boilerplateName(raw: string): boolean {
  if (raw.trim() === '' || BODY_WORDS.test(raw)) return false;
  const words = wordsOfName(raw);
  for (let i = 0; i < words.length; i++) {
    // "no-caption", "without-ads": the name says the block lacks the thing.
    if (i > 0 && (words[i - 1] === 'no' || words[i - 1] === 'without')) continue;
    if (BOILERPLATE_WORDS.has(words[i]!)) return true;
    if (i + 1 < words.length && BOILERPLATE_PAIRS.has(`${words[i]} ${words[i + 1]}`)) return true;
  }
  return false;
}

/**
 * Class names of embedded social posts (Twitter/X, Instagram, TikTok, Facebook embed markup): quoted material of
 * the story, kept even when their names contain a boilerplate word ("twitter-tweet" is not a share bar).
 */
const SOCIAL_EMBED = /(^|\s)(twitter-tweet|twitter-video|instagram-media|tiktok-embed|fb-post|fb-video)(\s|$)/i;

/**
 * True for an element that holds an image caption: `<figcaption>` (WHATWG HTML §4.4.13) or a block named as a
 * caption ("wp-caption-text", "image_caption") and nothing else that is boilerplate ("caption-credit" is a credit).
 */
export function isCaptionElement(el: Element): boolean {
  if ((el.tagName ?? '').toUpperCase() === 'FIGCAPTION') return true;
  const raw = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`;
  return captionName(raw) && !boilerplateName(raw);
}

/** Whether joined class and id attributes contain a caption word (cheap test first: most names have no "caption"). */
function captionName(raw: string): boolean {
  return /caption/i.test(raw) && wordsOfName(raw).some((w) => CAPTION_WORDS.has(w));
}

/**
 * Photo credits at the end of a caption: "Photo: Agency/Name", "Credit: NASA", "CreditKevin Frayer/Getty Images",
 * "Photo by …", "Mandatory Credit: …", "REUTERS/Name", "Name/Getty Images", and a parenthesised or bracketed tail
 * naming a person or agency ("(Lucy Akins)", "(Thomas Coex/AFP/Getty Images)", "[Instagram]").
 */
const CREDIT_TAILS: RegExp[] = [
  /(^|(?<=[\s.!?”"’)\]]))((mandatory|image|photo)\s+)?(photo(graph)?s?|images?|pictures?|illustrations?|credits?|source|foto|bild|fotos)(\s+credits?)?\s*[:|]\s*\S[^\n]{0,100}$/iu,
  /(^|(?<=[.!?”"’)\]]\s?))(Credit)+\s?\S[^\n]{0,100}$/u,
  /(^|(?<=[\s.!?”"’]))(photo(graph)?|image|picture|illustration|video)s?\s+(by|courtesy( of)?|via)\s+\S[^\n]{0,80}$/iu,
  /(^|(?<=[.!?”"’]\s?))[\p{Lu}][\p{Lu}\p{L}.'’ -]{1,40}\s?\/\s?\S[^\n]{1,60}$/u,
  /\s*[([]([^()[\]]*\/[^()[\]]*|(\p{Lu}[\p{L}.'’-]*\s?){1,6})[)\]]\.?$/u,
];

/** A caption without its trailing photo credit (see {@link CREDIT_TAILS}); empty when it was only a credit. */
export function stripCredit(caption: string): string {
  let text = collapseWhitespace(caption);
  for (let changed = true; changed && text; ) {
    changed = false;
    for (const re of CREDIT_TAILS) {
      const next = text.replace(re, '').trim();
      if (next !== text) {
        text = next;
        changed = true;
      }
    }
  }
  return text;
}

/**
 * A caption written as a sentence (≥ 6 words ending in sentence punctuation) states who did what where and is
 * kept; a label ("Adelson with a top bodyguard", a name, "Image 3 of 9") only identifies the photo.
 */
function isSentenceCaption(text: string): boolean {
  return countWords(text) >= 6 && /[.!?。！？…]["'”’»)\]]*$/u.test(text);
}

/** The figure a caption belongs to: its `<figure>` ancestor, else a caption-named wrapper, else the caption. */
function figureOf(caption: Element, article: Element): Element {
  let wrapper: Element = caption;
  for (let e = caption.parentElement; e && e !== article; e = e.parentElement) {
    if ((e.tagName ?? '').toUpperCase() === 'FIGURE') return e;
    if (nameWords(e).some((w) => CAPTION_WORDS.has(w))) wrapper = e;
  }
  return wrapper;
}

/** Block elements whose text is article prose when they hold a sentence's worth of words. */
const PROSE_TAGS = new Set(['P', 'LI', 'BLOCKQUOTE', 'PRE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'TD', 'DD']);

/**
 * The captions that belong to a gallery: a run of three or more captioned figures in document order with no
 * prose (a paragraph, list item, quote or heading of ≥ 8 words outside the figures) between them. A gallery's
 * captions describe its photos one by one; the article's text is its prose.
 */
function galleryCaptions(article: Element, captions: Element[]): Set<Element> {
  const out = new Set<Element>();
  if (captions.length < 3) return out;
  const figures = new Map<Element, Element>();
  for (const c of captions) figures.set(figureOf(c, article), c);
  let run: Element[] = [];
  const flush = () => {
    if (run.length >= 3) for (const c of run) out.add(c);
    run = [];
  };
  // Iterative pre-order walk over elements, not entering figures.
  const stack: Element[] = [];
  for (let ch = article.lastElementChild; ch; ch = ch.previousElementSibling) stack.push(ch);
  while (stack.length > 0) {
    const el = stack.pop()!;
    const caption = figures.get(el);
    if (caption) {
      run.push(caption);
      continue;
    }
    if (PROSE_TAGS.has((el.tagName ?? '').toUpperCase()) && countWords(el.textContent ?? '') >= 8) {
      // Prose only when no figure sits inside it (a <p> wrapping a figure is the figure's container).
      let holdsFigure = false;
      for (const f of figures.keys()) if (el.contains(f)) holdsFigure = true;
      if (!holdsFigure) {
        flush();
        continue;
      }
    }
    for (let ch = el.lastElementChild; ch; ch = ch.previousElementSibling) stack.push(ch);
  }
  flush();
  return out;
}

/**
 * Keeps image captions as article text, each as a paragraph of its own and without its photo credit; drops the
 * captions of galleries ({@link galleryCaptions}) unless the article has little else (a photo essay of under 50
 * words of prose keeps them), and captions that were only a credit.
 */
function settleCaptions(article: Element): void {
  const all = Array.from(article.querySelectorAll('*')).filter(isCaptionElement);
  // The innermost caption element carries the text ("wp-caption" wraps the image and "wp-caption-text").
  const captions = all.filter((c) => !all.some((d) => d !== c && c.contains(d)));
  if (captions.length === 0) return;
  const gallery = galleryCaptions(article, captions);
  if (gallery.size > 0) {
    let galleryWords = 0;
    for (const c of gallery) galleryWords += countWords(c.textContent ?? '');
    if (countWords(article.textContent ?? '') - galleryWords < 50) gallery.clear();
  }
  const doc = article.ownerDocument;
  for (const c of captions) {
    const text = gallery.has(c) ? '' : stripCredit(c.textContent ?? '');
    if (!isSentenceCaption(text) || !doc) {
      c.parentNode?.removeChild(c);
      continue;
    }
    const p = doc.createElement('p');
    p.textContent = text;
    c.parentNode?.replaceChild(p, c);
  }
}

/** Words of an element's text outside its links. */
function unlinkedWords(el: Element, except?: Element): number {
  let n = 0;
  const stack: Node[] = [el];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node === except) continue;
    if (node.nodeType === 3) n += countWords(node.nodeValue ?? '');
    else if (node.nodeType === 1 && ((node as Element).tagName ?? '').toUpperCase() !== 'A')
      for (let c = node.firstChild; c; c = c.nextSibling) stack.push(c);
  }
  return n;
}

/** A list nested in a list item that has text of its own outside links (not a table of contents' sub-entries). */
function isSublistOfProse(list: Element): boolean {
  const parent = list.parentElement;
  return !!parent && (parent.tagName ?? '').toUpperCase() === 'LI' && unlinkedWords(parent, list) >= 2;
}

const NUMBERED = /^\s*\d{1,3}[.)]\s/;

/** A paragraph numbered "N." or "N)" next to another numbered paragraph: an item of the author's list. */
function isNumberedItem(p: Element): boolean {
  if (!NUMBERED.test(p.textContent ?? '')) return false;
  const prev = p.previousElementSibling;
  const next = p.nextElementSibling;
  return (!!prev && NUMBERED.test(prev.textContent ?? '')) || (!!next && NUMBERED.test(next.textContent ?? ''));
}

/** Text size of an element: visible (non-whitespace) characters, those inside links, and `<a>` descendants. */
interface TextStats {
  chars: number;
  linkChars: number;
  links: number;
}

/**
 * {@link TextStats} of every element under `root` (and of `root`), in one walk: each text node is counted once and
 * added up the tree, instead of reading `textContent` and querying the links of every element (quadratic in depth).
 * Characters, not words, so that scripts written without spaces (Thai, Chinese) are measured like others.
 */
function textStats(root: Element): Map<Element, TextStats> {
  const stats = new Map<Element, TextStats>();
  const order: Element[] = [];
  const parentOf = new Map<Element, Element>();
  const stack: Array<[Node, Element | null, boolean]> = [[root, null, false]];
  while (stack.length > 0) {
    const [node, parent, inLink] = stack.pop()!;
    if (node.nodeType === 3) {
      if (parent) {
        const s = stats.get(parent)!;
        const n = visibleChars(node.nodeValue ?? '');
        s.chars += n;
        if (inLink) s.linkChars += n;
      }
      continue;
    }
    if (node.nodeType !== 1) continue;
    const el = node as Element;
    stats.set(el, { chars: 0, linkChars: 0, links: 0 });
    order.push(el);
    if (parent) parentOf.set(el, parent);
    const link = inLink || (el.tagName ?? '').toUpperCase() === 'A';
    const children = el.childNodes;
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i]!, el, link]);
  }
  // Children come after their parent in `order`: fold each element into its parent, deepest first.
  for (let i = order.length - 1; i > 0; i--) {
    const el = order[i]!;
    const parent = parentOf.get(el);
    if (!parent) continue;
    const s = stats.get(el)!;
    const p = stats.get(parent)!;
    p.chars += s.chars;
    p.linkChars += s.linkChars;
    p.links += s.links + ((el.tagName ?? '').toUpperCase() === 'A' ? 1 : 0);
  }
  return stats;
}

const NOT_WHITESPACE = /\S/g;

function visibleChars(text: string): number {
  return text.match(NOT_WHITESPACE)?.length ?? 0;
}

/**
 * Removes boilerplate blocks from the article subtree Readability returned (with `keepClasses`), before text
 * conversion:
 * - `nav`, `aside` and elements with an ARIA landmark/widget role (navigation, complementary, …);
 * - elements whose class/id names share bars, related lists, newsletter/subscription boxes, photo credits, author
 *   bios, ads, tag lists, comment blocks;
 * - gallery captions and photo credits inside captions; other image captions stay as paragraphs of their own
 *   (they name the people and places of the story);
 * - link-dense blocks under 400 visible characters (about 80 words): lists and tables with ≥ 2 links and ≥ 80 % of
 *   their text in links, other blocks with ≥ 2 links and ≥ 60 %, paragraphs with ≥ 80 % (a "Read more: headline"
 *   line) — but not a list nested under an item of prose, nor a linked paragraph in a numbered run of paragraphs.
 * Every removal but navigation and link lists is limited to blocks holding under 20 % of the article text, so a
 * mislabelled wrapper cannot take the article with it.
 *
 * @param article the element Readability's `serializer` returned (mutated in place)
 */
export function removeBoilerplateBlocks(article: Element): void {
  const stats = textStats(article);
  const total = stats.get(article)!.chars || 1;
  const small = (el: Element) => stats.get(el)!.chars < total * 0.2;
  const doomed = new Set<Element>();
  const elements = Array.from(article.querySelectorAll('*'));
  for (const el of elements) {
    const tag = (el.tagName ?? '').toUpperCase();
    const role = el.getAttribute('role');
    const cls = el.getAttribute('class') ?? '';
    // Navigation is never the article, however much of the text it holds (Readability can pick a menu on a page
    // without a body).
    if (tag === 'NAV' || (role && /^(navigation|menu|menubar)$/i.test(role.trim()))) {
      doomed.add(el);
      continue;
    }
    const name = `${cls} ${el.getAttribute('id') ?? ''}`;
    if (tag === 'FIGCAPTION' || (captionName(name) && !boilerplateName(name))) continue;
    if (
      (BOILERPLATE_TAGS.has(tag) ||
        (role && BOILERPLATE_ROLES.test(role.trim())) ||
        (boilerplateName(name) && !SOCIAL_EMBED.test(cls))) &&
      small(el)
    ) {
      doomed.add(el);
    }
  }
  for (const el of elements) {
    const tag = (el.tagName ?? '').toUpperCase();
    if (!LINK_BLOCK_TAGS.has(tag) || doomed.has(el)) continue;
    const { chars, linkChars, links } = stats.get(el)!;
    // About 80 words of English, in characters so that scripts written without spaces get the same allowance.
    if (chars === 0 || links === 0 || chars >= 400) continue;
    const density = linkChars / chars;
    const list = tag === 'UL' || tag === 'OL' || tag === 'DL' || tag === 'TABLE';
    // A list of links under an item of prose ("In progress:" and the bugs it names) and a linked item of a
    // numbered run of paragraphs ("13. <a>…</a>" after "12. …") continue the author's text.
    if (list ? isSublistOfProse(el) : tag === 'P' && isNumberedItem(el)) continue;
    // A list of links is never prose, even when it is all Readability found; other blocks only when small.
    if (
      list ? links >= 2 && density >= 0.8 : small(el) && (tag === 'P' ? density >= 0.8 : links >= 2 && density >= 0.6)
    )
      doomed.add(el);
  }
  for (const el of doomed) el.parentNode?.removeChild(el);
  settleCaptions(article);
}

/** Blocks judged by link density. */
const LINK_BLOCK_TAGS = new Set(['UL', 'OL', 'DL', 'TABLE', 'DIV', 'SECTION', 'P']);

/** What the page itself says its article body is, gathered before Readability mutates the DOM. */
export interface BodyReference {
  /** Where it came from, for diagnostics: `json-ld`, `itemprop`. */
  source: 'json-ld' | 'itemprop';
  text: string;
}

/**
 * The text of the page's `itemprop="articleBody"` elements (schema.org microdata), joined, or null when the page
 * has none or they hold under 50 words. Call before Readability runs. `itemBodies`: those elements, when the caller
 * has gathered them already (`pageElements`).
 */
export function microdataBody(document: Document, itemBodies?: Element[]): string | null {
  const parts = (
    itemBodies ?? Array.from(document.querySelectorAll('[itemprop~="articleBody"], [itemprop~="articlebody"]'))
  ).map((el) => el.textContent ?? '');
  const text = parts.join('\n\n');
  return countWords(text) >= 50 ? text : null;
}

function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
}

function shingleSet(tok: string[], n = 3): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i + n <= tok.length; i++) s.add(tok.slice(i, i + n).join(' '));
  return s;
}

/** Share of a paragraph's word 3-shingles (a shorter paragraph: its words) found in a reference set. */
function coverage(tok: string[], ref: Set<string>, refWords: Set<string>): number {
  if (tok.length === 0) return 1;
  if (tok.length < 3) return tok.every((w) => refWords.has(w)) ? 1 : 0;
  let hit = 0;
  let n = 0;
  for (let i = 0; i + 3 <= tok.length; i++) {
    n++;
    if (ref.has(tok.slice(i, i + 3).join(' '))) hit++;
  }
  return hit / n;
}

/**
 * Cross-checks the extracted paragraphs against the page's own statement of its body. When the reference is a
 * complete body (it ends a sentence, and ≥ 85 % of its words and ≥ 80 % of the extracted words agree), paragraphs
 * absent from it (< 20 % of their shingles in it) and under 60 words are boilerplate the reference left out
 * (captions, teasers, pitches). Otherwise the paragraphs are returned unchanged.
 */
export function crossCheck(
  paragraphs: string[],
  reference: BodyReference | null,
  preformatted: ReadonlySet<string> = new Set(),
): string[] {
  if (!reference || paragraphs.length === 0) return paragraphs;
  const refText = reference.text.trim();
  // A body cut short by the publisher ("…", mid-sentence) would make real tail paragraphs look absent.
  if (!/[.!?。！？"'”’»)\]]$/u.test(refText) || /(\.\.\.|…)$/.test(refText)) return paragraphs;
  const refTok = tokens(refText);
  if (refTok.length < 50) return paragraphs;
  const ref = shingleSet(refTok);
  const refWords = new Set(refTok);
  const paraTok = paragraphs.map(tokens);
  const cov = paraTok.map((t) => coverage(t, ref, refWords));
  let agreeWords = 0;
  let allWords = 0;
  const ours = new Set<string>();
  paraTok.forEach((t, i) => {
    allWords += t.length;
    if (cov[i]! >= 0.5) agreeWords += t.length;
    for (const s of shingleSet(t)) ours.add(s);
  });
  let refFound = 0;
  for (const s of ref) if (ours.has(s)) refFound++;
  if (refFound / ref.size < 0.85 || agreeWords / Math.max(1, allWords) < 0.8) return paragraphs;
  return paragraphs.filter((p, i) => cov[i]! >= 0.2 || paraTok[i]!.length >= 60 || preformatted.has(p));
}

const SENTENCE_END = /[.!?。！？…:;"'”’»)\]]$/u;

/**
 * A short label line (≤ 8 words, no sentence punctuation at the end, no code characters): "Advertisement",
 * "Story continues below". Repeated, such lines are page furniture; a repeated sentence ("I would prefer not to.")
 * or command (`$ hg commit --amend`) is the author's.
 */
function isLabelLine(p: string): boolean {
  return countWords(p) <= 8 && !SENTENCE_END.test(p) && !/[$=<>{}();|\\]|--|\w\/\w/.test(p);
}

/** A line stating a date and a clock time (a timestamp line in any language): a 4-digit year and hh:mm. */
function isTimestampLine(p: string): boolean {
  return p.length <= 100 && /(^|\D)(19|20)\d\d(\D|$)/.test(p) && /(^|\D)\d{1,2}:\d\d(\D|$)/.test(p);
}

/** Author bio sentence: "Name is a reporter/editor/writer …", "Name covers …", "Follow Name on Twitter". */
const AUTHOR_BIO =
  /^(\p{Lu}[\p{L}.'’-]*\s){0,3}\p{Lu}[\p{L}.'’-]*,?\s+(is|was|has been|covers|writes|reports)\b.{0,200}\b(reporter|correspondent|editor|writer|journalist|columnist|contributor|author|freelance|staff|bureau|developer|consultant|professor|teaches|fellow|producer|critic|covers)\b/u;
const FOLLOW_LINE =
  /^(follow|contact|email|e-mail|reach)\s+(\p{Lu}[\p{L}.'’-]*\s?){1,3}\b.{0,80}\b(on|at|via)\b.{0,60}$/iu;
const CONTACT_LINE = /^[\w.+-]+@[\w-]+(\.[\w-]+)+$|^@\w{2,30}$/;
const URL_RUN = /\bhttps?:\/\/\S+|\bwww\.\S+/gi;

/** A short line that is mostly a bare URL or handle ("Facebook https://fb.me/…", "LINE ID = @name"). */
function isUrlLine(p: string): boolean {
  if (p.length > 160) return false;
  const urls = (p.match(URL_RUN) ?? []).join('').length;
  return urls > 0 && urls >= p.replace(/\s+/g, '').length * 0.5;
}

/**
 * Boilerplate that is only boilerplate at the edges of an article (bios, contact and URL lines, timestamps): inside
 * the article such lines can be content (a code listing, a quoted address).
 */
function isEdgeBoilerplate(p: string): boolean {
  const words = countWords(p);
  if (words > 120) return false;
  if (isTimestampLine(p) || isDateLine(p) || CONTACT_LINE.test(p) || isUrlLine(p)) return true;
  const lines = p.split('\n');
  // A block of date, contact and boilerplate lines ("By …<br>Updated …").
  if (
    lines.length > 1 &&
    lines.every((l) => {
      const t = l.trim();
      return isDateLine(t) || isTimestampLine(t) || isBoilerplateParagraph(t) || CONTACT_LINE.test(t);
    })
  )
    return true;
  // A "follow us" block: lines that are mostly bare URLs or handles.
  if (
    lines.length > 1 &&
    lines.filter((l) => isUrlLine(l.trim()) || CONTACT_LINE.test(l.trim())).length * 2 >= lines.length
  )
    return true;
  if (words <= 25 && FOLLOW_LINE.test(p)) return true;
  return AUTHOR_BIO.test(p);
}

/**
 * Text-level cleaning of the article's paragraphs, after {@link removeBoilerplateBlocks}:
 * 1. the boilerplate patterns of `text.ts` (share lines, credits, pitches, "Advertisement", …);
 * 2. a first paragraph repeating the headline;
 * 3. short label lines ({@link isLabelLine}) that occur twice or more in the article ("Advertisement", "Story
 *    continues below");
 * 4. at each edge, timestamp and date lines, contact lines and author bios, and at the end short lines without
 *    sentence punctuation following them (inside the body a date line is content: a schedule, a timeline);
 * 5. the cross-check against the page's own body ({@link crossCheck}).
 *
 * @param paragraphs paragraphs in document order
 * @param opts.titles the article's headline as the page states it (Readability's title, `og:title`, `<title>`)
 * @param opts.reference the page's own body text, when it states one
 * @param opts.preformatted paragraphs that came from `<pre>` (see `domToParagraphs`): code and listings are the
 *   author's text whatever they look like, so none of the steps above removes them
 */
export function cleanParagraphs(
  paragraphs: string[],
  opts: {
    titles?: Array<string | null | undefined>;
    reference?: BodyReference | null;
    preformatted?: ReadonlySet<string>;
  } = {},
): string[] {
  const pre = opts.preformatted ?? new Set<string>();
  // Lines of a paragraph broken by <br> are judged one by one (a caption line glued to prose by a <br>).
  let out = paragraphs
    .map((p) =>
      p.includes('\n') && !pre.has(p)
        ? p
            .split('\n')
            .filter((l) => !isBoilerplateParagraph(l.trim()))
            .join('\n')
            .trim()
        : p,
    )
    .filter((p) => p !== '' && (pre.has(p) || !isBoilerplateParagraph(p)));
  const norm = (s: string) => tokens(s).join(' ');
  // A first line repeating the headline (also when the <title> adds a site name after it).
  const titles = (opts.titles ?? []).filter((t): t is string => !!t).map(norm);
  const first = out.length > 1 ? norm(out[0]!) : '';
  if (first && titles.some((t) => t === first || (first.split(' ').length >= 4 && t.startsWith(`${first} `))))
    out = out.slice(1);
  const counts = new Map<string, number>();
  for (const p of out) if (isLabelLine(p)) counts.set(norm(p), (counts.get(norm(p)) ?? 0) + 1);
  out = out.filter((p) => pre.has(p) || !isLabelLine(p) || (counts.get(norm(p)) ?? 0) < 2);
  // Edges: leading and trailing boilerplate runs.
  while (out.length > 1 && !pre.has(out[0]!) && isEdgeBoilerplate(out[0]!)) out = out.slice(1);
  let end = out.length;
  for (let i = out.length - 1; i > 0; i--) {
    const p = out[i]!;
    if (pre.has(p)) break;
    if (isEdgeBoilerplate(p)) end = i;
    else if (i === end - 1 && countWords(p) <= 6 && !SENTENCE_END.test(p) && end < out.length) end = i;
    else break;
  }
  out = out.slice(0, end);
  return crossCheck(out, opts.reference ?? null, pre);
}
