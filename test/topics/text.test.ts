import { describe, expect, it } from 'vitest';
import { analyse, compileTopics, sentenceSpans, tokenize } from '../../shared/topics/index.ts';

/* Tokenisation, sentences and paragraphs: the edge cases the rules depend on. */

const words = (text: string): string[] => tokenize(text).map((t) => t.norm);
const sentences = (text: string): string[] => sentenceSpans(text).map((s) => text.slice(s.start, s.end));

describe('tokenize', () => {
  it("drops a possessive ’s / 's from the word and keeps the offsets on the word", () => {
    const text = "China's stance and Russia’s reply";
    const toks = tokenize(text);
    expect(toks.map((t) => t.norm)).toEqual(['china', 'stance', 'and', 'russia', 'reply']);
    expect(text.slice(toks[0]!.start, toks[0]!.end)).toBe('China');
    expect(text.slice(toks[3]!.start, toks[3]!.end)).toBe('Russia');
  });

  it('keeps other inner apostrophes', () => {
    expect(words("don't O'Brien")).toEqual(["don't", "o'brien"]);
  });

  it('splits hyphenated and dashed pairs into adjacent words', () => {
    expect(words('China-Russia ties')).toEqual(['china', 'russia', 'ties']);
    expect(words('Sino-Russian')).toEqual(['sino', 'russian']);
    expect(words('Russia–China trade')).toEqual(['russia', 'china', 'trade']);
  });

  it('folds diacritics and case but keeps the exact-case form', () => {
    const [t] = tokenize('Zaporižžja');
    expect(t!.norm).toBe('zaporizzja');
    expect(t!.raw).toBe('Zaporizzja');
    expect(words('SÃO Paulo')).toEqual(['sao', 'paulo']);
  });

  it('reads dotted acronyms as one word', () => {
    const text = 'The U.S. and the U.K. agreed';
    const toks = tokenize(text);
    expect(toks.map((t) => t.raw)).toEqual(['The', 'US', 'and', 'the', 'UK', 'agreed']);
    expect(text.slice(toks[1]!.start, toks[1]!.end)).toBe('U.S.');
  });

  it('gives one word per character in scripts written without spaces', () => {
    const text = '中国和俄罗斯举行会谈';
    const toks = tokenize(text);
    expect(toks).toHaveLength(text.length);
    expect(toks[0]).toMatchObject({ norm: '中', start: 0, end: 1 });
    expect(words('iPhone手机')).toEqual(['iphone', '手', '机']);
  });

  it('handles empty, blank and punctuation-only text', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('   \n\n ')).toEqual([]);
    expect(tokenize('— … !!')).toEqual([]);
  });

  it('reads Cyrillic, Arabic and Thai without crashing', () => {
    expect(words('Россия и Китай')).toEqual(['россия', 'и', 'китаи']); // й folds to и (diacritic)
    expect(tokenize('روسيا والصين').length).toBe(2);
    expect(tokenize('รัสเซียและจีน').length).toBeGreaterThan(0);
  });
});

describe('sentences and paragraphs', () => {
  it('does not end a sentence after an abbreviation, an initial or a dotted acronym', () => {
    expect(sentences('Mr. Smith met the U.S. envoy. John F. Kennedy spoke. Then it ended.')).toEqual([
      'Mr. Smith met the U.S. envoy.',
      'John F. Kennedy spoke.',
      'Then it ended.',
    ]);
  });

  it('ends a sentence at every line break', () => {
    expect(sentences('Headline without a stop\nBody sentence one. Body two.')).toEqual([
      'Headline without a stop',
      'Body sentence one.',
      'Body two.',
    ]);
  });

  it('splits CJK sentences at full-width terminators', () => {
    expect(sentences('中国和俄罗斯。普京访问北京！')).toEqual(['中国和俄罗斯。', '普京访问北京！']);
  });

  it('maps sentences to paragraphs (blank lines, else one per line)', () => {
    const a = analyse('P one. Still one.\n\nP two.\n\n\nP three.');
    expect(a.paragraphStarts).toHaveLength(3);
    expect(a.sentences.map((s) => s.paragraph)).toEqual([0, 0, 1, 2]);
    expect(analyse('Line one\nLine two\nLine three').paragraphStarts).toHaveLength(3);
  });
});

describe('matching across scripts and edge inputs', () => {
  const set = compileTopics(
    [
      { id: 'cr', name: 'China–Russia', rule: 'SENTENCE(@china, @russia)' },
      { id: 'zh', name: 'CJK', rule: 'SENTENCE(中国, 俄罗斯)' },
    ],
    { china: ['China', 'Chinese', 'Sino'], russia: ['Russia', 'Russian'] },
  );

  it('recognises possessives and hyphenated pairs', () => {
    expect(set.classify({ title: '', text: "China's envoy went to Russia's capital." }).map((m) => m.id)).toEqual([
      'cr',
    ]);
    expect(set.classify({ title: '', text: 'Sino-Russian drills began.' }).map((m) => m.id)).toEqual(['cr']);
  });

  it('matches CJK phrases inside running text', () => {
    const r = set.classify({ title: '', text: '中国和俄罗斯举行会谈。美国没有评论。' });
    expect(r.map((m) => m.id)).toEqual(['zh']);
    expect(r[0]!.evidence[0]!.terms.map((t) => t.text)).toEqual(['中国', '俄罗斯']);
    expect(set.classify({ title: '', text: '中国举行会谈。俄罗斯没有评论。' })).toEqual([]);
  });

  it('returns no match (and no error) for empty or odd input', () => {
    expect(set.classify({ title: '', text: '' })).toEqual([]);
    expect(set.classify({ title: '\u0000\uFFFF', text: '\uD800 lone surrogate' })).toEqual([]);
    // tolerate null fields from untyped callers (JSON with "title": null)
    expect(set.classify({ title: null as unknown as string, text: 'China and Russia.' }).map((m) => m.id)).toEqual([
      'cr',
    ]);
  });
});

describe('large input', () => {
  it('classifies a 2 MB text (long lines, many sentences) and a 1 MB run without punctuation', () => {
    const set = compileTopics([{ id: 'cr', name: 'CR', rule: 'SENTENCE(@china, @russia, talks)' }], {
      china: ['Beijing'],
      russia: ['Moscow'],
    });
    const para = 'Beijing and Moscow held talks on Monday. Officials said the U.S. was not consulted. ';
    const big = Array.from({ length: 60 }, () => para.repeat(400)).join('\n\n');
    expect(big.length).toBeGreaterThan(2_000_000);
    const [m] = set.classify({ title: '', text: big });
    expect(m!.id).toBe('cr');
    expect(m!.evidence.length).toBeGreaterThan(0);
    expect(big.slice(m!.evidence[0]!.start, m!.evidence[0]!.end)).toBe('Beijing and Moscow held talks on Monday.');
    expect(set.classify({ title: '', text: 'Beijing Moscow talks '.repeat(50_000) })[0]!.id).toBe('cr');
  });
});
