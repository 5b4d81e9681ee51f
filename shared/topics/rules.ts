/**
 * The topic rule language: lexer and recursive-descent parser producing an AST with source positions.
 * The grammar (documented for users in README.md#topic-rules):
 *
 * ```
 * expr     := orExpr
 * orExpr   := andExpr ( "OR" andExpr )*
 * andExpr  := unary ( "AND" unary )*
 * unary    := "NOT" unary | primary
 * primary  := "(" expr ")"
 *           | "NEAR/" n "(" expr "," expr ")"        within n words, any order
 *           | "SENTENCE(" expr ( "," expr )+ ")"     all in one sentence
 *           | "MIN(" n "," expr ( "," expr )* ")"    at least n occurrences in total
 *           | field ":" primary                      field = title | lead | body
 *           | "@"alias | term | "\"" phrase "\""
 * term     := ["="] word ["*"]                       = : exact case; * : trailing wildcard
 * ```
 * Operators and function names are upper case; anything else is a term. Two terms in a row are an error
 * (quote a phrase or join them with AND/OR), so a typo never silently changes the meaning of a rule.
 */
import { ConfigError } from '../errors.ts';
import { tokenize } from './text.ts';

/** One word of a term or phrase pattern. */
export interface WordPattern {
  /** Folded word (case-insensitive) or diacritic-stripped word (exact case). */
  text: string;
  /** Compare case-sensitively against the token's `raw` form. */
  exact: boolean;
  /** Trailing wildcard: the token starts with `text`. */
  prefix: boolean;
}

/** Position in the rule source: 0-based UTF-16 offsets, end exclusive. */
interface Span {
  pos: number;
  end: number;
}

/** Rule AST. Positional nodes (term, alias, near, or of positional) yield word occurrences. */
export type RuleNode =
  | (Span & { kind: 'term'; words: WordPattern[] })
  | (Span & { kind: 'alias'; name: string })
  | (Span & { kind: 'and' | 'or'; children: RuleNode[] })
  | (Span & { kind: 'not'; child: RuleNode })
  | (Span & { kind: 'near'; n: number; children: [RuleNode, RuleNode] })
  | (Span & { kind: 'sentence'; children: RuleNode[] })
  | (Span & { kind: 'min'; n: number; children: RuleNode[] })
  | (Span & { kind: 'field'; field: RuleField; child: RuleNode });

/** Field scopes a rule can name. `lead` = the first 2 paragraphs of the body. */
export type RuleField = 'title' | 'lead' | 'body';
const FIELDS: ReadonlySet<string> = new Set(['title', 'lead', 'body']);

/**
 * A syntax or reference problem in one rule (code `rule_invalid`): 0-based offset into the rule source and a
 * plain message without location. `compileTopics` rethrows it as a `ConfigError` naming topic, rule and column.
 */
export class RuleSyntaxError extends ConfigError {
  readonly pos: number;
  constructor(pos: number, message: string) {
    super(message, { code: 'rule_invalid' });
    this.name = 'RuleSyntaxError';
    this.pos = pos;
  }
}

type Lex =
  | (Span & { t: '(' | ')' | ',' | 'AND' | 'OR' | 'NOT' | 'SENTENCE' | 'MIN' | 'EOF' })
  | (Span & { t: 'NEAR'; n: number })
  | (Span & { t: 'FIELD'; name: RuleField })
  | (Span & { t: 'ALIAS'; name: string })
  | (Span & { t: 'TERM'; text: string; quoted: boolean; exact: boolean; prefix: boolean });

const WORD_CHAR = /[^\s(),"]/u;

function lex(src: string): Lex[] {
  const out: Lex[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c, pos: i, end: i + 1 });
      i++;
      continue;
    }
    let exact = false;
    let start = i;
    if (c === '=' && src[i + 1] === '"') {
      exact = true;
      i++;
    }
    if (src[i] === '"') {
      const close = src.indexOf('"', i + 1);
      if (close < 0) throw new RuleSyntaxError(i, 'unclosed quote: a phrase needs a closing "');
      const text = src.slice(i + 1, close);
      if (!text.trim()) throw new RuleSyntaxError(i, 'empty phrase ""');
      let end = close + 1;
      let prefix = false;
      if (src[end] === '*') {
        prefix = true;
        end++;
      }
      out.push({ t: 'TERM', text, quoted: true, exact, prefix, pos: start, end });
      i = end;
      continue;
    }
    // a bare word
    start = i;
    while (i < src.length && WORD_CHAR.test(src[i]!)) i++;
    const word = src.slice(start, i);
    lexWord(word, start, src, out);
  }
  out.push({ t: 'EOF', pos: src.length, end: src.length });
  return out;
}

