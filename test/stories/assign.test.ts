import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MemoryStoryIndex,
  assignStory,
  fingerprintDoc,
  memberBytes,
  resolveStory,
} from '../../shared/stories/index.ts';
import {
  DAM,
  DAM_DESK_FOLLOW_UP,
  DAM_FOLLOW_UP,
  DAM_OTHER_AGENCY,
  DAM_SHORT,
  DAM_SHORT_UPDATE,
  DAM_URGENT,
  RAIL_STORY,
  UNRELATED,
  apWire,
  doc,
  reutersWire,
  text,
} from './fixtures.ts';

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

  it('a writethru chain under new URLs: each version joins as `version`, outlets carrying each version as `copy`', async () => {
    const { assign } = setup();
    const reuters = { outlet: 'Reuters' };
    const v1 = await assign(
      doc('r1', reutersWire(DAM_SHORT), { ...reuters, url: 'https://reuters.example/dam-bursts' }),
    );
    expect(v1.role).toBe('original');
    const c1 = await assign(doc('r1-copy', reutersWire(DAM_SHORT.slice(0, 3)), { outlet: 'Daily Courier' }), T0 + HOUR);
    expect(c1).toMatchObject({ storyId: 'r1', role: 'copy' });
    const v2 = await assign(
      doc('r2', reutersWire(DAM_SHORT_UPDATE), { ...reuters, url: 'https://reuters.example/dam-bodies-found' }),
      T0 + 3 * HOUR,
    );
    expect(v2).toMatchObject({ storyId: 'r1', role: 'version', rule: 'writethru' });
    // an outlet carrying the update, cut to its new top and stripped of the furniture: found through the
    // update's own keys and verified against it
    const c2 = await assign(doc('r2-copy', DAM_SHORT_UPDATE.slice(0, 3), { outlet: 'Valley Herald' }), T0 + 4 * HOUR);
    expect(c2).toMatchObject({ storyId: 'r1', role: 'copy', matchedItemId: 'r2' });
    // a third version, written over the second
    const v3Body = [
      'Portuguese police said on Wednesday that the third person missing after a dam burst near Amarante had been found alive in a farm building cut off by floodwater, as the death toll stayed at two.',
      ...DAM_SHORT_UPDATE.slice(1),
    ];
    const v3 = await assign(
      doc('r3', reutersWire(v3Body, 'Sergio Goncalves and Catarina Demony', 4), {
        ...reuters,
        url: 'https://reuters.example/dam-missing-found',
      }),
      T0 + 26 * HOUR,
    );
    expect(v3).toMatchObject({ storyId: 'r1', role: 'version' });
    // the same desk's follow-up with the story's background stays its own story
    const fu = await assign(
      doc('r-fu', reutersWire([...DAM_DESK_FOLLOW_UP.slice(0, 3), ...DAM_SHORT.slice(3)], 'Sergio Goncalves', 5), {
        ...reuters,
        url: 'https://reuters.example/dam-inquiry',
      }),
      T0 + 50 * HOUR,
    );
    expect(fu).toMatchObject({ storyId: 'r-fu', role: 'original' });
  });

  it('an urgent, then the full story under another URL: the full story is a version of the urgent', async () => {
    const { assign } = setup();
    await assign(doc('urgent', apWire(DAM_URGENT), { outlet: 'AP News', url: 'https://apnews.example/urgent' }));
    const full = await assign(
      doc('full', apWire(DAM), { outlet: 'AP News', url: 'https://apnews.example/full' }),
      T0 + HOUR,
    );
    expect(full).toMatchObject({ storyId: 'urgent', role: 'version' });
  });

  it('an outlet’s copy keeping the wire’s lead and adding its own paragraphs is a copy, not a version', async () => {
    const { assign } = setup();
    await assign(wire);
    const local = [
      'Readers in the Tamega valley have been asking what the dam failure means for the farms and businesses along the river. Here is the latest report from the wire, with reaction from local officials expected later today.',
      ...apWire(DAM.slice(0, 6)),
    ];
    expect(await assign(doc('local', local, { outlet: 'Valley Herald' }), T0 + HOUR)).toMatchObject({
      storyId: 'wire',
      role: 'copy',
    });
  });

  it('a copy with its paragraph breaks stripped (one paragraph) finds the story, before or after the original', async () => {
    const flat = text(apWire(DAM.slice(0, 7))).replace(/\s*\n\s*/g, ' ');
    const fp = fingerprintDoc(doc('flat', flat));
    expect(fp.body.paragraphs).toHaveLength(1);
    // its sentence keys include most paragraph keys of the original
    const original = new Set(fingerprintDoc(wire).paragraphKeys);
    expect(fp.keys.filter((k) => original.has(k)).length).toBeGreaterThanOrEqual(5);
    const after = setup();
    // other stories in the index, so that a match is found by keys and not by chance
    await after.assign(doc('whale', UNRELATED));
    await after.assign(wire);
    expect(await after.assign(doc('flat', flat, { outlet: 'Daily Courier' }), T0 + HOUR)).toMatchObject({
      storyId: 'wire',
      role: 'copy',
    });
    const before = setup();
    await before.assign(doc('flat', flat, { outlet: 'Daily Courier' }));
    expect((await before.assign(wire, T0 + HOUR)).storyId).toBe('flat');
    // re-paragraphed the other way, one paragraph per sentence
    const sentences = DAM.slice(0, 7).flatMap((p) => p.split(/(?<=\.) (?=[A-Z"])/));
    expect((await after.assign(doc('split', sentences, { outlet: 'Metro Tribune' }), T0 + 2 * HOUR)).storyId).toBe(
      'wire',
    );
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

  it('does not claim keys whose rows were saturated when read (the claim would be refused)', async () => {
    const { port } = setup();
    const a = fingerprintDoc(doc('a', DAM));
    await assignStory(port, a, { now: T0, maxCarriers: 1 });
    // the rail story ends with the dam story's last paragraph: that key's row is full with one carrier
    const b = fingerprintDoc(doc('b', RAIL_STORY, { title: 'Portugal orders 117 trains' }));
    const shared = b.keys.filter((k) => a.keys.includes(k));
    expect(shared.length).toBeGreaterThan(0);
    port.resetStats();
    expect((await assignStory(port, b, { now: T0, maxCarriers: 1 })).storyId).toBe('b');
    expect(port.stats.calls.claimKey).toBe(b.keys.length - shared.length);
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
