import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { MemberPrint } from '../stories/fingerprint.ts';
import type { Agency } from '../stories/normalise.ts';
import type { KeyRow, StoryIndexPort, StoryOriginal, StoryRecord } from '../stories/port.ts';
import { N, S, getN, getS, type Record_ } from './codec.ts';
import type { Table } from './table.ts';

/*
 * The story index of shared/stories on the single table (the port's records, see shared/stories/port.ts):
 *
 * | record     | pk                | sk      | attributes                                                                  |
 * |------------|-------------------|---------|-----------------------------------------------------------------------------|
 * | story      | `STORY#<storyId>` | `STORY` | storyId, createdAt, original (JSON), members (L of M, binary arrays), rev,   |
 * |            |                   |         | mergedInto?, expiresAt                                                       |
 * | key row    | `SKEY#<key>`      | `SKEY`  | owner, carriers (SS, ≤ the cap), expiresAt                                   |
 *
 * Every operation is one request. A record whose `expiresAt` has passed is absent to readers, and replaced by a
 * writer, even before DynamoDB's TTL deletes it (deletion lags by up to days: DynamoDB developer guide, "Working
 * with Time to Live").
 */

const storyKey = (id: string) => ({ pk: `STORY#${id}`, sk: 'STORY' });
const keyRowKey = (key: string) => ({ pk: `SKEY#${key}`, sk: 'SKEY' });

