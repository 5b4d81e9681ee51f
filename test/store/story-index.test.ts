import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { DynamoStoryIndex } from '../../shared/store/story-index.ts';
import { Table } from '../../shared/store/table.ts';
import {
  MemoryStoryIndex,
  arrivalOrder,
  assignStory,
  fingerprintDoc,
  parseStoriesJsonl,
  resolveStory,
  type StoryRecord,
} from '../../shared/stories/index.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';

/*
 * The story index port on the single table (dynalite): each operation's semantics, the same assignments as the
 * in-memory port on the dev set, and two assigners racing on one story through two separate table clients.
 */

const DEV = fileURLToPath(new URL('../fixtures/stories/dev.jsonl', import.meta.url));

let dyn: EmbeddedStore;
beforeAll(async () => {
  dyn = await startTestDynamo();
});
afterAll(async () => {
  await dyn.close();
});

async function freshIndex(name: string, now: () => number = Date.now): Promise<DynamoStoryIndex> {
  const table = new Table({ client: dyn.client, tableName: name });
  await table.ensure();
  return new DynamoStoryIndex(table, now);
}

const record = (id: string, expiresAt: number): StoryRecord => ({
  storyId: id,
  createdAt: '2026-12-01T00:00:00.000Z',
  original: { itemId: id, publishedAt: '2026-12-01T00:00:00.000Z', agency: 'AP' },
  members: [
    {
      itemId: id,
      url: `https://x.example/${id}`,
      outlet: 'X',
      title: 'T',
      publishedAt: '2026-12-01T00:00:00.000Z',
      agency: 'AP',
      place: 'moscow',
      names: ['kaya', 'van'],
      words: [10, 70000],
      counts: [3, 2],
      shingles: Uint32Array.from([1, 4294967295, 7, 8, 9]),
    },
  ],
  rev: 0,
  mergedInto: null,
  expiresAt,
});

describe('DynamoStoryIndex', () => {
  it('stores and reads story records with their binary member arrays, and conditional writes hold', async () => {
    const now = 1_800_000_000_000;
    const idx = await freshIndex('story-ops', () => now);
    const exp = now / 1000 + 3600;
    expect(await idx.putStory(record('s1', exp))).toBe(true);
    expect(await idx.putStory(record('s1', exp))).toBe(false);
    const got = (await idx.getStories(['s1', 'missing'])).get('s1')!;
    expect(got.members[0]!.shingles).toEqual(Uint32Array.from([1, 4294967295, 7, 8, 9]));
    expect(got.members[0]!.words).toEqual([10, 65535]); // Uint16: capped, as the fingerprint caps them
    expect(got.members[0]).toMatchObject({ place: 'moscow', names: ['kaya', 'van'] });
    expect(got.original).toEqual({ itemId: 's1', publishedAt: '2026-12-01T00:00:00.000Z', agency: 'AP' });
    expect(await idx.updateStory('s1', 1, { members: got.members, original: got.original }, exp)).toBe(false);
    expect(await idx.updateStory('s1', 0, { members: [], original: got.original }, exp)).toBe(true);
    expect((await idx.getStories(['s1'])).get('s1')).toMatchObject({ rev: 1, members: [] });
    expect(await idx.setMergedInto('s1', 's0')).toBe(true);
    expect(await idx.setMergedInto('s1', 'sX')).toBe(false);
    expect(await idx.setMergedInto('nope', 's0')).toBe(false);
    expect((await idx.getStories(['s1'])).get('s1')?.mergedInto).toBe('s0');
  });

  it('claims keys: first owner stays, carriers grow to the cap, then the key is saturated', async () => {
    const now = 1_800_000_000_000;
    const idx = await freshIndex('story-claims', () => now);
    const exp = now / 1000 + 3600;
    expect(await idx.claimKey('k', 'a', exp, 2)).toMatchObject({ owner: 'a', carriers: ['a'] });
    expect(await idx.claimKey('k', 'b', exp, 2)).toMatchObject({ owner: 'a', carriers: ['a', 'b'] });
    expect(await idx.claimKey('k', 'a', exp, 2)).toMatchObject({ owner: 'a', carriers: ['a', 'b'] });
    expect(await idx.claimKey('k', 'c', exp, 2)).toBeNull();
    expect((await idx.getKeys(['k', 'other'])).get('k')).toMatchObject({ owner: 'a', carriers: ['a', 'b'] });
  });

  it('treats expired records as absent and replaces them, before TTL deletes them', async () => {
    let now = 1_800_000_000_000;
    const idx = await freshIndex('story-ttl', () => now);
    await idx.putStory(record('old', now / 1000 + 10));
    await idx.claimKey('k', 'old', now / 1000 + 10, 16);
    now += 60_000;
    expect((await idx.getStories(['old'])).size).toBe(0);
    expect((await idx.getKeys(['k'])).size).toBe(0);
    expect(await idx.claimKey('k', 'new', now / 1000 + 3600, 16)).toMatchObject({ owner: 'new', carriers: ['new'] });
    expect(await idx.putStory(record('old', now / 1000 + 3600))).toBe(true);
  });

  it('gives the same assignments as the in-memory port on the dev set', async () => {
    const docs = arrivalOrder(parseStoriesJsonl(readFileSync(DEV, 'utf8'), DEV)).slice(0, 90);
    let clock = 0;
    const dynamo = await freshIndex('story-dev', () => clock);
    const memory = new MemoryStoryIndex({ now: () => clock });
    const a: string[] = [];
    const b: string[] = [];
    for (const d of docs) {
      clock = Date.parse(d.publishedAt);
      const fp = fingerprintDoc(d);
      a.push((await assignStory(dynamo, fp, { now: clock })).storyId);
      b.push((await assignStory(memory, fp, { now: clock })).storyId);
    }
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(5);
  }, 120_000);

  it('two assigners racing on copies of one story end in one story', async () => {
    const docs = arrivalOrder(parseStoriesJsonl(readFileSync(DEV, 'utf8'), DEV));
    const byStory = new Map<string, typeof docs>();
    for (const d of docs) if (d.story) byStory.set(d.story, [...(byStory.get(d.story) ?? []), d]);
    const pairs = [...byStory.values()].filter((g) => g.length >= 2).slice(0, 6);
    for (const [i, group] of pairs.entries()) {
      // Two processes: two table clients, two index adapters, the same table.
      const p = await freshIndex(`story-race-${i}`);
      const q = new DynamoStoryIndex(new Table({ client: dyn.client, tableName: `story-race-${i}` }));
      const [x, y] = [group[0]!, group[1]!];
      const [ax, ay] = await Promise.all([assignStory(p, fingerprintDoc(x)), assignStory(q, fingerprintDoc(y))]);
      expect(await resolveStory(p, ax.storyId)).toBe(await resolveStory(q, ay.storyId));
    }
  }, 120_000);
});
