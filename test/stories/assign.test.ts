import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MemoryStoryIndex,
  assignStory,
  fingerprintDoc,
  memberBytes,
  resolveStory,
} from '../../shared/stories/index.ts';
import { DAM, DAM_FOLLOW_UP, DAM_OTHER_AGENCY, UNRELATED, doc } from './fixtures.ts';

/* Online assignment on the in-memory port: roles, originals, versions, TTL, redelivery, port cost per document. */

const T0 = Date.parse('2026-11-03T07:00:00Z');
const HOUR = 3600_000;

function setup() {
  let clock = T0;
  const port = new MemoryStoryIndex({ now: () => clock });
  const assign = (d: ReturnType<typeof doc>, at = clock) => {
    clock = at;
    return assignStory(port, d, { now: at });
  };
  return { port, assign, setClock: (t: number) => (clock = t) };
}

const wire = doc('wire', [`AMARANTE, Portugal (AP) — ${DAM[0]}`, ...DAM.slice(1)], {
  url: 'https://apnews.example/dam',
  outlet: 'AP News',
});

describe('assignStory', () => {
  it('an original starts a story; copies join it; unrelated and same-event stories stay apart', async () => {
    const { assign } = setup();
    const a = await assign(wire);
    expect(a).toMatchObject({ storyId: 'wire', role: 'original', matchedItemId: null, similarity: 1, merged: [] });
    expect(a.origin.agency).toBe('AP');
    const c = await assign(doc('copy', DAM.slice(0, 4), { outlet: 'Daily Courier' }), T0 + HOUR);
    expect(c).toMatchObject({ storyId: 'wire', role: 'copy', matchedItemId: 'wire', rule: 'lead' });
    expect(c.similarity).toBeGreaterThan(0.95);
    expect(c.original).toEqual({ itemId: 'wire', publishedAt: wire.publishedAt, agency: 'AP' });
    expect((await assign(doc('other', DAM_OTHER_AGENCY))).storyId).toBe('other');
    expect((await assign(doc('follow', DAM_FOLLOW_UP))).storyId).toBe('follow');
    expect((await assign(doc('whale', UNRELATED))).storyId).toBe('whale');
  });

  it('a same-source update adding text is a version and later copies of it join through its new text', async () => {
    const { assign } = setup();
    await assign(wire);
    const update = [
      'Rescuers recovered two bodies on Tuesday evening after an earthen dam failed in northern Portugal, officials said.',
      'Police said the bodies were found in a flooded olive grove downstream of the breach, where boats had searched all afternoon.',
      ...DAM.slice(1, 6),
    ];
    const v = await assign(
      doc('wire-v2', [`AMARANTE, Portugal (AP) — ${update[0]}`, ...update.slice(1)], {
        url: wire.url,
        outlet: 'AP News',
      }),
    );
    expect(v).toMatchObject({ storyId: 'wire', role: 'version', matchedItemId: 'wire' });
    // a copy of the version's new top only: found through the version's keys, verified against its member
    const c = await assign(doc('v2-copy', update.slice(0, 2), { outlet: 'Valley Herald' }));
    expect(c).toMatchObject({ storyId: 'wire', role: 'copy', matchedItemId: 'wire-v2' });
  });

  it('the wire-bylined member becomes the original even when an outlet copy came first', async () => {
    const { assign } = setup();
    await assign(doc('early', DAM.slice(0, 5), { publishedAt: '2026-11-03T06:55:00Z', outlet: 'Daily Courier' }));
    const a = await assign(wire);
    expect(a.storyId).toBe('early');
    expect(a.original).toMatchObject({ itemId: 'wire', agency: 'AP' });
  });

  it('a redelivered document gets the same answer and writes nothing', async () => {
    const { port, assign } = setup();
    const first = await assign(wire);
    port.resetStats();
    const again = await assign(wire);
    expect(again.storyId).toBe(first.storyId);
    expect(again.role).toBe('original');
    expect(port.stats.writes).toBe(0);
  });

  it('stories expire after the window: a copy after 8 days starts a new story', async () => {
    const { port, assign } = setup();
    await assign(wire);
    const late = await assign(doc('late', DAM.slice(0, 4)), T0 + 8 * 24 * HOUR);
    expect(late).toMatchObject({ storyId: 'late', role: 'original' });
    expect(port.size().stories).toBe(1);
    const soon = setup();
    await soon.assign(wire);
    expect((await soon.assign(doc('soon', DAM.slice(0, 4)), T0 + 6 * 24 * HOUR)).storyId).toBe('wire');
  });

  it('resolves a story merged into another through its redirect', async () => {
    const { port, assign } = setup();
    await assign(doc('m', DAM.slice(0, 3)));
    await assign(doc('k', UNRELATED));
    expect(await port.setMergedInto('m', 'k')).toBe(true);
    expect(await port.setMergedInto('m', 'k')).toBe(false);
    expect(await resolveStory(port, 'm')).toBe('k');
    expect((await assign(doc('n', DAM.slice(0, 2)))).storyId).toBe('k');
  });

  it('costs: a copy reads twice and writes nothing; a new story reads ≤ 3 times and writes 1 + its keys', async () => {
    const { port, assign } = setup();
    const fp = fingerprintDoc(wire);
    port.resetStats();
    await assignStory(port, fp, { now: T0 });
    expect(port.stats.calls).toMatchObject({ putStory: 1, claimKey: fp.keys.length, setMergedInto: 0 });
    expect(port.stats.reads).toBeLessThanOrEqual(3);
    expect(fp.keys.length).toBeLessThanOrEqual(32);
    port.resetStats();
    await assign(doc('c', DAM.slice(0, 3)));
    expect(port.stats).toMatchObject({ reads: 2, writes: 0 });
    expect(memberBytes(fp.member)).toBeLessThan(3_500);
  });

  it('takes a fingerprint or a document and answers the same', async () => {
    const a = setup();
    const b = setup();
    await a.assign(wire);
    await assignStory(b.port, fingerprintDoc(wire), { now: T0 });
    const d = doc('c', DAM.slice(0, 3));
    expect(await a.assign(d)).toEqual(await assignStory(b.port, fingerprintDoc(d), { now: T0 }));
  });

  it('property: in any arrival order, exact duplicates share one story and distinct texts stay apart', async () => {
    const texts = [DAM, DAM_OTHER_AGENCY, UNRELATED, DAM_FOLLOW_UP];
    const docs = texts.flatMap((t, i) =>
      [0, 1, 2].map((k) => ({ group: i, d: doc(`t${i}-${k}`, t, { outlet: `Outlet ${k}` }) })),
    );
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(docs, { minLength: docs.length, maxLength: docs.length }), async (order) => {
        const { port, assign } = setup();
        const story = new Map<string, string>();
        for (const { d } of order) story.set(d.id, (await assign(d)).storyId);
        const byGroup = new Map<number, Set<string>>();
        for (const { group, d } of order) {
          const s = await resolveStory(port, story.get(d.id)!);
          byGroup.set(group, (byGroup.get(group) ?? new Set()).add(s));
        }
        for (const s of byGroup.values()) expect(s.size).toBe(1);
        expect(new Set([...byGroup.values()].map((s) => [...s][0])).size).toBe(texts.length);
      }),
      { numRuns: 40, seed: 3 },
    );
  });
});