function lexWord(word: string, start: number, src: string, out: Lex[]): void {
  const end = start + word.length;
  if (word === 'AND' || word === 'OR' || word === 'NOT') {
    out.push({ t: word, pos: start, end });
    return;
  }
  if (word === 'SENTENCE' || word === 'MIN') {
    out.push({ t: word, pos: start, end });
    return;
  }
  const near = /^NEAR(?:\/(.*))?$/.exec(word);
  if (near) {
    if (near[1] === undefined) throw new RuleSyntaxError(start, 'NEAR needs a distance in words, e.g. NEAR/5(a, b)');
    // NEAR/0 = adjacent words (China-Russia, Sino-Russian: hyphens separate words)
    if (!/^(0|[1-9][0-9]{0,2})$/.test(near[1])) {
      throw new RuleSyntaxError(
        start + 5,
        `NEAR distance must be a whole number of words from 0 to 999, got "${near[1]}"`,
      );
    }
    out.push({ t: 'NEAR', n: Number(near[1]), pos: start, end });
    return;
  }
  const field = /^([A-Za-z]+):(.*)$/s.exec(word);
  if (field) {
    const name = field[1]!;
    if (!FIELDS.has(name)) {
      throw new RuleSyntaxError(start, `unknown field "${name}:" (fields are title:, lead: and body:)`);
    }
    out.push({ t: 'FIELD', name: name as RuleField, pos: start, end: start + name.length + 1 });
    if (field[2]) lexWord(field[2], start + name.length + 1, src, out);
    return;
  }
  if (word.startsWith('@')) {
    const name = word.slice(1);
    if (!/^[a-z][a-z0-9_-]*$/i.test(name)) {
      throw new RuleSyntaxError(start, `"${word}" is not an alias name (letters, digits, - and _ after @)`);
    }
    out.push({ t: 'ALIAS', name, pos: start, end });
    return;
  }
  let text = word;
  let exact = false;
  let prefix = false;
  if (text.startsWith('=')) {
    exact = true;
    text = text.slice(1);
  }
  if (text.endsWith('*')) {
    prefix = true;
    text = text.slice(0, -1);
  }
  const star = text.indexOf('*');
  if (star >= 0) {
    throw new RuleSyntaxError(start + (exact ? 1 : 0) + star, 'a wildcard * is only allowed at the end of a term');
  }
  if (!text) throw new RuleSyntaxError(start, `"${word}" has no letters or digits`);
  out.push({ t: 'TERM', text, quoted: false, exact, prefix, pos: start, end });
}

/**
 * Builds the word patterns of a term or phrase text with the text tokenizer, so rule and document agree on
 * what a word is (`China-Russia` → two words, `U.S.` → `us`).
 * @throws RuleSyntaxError when the text has no words, or a wildcard stem is shorter than 3 characters
 */
export function termWords(text: string, exact: boolean, prefix: boolean, pos: number): WordPattern[] {
  const toks = tokenize(text);
  if (toks.length === 0) throw new RuleSyntaxError(pos, `"${text}" has no letters or digits`);
  const words = toks.map((t) => ({ text: exact ? t.raw : t.norm, exact, prefix: false }));
  if (prefix) {
    const last = words[words.length - 1]!;
    if ([...last.text].length < 3) {
      throw new RuleSyntaxError(pos, `wildcard "${text}*" is too broad: put at least 3 letters before *`);
    }
    last.prefix = true;
  }
  return words;
}

/**
 * Parses one alias entry (`Xi Jinping`, `"Xi Jinping"`, `=PRC`, `sanction*`) into a term node.
 * @throws RuleSyntaxError with the offset inside the entry
 */
