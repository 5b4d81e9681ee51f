/**
 * Compiles topic rules (shared/topics/rules.ts) into one matcher for the whole topic set, and classifies
 * documents with score and evidence.
 *
 * Matching model: a document has two fields, `title` and `body` (the `text`); `lead` is the part of the body
 * in its first 2 paragraphs. Both are analysed once (shared/topics/text.ts); every distinct term or phrase of
 * every topic is looked up once per word through a shared index, then each topic's rule and signals are
 * evaluated over those occurrences. Score = 1 for the rule holding + the weights of the signals that hold
 * (`each: true` signals count once per supporting sentence, up to `max`); a topic matches when its rule holds
 * and score ≥ threshold (default 1).
 */
import { ConfigError, InputError } from '../errors.ts';
import type { Evidence, EvidenceField, TopicMatch } from '../types.ts';
import type { AliasConfig, TopicConfig } from './config-schema.ts';
import { analyse, type AnalysedText, type Token } from './text.ts';
import { parseAliasEntry, parseRule, RuleSyntaxError, type RuleNode, type WordPattern } from './rules.ts';

/** A compiled topic set. Build with {@link compileTopics}; immutable and reusable. */
export interface TopicSet {
  /** The topics in config order. */
  topics: Array<{ id: string; name: string }>;
  /**
   * Classifies one document. `text` is plain text with paragraphs separated by blank lines (a text with no
   * blank line but several lines is read as one paragraph per line); `title` may be empty.
   * @returns matched topics only, highest score first (ties: config order); never throws for any strings
   */
  classify(doc: { title: string; text: string }): TopicMatch[];
  /**
   * Explains one topic's decision on one document, matched or not: whether the rule held and, when it did
   * not, which of its top-level clauses failed; else the score, the threshold and every signal that held.
   * @param doc as for {@link TopicSet.classify}
   * @param topicId a topic of this set
   * @throws InputError `unknown_topic` when `topicId` is not in the set
   */
  explain(doc: { title: string; text: string }, topicId: string): TopicExplanation;
}

/** A signal that held on a document: its name (when configured), rule text, weight and how often it counted. */
export interface SignalHit {
  name: string | null;
  clause: string;
  weight: number;
  /** 1, or with `each: true` the supporting sentences counted (at most the signal's `max`). */
  count: number;
}

/**
 * A rule clause that did not hold. For a `SENTENCE(…)` clause, `closest` is the sentence where most of its
 * arguments held together, with the arguments (as written) it lacked; null when no argument held anywhere.
 */
export interface FailedClause {
  clause: string;
  closest: { field: EvidenceField; text: string; held: string[]; missing: string[] } | null;
}

/**
 * Why a topic matched or not ({@link TopicSet.explain}). `score` is null when the rule failed (signals are
 * then not evaluated); `matched` = rule held and score ≥ threshold.
 */
export interface TopicExplanation {
  id: string;
  matched: boolean;
  ruleHeld: boolean;
  /**
   * The top-level clauses of the rule that did not hold, in the rule's own text: the failed parts of a
   * top-level `AND` (a `NOT …` part fails when what it negates held), every branch of a top-level `OR`, else
   * the whole rule. Empty when the rule held.
   */
  failedClauses: FailedClause[];
  score: number | null;
  threshold: number;
  /** Signals that held (positive and negative), in config order; empty when the rule failed. */
  signals: SignalHit[];
}

/** Most sentences of evidence kept per clause or signal. */
const MAX_SENTENCES_PER_CLAUSE = 3;
/** Most sentences of evidence shown per signal (an `each` signal still counts up to its `max`). */
const MAX_SENTENCES_PER_SIGNAL = 2;
/** Most evidence entries kept per topic match. */
const MAX_EVIDENCE = 12;

// ---------------------------------------------------------------------------------------------------------
// compiled forms

interface Atom {
  id: number;
  words: WordPattern[];
}

