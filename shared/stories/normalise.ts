/**
 * Text normalisation and furniture recognition for story assignment.
 *
 * An outlet's page carries the wire copy inside lines the wire never wrote, and the wire's own copy carries
 * lines that say who wrote it rather than what happened. Both are "furniture": they must not count as shared
 * (or unshared) story text. {@link readBody} splits a text into paragraphs, removes furniture paragraphs and
 * line prefixes, and records each removed piece with its kind; the wire signals among them give the
 * document's {@link Origin}.
 *
 * Recognition is by the *shape* of a line, never by one outlet's wording: a furniture line is short and
 * matches the whole-line grammar of its kind (a byline is "By" + names + optional agency; a copyright line
 * starts with "Copyright"/"©" + year or says "All rights reserved"; a newsletter line is an imperative promo
 * with a channel word; …). A body sentence that merely mentions "Associated Press", "Reuters", "newsletter" or
 * "contributed" is kept, because it does not have the whole-line shape.
 *
 * Kinds ({@link FurnitureKind}): `dateline` (prefix `MOSCOW (AP) —`, `BEIJING, March 20 (Reuters) -`,
 * `(AFP) -`, `WASHINGTON —`), `byline`, `copyright`, `credit` (`Reporting by …; Editing by …`), `contributor`
 * (`Associated Press writer … contributed to this report.`), `coverage` (`Follow AP's coverage of …`, agency
 * funding notes), `separator` (`___`), `related` (`RELATED: …`, `Read more: …`), `advert`, `newsletter`,
 * `social`, `share`, `editor-note`, `developing`, `origin-note` (`This article originally appeared on …`),
 * `caption` (`(AP Photo/…)`, `FILE - …`), `timestamp` (`Updated 10:32 a.m.`), `url` (a bare link),
 * `headline` (the headline repeated as the first paragraph).
 *
 * Paragraphs are separated by blank lines; a text with no blank line has one paragraph per line (the same
 * reading as topic matching). Inside a paragraph each line is judged on its own, so a byline directly above
 * the dateline without a blank line is still removed.
 */

/** A news agency whose signals identify the origin of wire copy. */
export type Agency = 'AP' | 'Reuters' | 'AFP';

/** Kind of a furniture line; see the module comment. */
export type FurnitureKind =
  | 'dateline'
  | 'byline'
  | 'copyright'
  | 'credit'
  | 'contributor'
  | 'coverage'
  | 'separator'
  | 'related'
  | 'advert'
  | 'newsletter'
  | 'social'
  | 'share'
  | 'editor-note'
  | 'developing'
  | 'origin-note'
  | 'caption'
  | 'timestamp'
  | 'url'
  | 'headline';

/** One removed piece of furniture: its kind, its (normalised) text, and the 0-based input paragraph it was in. */
export interface Furniture {
  kind: FurnitureKind;
  text: string;
  paragraph: number;
}

/** One wire signal: which furniture line named which agency. */
export interface OriginSignal {
  kind: 'dateline' | 'byline' | 'copyright' | 'credit' | 'contributor' | 'coverage' | 'caption' | 'outlet';
  agency: Agency;
  text: string;
}

/**
 * Where a document's text comes from, by its wire signals. `agency` is the agency of the strongest signal
 * (dateline > byline > copyright > contributor/coverage > credit > caption > outlet name), or null when the
 * document carries no wire signal (an outlet's own copy, or a wire copy stripped of its furniture).
 */
export interface Origin {
  agency: Agency | null;
  signals: OriginSignal[];
}

/** The readable body of a document: its paragraphs without furniture, what was removed, and the origin. */
export interface Body {
  /** Body paragraphs, normalised ({@link normaliseText}), furniture removed, in order. */
  paragraphs: string[];
  furniture: Furniture[];
  origin: Origin;
}

/** Words of a byline or credit that are not names: agencies, roles, connectors. */
const NOT_A_NAME =
  /^(?:the|associated|press|ap|reuters|thomson|afp|agence|france|presse|staff|writers?|correspondents?|reporters?|editors?|news|wire|service|desk|bureau|chief|senior|international|political|diplomatic|business|economics|sports|national|foreign|additional|further)$/;

