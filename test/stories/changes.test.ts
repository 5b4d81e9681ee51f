import { describe, expect, it } from 'vitest';
import { describeChanges, diffVersions } from '../../shared/stories/index.ts';
import { DAM, text } from './fixtures.ts';

/* describeChanges (what an outlet changed) and diffVersions (sentence diff and material / cosmetic verdict). */

const wire = { title: 'Dam fails in northern Portugal, flooding two villages', text: text(DAM) };

describe('describeChanges', () => {
  it('reports a trimmed copy with a new headline, a local lead and outlet boilerplate', () => {
    const copy = {
      title: 'Portugal dam collapse forces 1,200 from homes',
      text: text([
        'Readers in the Douro valley have been asking how the flooding upstream affects them; here is the wire report.',
        DAM[0]!,
        'Sign up for our morning newsletter to get the top stories delivered to your inbox.',
        DAM[1]!,
        DAM[2]!,
        DAM[3]!,
      ]),
    };
    const r = describeChanges(wire, copy);
    expect(r.headline).toEqual({ changed: true, from: wire.title, to: copy.title });
    expect(r.dropped).toMatchObject({ count: 6, fromBottom: true });
    expect(r.dropped.firstWords[0]).toBe('Prime Minister Luís Montenegro said the government would …');
    expect(r.added.count).toBe(1);
    expect(r.added.paragraphs[0]).toEqual({
      firstWords: 'Readers in the Douro valley have been asking …',
      position: 'top',
    });
    expect(r.furnitureAdded).toEqual([
      {
        kind: 'newsletter',
        text: 'Sign up for our morning newsletter to get the top stories delivered to your inbox.',
      },
    ]);
    expect(r.containment).toBeGreaterThan(0.75);
    expect(r.similarity).toBeGreaterThan(0.2);
    expect(r.similarity).toBeLessThan(0.6);
  });

  it('reports paragraphs dropped from the middle as not from the bottom, and copy-edits', () => {
    const copy = {
      title: wire.title,
      text: text([DAM[0]!, DAM[1]!, DAM[4]!.replace('said', 'stated'), ...DAM.slice(5)]),
    };
    const r = describeChanges(wire, copy);
    expect(r.headline.changed).toBe(false);
    expect(r.dropped).toMatchObject({ count: 2, fromBottom: false });
    expect(r.edited).toBe(1);
    expect(r.added.count).toBe(0);
  });

  it('an identical copy: nothing changed, similarity 1', () => {
    const r = describeChanges(wire, { ...wire, title: `“${wire.title}”` });
    expect(r).toMatchObject({
      headline: { changed: false },
      dropped: { count: 0 },
      added: { count: 0 },
      similarity: 1,
    });
  });
});

describe('diffVersions', () => {
  it('cosmetic: quotes, dashes, spaces and a single-word edit', () => {
    const next = {
      title: wire.title,
      text: text([
        DAM[0]!.replace('about', 'around').replace(/ /g, '  '),
        ...DAM.slice(1).map((p) => p.replace(/"/g, '\u201c')),
      ]),
    };
    const d = diffVersions(wire, next);
    expect(d.verdict).toBe('cosmetic');
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.changed).toHaveLength(1);
    expect(d.reasons.some((r) => r.startsWith('edit (1 word)'))).toBe(true);
  });

  it('material: a new sentence with new facts', () => {
    const next = {
      ...wire,
      text: text([
        DAM[0]!,
        'The bodies of two of the missing were recovered on Tuesday evening, police said.',
        ...DAM.slice(1),
      ]),
    };
    const d = diffVersions(wire, next);
    expect(d.verdict).toBe('material');
    expect(d.added).toEqual(['The bodies of two of the missing were recovered on Tuesday evening, police said.']);
    expect(d.reasons[0]).toMatch(/^new sentence \(14 words\)/);
  });

  it('material: a changed number in a sentence', () => {
    const next = { ...wire, text: text([DAM[0]!.replace('1,200', '2,500'), ...DAM.slice(1)]) };
    const d = diffVersions(wire, next);
    expect(d.verdict).toBe('material');
    expect(d.changed).toHaveLength(1);
    expect(d.reasons[0]).toMatch(/a number changed/);
  });

  it('material: a headline change, and a rewritten lead', () => {
    expect(diffVersions(wire, { ...wire, title: 'Two dead after dam fails in Portugal' }).reasons[0]).toMatch(
      /^headline changed/,
    );
    const lead =
      'Two people died and one was missing on Tuesday after an earthen dam failed in northern Portugal, officials said.';
    const d = diffVersions(wire, { ...wire, text: text([lead, ...DAM.slice(1)]) });
    expect(d.verdict).toBe('material');
  });

  it('material: a removed sentence; a short added line alone is cosmetic', () => {
    expect(diffVersions(wire, { ...wire, text: text(DAM.slice(0, 9)) }).verdict).toBe('material');
    expect(diffVersions(wire, { ...wire, text: text([...DAM, 'More to follow soon.']) }).verdict).toBe('cosmetic');
  });

  it('material: topic evidence changed', () => {
    const topics = (d: { text: string }) => (d.text.includes('Spain') ? ['iberia'] : []);
    const next = { ...wire, text: text(DAM.map((p) => p.replace('Spain said', 'Madrid said'))) };
    const d = diffVersions(wire, next, { topics });
    expect(d.verdict).toBe('material');
    expect(d.reasons).toContain('topics changed: -iberia');
  });
});