type CNode =
  | { kind: 'atoms'; atoms: number[]; src: string }
  | { kind: 'and' | 'or'; children: CNode[]; src: string }
  | { kind: 'not'; child: CNode; src: string }
  | { kind: 'near'; n: number; children: [CNode, CNode]; src: string }
  | { kind: 'sentence'; children: CNode[]; src: string }
  | { kind: 'min'; n: number; children: CNode[]; src: string }
  | { kind: 'field'; field: 'title' | 'lead' | 'body'; child: CNode; src: string };

interface CompiledSignal {
  name: string | null;
  clause: string;
  weight: number;
  each: boolean;
  max: number;
  node: CNode;
}

interface CompiledTopic {
  id: string;
  name: string;
  threshold: number;
  /** Must hold; its clauses (see `clauseNodes`) are reported as evidence. */
  rule: CNode;
  signals: CompiledSignal[];
}

/** A term occurrence: field (0 = title, 1 = body), token range [lo, hi), and the leaf words for NEAR spans. */
interface Occ {
  f: 0 | 1;
  lo: number;
  hi: number;
  parts?: Occ[];
}

interface Range {
  f: 0 | 1;
  lo: number;
  hi: number;
}

interface Result {
  hits: Occ[];
  /** Sentences in which a SENTENCE() node held: field and sentence index. */
  sents: Array<{ f: 0 | 1; s: number }>;
}

// ---------------------------------------------------------------------------------------------------------
// compile

/**
 * Compiles every topic once.
 * @param topics topics after config merging (shared/config/load.ts `resolveConfig`)
 * @param aliases alias groups after merging; each entry is a term (`Beijing`), a phrase (`Xi Jinping`), an
 *   exact-case term (`=PRC`) or a wildcard (`Sino*`)
 * @returns a reusable {@link TopicSet}
 * @throws ConfigError code `rule_invalid` naming the topic id (or alias), which rule (rule / signals[i]),
 *   the 1-based column and a plain message — e.g. `topic "china-russia" rule, column 12: unknown alias @chna`
 */
export function compileTopics(topics: TopicConfig[], aliases: AliasConfig): TopicSet {
  const atoms: Atom[] = [];
  const atomByKey = new Map<string, number>();
  const internAtom = (words: WordPattern[]): number => {
    const key = words.map((w) => `${w.exact ? '=' : ''}${w.text}${w.prefix ? '*' : ''}`).join(' ');
    let id = atomByKey.get(key);
    if (id === undefined) {
      id = atoms.length;
      atoms.push({ id, words });
      atomByKey.set(key, id);
    }
    return id;
  };

  const aliasAtoms = new Map<string, number[]>();
  for (const [name, entries] of Object.entries(aliases)) {
    const ids: number[] = [];
    if (entries.length === 0) throw ruleError(`alias "${name}"`, null, 0, 'an alias group needs at least one term');
    entries.forEach((entry, i) => {
      try {
        ids.push(internAtom(parseAliasEntry(entry).words));
      } catch (err) {
        if (err instanceof RuleSyntaxError) {
          throw ruleError(`alias "${name}" entry ${i + 1} (${JSON.stringify(entry)})`, entry, err.pos, err.message);
        }
        throw err;
      }
    });
    aliasAtoms.set(name, [...new Set(ids)]);
  }
  const aliasNames = new Set(aliasAtoms.keys());

  const compileNode = (n: RuleNode, src: string): CNode => {
    const text = src.slice(n.pos, n.end).trim();
    switch (n.kind) {
      case 'term':
        return { kind: 'atoms', atoms: [internAtom(n.words)], src: text };
      case 'alias':
        return { kind: 'atoms', atoms: aliasAtoms.get(n.name)!, src: text };
      case 'and':
      case 'or': {
        const children = n.children.map((c) => compileNode(c, src));
        // OR of plain atom lists collapses into one atom list (faster, same meaning)
        if (n.kind === 'or' && children.every((c) => c.kind === 'atoms')) {
          const ids = [...new Set(children.flatMap((c) => (c.kind === 'atoms' ? c.atoms : [])))];
          return { kind: 'atoms', atoms: ids, src: text };
        }
        return { kind: n.kind, children, src: text };
      }
      case 'not':
        return { kind: 'not', child: compileNode(n.child, src), src: text };
      case 'near':
        return {
          kind: 'near',
          n: n.n,
          children: [compileNode(n.children[0], src), compileNode(n.children[1], src)],
          src: text,
        };
      case 'sentence':
        return { kind: 'sentence', children: n.children.map((c) => compileNode(c, src)), src: text };
      case 'min':
        return { kind: 'min', n: n.n, children: n.children.map((c) => compileNode(c, src)), src: text };
      case 'field':
        return { kind: 'field', field: n.field, child: compileNode(n.child, src), src: text };
    }
  };

  const parseOne = (where: string, src: string): CNode => {
    try {
      return compileNode(parseRule(src, aliasNames), src);
    } catch (err) {
      if (err instanceof RuleSyntaxError) throw ruleError(where, src, err.pos, err.message);
      throw err;
    }
  };

  const seen = new Set<string>();
  const compiled: CompiledTopic[] = topics.map((t) => {
    if (seen.has(t.id)) throw ruleError(`topic "${t.id}"`, null, 0, 'duplicate topic id');
    seen.add(t.id);
    const rule = parseOne(`topic "${t.id}" rule`, t.rule);
    const signals = (t.signals ?? []).map((s, i) => {
      const node = parseOne(`topic "${t.id}" signals[${i}]${s.name ? ` (${s.name})` : ''}`, s.rule);
      return {
        name: s.name ?? null,
        clause: s.rule.trim(),
        weight: s.weight,
        each: s.each ?? false,
        max: s.max ?? 3,
        node,
      };
    });
    return { id: t.id, name: t.name, threshold: t.threshold ?? 1, rule, signals };
  });

  const index = buildIndex(atoms);
  return new CompiledTopicSet(compiled, atoms, index);
}

