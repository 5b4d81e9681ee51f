import type { ItemReader, PageScheduleReader } from '../store/index.ts';
import type { ItemDetail, PageFetchState, PageSchedule } from '../types.ts';

/**
 * The public fetch state of an item's page schedule (shared/pipeline/pages.ts writes the schedules): `retrying`
 * while a retry is due, `rechecking` while rechecks are due, else `fetched`, `gave_up` or `failed` (permanent).
 */
export function fetchStateOf(s: PageSchedule): PageFetchState {
  const state: PageFetchState['state'] =
    s.phase === 'retry'
      ? 'retrying'
      : s.phase === 'recheck'
        ? 'rechecking'
        : s.outcome === 'gave_up'
          ? 'gave_up'
          : s.outcome === 'permanent'
            ? 'failed'
            : 'fetched';
  return {
    state,
    attempts: s.attempts,
    maxAttempts: s.maxAttempts,
    lastAttemptAt: s.lastAttemptAt,
    lastError: s.lastError,
    nextRetryAt: s.phase === 'retry' ? s.nextAt : null,
    gaveUpAt: s.gaveUpAt,
    recheck: s.recheck
      ? {
          checks: s.recheck.done,
          of: s.recheck.of,
          nextAt: s.phase === 'recheck' ? s.nextAt : null,
          lastCheckedAt: s.recheck.lastCheckedAt,
          lastOutcome: s.recheck.lastOutcome,
        }
      : null,
  };
}

/**
 * One item with its page fetch state, as `GET /items/{id}` and `wirewatch item <id>` show it. Two strongly
 * consistent GetItems (the item, its page schedule), sent together.
 * @returns null when the item does not exist
 * @throws StoreError when the store fails
 */
export async function getItemDetail(
  store: Pick<ItemReader, 'getItem'> & PageScheduleReader,
  id: string,
): Promise<ItemDetail | null> {
  const [item, schedule] = await Promise.all([store.getItem(id), store.getPageSchedule(id)]);
  if (!item) return null;
  return { ...item, fetch: schedule ? fetchStateOf(schedule.schedule) : null };
}
