import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/stories/hash.ts';
import {
  type Assignment,
  type Fingerprint,
  MemoryStoryIndex,
  type StoryIndexPort,
  assignStory,
  fingerprintDoc,
  resolveStory,
} from '../../shared/stories/index.ts';
import { DAM, UNRELATED, doc } from './fixtures.ts';
import { explore, runScheduled } from './scheduler.ts';

/*
 * Concurrent assignment: several assigners on one store, their port calls interleaved in every possible order
 * (two documents) or in many seeded random orders (three documents, full-size keys). Copies of one story must
 * always end in ONE resolved story; unrelated stories must stay apart.
 */

const NOW = Date.parse('2026-11-03T08:00:00Z');
const small = { bands: 0 }; // paragraph keys only: few port calls, so every schedule can be enumerated

const copyA = doc('a', DAM.slice(0, 2), { url: 'https://one.example/a' });
const copyB = doc('b', [DAM[0]!.replace('about', 'around'), DAM[1]!], { url: 'https://two.example/b' });
const copyC = doc('c', [
  ...DAM.slice(0, 2),
  'Sign up for our newsletter to get the latest news in your inbox.',
  DAM[2]!,
]);
const other = doc('z', UNRELATED.slice(0, 2), { title: 'White whale returns' });

const assigner = (fp: Fingerprint) => (port: StoryIndexPort) => assignStory(port, fp, { now: NOW });

async function roots(inner: StoryIndexPort, results: Assignment[]): Promise<string[]> {
  return Promise.all(results.map((r) => resolveStory(inner, r.storyId)));
}

describe('every interleaving of two assigners', () => {
  it('two copies of one story end in one story', async () => {
    const fa = fingerprintDoc(copyA, small);
    const fb = fingerprintDoc(copyB, small);
    expect(fa.keys.length).toBe(2);
    let merges = 0;
    const n = await explore(
      () => ({ inner: new MemoryStoryIndex({ now: () => NOW }), procs: [assigner(fa), assigner(fb)] }),
      async (results, inner, trace) => {
        const [ra, rb] = await roots(inner, results);
        expect(ra, trace.join(' ')).toBe(rb);
        if (results.some((r) => r.merged.length)) {
          merges++;
          expect(ra).toBe('a'); // created at the same instant: a redirect points to the smaller id
        } else expect(['a', 'b']).toContain(ra); // one joined the other's story
      },
    );
    expect(n).toBeGreaterThan(100);
    expect(merges).toBeGreaterThan(0); // some schedules really created two stories and merged them
  });

  it('two unrelated stories stay two', async () => {
    const fa = fingerprintDoc(copyA, small);
    const fz = fingerprintDoc(other, small);
    const n = await explore(
      () => ({ inner: new MemoryStoryIndex({ now: () => NOW }), procs: [assigner(fa), assigner(fz)] }),
      async (results, inner) => {
        const [ra, rz] = await roots(inner, results);
        expect(ra).toBe('a');
        expect(rz).toBe('z');
        expect(results.map((r) => r.role)).toEqual(['original', 'original']);
      },
    );
    expect(n).toBeGreaterThan(100);
  });

  it('a copy racing a copy of an existing story joins that story', async () => {
    const fa = fingerprintDoc(copyA, small);
    const fb = fingerprintDoc(copyB, small);
    const fc = fingerprintDoc(copyC, small);
    await explore(
      () => {
        const inner = new MemoryStoryIndex({ now: () => NOW });
        return {
          inner,
          procs: [
            async (port: StoryIndexPort) => {
              // the original is already in the index when the two copies arrive
              await assignStory(inner, fa, { now: NOW });
              return assignStory(port, fb, { now: NOW });
            },
            assigner(fc),
          ],
        };
      },
      async (results, inner) => {
        expect(await roots(inner, results)).toEqual(['a', 'a']);
      },
    );
  });
});

describe('every interleaving of a version and a copy of its new text', () => {
  it('the version joins the story, the copy of its new top joins it too (directly or by a merge)', async () => {
    const lead =
      'Rescuers recovered two bodies on Tuesday evening after the dam failure near Amarante, police said, as the search went on.';
    const extra =
      'The bodies were found in a flooded olive grove about two kilometers downstream of the breach, a police spokesman said.';
    const x = fingerprintDoc(doc('x', DAM.slice(0, 4), { url: 'https://wire.example/dam', outlet: 'Wire' }), small);
    const v = fingerprintDoc(
      doc('v', [lead, extra, ...DAM.slice(1, 4)], { url: 'https://wire.example/dam', outlet: 'Wire' }),
      small,
    );
    const e = fingerprintDoc(doc('e', [lead, extra], { outlet: 'Valley Herald' }), small);
    let versions = 0;
    const n = await explore(
      () => {
        const inner = new MemoryStoryIndex({ now: () => NOW });
        return {
          inner,
          procs: [
            async (port: StoryIndexPort) => {
              // the story was started an hour earlier: it keeps its id whatever happens
              await assignStory(inner, x, { now: NOW - 3600_000 });
              return assignStory(port, v, { now: NOW });
            },
            assigner(e),
          ],
        };
      },
      async (results, inner, trace) => {
        if (results[0]!.role === 'version') versions++;
        const r = await roots(inner, results);
        expect(r[0], trace.join(' ')).toBe('x');
        expect(r[1], trace.join(' ')).toBe('x');
      },
    );
    expect(n).toBeGreaterThan(20);
    expect(versions).toBeGreaterThan(n / 2); // a version whenever it meets the story before the copy's
  });
});

describe('seeded random schedules of three assigners (full keys)', () => {
  it('three copies of one story end in one story; an unrelated fourth stays apart', async () => {
    const fps = [copyA, copyB, copyC].map((d) => fingerprintDoc(d));
    const fz = fingerprintDoc(other);
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = mulberry32(seed);
      const inner = new MemoryStoryIndex({ now: () => NOW });
      const { results, trace } = await runScheduled(inner, [...fps.map(assigner), assigner(fz)], (n) =>
        Math.floor(rnd() * n),
      );
      const r = await roots(inner, results);
      expect(new Set(r.slice(0, 3)).size, `seed ${seed}: ${trace.join(' ')}`).toBe(1);
      expect(r[3]).toBe('z');
    }
  });
});