function ruleError(where: string, src: string | null, pos: number, message: string): ConfigError {
  let at = '';
  if (src !== null) {
    const before = src.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - (before.lastIndexOf('\n') + 1) + 1;
    at = line > 1 ? `, line ${line} column ${col}` : `, column ${col}`;
  }
  return new ConfigError(`${where}${at}: ${message}`, { code: 'rule_invalid' });
}

// ---------------------------------------------------------------------------------------------------------
// term index

interface TermIndex {
  /** first word (folded) → atoms */
  byNorm: Map<string, number[]>;
  /** first word (exact case) → atoms */
  byRaw: Map<string, number[]>;
  /** first word wildcard stems bucketed by their first 3 characters (folded or exact) */
  prefixNorm: Map<string, Array<{ stem: string; atom: number }>>;
  prefixRaw: Map<string, Array<{ stem: string; atom: number }>>;
}

function buildIndex(atoms: Atom[]): TermIndex {
  const idx: TermIndex = { byNorm: new Map(), byRaw: new Map(), prefixNorm: new Map(), prefixRaw: new Map() };
  const push = <T>(m: Map<string, T[]>, k: string, v: T): void => {
    const arr = m.get(k);
    if (arr) arr.push(v);
    else m.set(k, [v]);
  };
  for (const a of atoms) {
    const w = a.words[0]!;
    if (w.prefix) push(w.exact ? idx.prefixRaw : idx.prefixNorm, w.text.slice(0, 3), { stem: w.text, atom: a.id });
    else push(w.exact ? idx.byRaw : idx.byNorm, w.text, a.id);
  }
  return idx;
}

function wordMatches(w: WordPattern, norm: string, raw: string): boolean {
  const s = w.exact ? raw : norm;
  return w.prefix ? s.startsWith(w.text) : s === w.text;
}

// ---------------------------------------------------------------------------------------------------------
// classify

interface DocState {
  fields: [AnalysedText, AnalysedText];
  /** Token index → sentence index, per field. */
  sentOfTok: [Int32Array, Int32Array];
  /** Token index where the body's third paragraph starts (end of the lead). */
  leadEnd: number;
  occ: Occ[][];
}

