/// <reference lib="dom" />

/** Elements whose content never becomes article text. */
const SKIP = new Set([
  'SCRIPT',
  'STYLE',
  'NOSCRIPT',
  'TEMPLATE',
  'IFRAME',
  'OBJECT',
  'EMBED',
  'CANVAS',
  'SELECT',
  'OPTION',
  'TEXTAREA',
  'INPUT',
  'BUTTON',
  'HEAD',
  'TITLE',
  'META',
  'LINK',
  'SVG',
]);

/** Elements that start and end a paragraph (WHATWG HTML "block" rendering, simplified). */
const BLOCK = new Set([
  'ADDRESS',
  'ARTICLE',
  'ASIDE',
  'BLOCKQUOTE',
  'CAPTION',
  'DD',
  'DETAILS',
  'DIV',
  'DL',
  'DT',
  'FIELDSET',
  'FIGCAPTION',
  'FIGURE',
  'FOOTER',
  'FORM',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'HEADER',
  'HR',
  'LI',
  'MAIN',
  'NAV',
  'OL',
  'P',
  'PRE',
  'SECTION',
  'SUMMARY',
  'TABLE',
  'TBODY',
  'TFOOT',
  'THEAD',
  'TR',
  'UL',
  'BODY',
  'HTML',
  'CENTER',
  'LEGEND',
  'HGROUP',
  'DIALOG',
  'MENU',
]);

/** Table cells: separated by a space (a row is one paragraph). */
const CELL = new Set(['TD', 'TH']);

/**
 * Converts a DOM subtree to plain text the way wirewatch stores it: one paragraph per block element, paragraphs
 * separated by one blank line (`\n\n`), whitespace collapsed to single spaces inside a paragraph (`<pre>` keeps
 * its line breaks, `<br>` becomes `\n`), scripts/styles/forms skipped. Iterative, so deep DOMs cannot overflow
 * the stack.
 *
 * @param root an element or document (any DOM implementation: linkedom or jsdom)
 * @param preformatted when given, receives the paragraphs that came from `<pre>` (code, listings, tables of
 *   figures), which text-level boilerplate cleaning leaves alone
 * @returns the paragraphs (trimmed, non-empty), in document order
 */
export function domToParagraphs(root: Node, preformatted?: Set<string>): string[] {
  const paragraphs: string[] = [];
  let buf = '';
  let bufPre = false;
  const flush = () => {
    const text = buf
      .replace(/[ \t\f\v\r\u00a0\u200b\u2028\u2029]*\n[ \t\f\v\r\u00a0\u200b\u2028\u2029\n]*/g, '\n')
      .replace(/[ \t\f\v\r\u00a0\u200b\u2028\u2029]+/g, ' ')
      .trim();
    if (text) {
      paragraphs.push(text);
      if (bufPre) preformatted?.add(text);
    }
    buf = '';
    bufPre = false;
  };
  // Stack of [node, phase]: phase 0 = enter, 1 = leave.
  const stack: Array<[Node, 0 | 1, boolean]> = [[root, 0, false]];
  while (stack.length > 0) {
    const [node, phase, inPre] = stack.pop()!;
    if (node.nodeType === 3) {
      const value = node.nodeValue ?? '';
      buf += inPre ? value.replace(/\r?\n/g, '\n') : value.replace(/\s+/g, ' ');
      if (inPre && value.trim() !== '') bufPre = true;
      continue;
    }
    if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) continue;
    const tag = node.nodeType === 1 ? ((node as Element).tagName ?? '').toUpperCase() : 'BODY';
    if (phase === 1) {
      if (BLOCK.has(tag)) flush();
      else if (CELL.has(tag)) buf += ' ';
      continue;
    }
    if (SKIP.has(tag)) continue;
    if (tag === 'BR') {
      buf += '\n';
      continue;
    }
    if (node.nodeType === 1 && isHidden(node as Element)) continue;
    if (BLOCK.has(tag)) flush();
    stack.push([node, 1, inPre]);
    const pre = inPre || tag === 'PRE';
    const children = node.childNodes;
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i]!, 0, pre]);
  }
  flush();
  return paragraphs;
}

/** `hidden` attribute or an inline `display:none` / `visibility:hidden` style (no layout engine needed). */
function isHidden(el: Element): boolean {
  if (el.hasAttribute?.('hidden')) return true;
  const style = el.getAttribute?.('style');
  return !!style && /(display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style);
}

/** Collapses whitespace in one line of text (single spaces, trimmed). */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Normalises plain text from any source (feed summaries, JSON-LD `articleBody`) into the stored shape:
 * paragraphs split on blank lines (or single newlines when the text has no blank lines), each collapsed.
 */
