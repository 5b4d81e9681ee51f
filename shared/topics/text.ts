/**
 * Text analysis for topic matching: folding, word tokens, sentences and paragraphs.
 *
 * - Folding: Unicode NFKD, combining marks removed (diacritics folded: `Müller` = `Muller`, `São` = `Sao`), then lower-cased (Unicode default case mapping). Curly apostrophes become `'`.
 * - Words: maximal runs of letters, digits and combining marks (Unicode `\p{L}\p{N}\p{M}`), with inner
 *   apostrophes kept (`don't`). A trailing possessive `'s` / `’s` is not part of the word (`China's` → `China`).
 *   Hyphens and dashes separate words, so `China-Russia` and `Sino-Russian` are two adjacent words. Dotted
 *   acronyms (`U.S.`, `U.N.`) are one word with the dots removed (`US`). Scripts written without spaces (Han,
 *   Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Tibetan) give one word per character, so a rule term `中国`
 *   matches as a two-word phrase anywhere in CJK text.
 * - Sentences: `Intl.Segmenter` sentence boundaries (Unicode UAX #29), with line breaks as hard boundaries and
 *   fragments re-joined after abbreviations and initials (`Mr.`, `U.S.`, `J.`).
 * - Paragraphs: separated by blank lines; a text with no blank line but several lines has one paragraph per line.
 *
 * All offsets are UTF-16 code unit offsets into the analysed string, end exclusive.
 */

/** One word of a text. */
export interface Token {
  /** Folded form (diacritics removed, lower case): what case-insensitive terms compare with. */
  norm: string;
  /** Diacritics removed, case kept: what exact-case terms (`=US`) compare with. */
  raw: string;
  /** UTF-16 offsets of the word in the text (possessive `'s` excluded), end exclusive. */
  start: number;
  end: number;
}

/** One sentence: character span and the range of token indexes it covers. */
export interface Sentence {
  start: number;
  end: number;
  /** First token index (inclusive) and last token index (exclusive). */
  tokLo: number;
  tokHi: number;
  /** Index of the paragraph the sentence starts in (0-based). */
  paragraph: number;
}

/** A tokenised text: words, sentences, and where each paragraph starts. */
export interface AnalysedText {
  text: string;
  tokens: Token[];
  sentences: Sentence[];
  /** Character offset where paragraph i starts; length = number of paragraphs (≥ 1 for non-empty text). */
  paragraphStarts: number[];
}

