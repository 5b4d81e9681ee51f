import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintDoc, memberParagraphKeys, verify } from '../../shared/stories/index.ts';
import {
  DAM,
  DAM_BRIEF,
  DAM_DESK_FOLLOW_UP,
  DAM_FOLLOW_UP,
  DAM_OPINION,
  DAM_OTHER_AGENCY,
  DAM_SHORT,
  DAM_SHORT_UPDATE,
  DAM_URGENT,
  DAM_V1,
  DAM_WRITETHRU,
  RAIL_STORY,
  UNRELATED,
  apWire,
  doc,
  reutersWire,
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

describe('writethrus: a later version under a new URL, from the same origin', () => {
  const ap = (ps: string[], byline?: string, place?: string) => member(apWire(ps, byline, place));

  it('a rewritten lead with new paragraphs below it, on a short story: only the bodies below the leads agree', () => {
    const v = verify(member(reutersWire(DAM_SHORT)), member(reutersWire(DAM_SHORT_UPDATE)));
    expect(v).toMatchObject({ same: true, rule: 'writethru', sameOrigin: true });
    // no rule on the whole texts holds: the new lead and paragraph outweigh what was kept
    expect(v.lo).toBeLessThan(0.5);
    expect(v.hi).toBeLessThan(0.85);
    expect(v.lead).toBeLessThan(0.5);
    expect(verify(ap(DAM_V1), ap(DAM_WRITETHRU))).toMatchObject({ same: true, rule: 'writethru' });
  });

  it('a short first version (urgent) inside the full story', () => {
    expect(verify(ap(DAM_URGENT), ap(DAM))).toMatchObject({ same: true, rule: 'writethru', bodyHi: 1 });
  });

  it('needs the origin: without the furniture, with another reporter or another dateline place, it does not hold', () => {
    expect(verify(member(DAM_SHORT), member(DAM_SHORT_UPDATE))).toMatchObject({ same: false, sameOrigin: false });
    const otherReporter = verify(
      member(reutersWire(DAM_SHORT)),
      member(reutersWire(DAM_SHORT_UPDATE, 'Catarina Demony')),
    );
    expect(otherReporter).toMatchObject({ same: false, sameOrigin: false });
    expect(verify(ap(DAM_V1), ap(DAM_WRITETHRU, 'ANA BRITO', 'PORTO, Portugal')).same).toBe(false);
    // one reporter in common is enough (a writethru adds a name to the credit line)
    const added = verify(
      member(reutersWire(DAM_SHORT)),
      member(reutersWire(DAM_SHORT_UPDATE, 'Sergio Goncalves and Catarina Demony')),
    );
    expect(added).toMatchObject({ same: true, rule: 'writethru' });
  });

  it('needs the shared paragraphs in the same order', () => {
    const shuffled = [DAM_WRITETHRU[0]!, ...DAM_WRITETHRU.slice(1).reverse()];
    expect(verify(ap(DAM_V1), ap(shuffled))).toMatchObject({ same: false, sameOrigin: true });
  });

  it('keeps apart a same-desk follow-up (same dateline and byline) that pastes the background', () => {
    for (const fu of [DAM_DESK_FOLLOW_UP, DAM_FOLLOW_UP]) {
      const v = verify(ap(DAM), ap(fu));
      expect(v.sameOrigin).toBe(true);
      expect(v.same).toBe(false);
      expect(v.bodyHi).toBeGreaterThan(0.5); // most of the follow-up's body is the pasted background
    }
  });

  it('keeps apart another agency’s report of the same event', () => {
    const v = verify(ap(DAM), member(reutersWire(DAM_OTHER_AGENCY)));
    expect(v).toMatchObject({ same: false, sameOrigin: false });
  });

  it('is symmetric', () => {
    for (const [a, b] of [
      [ap(DAM_V1), ap(DAM_WRITETHRU)],
      [ap(DAM_URGENT), ap(DAM)],
      [ap(DAM), ap(DAM_DESK_FOLLOW_UP)],
    ] as const)
      expect(verify(a, b)).toEqual(verify(b, a));
  });

  // Novel text for the properties: words of an unrelated story in another order (no 5-gram of the dam story).
  const novel = fc
    .shuffledSubarray(UNRELATED.join(' ').split(' '), { minLength: 25, maxLength: 40 })
    .map((ws) => `${ws.join(' ')}.`);

  it('any writethru keeping most of the body verifies: a new lead, up to 2 new paragraphs, up to 3 dropped', () => {
    fc.assert(
      fc.property(novel, fc.array(novel, { maxLength: 2 }), fc.integer({ min: 0, max: 3 }), (lead, added, drop) => {
        const later = [lead, ...added, ...DAM.slice(1, DAM.length - drop)];
        expect(verify(ap(DAM), ap(later)).same).toBe(true);
      }),
      { numRuns: 40, seed: 5 },
    );
  });

  it('no same-desk follow-up verifies: a new lead, 1-4 new paragraphs, then 1-3 background paragraphs', () => {
    fc.assert(
      fc.property(
        novel,
        fc.array(novel, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 6, max: 9 }),
        fc.integer({ min: 1, max: 3 }),
        (lead, own, from, n) => {
          const followUp = [lead, ...own, ...DAM.slice(from, from + n)];
          expect(verify(ap(DAM), ap(followUp)).same).toBe(false);
        },
      ),
      { numRuns: 60, seed: 9 },
    );
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