export function textToParagraphs(text: string): string[] {
  const t = text.replace(/\r\n?/g, '\n');
  const parts = /\n\s*\n/.test(t) ? t.split(/\n\s*\n/) : t.split('\n');
  return parts.map(collapseWhitespace).filter((p) => p.length > 0);
}

/** Joins paragraphs the way `Extraction.text` stores them (one blank line between paragraphs). */
export function joinParagraphs(paragraphs: string[]): string {
  return paragraphs.join('\n\n');
}

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f\u1000-\u109f\uf900-\ufaff]/u;

/**
 * Counts words: whitespace-separated tokens containing a letter or digit; in scripts written without spaces
 * (CJK, Thai, Burmese) each character counts as a word, so thresholds work across languages.
 */
export function countWords(text: string): number {
  let n = 0;
  for (const tok of text.split(/\s+/)) {
    if (!tok || !/[\p{L}\p{N}]/u.test(tok)) continue;
    if (CJK.test(tok)) {
      for (const ch of tok) if (/[\p{L}\p{N}]/u.test(ch)) n++;
    } else n++;
  }
  return n;
}

const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?';
const DATE_LINE = new RegExp(
  `^(updated|published|posted|last (updated|modified))?:?\\s*((mon|tue|wed|thu|fri|sat|sun)[a-z]*\\.?,?\\s+)?` +
    `(${MONTH}\\s+\\d{1,2}(st|nd|rd|th)?,?\\s+\\d{4}|\\d{1,2}\\.?\\s+${MONTH}\\s+\\d{4}|\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}|\\d{4}-\\d{2}-\\d{2})` +
    `([\\s,|•·-]*(at\\s+)?\\d{1,2}[:.]\\d{2}(\\s*(am|pm|a\\.m\\.|p\\.m\\.))?(\\s*[a-z]{2,4})?)?\\s*$`,
  'i',
);