/** Little-endian bytes of a Uint16 / Uint32 array (the member's compact arrays). */
function u16(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setUint16(i * 2, Math.min(v, 0xffff), true);
  });
  return out;
}
function fromU16(bytes: Uint8Array | undefined): number[] {
  if (!bytes) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.byteLength / 2) }, (_, i) => view.getUint16(i * 2, true));
}
function u32(values: Uint32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setUint32(i * 4, v, true);
  });
  return out;
}
function fromU32(bytes: Uint8Array | undefined): Uint32Array {
  if (!bytes) return new Uint32Array(0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Uint32Array.from({ length: Math.floor(bytes.byteLength / 4) }, (_, i) => view.getUint32(i * 4, true));
}

/**
 * A member as a DynamoDB map (short attribute names keep a 4-member story record ≈ 14 KB): `i` item id, `u` URL,
 * `o` outlet, `h` headline, `t` published, `a` agency, `d` dateline place, `n` reporters' surnames (space-separated),
 * `w`/`c`/`s` the binary arrays.
 */
function memberAttr(m: MemberPrint): AttributeValue {
  return {
    M: {
      i: S(m.itemId),
      u: S(m.url),
      o: S(m.outlet),
      h: S(m.title),
      t: S(m.publishedAt),
      a: m.agency ? S(m.agency) : { NULL: true },
      d: m.place ? S(m.place) : { NULL: true },
      n: S(m.names.join(' ')),
      w: { B: u16(m.words) },
      c: { B: u16(m.counts) },
      s: { B: u32(m.shingles) },
    },
  };
}

function memberFrom(v: AttributeValue): MemberPrint {
  const m = ('M' in v && v.M) || {};
  const str = (k: string) => getS(m, k) ?? '';
  const bin = (k: string) => {
    const a = m[k];
    return a && 'B' in a ? a.B : undefined;
  };
  return {
    itemId: str('i'),
    url: str('u'),
    outlet: str('o'),
    title: str('h'),
    publishedAt: str('t'),
    agency: (getS(m, 'a') as Agency | null) ?? null,
    // absent on members written before dateline places and reporters were kept: unknown, as for a copy without them
    place: getS(m, 'd') ?? null,
    names: (getS(m, 'n') ?? '').split(' ').filter(Boolean),
    words: fromU16(bin('w')),
    counts: fromU16(bin('c')),
    shingles: fromU32(bin('s')),
  };
}

function recordFrom(rec: Record_): StoryRecord {
  const members = rec.members && 'L' in rec.members ? (rec.members.L ?? []) : [];
  return {
    storyId: getS(rec, 'storyId') ?? '',
    createdAt: getS(rec, 'createdAt') ?? '',
    original: JSON.parse(getS(rec, 'original') ?? 'null') as StoryOriginal,
    members: members.map(memberFrom),
    rev: getN(rec, 'rev') ?? 0,
    mergedInto: getS(rec, 'mergedInto'),
    expiresAt: getN(rec, 'expiresAt') ?? 0,
  };
}

function rowFrom(key: string, rec: Record_): KeyRow {
  const carriers = rec.carriers && 'SS' in rec.carriers ? [...(rec.carriers.SS ?? [])].sort() : [];
  return { key, owner: getS(rec, 'owner') ?? carriers[0] ?? '', carriers, expiresAt: getN(rec, 'expiresAt') ?? 0 };
}

/**
 * `StoryIndexPort` on the wirewatch table. Reads of key rows and stories are strongly consistent BatchGets (the
 * protocol needs it for stories; for key rows it costs nothing extra on-demand at these sizes and shortens the
 * race window). Every method throws `StoreError` on store failure (see `Table`).
 */
export class DynamoStoryIndex implements StoryIndexPort {
  constructor(
    private readonly table: Table,
    private readonly now: () => number = Date.now,
  ) {}

  private live(rec: Record_ | null | undefined): rec is Record_ {
    return !!rec && (getN(rec, 'expiresAt') ?? Number.POSITIVE_INFINITY) * 1000 > this.now();
  }

  async getKeys(keys: string[]): Promise<Map<string, KeyRow>> {
    const recs = await this.table.batchGet(keys.map(keyRowKey), { what: 'story key rows' });
    const out = new Map<string, KeyRow>();
    for (const r of recs) {
      if (!this.live(r)) continue;
      const key = (getS(r, 'pk') ?? '').slice('SKEY#'.length);
      out.set(key, rowFrom(key, r));
    }
    return out;
  }

  async getStories(storyIds: string[]): Promise<Map<string, StoryRecord>> {
    const recs = await this.table.batchGet(storyIds.map(storyKey), { what: 'story records' });
    const out = new Map<string, StoryRecord>();
    for (const r of recs) {
      if (!this.live(r)) continue;
      const story = recordFrom(r);
      out.set(story.storyId, story);
    }
    return out;
  }

  async putStory(record: StoryRecord): Promise<boolean> {
    const item: Record_ = {
      pk: S(`STORY#${record.storyId}`),
      sk: S('STORY'),
      storyId: S(record.storyId),
      createdAt: S(record.createdAt),
      original: S(JSON.stringify(record.original)),
      members: { L: record.members.map(memberAttr) },
      rev: N(record.rev),
      expiresAt: N(record.expiresAt),
      ...(record.mergedInto ? { mergedInto: S(record.mergedInto) } : {}),
    };
    return this.table.put(item, {
      condition: { expression: 'attribute_not_exists(pk) OR expiresAt <= :now', values: { ':now': N(this.nowSec()) } },
      what: `story ${record.storyId}`,
    });
  }

  async claimKey(key: string, storyId: string, expiresAt: number, maxCarriers: number): Promise<KeyRow | null> {
    const claimed = await this.table.updateReturning(
      keyRowKey(key),
      {
        expression: 'SET #owner = if_not_exists(#owner, :sid), expiresAt = :exp ADD carriers :sids',
        names: { '#owner': 'owner' },
        values: { ':sid': S(storyId), ':sids': { SS: [storyId] }, ':exp': N(expiresAt) },
        condition: {
          expression:
            '(attribute_not_exists(carriers) OR size(carriers) < :cap OR contains(carriers, :sid)) AND ' +
            '(attribute_not_exists(expiresAt) OR expiresAt > :now)',
          values: { ':cap': N(maxCarriers), ':now': N(this.nowSec()) },
        },
      },
      { what: `story key ${key}` },
    );
    if (claimed) return rowFrom(key, claimed);
    // Either saturated, or expired but not yet deleted by TTL: replace an expired row with a fresh one.
    const replaced = await this.table.put(
      {
        pk: S(`SKEY#${key}`),
        sk: S('SKEY'),
        owner: S(storyId),
        carriers: { SS: [storyId] },
        expiresAt: N(expiresAt),
      },
      {
        condition: { expression: 'expiresAt <= :now', values: { ':now': N(this.nowSec()) } },
        what: `story key ${key}`,
      },
    );
    return replaced ? { key, owner: storyId, carriers: [storyId], expiresAt } : null;
  }

  async setMergedInto(storyId: string, into: string): Promise<boolean> {
    return this.table.update(
      storyKey(storyId),
      {
        expression: 'SET mergedInto = :into',
        values: { ':into': S(into) },
        condition: {
          expression: 'attribute_exists(pk) AND attribute_not_exists(mergedInto) AND expiresAt > :now',
          values: { ':now': N(this.nowSec()) },
        },
      },
      { what: `story ${storyId}` },
    );
  }

  async updateStory(
    storyId: string,
    expectedRev: number,
    patch: { members: MemberPrint[]; original: StoryOriginal },
    expiresAt: number,
  ): Promise<boolean> {
    return this.table.update(
      storyKey(storyId),
      {
        expression: 'SET members = :m, original = :o, rev = :next, expiresAt = :exp',
        values: {
          ':m': { L: patch.members.map(memberAttr) },
          ':o': S(JSON.stringify(patch.original)),
          ':next': N(expectedRev + 1),
          ':exp': N(expiresAt),
        },
        condition: {
          expression: 'rev = :rev AND expiresAt > :now',
          values: { ':rev': N(expectedRev), ':now': N(this.nowSec()) },
        },
      },
      { what: `story ${storyId}` },
    );
  }

  private nowSec(): number {
    return Math.floor(this.now() / 1000);
  }
}
