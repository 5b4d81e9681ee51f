import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintDoc, memberParagraphKeys, verify } from '../../shared/stories/index.ts';
import {
  DAM,
  DAM_BRIEF,
  DAM_FOLLOW_UP,
  DAM_OPINION,
  DAM_OTHER_AGENCY,
  RAIL_STORY,
  UNRELATED,
  doc,
} from './fixtures.ts';

/* The verifier on every keep-together and keep-apart kind, with small own fixtures, and its symmetry. */

const member = (ps: string[], extra = {}) => fingerprintDoc(doc('x', ps, extra)).member;
const original = member(DAM);
const same = (ps: string[]) => verify(original, member(ps));

describe('keeps together', () => {
  it('an exact duplicate', () => {
    expect(same(DAM)).toMatchObject({ same: true, similarity: 1 });
  });

  it('a copy cut from the bottom, down to its first two paragraphs', () => {
    for (let k = 2; k < DAM.length; k++) expect(same(DAM.slice(0, k)).same, `first ${k} paragraphs`).toBe(true);
  });

  it('a copy with wire furniture added or dropped', () => {
    const wired = [
      'By ANA BRITO',
      'Associated Press',
      `AMARANTE, Portugal (AP) — ${DAM[0]}`,
      ...DAM.slice(1),
      'Copyright 2026 The Associated Press. All rights reserved.',
    ];
    expect(same(wired)).toMatchObject({ same: true, similarity: 1 });
    const reuters = [
      `LISBON, Nov 3 (Reuters) - ${DAM[0]}`,
      ...DAM.slice(1, 6),
      'Reporting by Sergio Goncalves; Editing by Alison Williams',
    ];
    expect(same(reuters)).toMatchObject({ same: true, similarity: 1 });
  });

  it('a copy with outlet boilerplate and a local lead paragraph', () => {
    const copy = [
      'Residents of the Tamega valley have been asking what the dam failure means for them. Here is the latest report, with local reaction expected later today.',
      DAM[0]!,
      'Sign up for our morning newsletter to get the top stories delivered to your inbox.',
      DAM[1]!,
      'RELATED: Storms batter northern Spain',
      DAM[2]!,
      DAM[3]!,
      "Editor's note: This story has been edited for length.",
    ];
    expect(same(copy)).toMatchObject({ same: true, rule: 'lead' });
  });

  it('a copy with copy-edits and quote, dash and space noise', () => {
    const edited = DAM.slice(0, 6).map((p) =>
      p
        .replace(/"/g, '\u201c')
        .replace(/ said/, ' stated')
        .replace('about', 'around')
        .replace(/ — /g, ' - ')
        .replace(/\. /g, '.\u00a0 '),
    );
    expect(same(edited).same).toBe(true);
  });

  it('a later version with a rewritten lead and added paragraphs', () => {
    const v2 = [
      'Rescuers recovered the bodies of two people on Tuesday evening after an earthen dam failed in northern Portugal, sending a wall of water through two villages and forcing about 1,200 people from their homes.',
      'The bodies were found in a flooded olive grove about two kilometers downstream of the breach, police said. A third person was still missing.',
      ...DAM.slice(1, 8),
    ];
    expect(same(v2)).toMatchObject({ same: true });
    // and with paragraphs also dropped from the bottom
    const v3 = [
      v2[0]!,
      v2[1]!,
      'Engineers said the reservoir had been almost full since the weekend.',
      ...DAM.slice(1, 6),
    ];
    expect(verify(member(v2), member(v3)).same).toBe(true);
  });
});

describe('keeps apart', () => {
  it('another agency’s own report of the same event, sharing names and a quote', () => {
    expect(same(DAM_OTHER_AGENCY).same).toBe(false);
  });

  it('a follow-up that pastes the background paragraphs word for word', () => {
    const v = same(DAM_FOLLOW_UP);
    expect(v.same).toBe(false);
    expect(v.shared).toBeGreaterThan(10); // the paragraphs are there, and they are not enough
  });

  it('an opinion piece quoting two paragraphs', () => {
    expect(same(DAM_OPINION).same).toBe(false);
  });

  it('a brief re-telling the story', () => {
    expect(same(DAM_BRIEF).same).toBe(false);
  });

  it('a different story of the same desk ending with the same paragraph', () => {
    expect(same(RAIL_STORY).same).toBe(false);
  });

  it('an unrelated story', () => {
    expect(same(UNRELATED)).toMatchObject({ same: false, shared: 0 });
  });

  it('background carried by other stories weighs less', () => {
    const fu = member(DAM_FOLLOW_UP);
    const plain = verify(original, fu);
    const keys = new Set(memberParagraphKeys(member([DAM[7]!, DAM[8]!])).filter((k): k is string => k !== null));
    const discounted = verify(original, fu, { otherStories: (k) => (keys.has(k) ? 3 : 0) });
    expect(discounted.hi).toBeLessThan(plain.hi);
  });
});

describe('symmetry', () => {
  const pool = [DAM, DAM_OTHER_AGENCY, DAM_FOLLOW_UP, DAM_OPINION, DAM_BRIEF, RAIL_STORY, UNRELATED];
  const paragraphs = pool.flat();

  it('verify(a, b) equals verify(b, a) for documents made of any paragraphs, with or without background', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...paragraphs), { minLength: 1, maxLength: 8 }),
        fc.array(fc.constantFrom(...paragraphs), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 3 }),
        (a, b, n) => {
          const ma = member(a);
          const mb = member(b);
          const ctx = { otherStories: (k: string) => (k.charCodeAt(1) % 4 === 0 ? n : 0) };
          expect(verify(ma, mb, ctx)).toEqual(verify(mb, ma, ctx));
          expect(verify(ma, mb)).toEqual(verify(mb, ma));
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });

  it('any copy cut from the bottom (≥ 2 paragraphs) of any paragraph order verifies with its source', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(DAM, { minLength: 6, maxLength: 10 }),
        fc.integer({ min: 2, max: 10 }),
        (src, k) => {
          expect(verify(member(src), member(src.slice(0, k))).same).toBe(true);
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });
});