/** Patterns of boilerplate paragraphs Readability tends to keep; each has a length cap. */
const BOILERPLATE: Array<{ re: RegExp; maxChars: number }> = [
  // "Read more", "Related", "See also" headings and teasers
  {
    re: /^(read (more|next|also)|related( articles| stories| content| coverage| links| posts)?|see also|more (from|on|stories|coverage)|recommended( for you)?|you (may|might) also (like|be interested)|most (popular|read|viewed)|trending( now)?|also read|further reading|what to read next|top stories|lese-empfehlung)\b\s*[:.»>-]?/i,
    maxChars: 120,
  },
  // Share bars
  {
    re: /^((share|tweet|email|e-mail|print|facebook|twitter|whatsapp|linkedin|pinterest|reddit|copy link|comments?|save|flipboard|messenger|telegram|x)\b[\s|·•,:/-]*(this( article| story| page)?|on|via|article|story)?[\s|·•,:/-]*){1,10}$/i,
    maxChars: 80,
  },
  { re: /^share (this|the|on)\b/i, maxChars: 60 },
  // Newsletter prompts
  {
    re: /\b(sign up|signup|subscribe|register)\b.{0,80}\b(newsletters?|e-?mails?|inbox|updates?|alerts|briefing)\b/i,
    maxChars: 240,
  },
  { re: /\bnewsletter\b.{0,60}\b(sign up|subscribe|delivered|inbox)\b/i, maxChars: 240 },
  { re: /^get (updates|the latest|our newsletter|breaking news)\b/i, maxChars: 100 },
  // Subscription pitches
  {
    re: /\b(subscribe|subscription|subscriber|become a member)\b.{0,120}(\$|£|€|per (month|week|year)|a (month|week)|unlimited (digital )?access|digital access|free trial)/i,
    maxChars: 320,
  },
  {
    re: /^(already a (subscriber|member)|log ?in to (continue|read)|subscribe (now|today) to (continue|read)|limited-time offer)/i,
    maxChars: 200,
  },
  // Image credit runs
  {
    re: /^(photo|photos|image|images|picture|photograph|illustration|video|graphic)s?( credit)?\s*[:|/]\s*\S/i,
    maxChars: 140,
  },
  { re: /^(photo|image|picture|photograph|illustration)s?\s+(by|courtesy( of)?|source|credit)\b/i, maxChars: 140 },
  { re: /^(credits?|photographer|image source|source image|photo credit|bild|foto)\s*:/i, maxChars: 140 },
  { re: /^(©|\(c\)\s|copyright\b)/i, maxChars: 200 },
  {
    re: /^\(?(getty images|ap photo|reuters|afp|epa|shutterstock|istock|pa (images|wire)|bloomberg|rex features)\b[^.]{0,80}\)?\.?$/i,
    maxChars: 120,
  },
  {
    re: /^[\p{L}.'’ -]{3,40}\/\s?(getty images|reuters|ap|afp|epa|rex|shutterstock|corbis|bloomberg|instagram|ap photo|zuma|sipa)\b.{0,40}$/iu,
    maxChars: 100,
  },
  // Follow-us / advertisement labels / player and gallery chrome
  {
    re: /^(follow us|follow (him|her|them) on|advertisement|sponsored( content)?|ad|story continues below( advertisement)?|continue reading( below)?|scroll to continue)\b.{0,60}$/i,
    maxChars: 100,
  },
  {
    re: /^(loading( photo)?( gallery)?|video tools|press spacebar|click (here )?to (enlarge|expand|play)|enlarge (this )?image|view (gallery|slideshow|photos)|next slide|previous slide|play video|skip ad|at work\? with your gran\?)/i,
    maxChars: 80,
  },
  // Legal footers and comment-policy boilerplate
  { re: /\ball rights reserved\b/i, maxChars: 300 },
  {
    re: /\b(may not be (reproduced|republished|redistributed|copied)|without (the )?(prior )?(express )?written (permission|consent))\b/i,
    maxChars: 400,
  },
  {
    re: /^(registration on|use of this site|to post a comment|community rules|comments? (are|is) (closed|moderated|subject))\b/i,
    maxChars: 400,
  },
  { re: /\b(user agreement|terms of (service|use))\b.{0,120}\bprivacy policy\b/i, maxChars: 300 },
  // Tag lists, date/time-only lines, bare bylines, counters, prev/next links,
  { re: /^(tags|tagged|topics|filed under|categories|themen|schlagworte)\s*:/i, maxChars: 200 },
  {
    re: /^(reprints( and permissions|\s*$|\s*[|·])|send feedback to the (editor|author)|report (an )?(error|typo)\s*$|corrections?\s*:)/i,
    maxChars: 100,
  },
  { re: /^(prev(ious)?|next)(\s*[|·•›»]?\s*(prev(ious)?|next))*\s*[›»]?$/i, maxChars: 20 },
  { re: /^MORE [A-Z][A-Z &]+$/, maxChars: 40 },
  { re: /^[\w.-]+\.(jpe?g|png|gif|webp)$/i, maxChars: 120 },
  { re: /\b(get|join) our newsletter\b|\bnewsletter:$|^let'?s be friends!?$/i, maxChars: 80 },
  // Captions ending in a photo credit ("… Kena Betancur/Getty Images", "… Photo courtesy Fran Finney")
  { re: /\S\/\s?(getty images|reuters|ap|afp|epa|rex|shutterstock|corbis|bloomberg|ap photo)\.?$/i, maxChars: 300 },
  { re: /\bphoto(graph)?s? courtesy( of)? [^.]{1,60}\.?$/i, maxChars: 200 },
  { re: /^[Bb]y\s+\p{Lu}[\p{L}.'’-]*(\s+(and\s+|&\s+)?\p{Lu}[\p{L}.'’-]*){0,6}(\s*[•|·]\s*.{0,40})?$/u, maxChars: 90 },
  { re: /^[\d\s,./:|-]+$/, maxChars: 20 },
  { re: /^←|→$/, maxChars: 240 },
  // Price pitches of subscription offers ("$1.99 per week", "£1 a month for 3 months", "Cancel anytime")
  {
    re: /([$£€¥₹]\s?\d+([.,]\d{1,2})?|\d+([.,]\d{1,2})?\s?(€|eur|usd|gbp|dollars?|euros?|pounds?))\s*(\/|per|a|an|each|every)\s*(week|month|year|wk|mo|yr|day)\b/i,
    maxChars: 240,
  },
  { re: /^(cancel (any ?time|at any time)|no commitment|unlimited (digital )?access)\b.{0,80}$/i, maxChars: 100 },
  {
    re: /^(subscribe|subscribers?|sign in|log ?in|register)\b.{0,40}\b(to (continue|keep|read|access|unlock)|options|now|today|here)\b.{0,60}$/i,
    maxChars: 120,
  },
  // Caption and credit labels ("Image caption …", "Screenshot by …", "Photograph: …")
  { re: /^(image|photo|picture|video|media) (caption|copyright|source)\b/i, maxChars: 200 },
  {
    re: /^(screenshot|photograph|photo|image|illustration|graphic|video)s? (by|via|from|courtesy)\s+\S/i,
    maxChars: 100,
  },
  // Page chrome: print/e-mail links, view counters, "submitted on <date>"
  {
    re: /^(printer[- ]friendly( version)?|print( this)?( article| page| story)?|e-?mail this( article| story)?)$/i,
    maxChars: 40,
  },
  { re: /^(submitted|posted|published|updated) (on|at)\s.{0,40}\d.{0,30}$/i, maxChars: 80 },
  { re: /^[\w.+-]+@[\w-]+(\.[\w-]+)+$/, maxChars: 80 },
];

/** Lines that state only a date, with or without a time and a place: timestamps of the page, or of a schedule. */
const DATE_ONLY: Array<{ re: RegExp; maxChars: number }> = [
  { re: DATE_LINE, maxChars: 60 },
  { re: /^\d{1,2}\.\d{1,2}\.\d{2,4}$/, maxChars: 12 },
  {
    re: /^[A-Z][A-Za-z ,./'-]{2,50}\s+(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2},\s+\d{4}\s+\d{1,2}:\d{2}\s*(am|pm)\s*[A-Z]{2,4}$/,
    maxChars: 90,
  },
];

/**
 * True for a line that states only a date (and time, and place): "Dec. 29, 2014, 5:04 PM", "Updated: 12.05.2026",
 * "LONDON Tue Dec 30, 2014 9:01am EST". At the edges of an article it is the page's timestamp; inside the body it is
 * content (a meeting schedule, a timeline), so the cleaning removes it only at the edges.
 */
export function isDateLine(p: string): boolean {
  return DATE_ONLY.some(({ re, maxChars }) => p.length <= maxChars && re.test(p));
}

/**
 * Drops the boilerplate paragraphs Readability tends to keep: share bars, "related"/"read more" lines,
 * newsletter prompts, image credit runs, subscription pitches and prices, legal footers, bare byline lines (date
 * lines: {@link isDateLine}, edges only). Only short paragraphs are candidates (each pattern has a length cap), so article prose
 * is never dropped. May return an empty list when everything was boilerplate (e.g. Readability chose a footer).
 */
export function dropBoilerplateParagraphs(paragraphs: string[]): string[] {
  return paragraphs.filter((p) => !isBoilerplateParagraph(p));
}

/**
 * Removes a repeated copy of the article: long paragraphs (≥ 40 characters) that repeat, in the same order, a
 * pair of different long paragraphs seen earlier, plus the short lines (captions, labels) between them that also
 * appeared before. Pages that carry the article twice (desktop + mobile copies, print versions) would otherwise
 * store it twice. A single repeated paragraph (a refrain, a repeated quote, `A A A`) is kept.
 */
export function dedupeParagraphs(paragraphs: string[]): string[] {
  const long: number[] = [];
  paragraphs.forEach((p, i) => {
    if (p.length >= 40) long.push(i);
  });
  const firstLong = new Map<string, number>();
  long.forEach((i, k) => {
    if (!firstLong.has(paragraphs[i]!)) firstLong.set(paragraphs[i]!, k);
  });
  const drop = new Set<number>();
  for (let k = 0; k + 1 < long.length; k++) {
    const a = paragraphs[long[k]!]!;
    const b = paragraphs[long[k + 1]!]!;
    if (a === b) continue;
    const j = firstLong.get(a)!;
    if (j < k && paragraphs[long[j + 1]!] === b && long[j + 1]! < long[k]!) {
      drop.add(long[k]!);
      drop.add(long[k + 1]!);
    }
  }
  if (drop.size === 0) return paragraphs;
  const marked = [...drop].sort((x, y) => x - y);
  const firstDup = marked[0]!;
  const earlier = new Set(paragraphs.slice(0, firstDup));
  // Short lines inside the duplicated run (between its first and last long paragraph, or just before it).
  for (
    let i = firstDup - 1;
    i >= 0 && paragraphs[i]!.length < 40 && earlier.has(paragraphs[i]!) && paragraphs.indexOf(paragraphs[i]!) < i;
    i--
  )
    drop.add(i);
  for (let m = 0; m + 1 < marked.length; m++) {
    for (let i = marked[m]! + 1; i < marked[m + 1]!; i++) {
      if (paragraphs[i]!.length < 40 && earlier.has(paragraphs[i]!)) drop.add(i);
    }
  }
  return paragraphs.filter((_, i) => !drop.has(i));
}

/** True when one paragraph matches a boilerplate pattern within that pattern's length cap. */
export function isBoilerplateParagraph(p: string): boolean {
  return BOILERPLATE.some(({ re, maxChars }) => p.length <= maxChars && re.test(p));
}

/**
 * Approximate visible text of raw HTML without a DOM (for the app-shell and consent checks on pages Readability
 * found nothing in): drops comments, `<script>`, `<style>`, `<noscript>`, `<template>`, `<head>` and tags, decodes
 * the common entities, collapses whitespace.
 */
export function approxVisibleText(html: string): string {
  return collapseWhitespace(
    html
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<(script|style|noscript|template|head|svg)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/&nbsp;|&#160;/gi, ' ')
      .replace(/&amp;/gi, '&')
      .replace(/&lt;/gi, '<')
      .replace(/&gt;/gi, '>')
      .replace(/&quot;/gi, '"')
      .replace(/&#39;|&apos;/gi, "'"),
  );
}