export function parseAliasEntry(entry: string): RuleNode & { kind: 'term' } {
  let text = entry.trim();
  let exact = false;
  let prefix = false;
  if (text.startsWith('=')) {
    exact = true;
    text = text.slice(1);
  }
  if (text.length >= 2 && text.startsWith('"') && (text.endsWith('"') || text.endsWith('"*'))) {
    if (text.endsWith('*')) {
      prefix = true;
      text = text.slice(0, -1);
    }
    text = text.slice(1, -1);
  } else if (text.endsWith('*')) {
    prefix = true;
    text = text.slice(0, -1);
  }
  if (text.includes('*'))
    throw new RuleSyntaxError(entry.indexOf('*'), 'a wildcard * is only allowed at the end of a term');
  if (text.includes('@')) throw new RuleSyntaxError(entry.indexOf('@'), 'an alias entry cannot refer to another alias');
  return { kind: 'term', words: termWords(text, exact, prefix, 0), pos: 0, end: entry.length };
}

/**
 * Parses a rule. Positions in errors and nodes are 0-based offsets into `src`.
 * @param src the rule text as written in the config
 * @param aliasNames alias names that `@name` may refer to
 * @throws RuleSyntaxError for the first problem found (unbalanced parenthesis, empty group, unknown alias,
 *   missing operand, terms without an operator between them, a rule made only of NOT)
 */
