/**
 * In-process politeness gate: at most one request in flight per host, and at least `gapMs`
 * between the end of one request to a host and the start of the next. Waiters are served in FIFO order.
 */
export class HostGate {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly lastEnd = new Map<string, number>();

  /** @param now clock in ms (injectable for tests of the gate itself) */
  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Runs `fn` once every earlier holder of `host` has finished and `gapMs` has passed since the last one ended.
   * @param host lower-case host name (the key; ports are not distinguished)
   * @param gapMs minimum gap in ms (0 = only serialise)
   * @returns what `fn` returns; rethrows what it throws (the gate is released either way)
   */
  async run<T>(host: string, gapMs: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(host) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(host, tail);
    await prev;
    try {
      const last = this.lastEnd.get(host);
      if (last !== undefined && gapMs > 0) {
        const wait = last + gapMs - this.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      return await fn();
    } finally {
      const end = this.now();
      this.lastEnd.set(host, end);
      if (this.lastEnd.size > 10_000) {
        // Forget hosts idle for more than an hour (no gap can still apply to them).
        for (const [h, t] of this.lastEnd) if (end - t > 3_600_000) this.lastEnd.delete(h);
      }
      if (this.tails.get(host) === tail) this.tails.delete(host);
      release();
    }
  }
}
