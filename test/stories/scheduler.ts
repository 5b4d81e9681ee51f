/**
 * A port wrapper that lets a test decide the order in which concurrent assigners' port calls execute: every
 * call waits until the scheduler releases it, so any interleaving of the individual requests (each one
 * atomic, as in DynamoDB) can be forced. At each step the scheduler picks a process with a pending call and
 * runs that process's oldest pending call (a process's own parallel claims run in the order it issued them;
 * every interleaving *between* processes is reachable). `explore` enumerates every schedule depth-first.
 */
import type { KeyRow, StoryIndexPort, StoryOriginal, StoryRecord } from '../../shared/stories/index.ts';
import type { MemberPrint } from '../../shared/stories/fingerprint.ts';

interface Pending {
  proc: number;
  label: string;
  run: () => void;
}

export class ScheduledPort implements StoryIndexPort {
  constructor(
    private readonly inner: StoryIndexPort,
    private readonly proc: number,
    private readonly queue: Pending[],
  ) {}
  private call<T>(label: string, f: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ proc: this.proc, label: `P${this.proc}:${label}`, run: () => f().then(resolve, reject) });
    });
  }
  getKeys(keys: string[]): Promise<Map<string, KeyRow>> {
    return this.call('getKeys', () => this.inner.getKeys(keys));
  }
  getStories(ids: string[]): Promise<Map<string, StoryRecord>> {
    return this.call('getStories', () => this.inner.getStories(ids));
  }
  putStory(r: StoryRecord): Promise<boolean> {
    return this.call('putStory', () => this.inner.putStory(r));
  }
  claimKey(k: string, s: string, e: number, m: number): Promise<KeyRow | null> {
    return this.call(`claimKey ${k}`, () => this.inner.claimKey(k, s, e, m));
  }
  setMergedInto(s: string, into: string): Promise<boolean> {
    return this.call('setMergedInto', () => this.inner.setMergedInto(s, into));
  }
  updateStory(
    s: string,
    rev: number,
    patch: { members: MemberPrint[]; original: StoryOriginal },
    e: number,
  ): Promise<boolean> {
    return this.call('updateStory', () => this.inner.updateStory(s, rev, patch, e));
  }
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Runs processes against `inner`, releasing one pending port call at a time: `choose(options, step)` picks
 * among the processes that have one.
 * @returns the processes' results and the number of options met at each step
 */
export async function runScheduled<T>(
  inner: StoryIndexPort,
  procs: Array<(port: StoryIndexPort) => Promise<T>>,
  choose: (options: number, step: number) => number,
): Promise<{ results: T[]; options: number[]; trace: string[] }> {
  const queue: Pending[] = [];
  let done = 0;
  const results: T[] = [];
  const errors: unknown[] = [];
  procs.forEach((p, i) => {
    p(new ScheduledPort(inner, i, queue)).then(
      (r) => {
        results[i] = r;
        done++;
      },
      (e) => {
        errors.push(e);
        done++;
      },
    );
  });
  const options: number[] = [];
  const trace: string[] = [];
  for (let step = 0; ; step++) {
    await settle();
    if (queue.length === 0) {
      if (done === procs.length) break;
      throw new Error('deadlock: no pending call and unfinished processes');
    }
    const ready = [...new Set(queue.map((q) => q.proc))];
    const proc = ready[choose(ready.length, step)]!;
    options.push(ready.length);
    const [c] = queue.splice(
      queue.findIndex((q) => q.proc === proc),
      1,
    );
    trace.push(c!.label);
    c!.run();
  }
  if (errors.length) throw errors[0];
  return { results, options, trace };
}

/**
 * Enumerates every schedule of the processes (depth-first over the choice at each step), calling `check`
 * after each. `fresh()` must build a new store and processes for every run.
 * @returns the number of schedules explored
 */
export async function explore<T>(
  fresh: () => { inner: StoryIndexPort; procs: Array<(port: StoryIndexPort) => Promise<T>> },
  check: (results: T[], inner: StoryIndexPort, trace: string[]) => Promise<void>,
  limit = 200_000,
): Promise<number> {
  let prefix: number[] = [];
  let runs = 0;
  for (;;) {
    const { inner, procs } = fresh();
    const { results, options, trace } = await runScheduled(inner, procs, (_n, step) => prefix[step] ?? 0);
    await check(results, inner, trace);
    runs++;
    if (runs >= limit) throw new Error(`more than ${limit} schedules`);
    const taken = options.map((_, i) => prefix[i] ?? 0);
    let i = taken.length - 1;
    while (i >= 0 && taken[i]! + 1 >= options[i]!) i--;
    if (i < 0) return runs;
    prefix = [...taken.slice(0, i), taken[i]! + 1];
  }
}
