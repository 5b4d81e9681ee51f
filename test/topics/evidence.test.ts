import { describe, expect, it } from 'vitest';
import { compileTopics } from '../../shared/topics/index.ts';
import type { TopicMatch } from '../../shared/types.ts';

/* Score, threshold and evidence: offsets must point at the matched words in the field's own text. */

const aliases = {
  china: ['China', 'Chinese', 'Beijing', 'Xi Jinping', 'Xi'],
  russia: ['Russia', 'Russian', 'Moscow', 'Vladimir Putin', 'Putin'],
  cue: ['talks', 'summit', 'trade', 'pipeline'],
};

const title = 'Xi and Putin hold talks';
const text = [
  'Chinese President Xi Jinping arrived in Moscow on Monday.',
  'The two leaders held talks on trade. Russian gas will flow through a new pipeline to China.',
  '',
  'Weather was mild.',
  '',
  'Later, Beijing said the summit with Russia went well.',
].join('\n');

function check(match: TopicMatch, doc: { title: string; text: string }): void {
  for (const e of match.evidence) {
    const field = e.field === 'title' ? doc.title : doc.text;
    expect(field.slice(e.start, e.end)).toBe(e.text);
    for (const t of e.terms) {
      expect(field.slice(t.start, t.end)).toBe(t.text);
      expect(t.start).toBeGreaterThanOrEqual(e.start);
      expect(t.end).toBeLessThanOrEqual(e.end);
    }
  }
}

describe('evidence', () => {
  const set = compileTopics([{ id: 'cr', name: 'China–Russia', rule: 'SENTENCE(@china, @russia, @cue)' }], aliases);
  const [m] = set.classify({ title, text });

  it('lists every sentence where the clause held, in document order, with the clause as written', () => {
    expect(m).toBeDefined();
    expect(m!.evidence.map((e) => [e.field, e.text])).toEqual([
      ['title', 'Xi and Putin hold talks'],
      ['lead', 'Russian gas will flow through a new pipeline to China.'],
      ['body', 'Later, Beijing said the summit with Russia went well.'],
    ]);
    expect(new Set(m!.evidence.map((e) => e.clause))).toEqual(new Set(['SENTENCE(@china, @russia, @cue)']));
  });

  it('gives offsets of the sentence and of each matched word within the field text', () => {
    check(m!, { title, text });
    const body = m!.evidence[2]!;
    expect(body.terms.map((t) => t.text)).toEqual(['Beijing', 'summit', 'Russia']);
    expect(body.start).toBe(text.indexOf('Later, Beijing'));
  });

  it('shows a phrase once, not the shorter alias entry inside it', () => {
    const set2 = compileTopics([{ id: 'x', name: 'X', rule: 'SENTENCE(@china, @russia)' }], aliases);
    const [x] = set2.classify({ title: '', text: 'Xi Jinping met Vladimir Putin.' });
    expect(x!.evidence[0]!.terms.map((t) => t.text)).toEqual(['Xi Jinping', 'Vladimir Putin']);
    check(x!, { title: '', text: 'Xi Jinping met Vladimir Putin.' });
  });

  it('reports each fired clause of an AND / OR rule separately, never a NOT clause', () => {
    const set2 = compileTopics(
      [{ id: 'x', name: 'X', rule: '(title:(@china) OR title:(@russia)) AND NEAR/5(gas, pipeline) AND NOT hurricane' }],
      aliases,
    );
    const [x] = set2.classify({ title, text });
    expect(x!.evidence.map((e) => e.clause)).toEqual(['title:(@china)', 'title:(@russia)', 'NEAR/5(gas, pipeline)']);
    const near = x!.evidence[2]!;
    expect(near.terms.map((t) => t.text)).toEqual(['gas', 'pipeline']);
    check(x!, { title, text });
  });
});

describe('score and threshold', () => {
  const topic = {
    id: 'cr',
    name: 'China–Russia',
    rule: 'SENTENCE(@china, @russia)',
    threshold: 2,
    signals: [
      { name: 'cue sentence', rule: 'SENTENCE(@china, @russia, @cue)', weight: 0.5, each: true, max: 2 },
      { rule: 'title:(@china AND @russia)', weight: 1 },
      { rule: 'weather', weight: -0.25 },
    ],
  };
  const set = compileTopics([topic], aliases);

  it('adds signal weights to 1 for the rule; each-signals count per sentence up to max', () => {
    // rule 1 + cue sentences 3 found, capped at 2 → 1.0 + title 1 + weather -0.25
    expect(set.classify({ title, text })[0]!.score).toBe(2.75);
  });

  it('does not match below the threshold even though the rule holds', () => {
    expect(set.classify({ title: '', text: 'Beijing thanked Moscow.' })).toEqual([]);
    const low = compileTopics([{ ...topic, threshold: 1 }], aliases);
    expect(low.classify({ title: '', text: 'Beijing thanked Moscow.' })[0]!.score).toBe(1);
  });

  it('shows evidence of positive signals after the rule clauses', () => {
    const clauses = set.classify({ title, text })[0]!.evidence.map((e) => e.clause);
    expect(clauses[0]).toBe('SENTENCE(@china, @russia)');
    expect(clauses).toContain('title:(@china AND @russia)');
    expect(clauses).not.toContain('weather');
  });

  it('sorts matches by score, highest first', () => {
    const two = compileTopics(
      [
        { id: 'low', name: 'Low', rule: 'weather' },
        { id: 'high', name: 'High', rule: 'pipeline', signals: [{ rule: 'gas', weight: 2 }] },
      ],
      aliases,
    );
    expect(two.classify({ title: '', text }).map((m) => [m.id, m.score])).toEqual([
      ['high', 3],
      ['low', 1],
    ]);
  });

  it('counts a sentence repeated verbatim (headline repeated as first line) once', () => {
    const dup = 'Beijing and Moscow hold talks\nBeijing and Moscow hold talks\nNothing else.';
    const s = compileTopics([{ ...topic, threshold: 0 }], aliases).classify({ title: '', text: dup })[0]!;
    expect(s.score).toBe(1.5);
  });
});
