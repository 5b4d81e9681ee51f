import type { HostLeases } from '../http/types.ts';
import { StoreError } from '../errors.ts';
import { N, getN } from './codec.ts';
import type { Table } from './table.ts';

/*
 * Per-host politeness slots shared by every process: `HOST#<host>` / `SLOT` holds `next`, the earliest time (epoch
 * ms) the next request to the host may start. Booking reads it (strongly consistent), takes `max(now, next)` and
 * moves `next` on by the gap with a conditional write on the value read (optimistic concurrency: of two workers
 * booking at once, one wins and the other books again after it). Cost per request: one GetItem (1 read unit) and
 * one conditional write (1 write unit); slots expire a day after their last use (TTL).
 */

/** Booking attempts before giving up when other workers keep winning. */
const MAX_ATTEMPTS = 8;

/** Shared host slots on the table; implements the HTTP chokepoint's `HostLeases`. */
export class HostLeaseRepo implements HostLeases {
  constructor(
    private readonly table: Table,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Books the next start slot for `host`, at least `gapMs` after the previous booking.
   * @returns the booked start, epoch ms
   * @throws StoreError when the table fails, or `write_conflict` (retryable) after 8 lost races
   */
  async reserve(host: string, gapMs: number): Promise<number> {
    const key = { pk: `HOST#${host}`, sk: 'SLOT' };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const rec = await this.table.get(key, { what: `host slot ${host}` });
      const prev = getN(rec ?? undefined, 'next');
      const now = this.now();
      const slot = Math.max(now, prev ?? 0);
      const booked = await this.table.update(
        key,
        {
          expression: 'SET #next = :next, #ttl = :ttl',
          names: { '#next': 'next', '#ttl': 'expiresAt' },
          values: { ':next': N(slot + gapMs), ':ttl': N(Math.floor(now / 1000) + 86_400) },
          condition:
            prev === null
              ? { expression: 'attribute_not_exists(#next)' }
              : { expression: '#next = :prev', values: { ':prev': N(prev) } },
        },
        { what: `host slot ${host}` },
      );
      if (booked) return slot;
    }
    throw new StoreError('write_conflict', `host slot ${host} kept changing under concurrent bookings`, {
      retryable: true,
    });
  }
}