/**
 * The place of a document's dateline (`ANKARA, Turkey (AP) —` → `ankara`, `The Hague (AFP) -` → `the hague`):
 * the folded words before the first comma, parenthesis or dash, or null when the body has no dateline or the
 * dateline names no place (`(Reuters) -`). An agency files every version of a story from the same place.
 */
export function datelinePlace(body: Body): string | null {
  const d = body.furniture.find((f) => f.kind === 'dateline');
  if (!d) return null;
  const place = words(d.text.split(/[,(\u2014\u2013]|\s-{1,2}(?:\s|$)/)[0] ?? '').join(' ');
  return place || null;
}

/**
 * Surnames of the reporters a document names in its furniture, folded (≤ 8, sorted): bylines (`By SELIN KAYA`,
 * `By Anne van Dijk, AFP`) and the reporting part of a credit line (`Reporting by Ilona Wissenbach and Christoph
 * Steitz; Editing by …` → `steitz`, `wissenbach`; editors are left out: one desk's editor edits many stories).
 * Agency names and role words are not names (`By The Associated Press` names nobody).
 */
export function bylineNames(body: Body): string[] {
  const out = new Set<string>();
  for (const f of body.furniture) {
    let t: string;
    if (f.kind === 'byline') t = f.text.replace(/^by\s+/i, '');
    else if (f.kind === 'credit')
      t = f.text
        .replace(/^\(|\)$/g, '')
        .split(/;/)
        .filter((part) => /\b(?:reporting|writing)(?: and [a-z]+)? by\b/i.test(part))
        .map((part) => part.replace(/^.*?\bby\s+/i, ''))
        .join(' and ');
    else continue;
    for (const name of t.split(/,|;|&|\band\b/i)) {
      // `Maria Martinez in Berlin`: the name before the place
      const ws = words(name.replace(/\s+in\s+.*$/i, '')).filter((w) => !NOT_A_NAME.test(w));
      if (ws.length) out.add(ws[ws.length - 1]!);
    }
  }
  return [...out].sort().slice(0, 8);
}

/** The agency a line names, or null. `AP`/`AFP` match only as upper-case words ("ap" is not an agency). */
export function agencyIn(text: string): Agency | null {
  if (/\b(?:the )?associated press\b/i.test(text) || /\bAP\b/.test(text) || /apnews\.com/i.test(text)) return 'AP';
  if (/\b(?:thomson )?reuters\b/i.test(text)) return 'Reuters';
  if (/\bAFP\b/.test(text) || /\bagence france[- ]presse\b/i.test(text)) return 'AFP';
  return null;
}

/** Agency named by an outlet name such as `AP News`, `The Associated Press`, `Reuters`, `AFP`; else null. */
export function agencyOfOutlet(outlet: string): Agency | null {
  const o = outlet.trim();
  if (/^(?:the )?(?:associated press|ap)(?: news)?$/i.test(o)) return 'AP';
  if (/^(?:thomson )?reuters$/i.test(o)) return 'Reuters';
  if (/^(?:afp|agence france[- ]presse)$/i.test(o)) return 'AFP';
  return null;
}

/**
 * Normalises typography so that copies differing only in quotes, dashes, spaces or invisible characters read
 * the same: Unicode NFKC; NBSP, thin and other spaces → space; zero-width characters and soft hyphens removed;
 * curly and angle quotes → `"` / `'`; the horizontal ellipsis → `...`; runs of spaces collapsed, lines trimmed.
 * Dashes are kept (a dateline ends in one). Line breaks are kept.
 */
export function normaliseText(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, '')
    .replace(/[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]/g, ' ')
    .replace(/[\u2018\u2019\u201a\u201b\u2032\u02bc`]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2039\u203a]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/ {2,}/g, ' ').trim())
    .join('\n');
}

/**
 * Splits a text into paragraphs: blank lines separate paragraphs; a text without any blank line has one
 * paragraph per line. Each paragraph keeps its inner line breaks (lines are judged separately for furniture).
 */
export function splitParagraphs(text: string): string[] {
  const t = text.replace(/\r\n?/g, '\n').trim();
  if (!t) return [];
  const blocks = /\n[ \t\u00a0]*\n/.test(t) ? t.split(/\n(?:[ \t\u00a0]*\n)+/) : t.split('\n');
  return blocks.map((b) => b.trim()).filter((b) => b.length > 0);
}

/**
 * Folded word tokens of a text, as the fingerprints compare them: NFKD with combining marks removed, lower
 * case, apostrophes dropped inside words (`China's` = `Chinas`), dotted acronyms joined (`U.S.` = `US`),
 * thousands separators dropped (`5,000` = `5000`), `%` and `per cent` read as `percent`. Words are maximal
 * runs of Unicode letters and digits.
 */
export function words(s: string): string[] {
  let f = s;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range starts at U+0000 by definition
  if (!/^[\x00-\x7f]*$/.test(f)) f = f.normalize('NFKD').replace(/\p{M}+/gu, '');
  if (f.includes('.')) f = f.replace(/\b((?:\p{L}\.){2,})/gu, (m) => m.replace(/\./g, ''));
  f = f.replace(/(\d)[,.](?=\d{3}\b)/g, '$1');
  if (f.includes('%')) f = f.replace(/%/g, ' percent ');
  f = f.toLowerCase();
  if (f.includes('per cent')) f = f.replace(/\bper cent\b/g, 'percent');
  f = f.replace(/['\u2019\u02bc`]/g, '');
  return f.match(/[\p{L}\p{N}]+/gu) ?? [];
}

const WORD_COUNT_RE = /[\p{L}\p{N}]+/gu;
function wordCount(s: string): number {
  return s.match(WORD_COUNT_RE)?.length ?? 0;
}

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\\.?';
const AGENCY_TAG = '\\((AP|Reuters|AFP|Agence France-Presse)\\)';
/** Dateline with an agency tag: optional place (any case) and date, `(AP)`, a dash. */
const DATELINE_TAGGED = new RegExp(
  `^(?:[\\p{L}][\\p{L}.' -]{0,40}?(?:,\\s*[\\p{L}][\\p{L}. ]{0,30}?)?(?:,\\s*${MONTH}\\s+\\d{1,2}(?:,\\s*\\d{4})?)?\\s*)?${AGENCY_TAG}\\s*(?:[\u2014\u2013-]{1,2}|:)\\s*`,
  'u',
);
/** Dateline without a tag: an upper-case place (≥ 3 letters), optional region and date, then a dash. */
const DATELINE_CAPS = new RegExp(
  `^(\\p{Lu}[\\p{Lu}.' -]{2,40}?)(?:,\\s*[\\p{L}][\\p{L}. ]{0,30}?)?(?:,\\s*${MONTH}\\s+\\d{1,2}(?:,\\s*\\d{4})?)?\\s*(?:[\u2014\u2013]|\\s-{1,2}\\s)\\s*`,
  'u',
);

/** Words allowed in a byline besides capitalised names. */
const BYLINE_CONNECTORS = new Set([
  'and',
  'of',
  'the',
  'de',
  'da',
  'del',
  'van',
  'von',
  'der',
  'den',
  'al',
  'el',
  'bin',
  'in',
  'for',
  'le',
  'la',
  'du',
  'y',
]);
const BYLINE_ROLES =
  /^(?:staff|writer|writers|correspondent|correspondents|reporter|reporters|editor|editors|press|news|wire|agencies|service|services|desk|bureau|chief|senior|international|political|diplomatic|business|economics|sports|national|foreign|and)$/i;

function isBylineLine(line: string): boolean {
  const m = /^by\s+(.+)$/i.exec(line);
  if (!m) return false;
  const rest = m[1]!.replace(/[.,;|/:\u2014\u2013&-]+/g, ' ').trim();
  const ws = rest.split(/\s+/).filter(Boolean);
  if (ws.length === 0 || ws.length > 14) return false;
  // every word is a capitalised name, an initial, an upper-case word, a connector or a role word
  return ws.every(
    (w) => /^\p{Lu}/u.test(w) || BYLINE_CONNECTORS.has(w.toLowerCase()) || BYLINE_ROLES.test(w) || /^'?s$/.test(w),
  );
}

const AGENCY_ONLY =
  /^(?:the )?(?:associated press|AP|reuters|thomson reuters|AFP|agence france[- ]presse)(?: (?:staff|writers?|reporters?|news))?\.?$/i;
const STAFF_ONLY = /^(?:from )?(?:staff|wire|news)(?: and (?:wire|news))? (?:reports|agencies|services|writers)\.?$/i;

/** Whole-line tests per kind; each returns true when the line (normalised, trimmed) is that kind of furniture. */
const LINE_RULES: Array<[FurnitureKind, (line: string, n: number) => boolean]> = [
  ['separator', (l) => /^[\s_*=~•·\u2014\u2013#-]{3,}$/.test(l)],
  ['byline', (l, n) => n <= 16 && (isBylineLine(l) || AGENCY_ONLY.test(l) || STAFF_ONLY.test(l))],
  [
    'copyright',
    (l, n) =>
      n <= 45 &&
      (/^(?:copyright|\u00a9|\(c\))\s*(?:\u00a9\s*)?(?:\d{4}|the|thomson|reuters|associated|afp)/i.test(l) ||
        (n <= 4 && /^all rights reserved\.?$/i.test(l)) ||
        /^this material may not be (?:published|reproduced|redistributed)\b/i.test(l) ||
        (n <= 12 && /^our standards:/i.test(l)) ||
        (n <= 12 && /\btrust principles\.?$/i.test(l))),
  ],
  [
    'credit',
    (l, n) =>
      n <= 50 &&
      /^\(?(?:additional |further )?(?:reporting|writing|editing|compiled|research|graphics|produced|translated)(?: and [a-z]+)? by\b/i.test(
        l,
      ),
  ],
  [
    'contributor',
    (l, n) =>
      n <= 45 &&
      /\bcontributed (?:reporting|to (?:this|the) (?:report|story|article)|to this)\b[^.]{0,80}\.?\)?$/i.test(l),
  ],
  [
    'coverage',
    (l, n) =>
      n <= 80 &&
      (/^(?:follow|find|read|see|get|for more of) (?:more (?:of )?|all (?:of )?)?(?:the )?(?:AP|reuters|AFP|our)(?:'s)? (?:full |latest |ongoing )?(?:coverage|stories|reporting)\b/i.test(
        l,
      ) ||
        /\breceives (?:financial )?support from\b.*\bsolely responsible for all content\b/i.test(l) ||
        /^find (?:AP|the AP)'s standards\b/i.test(l)),
  ],
  [
    'related',
    (l, n) =>
      n <= 45 &&
      (/^(?:related(?: coverage| stories| articles| content| reading| links)?|read more|read also|also read|more|see also|watch|listen|recommended|more from [\p{L} ]{1,30}|top stories|trending|more on this story|also on [\p{L} ]{1,30}|you may also like)\s*(?::|\||\u2014|\u2013|>>|-\s)/iu.test(
        l,
      ) ||
        /^(?:related(?: coverage| stories| articles| content)?|read more|see also|recommended(?: for you)?|you may also like)\s*:?$/i.test(
          l,
        )),
  ],
  [
    'advert',
    (l) =>
      /^(?:advertisement|advertising|sponsored(?: content)?|story continues below(?: (?:this )?advertisement)?|continue reading(?: below| the main story)?|scroll to continue(?: with content)?|ad|paid (?:content|post)|promoted(?: content)?|article continues (?:below|after advertisement))\.?$/i.test(
        l,
      ),
  ],
  [
    'newsletter',
    (l, n) =>
      n <= 45 &&
      ((/^(?:sign up|subscribe|get (?:the|our)|download (?:the|our)|join (?:our|us)|never miss|don't miss|stay (?:up to date|informed|in the know|connected)|want (?:more|to get|the)|receive|click here|tap here|to get|be the first|enjoy|support (?:our|local|independent)|like what you)\b/i.test(
        l,
      ) &&
        /\b(?:newsletters?|inbox|e-?mails?|apps?|alerts|notifications|subscribe|subscription|subscribers|podcasts?|updates|briefing|digest|journalism|headlines|stories)\b/i.test(
          l,
        )) ||
        (/\bnewsletters?\b/i.test(l) && /\b(?:sign up|subscribe|delivered|inbox)\b/i.test(l) && n <= 30)),
  ],
  [
    'social',
    (l, n) =>
      n <= 25 &&
      /^(?:follow|find|like|join) (?:us|[\p{Lu}][\p{L}.'-]*(?: [\p{Lu}][\p{L}.'-]*){0,3}|the [\p{L} ]{1,20}) on (?:twitter|x|facebook|instagram|threads|bluesky|mastodon|linkedin|tiktok|youtube|whatsapp|telegram)\b/iu.test(
        l,
      ),
  ],
  [
    'share',
    (l, n) =>
      n <= 8 &&
      l
        .toLowerCase()
        .split(/[\s|•·,/]+/)
        .filter(Boolean)
        .every((w) =>
          /^(?:share|this|article|story|tweet|email|e-mail|print|copy|link|save|facebook|twitter|whatsapp|linkedin|reddit|comments?|x|\d+|min|minute|read|listen|gift)$/.test(
            w,
          ),
        ),
  ],
  [
    'editor-note',
    (l, n) =>
      n <= 90 &&
      /^(?:editor's note|editors' note|note to (?:readers|editors)|corrects?|correction|clarification|this (?:story|article|report|version) (?:has been|was|is) (?:updated|corrected|amended|changed))\b\s*[:.\u2014\u2013-]?/i.test(
        l,
      ),
  ],
  [
    'developing',
    (l, n) =>
      n <= 30 &&
      /^(?:this is a (?:developing|breaking)(?: news)? (?:story|update|report)|this (?:story|report) (?:is developing|will be updated)|check back (?:later |soon )?for (?:updates|more)|breaking news|updates? to follow|more to come)\b/i.test(
        l,
      ),
  ],
  [
    'origin-note',
    (l, n) =>
      n <= 45 &&
      /^(?:this (?:article|story|report) (?:was )?(?:originally|first) (?:appeared|published|ran|written)|(?:originally|first) (?:published|appeared) (?:on|in|by)|republished (?:with permission|from)|this (?:article|story) is republished)/i.test(
        l,
      ),
  ],
  [
    'caption',
    (l, n) =>
      n <= 90 &&
      (/\((?:AP|AFP|Reuters) Photo\b[^)]*\)/i.test(l) ||
        /\bREUTERS\/\p{Lu}/u.test(l) ||
        /\bAFP via Getty Images\b/.test(l) ||
        /^(?:FILE|IMAGE|PHOTO|VIDEO)(?: PHOTO)?\s*[\u2014\u2013-]\s/.test(l) ||
        /^(?:image|photo|video|credit|caption)(?: credit)?\s*[:,]/i.test(l)),
  ],
  [
    'timestamp',
    (l, n) =>
      n <= 16 &&
      (/^(?:updated|published|posted|last updated|first published|modified)\b.{0,80}(?:\d{1,2}:\d{2}|\b\d{4}\b|\bago\b)/i.test(
        l,
      ) ||
        /^\d{1,2}:\d{2}\s*(?:a\.?m\.?|p\.?m\.?)?\b/i.test(l)),
  ],
  [
    'url',
    (l, n) =>
      n <= 12 &&
      /(?:https?:\/\/|www\.)\S+/i.test(l) &&
      l
        .replace(/(?:https?:\/\/|www\.)\S+/gi, '')
        .trim()
        .split(/\s+/)
        .filter(Boolean).length <= 3,
  ],
];

/** The furniture kind of a whole line, or null when it is body text. `line` is normalised and trimmed. */
export function furnitureKind(line: string): FurnitureKind | null {
  const l = line.trim();
  if (!l) return null;
  const n = wordCount(l);
  if (n === 0) return /^[\s_*=~•·\u2014\u2013#-]{3,}$/.test(l) ? 'separator' : null;
  for (const [kind, test] of LINE_RULES) if (test(l, n)) return kind;
  return null;
}

/** Trailing furniture that outlets glue onto the last paragraph without a blank line. */
const TRAILING = [
  { kind: 'copyright' as const, re: /\s+(?:copyright|\u00a9)\s*(?:\u00a9\s*)?\d{4}\b[^\n]*$/i },
  {
    kind: 'credit' as const,
    re: /\s+\((?:additional |further )?(?:reporting|writing|editing) by [^)]*\)\s*$/i,
  },
];

const SIGNAL_RANK: Record<OriginSignal['kind'], number> = {
  dateline: 0,
  byline: 1,
  copyright: 2,
  contributor: 3,
  coverage: 3,
  credit: 4,
  caption: 5,
  outlet: 6,
};

/**
 * Reads the body of a document: paragraphs without furniture, the furniture removed, and the origin.
 * @param title the headline (a first paragraph repeating it is furniture of kind `headline`); may be empty
 * @param text the text, paragraphs separated by blank lines
 * @param outlet optional outlet name, itself a weak origin signal (`AP News`, `Reuters`)
 */
export function readBody(title: string, text: string, outlet = ''): Body {
  const furniture: Furniture[] = [];
  const signals: OriginSignal[] = [];
  const paragraphs: string[] = [];
  const titleWords = words(normaliseText(title)).join(' ');
  const raw = splitParagraphs(normaliseText(text));
  const signal = (kind: OriginSignal['kind'], t: string): void => {
    // "Reporting by …; Editing by …" is the Reuters sign-off convention
    const agency = agencyIn(t) ?? (kind === 'credit' && /\bediting by\b/i.test(t) ? 'Reuters' : null);
    if (agency) signals.push({ kind, agency, text: t });
  };
  raw.forEach((para, pi) => {
    const kept: string[] = [];
    for (let line of para.split('\n')) {
      line = line.trim();
      if (!line) continue;
      // the dateline prefixes the first body line only
      if (paragraphs.length === 0 && kept.length === 0) {
        const m = DATELINE_TAGGED.exec(line) ?? DATELINE_CAPS.exec(line);
        if (m && wordCount(line.slice(m[0].length)) >= 3) {
          const prefix = m[0].trim();
          furniture.push({ kind: 'dateline', text: prefix, paragraph: pi });
          signal('dateline', prefix);
          line = line.slice(m[0].length).trim();
        }
      }
      const kind = furnitureKind(line);
      if (kind) {
        furniture.push({ kind, text: line, paragraph: pi });
        if (
          kind === 'byline' ||
          kind === 'copyright' ||
          kind === 'credit' ||
          kind === 'contributor' ||
          kind === 'coverage' ||
          kind === 'caption'
        )
          signal(kind, line);
        continue;
      }
      if (paragraphs.length === 0 && kept.length === 0 && titleWords && words(line).join(' ') === titleWords) {
        furniture.push({ kind: 'headline', text: line, paragraph: pi });
        continue;
      }
      kept.push(line);
    }
    if (kept.length) paragraphs.push(kept.join(' '));
  });
  // trailing furniture glued to one of the last two paragraphs
  for (let i = Math.max(0, paragraphs.length - 2); i < paragraphs.length; i++) {
    for (const { kind, re } of TRAILING) {
      const p = paragraphs[i]!;
      const m = re.exec(p);
      if (m && wordCount(p.slice(0, m.index)) >= 5) {
        const t = m[0].trim();
        furniture.push({ kind, text: t, paragraph: i });
        signal(kind, t);
        paragraphs[i] = p.slice(0, m.index).trim();
      }
    }
  }
  const fromOutlet = agencyOfOutlet(outlet);
  if (fromOutlet) signals.push({ kind: 'outlet', agency: fromOutlet, text: outlet });
  const best = [...signals].sort((a, b) => SIGNAL_RANK[a.kind] - SIGNAL_RANK[b.kind])[0];
  return { paragraphs, furniture, origin: { agency: best?.agency ?? null, signals } };
}