class CompiledTopicSet implements TopicSet {
  readonly topics: Array<{ id: string; name: string }>;
  readonly #topics: CompiledTopic[];
  readonly #atoms: Atom[];
  readonly #index: TermIndex;

  constructor(topics: CompiledTopic[], atoms: Atom[], index: TermIndex) {
    this.#topics = topics;
    this.#atoms = atoms;
    this.#index = index;
    this.topics = topics.map((t) => ({ id: t.id, name: t.name }));
  }

  classify(doc: { title: string; text: string }): TopicMatch[] {
    const st = this.#prepare(String(doc.title ?? ''), String(doc.text ?? ''));
    const out: Array<TopicMatch & { order: number }> = [];
    this.#topics.forEach((t, order) => {
      const ruleRes = evalNode(t.rule, wholeScope(st), st);
      if (!ruleRes) return;
      const scored = scoreTopic(t, ruleRes, st);
      if (scored.score < t.threshold) return;
      out.push({ id: t.id, name: t.name, score: scored.score, evidence: scored.evidence(), order });
    });
    out.sort((a, b) => b.score - a.score || a.order - b.order);
    return out.map(({ order: _o, ...m }) => m);
  }

  explain(doc: { title: string; text: string }, topicId: string): TopicExplanation {
    const t = this.#topics.find((x) => x.id === topicId);
    if (!t)
      throw new InputError(
        'unknown_topic',
        `unknown topic "${topicId}" (known: ${this.#topics.map((x) => x.id).join(', ')})`,
      );
    const st = this.#prepare(String(doc.title ?? ''), String(doc.text ?? ''));
    const whole = wholeScope(st);
    const ruleRes = evalNode(t.rule, whole, st);
    if (!ruleRes) {
      const failedClauses = topLevelClauses(t.rule)
        .filter((c) => c === t.rule || !evalNode(c, whole, st))
        .map((c) => ({ clause: c.src, closest: c.kind === 'sentence' ? closestSentence(c, whole, st) : null }));
      return {
        id: t.id,
        matched: false,
        ruleHeld: false,
        failedClauses,
        score: null,
        threshold: t.threshold,
        signals: [],
      };
    }
    const scored = scoreTopic(t, ruleRes, st);
    return {
      id: t.id,
      matched: scored.score >= t.threshold,
      ruleHeld: true,
      failedClauses: [],
      score: scored.score,
      threshold: t.threshold,
      signals: scored.signals,
    };
  }

  /** Records an occurrence of atom `id` starting at token `i` when all its words match. */
  #tryAtom(id: number, toks: Token[], i: number, f: 0 | 1, occ: Occ[][]): void {
    const a = this.#atoms[id]!;
    const n = a.words.length;
    if (i + n > toks.length) return;
    for (let j = 1; j < n; j++) {
      const tj = toks[i + j]!;
      if (!wordMatches(a.words[j]!, tj.norm, tj.raw)) return;
    }
    occ[id]!.push({ f, lo: i, hi: i + n });
  }

  #prepare(title: string, text: string): DocState {
    const fields: [AnalysedText, AnalysedText] = [analyse(title), analyse(text)];
    const sentOfTok = fields.map((a) => {
      const arr = new Int32Array(a.tokens.length).fill(-1);
      a.sentences.forEach((s, i) => {
        arr.fill(i, s.tokLo, s.tokHi);
      });
      return arr;
    }) as [Int32Array, Int32Array];
    const body = fields[1];
    let leadEnd = body.tokens.length;
    const third = body.paragraphStarts[2];
    if (third !== undefined) {
      leadEnd = body.tokens.findIndex((tk) => tk.start >= third);
      if (leadEnd < 0) leadEnd = body.tokens.length;
    }
    const occ: Occ[][] = this.#atoms.map(() => []);
    const idx = this.#index;
    for (const f of [0, 1] as const) {
      const toks = fields[f].tokens;
      for (let i = 0; i < toks.length; i++) {
        const tk = toks[i]!;
        const a1 = idx.byNorm.get(tk.norm);
        if (a1) for (const id of a1) this.#tryAtom(id, toks, i, f, occ);
        if (tk.raw !== tk.norm) {
          const a2 = idx.byRaw.get(tk.raw);
          if (a2) for (const id of a2) this.#tryAtom(id, toks, i, f, occ);
        }
        if (idx.prefixNorm.size && tk.norm.length >= 3) {
          const p = idx.prefixNorm.get(tk.norm.slice(0, 3));
          if (p) for (const { stem, atom } of p) if (tk.norm.startsWith(stem)) this.#tryAtom(atom, toks, i, f, occ);
        }
        if (idx.prefixRaw.size && tk.raw.length >= 3) {
          const p = idx.prefixRaw.get(tk.raw.slice(0, 3));
          if (p) for (const { stem, atom } of p) if (tk.raw.startsWith(stem)) this.#tryAtom(atom, toks, i, f, occ);
        }
      }
    }
    return { fields, sentOfTok, leadEnd, occ };
  }
}

