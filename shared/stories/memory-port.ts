/**
 * In-memory {@link StoryIndexPort} with the semantics a DynamoDB adapter must have: conditional creates and
 * claims, atomic single-record writes, TTL by a supplied clock (expired records read as absent and are
 * removed), and values copied in and out (no caller can mutate stored state). Every operation runs atomically
 * when it is called, so a wrapper that delays calls can force any interleaving of concurrent assigners.
 *
 * It counts requests and items per operation ({@link MemoryStoryIndex.stats}) for the benchmark. Used by
 * `wirewatch stories eval`, tests and `bench/stories.ts`; not meant for production (one process only).
 */
import { InputError } from '../errors.ts';
import type { MemberPrint } from './fingerprint.ts';
import type { KeyRow, StoryIndexPort, StoryOriginal, StoryRecord } from './port.ts';

/** The port operations, as counted. */
export type PortOperation = 'getKeys' | 'getStories' | 'putStory' | 'claimKey' | 'setMergedInto' | 'updateStory';

/** Request and item counts. `reads` = getKeys + getStories requests; `writes` = the other four. */
export interface PortStats {
  calls: Record<PortOperation, number>;
  /** Items returned by reads. */
  itemsRead: number;
  /** Items written (successful conditional writes only). */
  itemsWritten: number;
  reads: number;
  writes: number;
}

const emptyCalls = (): Record<PortOperation, number> => ({
  getKeys: 0,
  getStories: 0,
  putStory: 0,
  claimKey: 0,
  setMergedInto: 0,
  updateStory: 0,
});

const copyMember = (m: MemberPrint): MemberPrint => ({
  ...m,
  words: [...m.words],
  counts: [...m.counts],
  shingles: m.shingles.slice(),
});
const copyRecord = (r: StoryRecord): StoryRecord => ({
  ...r,
  original: { ...r.original },
  members: r.members.map(copyMember),
});
const copyRow = (r: KeyRow): KeyRow => ({ ...r, carriers: [...r.carriers] });

/** BatchGetItem accepts at most 100 keys per request. */
const BATCH_LIMIT = 100;

/**
 * The in-memory story index.
 * @param options.now clock in epoch milliseconds (default `Date.now`); TTL compares `expiresAt` (seconds) to it
 */
export class MemoryStoryIndex implements StoryIndexPort {
  private readonly keyRows = new Map<string, KeyRow>();
  private readonly stories = new Map<string, StoryRecord>();
  private readonly now: () => number;
  private counts = emptyCalls();
  private read = 0;
  private written = 0;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Counts since construction or the last {@link resetStats}. */
  get stats(): PortStats {
    const c = { ...this.counts };
    return {
      calls: c,
      itemsRead: this.read,
      itemsWritten: this.written,
      reads: c.getKeys + c.getStories,
      writes: c.putStory + c.claimKey + c.setMergedInto + c.updateStory,
    };
  }

  /** Sets every counter to 0. */
  resetStats(): void {
    this.counts = emptyCalls();
    this.read = 0;
    this.written = 0;
  }

  /** Live key rows and story records (after removing expired ones). */
  size(): { keys: number; stories: number } {
    this.purgeExpired();
    return { keys: this.keyRows.size, stories: this.stories.size };
  }

  /** Removes every expired record, as DynamoDB TTL eventually does. @returns the number removed */
  purgeExpired(): number {
    let n = 0;
    for (const [k, r] of this.keyRows)
      if (this.expired(r.expiresAt)) {
        this.keyRows.delete(k);
        n++;
      }
    for (const [k, r] of this.stories)
      if (this.expired(r.expiresAt)) {
        this.stories.delete(k);
        n++;
      }
    return n;
  }

  private expired(expiresAt: number): boolean {
    return expiresAt * 1000 <= this.now();
  }

  private liveRow(key: string): KeyRow | undefined {
    const r = this.keyRows.get(key);
    if (r && this.expired(r.expiresAt)) {
      this.keyRows.delete(key);
      return undefined;
    }
    return r;
  }

  private liveStory(id: string): StoryRecord | undefined {
    const r = this.stories.get(id);
    if (r && this.expired(r.expiresAt)) {
      this.stories.delete(id);
      return undefined;
    }
    return r;
  }

  private checkBatch(op: string, n: number): void {
    if (n > BATCH_LIMIT) throw new InputError('batch_too_large', `${op}: ${n} keys (BatchGetItem takes at most 100)`);
  }

  async getKeys(keys: string[]): Promise<Map<string, KeyRow>> {
    this.checkBatch('getKeys', keys.length);
    this.counts.getKeys++;
    const out = new Map<string, KeyRow>();
    for (const k of keys) {
      const r = this.liveRow(k);
      if (r) out.set(k, copyRow(r));
    }
    this.read += out.size;
    return out;
  }

  async getStories(storyIds: string[]): Promise<Map<string, StoryRecord>> {
    this.checkBatch('getStories', storyIds.length);
    this.counts.getStories++;
    const out = new Map<string, StoryRecord>();
    for (const id of storyIds) {
      const r = this.liveStory(id);
      if (r) out.set(id, copyRecord(r));
    }
    this.read += out.size;
    return out;
  }

  async putStory(record: StoryRecord): Promise<boolean> {
    this.counts.putStory++;
    if (this.liveStory(record.storyId)) return false;
    this.stories.set(record.storyId, copyRecord(record));
    this.written++;
    return true;
  }

  async claimKey(key: string, storyId: string, expiresAt: number, maxCarriers: number): Promise<KeyRow | null> {
    this.counts.claimKey++;
    const r = this.liveRow(key);
    if (!r) {
      const row: KeyRow = { key, owner: storyId, carriers: [storyId], expiresAt };
      this.keyRows.set(key, row);
      this.written++;
      return copyRow(row);
    }
    if (!r.carriers.includes(storyId)) {
      if (r.carriers.length >= maxCarriers) return null;
      r.carriers.push(storyId);
    }
    r.expiresAt = expiresAt;
    this.written++;
    return copyRow(r);
  }

  async setMergedInto(storyId: string, into: string): Promise<boolean> {
    this.counts.setMergedInto++;
    const r = this.liveStory(storyId);
    if (!r || r.mergedInto !== null) return false;
    r.mergedInto = into;
    this.written++;
    return true;
  }

  async updateStory(
    storyId: string,
    expectedRev: number,
    patch: { members: MemberPrint[]; original: StoryOriginal },
    expiresAt: number,
  ): Promise<boolean> {
    this.counts.updateStory++;
    const r = this.liveStory(storyId);
    if (!r || r.rev !== expectedRev) return false;
    r.members = patch.members.map(copyMember);
    r.original = { ...patch.original };
    r.rev = expectedRev + 1;
    r.expiresAt = expiresAt;
    this.written++;
    return true;
  }
}