const NO_SPACE_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]/u;
const NO_SPACE_CHAR_G =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]\p{M}*/gu;
/** A word: letters, digits and marks, with inner apostrophes (`don't`, `China's`). */
const WORD_RE = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:['’][\p{L}\p{N}\p{M}]+)*/gu;
const MARKS_RE = /\p{M}+/gu;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range starts at U+0000 by definition
const ASCII_RE = /^[\x00-\x7f]*$/;

/**
 * Folds a word for case-insensitive comparison: NFKD, combining marks removed, lower case, `’` → `'`.
 * @param s any string
 * @returns the folded string (may be shorter or longer than `s`; never used for offsets)
 */
export function foldWord(s: string): string {
  return foldCase(stripMarks(s));
}

/** Removes diacritics (NFKD, then drops `\p{M}`), keeps case; `’` becomes `'`. */
export function stripMarks(s: string): string {
  if (ASCII_RE.test(s)) return s;
  return s.normalize('NFKD').replace(MARKS_RE, '').replace(/’/g, "'");
}

function foldCase(s: string): string {
  return s.toLowerCase();
}

/** Folded forms of recently seen non-ASCII words (`raw`, `norm`); bounded, cleared when full. */
const foldCache = new Map<string, { raw: string; norm: string }>();
const FOLD_CACHE_MAX = 50_000;

function folded(word: string): { raw: string; norm: string } {
  let ascii = true;
  for (let i = 0; i < word.length; i++) {
    if (word.charCodeAt(i) > 127) {
      ascii = false;
      break;
    }
  }
  if (ascii) return { raw: word, norm: word.toLowerCase() };
  let f = foldCache.get(word);
  if (f === undefined) {
    const raw = stripMarks(word);
    f = { raw, norm: foldCase(raw) };
    if (foldCache.size >= FOLD_CACHE_MAX) foldCache.clear();
    foldCache.set(word, f);
  }
  return f;
}

const isLetterAt = (text: string, i: number): boolean => i < text.length && LETTER_RE.test(text[i]!);
const LETTER_RE = /\p{L}/u;

/**
 * Splits text into words (see module doc for the rules).
 * @param text any string (empty allowed)
 * @returns tokens in text order; empty for text without letters or digits
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  if (!text) return out;
  const hasNoSpace = NO_SPACE_SCRIPT.test(text);
  WORD_RE.lastIndex = 0;
  for (let m = WORD_RE.exec(text); m !== null; m = WORD_RE.exec(text)) {
    let word = m[0];
    const start = m.index;
    if (hasNoSpace && NO_SPACE_SCRIPT.test(word)) {
      splitNoSpace(word, start, out);
      continue;
    }
    // dotted acronym: U.S. / U.N. → US / UN (offsets keep the dots)
    if (word.length === 1 && text[start + 1] === '.' && isLetterAt(text, start + 2) && text[start + 3] === '.') {
      let end = start + 4;
      while (text[end + 1] === '.' && isLetterAt(text, end) && !isLetterAt(text, end + 2)) end += 2;
      if (!isLetterAt(text, end)) {
        const f = folded(text.slice(start, end).replace(/\./g, ''));
        out.push({ norm: f.norm, raw: f.raw, start, end });
        WORD_RE.lastIndex = end;
        continue;
      }
    }
    const last = word.length - 1;
    if (last >= 2 && (word[last] === 's' || word[last] === 'S')) {
      const ap = word[last - 1];
      if (ap === "'" || ap === '’') word = word.slice(0, last - 1);
    }
    const f = folded(word);
    out.push({ norm: f.norm, raw: f.raw, start, end: start + word.length });
  }
  return out;
}

/** A word containing no-space-script characters: one token per such character, other runs kept whole. */
function splitNoSpace(word: string, base: number, out: Token[]): void {
  let pos = 0;
  NO_SPACE_CHAR_G.lastIndex = 0;
  for (let m = NO_SPACE_CHAR_G.exec(word); m !== null; m = NO_SPACE_CHAR_G.exec(word)) {
    pushRun(word, pos, m.index, base, out);
    const f = folded(m[0]);
    out.push({ norm: f.norm, raw: f.raw, start: base + m.index, end: base + m.index + m[0].length });
    pos = m.index + m[0].length;
  }
  pushRun(word, pos, word.length, base, out);
}

/** A run of a mixed word outside the no-space scripts (`iPhone` in `iPhone手机`). */
function pushRun(word: string, from: number, to: number, base: number, out: Token[]): void {
  if (to <= from) return;
  const f = folded(word.slice(from, to));
  if (f.raw) out.push({ norm: f.norm, raw: f.raw, start: base + from, end: base + to });
}

/** Abbreviations after which a period does not end a sentence (folded, without the final dot). */
const ABBREVIATIONS = new Set(
  (
    'mr mrs ms dr prof gen lt col maj sgt capt cmdr adm gov sen rep st sr jr inc corp ltd co no nos vs etc ' +
    'jan feb mar apr jun jul aug sep sept oct nov dec mt ft pres sec dept approx est fig al ph rev hon amb'
  ).split(' '),
);

let sentenceSegmenter: Intl.Segmenter | undefined;

/** Character offsets where each paragraph of `text` starts (see module doc); empty for blank text. */
export function paragraphStarts(text: string): number[] {
  const starts: number[] = [];
  const blank = /\n[ \t\r]*\n/;
  const sepRe = blank.test(text) ? /\n(?:[ \t\r]*\n)+/g : /\n/g;
  let pos = 0;
  // skip leading whitespace
  while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  if (pos < text.length) starts.push(pos);
  for (let m = sepRe.exec(text); m !== null; m = sepRe.exec(text)) {
    let p = m.index + m[0].length;
    while (p < text.length && /\s/.test(text[p]!)) p++;
    if (p < text.length && starts[starts.length - 1] !== p) starts.push(p);
  }
  return starts;
}

/** True when text[from, to) ends with an abbreviation or initial followed by its dot (`Mr.`, `U.S.`, `J.`). */
function endsWithAbbreviation(text: string, from: number, to: number): boolean {
  let end = to;
  while (end > from && isSpaceCode(text.charCodeAt(end - 1))) end--;
  if (end === from || text.charCodeAt(end - 1) !== 46 /* . */) return false;
  // the run of letters and dots before the final dot
  let start = end - 1;
  while (start > from && (text.charCodeAt(start - 1) === 46 || LETTER_RE.test(text[start - 1]!))) start--;
  const word = text.slice(start, end - 1);
  if (!word) return false;
  if (/^(?:\p{L}\.)+\p{L}$/u.test(word)) return true; // U.S. / e.g.
  if (/^\p{Lu}$/u.test(word)) return true; // initial: "John F. Kennedy"
  return ABBREVIATIONS.has(word.toLowerCase());
}

function isSpaceCode(c: number): boolean {
  return (
    c === 32 ||
    c === 10 ||
    c === 13 ||
    c === 9 ||
    c === 160 ||
    c === 12 ||
    c === 11 ||
    (c >= 0x2000 && c <= 0x200b) ||
    c === 0x3000
  );
}

/**
 * Splits text into sentences: `Intl.Segmenter` (UAX #29) boundaries, every line break a boundary, fragments
 * re-joined after abbreviations. Sentence spans exclude surrounding whitespace.
 * @returns sentence character spans in order (token ranges are filled by {@link analyse})
 */
export function sentenceSpans(text: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  if (!text) return spans;
  sentenceSegmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' });
  // Candidate boundaries: every line end, and every UAX #29 sentence break inside a line. Lines are segmented
  // one by one (and long lines in chunks) because iterating segments of one long string costs quadratic time.
  const cuts: number[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    for (let c = lineStart; c < lineEnd; ) {
      const chunkEnd = chunkBoundary(text, c, lineEnd);
      if (chunkEnd - c > 1) {
        for (const part of sentenceSegmenter.segment(text.slice(c, chunkEnd)))
          if (part.index > 0) cuts.push(c + part.index);
      }
      if (chunkEnd < lineEnd) cuts.push(chunkEnd);
      c = chunkEnd;
    }
    cuts.push(Math.min(lineEnd + 1, text.length));
    lineStart = lineEnd + 1;
  }
  let start = 0;
  let prev = -1;
  for (const cut of cuts) {
    if (cut <= prev) continue;
    prev = cut;
    const hardBreak = cut === text.length || text.charCodeAt(cut - 1) === 10;
    if (!hardBreak && endsWithAbbreviation(text, start, cut)) continue;
    pushSpan(text, spans, start, cut);
    start = cut;
  }
  if (start < text.length) pushSpan(text, spans, start, text.length);
  return spans;
}

/** Longest piece of a line handed to the segmenter at once, UTF-16 code units. */
const SEGMENT_CHUNK = 2048;

/**
 * End of the next chunk of a line starting at `from`: the line end when short, else just after a sentence
 * terminator followed by a space near the chunk size (else after a space, else the chunk size itself).
 */
function chunkBoundary(text: string, from: number, lineEnd: number): number {
  if (lineEnd - from <= SEGMENT_CHUNK * 2) return lineEnd;
  const limit = from + SEGMENT_CHUNK;
  let space = -1;
  for (let i = limit; i < from + SEGMENT_CHUNK * 2; i++) {
    const c = text.charCodeAt(i);
    if (isSpaceCode(c)) {
      const p = text.charCodeAt(i - 1);
      if (p === 46 || p === 33 || p === 63) return i + 1;
      if (space < 0) space = i + 1;
    }
  }
  return space > 0 ? space : limit;
}

function pushSpan(text: string, spans: Array<{ start: number; end: number }>, start: number, end: number): void {
  while (start < end && isSpaceCode(text.charCodeAt(start))) start++;
  while (end > start && isSpaceCode(text.charCodeAt(end - 1))) end--;
  if (end > start) spans.push({ start, end });
}

/**
 * Tokenises a text and assigns tokens to sentences and sentences to paragraphs.
 * @param text plain text, paragraphs separated by blank lines (or one per line); may be empty
 * @returns the analysis; never throws for any string
 */
export function analyse(text: string): AnalysedText {
  const tokens = tokenize(text);
  const spans = sentenceSpans(text);
  const paras = paragraphStarts(text);
  const sentences: Sentence[] = [];
  let t = 0;
  let p = 0;
  for (const s of spans) {
    while (t < tokens.length && tokens[t]!.start < s.start) t++;
    const lo = t;
    while (t < tokens.length && tokens[t]!.start < s.end) t++;
    while (p + 1 < paras.length && paras[p + 1]! <= s.start) p++;
    sentences.push({ start: s.start, end: s.end, tokLo: lo, tokHi: t, paragraph: p });
  }
  return { text, tokens, sentences, paragraphStarts: paras };
}