/** Both fields, whole. */
function wholeScope(st: DocState): Range[] {
  return [
    { f: 0, lo: 0, hi: st.fields[0].tokens.length },
    { f: 1, lo: 0, hi: st.fields[1].tokens.length },
  ];
}

/**
 * Score of a topic whose rule held (`ruleRes`): 1 + the weights of the signals that hold, the signals that
 * held, and a thunk building the evidence (rule clauses first, then positive signals by weight).
 */
function scoreTopic(
  t: CompiledTopic,
  ruleRes: Result,
  st: DocState,
): { score: number; signals: SignalHit[]; evidence: () => Evidence[] } {
  const whole = wholeScope(st);
  let score = 1;
  const signals: SignalHit[] = [];
  const signalEvidence: Array<{ weight: number; ev: Evidence[] }> = [];
  for (const s of t.signals) {
    const r = evalNode(s.node, whole, st);
    if (!r) continue;
    const ev = buildEvidence(s.clause, r, st, s.each ? s.max : MAX_SENTENCES_PER_SIGNAL);
    const count = s.each ? Math.min(Math.max(ev.length, 1), s.max) : 1;
    score += s.weight * count;
    signals.push({ name: s.name, clause: s.clause, weight: s.weight, count });
    if (s.weight > 0) signalEvidence.push({ weight: s.weight, ev: ev.slice(0, MAX_SENTENCES_PER_SIGNAL) });
  }
  score = Math.round(score * 1000) / 1000;
  const evidence = (): Evidence[] => {
    const all: Evidence[] = [];
    for (const clause of clauseNodes(t.rule)) {
      const r = clause === t.rule ? ruleRes : evalNode(clause, whole, st);
      if (r) all.push(...buildEvidence(clause.src, r, st, MAX_SENTENCES_PER_CLAUSE));
    }
    signalEvidence.sort((a, b) => b.weight - a.weight);
    for (const s of signalEvidence) all.push(...s.ev);
    const seen = new Set<string>();
    const unique = all.filter((e) => {
      const k = `${e.clause}\u0000${e.field}\u0000${e.start}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    return unique.slice(0, MAX_EVIDENCE);
  };
  return { score, signals, evidence };
}

/** The parts a rule's failure is explained by: top-level AND conjuncts (NOT included), OR branches, else itself. */
function topLevelClauses(n: CNode): CNode[] {
  if (n.kind === 'and' || n.kind === 'or') return n.children;
  return [n];
}

/**
 * For a SENTENCE clause that did not hold: the sentence in scope where most of its arguments held (first such
 * in document order), with the argument texts held and missing there; null when no argument held in any
 * sentence.
 */
function closestSentence(n: CNode & { kind: 'sentence' }, scope: Range[], st: DocState): FailedClause['closest'] {
  let best: { f: 0 | 1; s: number; held: string[]; missing: string[] } | null = null;
  for (const r of scope) {
    const field = st.fields[r.f];
    for (let i = 0; i < field.sentences.length; i++) {
      const sent = field.sentences[i]!;
      const lo = Math.max(r.lo, sent.tokLo);
      const hi = Math.min(r.hi, sent.tokHi);
      if (hi <= lo) continue;
      const sub: Range[] = [{ f: r.f, lo, hi }];
      const held: string[] = [];
      const missing: string[] = [];
      let positive = 0;
      for (const c of n.children) {
        const ok = evalNode(c, sub, st) !== null;
        (ok ? held : missing).push(c.src);
        if (ok && c.kind !== 'not') positive++;
      }
      // a sentence where only NOT arguments "hold" explains nothing
      if (positive === 0) continue;
      if (!best || held.length > best.held.length) best = { f: r.f, s: i, held, missing };
    }
  }
  if (!best) return null;
  const field = st.fields[best.f];
  const sent = field.sentences[best.s]!;
  return {
    field: best.f === 0 ? 'title' : sent.paragraph < 2 ? 'lead' : 'body',
    text: field.text.slice(sent.start, sent.end),
    held: best.held,
    missing: best.missing,
  };
}

/** The clauses of a rule reported as evidence: top-level AND conjuncts (not NOT), OR groups expanded. */
function clauseNodes(n: CNode): CNode[] {
  if (n.kind === 'and') return n.children.flatMap(clauseNodes);
  if (n.kind === 'or') return n.children.flatMap(clauseNodes);
  if (n.kind === 'not') return [];
  return [n];
}

// ---------------------------------------------------------------------------------------------------------
// evaluation

function inScope(o: Occ, scope: Range[]): boolean {
  for (const r of scope) if (r.f === o.f && o.lo >= r.lo && o.hi <= r.hi) return true;
  return false;
}

/** Occurrences of a positional node within scope, sorted by field then position. */
function occurrences(n: CNode, scope: Range[], st: DocState): Occ[] {
  switch (n.kind) {
    case 'atoms': {
      if (n.atoms.length === 1) return atomIn(st.occ[n.atoms[0]!]!, scope);
      const all: Occ[] = [];
      for (const id of n.atoms) {
        const list = st.occ[id]!;
        if (list.length) for (const o of atomIn(list, scope)) all.push(o);
      }
      return all.length > 1 ? all.sort(cmpOcc) : all;
    }
    case 'or': {
      const all: Occ[] = [];
      for (const c of n.children) for (const o of occurrences(c, scope, st)) all.push(o);
      return all.sort(cmpOcc);
    }
    case 'near': {
      const a = occurrences(n.children[0], scope, st);
      if (a.length === 0) return [];
      const b = occurrences(n.children[1], scope, st);
      if (b.length === 0) return [];
      // both lists are sorted by (field, start): scan only the window of b that can be within n words of x
      let maxSpan = 0;
      for (const y of b) maxSpan = Math.max(maxSpan, y.hi - y.lo);
      const out: Occ[] = [];
      let j0 = 0;
      for (const x of a) {
        while (j0 < b.length && (b[j0]!.f < x.f || (b[j0]!.f === x.f && b[j0]!.lo + maxSpan + n.n < x.lo))) j0++;
        for (let j = j0; j < b.length; j++) {
          const y = b[j]!;
          if (y.f !== x.f || y.lo > x.hi + n.n) break;
          const gap = x.lo < y.lo ? y.lo - x.hi : x.lo - y.hi;
          if (gap < 0 || gap > n.n) continue; // overlapping words do not count
          out.push({ f: x.f, lo: Math.min(x.lo, y.lo), hi: Math.max(x.hi, y.hi), parts: [x, y] });
        }
      }
      return out.sort(cmpOcc);
    }
    default:
      return [];
  }
}

/** The occurrences of one atom (sorted by field, start) inside the scope; binary search for a one-range scope. */
function atomIn(list: Occ[], scope: Range[]): Occ[] {
  if (list.length === 0) return list;
  if (scope.length !== 1) return list.filter((o) => inScope(o, scope));
  const r = scope[0]!;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const o = list[mid]!;
    if (o.f < r.f || (o.f === r.f && o.lo < r.lo)) lo = mid + 1;
    else hi = mid;
  }
  const out: Occ[] = [];
  for (let i = lo; i < list.length; i++) {
    const o = list[i]!;
    if (o.f !== r.f || o.lo >= r.hi) break;
    if (o.hi <= r.hi) out.push(o);
  }
  return out;
}

function cmpOcc(a: Occ, b: Occ): number {
  return a.f - b.f || a.lo - b.lo || a.hi - b.hi;
}

function isPositionalC(n: CNode): boolean {
  return n.kind === 'atoms' || n.kind === 'near' || (n.kind === 'or' && n.children.every(isPositionalC));
}

function evalNode(n: CNode, scope: Range[], st: DocState): Result | null {
  switch (n.kind) {
    case 'atoms':
    case 'near': {
      const hits = occurrences(n, scope, st);
      return hits.length ? { hits, sents: [] } : null;
    }
    case 'or': {
      if (isPositionalC(n)) {
        const hits = occurrences(n, scope, st);
        return hits.length ? { hits, sents: [] } : null;
      }
      let acc: Result | null = null;
      for (const c of n.children) {
        const r = evalNode(c, scope, st);
        if (r) acc = mergeInto(acc ?? { hits: [], sents: [] }, r);
      }
      return acc;
    }
    case 'and': {
      const acc: Result = { hits: [], sents: [] };
      for (const c of n.children) {
        const r = evalNode(c, scope, st);
        if (!r) return null;
        mergeInto(acc, r);
      }
      return acc;
    }
    case 'not':
      return evalNode(n.child, scope, st) ? null : { hits: [], sents: [] };
    case 'min': {
      let total = 0;
      const hits: Occ[] = [];
      for (const c of n.children) {
        const o = occurrences(c, scope, st);
        total += o.length;
        for (const x of o) hits.push(x);
      }
      return total >= n.n ? { hits: hits.sort(cmpOcc), sents: [] } : null;
    }
    case 'field': {
      const sub = narrow(scope, n.field, st);
      return sub.length ? evalNode(n.child, sub, st) : null;
    }
    case 'sentence':
      return evalSentence(n, scope, st);
  }
}

function narrow(scope: Range[], field: 'title' | 'lead' | 'body', st: DocState): Range[] {
  const out: Range[] = [];
  for (const r of scope) {
    if (field === 'title' && r.f === 0) out.push(r);
    else if (field === 'body' && r.f === 1) out.push(r);
    else if (field === 'lead' && r.f === 1) {
      const hi = Math.min(r.hi, st.leadEnd);
      if (hi > r.lo) out.push({ f: 1, lo: r.lo, hi });
    }
  }
  return out;
}

function evalSentence(n: CNode & { kind: 'sentence' }, scope: Range[], st: DocState): Result | null {
  // candidate sentences: those holding an occurrence of the first positional argument (or all in scope)
  const anchor = n.children.find(isPositionalC);
  const candidates: Array<{ f: 0 | 1; s: number }> = [];
  const seen = new Set<number>();
  if (anchor) {
    for (const o of occurrences(anchor, scope, st)) {
      const s = st.sentOfTok[o.f][o.lo]!;
      if (s < 0) continue;
      const key = o.f * 1e6 + s;
      if (seen.has(key)) continue;
      seen.add(key);
      candidates.push({ f: o.f, s });
    }
  } else {
    for (const f of [0, 1] as const) {
      for (let i = 0; i < st.fields[f].sentences.length; i++) candidates.push({ f, s: i });
    }
  }
  let acc: Result | null = null;
  for (const c of candidates) {
    const sent = st.fields[c.f].sentences[c.s]!;
    // the sentence clipped to the scope (scopes are whole-field or lead ranges)
    const sub: Range[] = [];
    for (const r of scope) {
      if (r.f !== c.f) continue;
      const lo = Math.max(r.lo, sent.tokLo);
      const hi = Math.min(r.hi, sent.tokHi);
      if (hi > lo) sub.push({ f: c.f, lo, hi });
    }
    if (!sub.length) continue;
    const ok: Result = { hits: [], sents: [c] };
    let held = true;
    for (const child of n.children) {
      const r = evalNode(child, sub, st);
      if (!r) {
        held = false;
        break;
      }
      mergeInto(ok, r);
    }
    if (held) acc = mergeInto(acc ?? { hits: [], sents: [] }, ok);
  }
  return acc;
}

/** Appends b's hits and sentences to `acc` (mutated, returned). Linear: no copying of `acc`. */
function mergeInto(acc: Result, b: Result): Result {
  for (const h of b.hits) acc.hits.push(h);
  for (const x of b.sents) acc.sents.push(x);
  return acc;
}

// ---------------------------------------------------------------------------------------------------------
// evidence

function leaves(o: Occ, out: Occ[]): void {
  if (o.parts) for (const p of o.parts) leaves(p, out);
  else out.push(o);
}

/**
 * Turns a clause result into evidence sentences: the sentences where a SENTENCE() held, else the sentences
 * holding the most matched words; at most `limit`, returned in document order.
 */
function buildEvidence(clause: string, r: Result, st: DocState, limit: number): Evidence[] {
  const words: Occ[] = [];
  for (const h of r.hits) leaves(h, words);
  const bySent = new Map<number, { f: 0 | 1; s: number; words: Occ[]; fired: boolean }>();
  const key = (f: number, s: number): number => f * 1e6 + s;
  for (const c of r.sents) {
    const k = key(c.f, c.s);
    if (!bySent.has(k)) bySent.set(k, { f: c.f, s: c.s, words: [], fired: true });
  }
  for (const w of words) {
    const s = st.sentOfTok[w.f][w.lo]!;
    if (s < 0) continue;
    const k = key(w.f, s);
    let e = bySent.get(k);
    if (!e) {
      e = { f: w.f, s, words: [], fired: false };
      bySent.set(k, e);
    }
    if (!e.words.some((x) => x.lo === w.lo && x.hi === w.hi)) e.words.push(w);
  }
  let picked = [...bySent.values()];
  if (picked.some((p) => p.fired)) picked = picked.filter((p) => p.fired);
  // a sentence repeated verbatim (typically the headline again as the first line of the body) counts once
  const texts = new Set<string>();
  picked = picked
    .sort((a, b) => a.f - b.f || a.s - b.s)
    .filter((p) => {
      const sent = st.fields[p.f].sentences[p.s]!;
      const key = st.fields[p.f].text.slice(sent.start, sent.end).toLowerCase();
      if (texts.has(key)) return false;
      texts.add(key);
      return true;
    });
  picked = picked
    .sort((a, b) => b.words.length - a.words.length || a.f - b.f || a.s - b.s)
    .slice(0, limit)
    .sort((a, b) => a.f - b.f || a.s - b.s);
  return picked.map((p) => {
    const field = st.fields[p.f];
    const sent = field.sentences[p.s]!;
    const fieldName: EvidenceField = p.f === 0 ? 'title' : sent.paragraph < 2 ? 'lead' : 'body';
    // words inside a longer matched phrase (`Putin` in `Vladimir Putin`) are shown once, as the phrase
    const sorted = p.words.sort((a, b) => a.lo - b.lo || b.hi - a.hi);
    const outer: Occ[] = [];
    for (const w of sorted) {
      const last = outer[outer.length - 1];
      if (last && w.lo >= last.lo && w.hi <= last.hi) continue;
      outer.push(w);
    }
    const terms = outer.map((w) => {
      const start = field.tokens[w.lo]!.start;
      const end = field.tokens[w.hi - 1]!.end;
      return { text: field.text.slice(start, end), start, end };
    });
    return {
      clause,
      field: fieldName,
      text: field.text.slice(sent.start, sent.end),
      start: sent.start,
      end: sent.end,
      terms,
    };
  });
}