export function parseRule(src: string, aliasNames: ReadonlySet<string>): RuleNode {
  const toks = lex(src);
  let k = 0;
  const peek = (): Lex => toks[k]!;
  const next = (): Lex => toks[k++]!;

  const describe = (t: Lex): string => {
    if (t.t === 'EOF') return 'the end of the rule';
    return `"${src.slice(t.pos, t.end)}"`;
  };

  const expect = (t: Lex['t'], what: string, open?: Lex): Lex => {
    const got = peek();
    if (got.t !== t) {
      if (t === ')' && open) {
        throw new RuleSyntaxError(
          got.t === 'EOF' ? open.pos : got.pos,
          got.t === 'EOF'
            ? `unbalanced parenthesis: "(" at column ${open.pos + 1} is never closed`
            : `expected ${what} but found ${describe(got)}`,
        );
      }
      throw new RuleSyntaxError(got.pos, `expected ${what} but found ${describe(got)}`);
    }
    return next();
  };

  const parseOr = (): RuleNode => {
    const first = parseAnd();
    const children = [first];
    while (peek().t === 'OR') {
      next();
      children.push(parseAnd());
    }
    if (children.length === 1) return first;
    return { kind: 'or', children, pos: first.pos, end: children[children.length - 1]!.end };
  };

  const parseAnd = (): RuleNode => {
    const first = parseUnary();
    const children = [first];
    for (;;) {
      const t = peek();
      if (t.t === 'AND') {
        next();
        children.push(parseUnary());
        continue;
      }
      if (
        t.t === 'TERM' ||
        t.t === 'ALIAS' ||
        t.t === 'FIELD' ||
        t.t === 'NEAR' ||
        t.t === 'SENTENCE' ||
        t.t === 'MIN' ||
        t.t === '(' ||
        t.t === 'NOT'
      ) {
        throw new RuleSyntaxError(
          t.pos,
          `missing operator before ${describe(t)}: join terms with AND / OR, or quote a phrase ("a b")`,
        );
      }
      break;
    }
    if (children.length === 1) return first;
    return { kind: 'and', children, pos: first.pos, end: children[children.length - 1]!.end };
  };

  const parseUnary = (): RuleNode => {
    const t = peek();
    if (t.t === 'NOT') {
      next();
      const child = parseUnary();
      return { kind: 'not', child, pos: t.pos, end: child.end };
    }
    return parsePrimary();
  };

  const parseArgs = (open: Lex): RuleNode[] => {
    const args: RuleNode[] = [];
    if (peek().t === ')') throw new RuleSyntaxError(peek().pos, 'empty group: () needs something inside');
    args.push(parseOr());
    while (peek().t === ',') {
      next();
      args.push(parseOr());
    }
    expect(')', '"," or ")"', open);
    return args;
  };

  const parsePrimary = (): RuleNode => {
    const t = next();
    switch (t.t) {
      case '(': {
        if (peek().t === ')') throw new RuleSyntaxError(t.pos, 'empty group: () needs something inside');
        const inner = parseOr();
        if (peek().t === ',')
          throw new RuleSyntaxError(peek().pos, 'unexpected "," outside NEAR/SENTENCE/MIN arguments');
        const close = expect(')', '")"', t);
        return { ...inner, pos: t.pos, end: close.end } as RuleNode;
      }
      case 'NEAR': {
        const open = expect('(', `"(" after NEAR/${t.n}`);
        const args = parseArgs(open);
        if (args.length !== 2) {
          throw new RuleSyntaxError(t.pos, `NEAR/${t.n} takes exactly 2 arguments, got ${args.length}`);
        }
        args.forEach(assertPositional);
        return { kind: 'near', n: t.n, children: [args[0]!, args[1]!], pos: t.pos, end: toks[k - 1]!.end };
      }
      case 'SENTENCE': {
        const open = expect('(', '"(" after SENTENCE');
        const args = parseArgs(open);
        if (args.length < 2) throw new RuleSyntaxError(t.pos, 'SENTENCE needs at least 2 arguments');
        if (args.every((a) => a.kind === 'not')) {
          throw new RuleSyntaxError(t.pos, 'SENTENCE needs at least one argument that is not NOT');
        }
        return { kind: 'sentence', children: args, pos: t.pos, end: toks[k - 1]!.end };
      }
      case 'MIN': {
        const open = expect('(', '"(" after MIN');
        const countTok = peek();
        if (countTok.t !== 'TERM' || !/^[1-9][0-9]{0,2}$/.test(countTok.text)) {
          throw new RuleSyntaxError(countTok.pos, 'MIN needs a count first, e.g. MIN(2, @russia)');
        }
        next();
        const n = Number(countTok.text);
        expect(',', '"," after the MIN count');
        const args = parseArgs(open);
        args.forEach(assertPositional);
        return { kind: 'min', n, children: args, pos: t.pos, end: toks[k - 1]!.end };
      }
      case 'FIELD': {
        const nt = peek();
        if (nt.t === 'EOF' || nt.t === ')' || nt.t === ',' || nt.t === 'AND' || nt.t === 'OR') {
          throw new RuleSyntaxError(nt.pos, `expected a term or "(" after ${t.name}: but found ${describe(nt)}`);
        }
        const child = parseUnary();
        return { kind: 'field', field: t.name, child, pos: t.pos, end: child.end };
      }
      case 'ALIAS':
        if (!aliasNames.has(t.name)) {
          const known = [...aliasNames].sort().join(', ') || 'none defined';
          throw new RuleSyntaxError(t.pos, `unknown alias @${t.name} (known aliases: ${known})`);
        }
        return { kind: 'alias', name: t.name, pos: t.pos, end: t.end };
      case 'TERM':
        return { kind: 'term', words: termWords(t.text, t.exact, t.prefix, t.pos), pos: t.pos, end: t.end };
      case ')':
        throw new RuleSyntaxError(t.pos, 'unbalanced parenthesis: ")" without a matching "("');
      case 'EOF':
        throw new RuleSyntaxError(t.pos, src.trim() ? 'the rule ends where a term was expected' : 'the rule is empty');
      default:
        throw new RuleSyntaxError(t.pos, `expected a term but found ${describe(t)}`);
    }
  };

  const root = parseOr();
  const rest = peek();
  if (rest.t === ')') throw new RuleSyntaxError(rest.pos, 'unbalanced parenthesis: ")" without a matching "("');
  if (rest.t !== 'EOF') throw new RuleSyntaxError(rest.pos, `unexpected ${describe(rest)}`);
  if (!hasPositive(root)) {
    throw new RuleSyntaxError(
      root.pos,
      'the rule has no positive term: a rule made only of NOT would match almost everything',
    );
  }
  return root;
}

/** True when the node can yield word occurrences (for NEAR and MIN arguments). */
export function isPositional(n: RuleNode): boolean {
  if (n.kind === 'term' || n.kind === 'alias' || n.kind === 'near') return true;
  if (n.kind === 'or') return n.children.every(isPositional);
  return false;
}

function assertPositional(n: RuleNode): void {
  if (!isPositional(n)) {
    throw new RuleSyntaxError(
      n.pos,
      'NEAR and MIN arguments must be terms, phrases, @aliases, NEAR or OR-groups of them (not AND, NOT, SENTENCE or fields)',
    );
  }
}

function hasPositive(n: RuleNode): boolean {
  switch (n.kind) {
    case 'not':
      return false;
    case 'and':
    case 'or':
      return n.children.some(hasPositive);
    case 'field':
      return hasPositive(n.child);
    default:
      return true;
  }
}
