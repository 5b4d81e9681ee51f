import { z } from 'zod';
import { InputError } from '../errors.ts';
import { ALERT_STATUSES, type AlertRecord, type AlertStatus } from '../alerts/types.ts';
import { decodeCursor, encodeCursor, queryFingerprint } from './cursor.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from './items-query.ts';
import { zodParams } from './params.ts';

/*
 * `GET /alerts?status=&limit=&cursor=`: recent alert deliveries (one record per story × topic × subscription, and
 * per update version), newest `updatedAt` first, with status and reason. The store side is `AlertRepo.listPage`
 * (shared/alerts/records.ts): one bounded Query per status on gsi2, at most 5 × (limit + 1) index rows a request.
 */

/** What the API needs of the alert records (`AlertRepo` satisfies it). */
export interface AlertLog {
  listPage(q: {
    status?: AlertStatus;
    limit: number;
    before: string | null;
  }): Promise<{ alerts: AlertRecord[]; before: string | null }>;
}

/** Names accepted by `GET /alerts`. */
export const ALERTS_PARAMS = ['status', 'limit', 'cursor'] as const;

const paramsSchema = z.strictObject({
  status: z.enum(ALERT_STATUSES as [AlertStatus, ...AlertStatus[]]).optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `must be an integer from 1 to ${MAX_LIMIT}`)
    .refine((v) => Number(v) >= 1 && Number(v) <= MAX_LIMIT, `must be an integer from 1 to ${MAX_LIMIT}`)
    .optional(),
  cursor: z.string().min(1, 'must not be empty').optional(),
});

/** One alert as `GET /alerts` lists it. Feed-derived strings (`title`, `outlet`) are untrusted text. */
export interface AlertView {
  key: string;
  storyId: string;
  itemId: string;
  topicId: string;
  subscriptionId: string;
  channelId: string;
  channelType: string;
  mode: 'realtime' | 'digest';
  status: AlertStatus;
  /** True for a `failed` alert whose last failure may succeed when re-driven (parked: `wirewatch alerts retry`). */
  parked: boolean;
  reason: string | null;
  attempts: number;
  lastError: string | null;
  lastErrorCode: string | null;
  via: 'realtime' | 'digest' | 'retry' | null;
  version: number | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  title: string;
  url: string;
  outlet: string;
}

/**
 * An error message with the paths and queries of URLs cut off: a channel's webhook URL carries its secret in the
 * path (Slack), and the dashboard's readers need the host, not the secret.
 */
export function redactUrls(message: string): string {
  return message.replace(/\b(https?:\/\/[^/\s?#]+)[^\s]*/gi, '$1/…');
}

/** The API view of a stored alert record. */
export function toAlertView(r: AlertRecord): AlertView {
  return {
    key: r.key,
    storyId: r.storyId,
    itemId: r.itemId,
    topicId: r.topicId,
    subscriptionId: r.subscriptionId,
    channelId: r.channelId,
    channelType: r.channelType,
    mode: r.mode,
    status: r.status,
    parked: r.status === 'failed' && r.retryable !== false,
    reason: r.reason ?? null,
    attempts: r.attempts ?? 0,
    lastError: r.lastError ? redactUrls(r.lastError).slice(0, 500) : null,
    lastErrorCode: r.lastErrorCode ?? null,
    via: r.via ?? null,
    version: r.version ?? null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    sentAt: r.sentAt ?? null,
    title: r.content?.title ?? '',
    url: r.content?.url ?? '',
    outlet: r.content?.outlet ?? '',
  };
}

/**
 * Lists one page of alerts.
 * @param query the route's query parameters (already checked by `parseRawQuery`/`checkQuery`)
 * @returns `{alerts, nextCursor}` — the body of `GET /alerts`
 * @throws InputError for bad parameters or cursors; StoreError from the store
 */
export async function listAlerts(
  log: AlertLog | undefined,
  query: Record<string, string>,
  cursorKey: Buffer,
): Promise<{ alerts: AlertView[]; nextCursor: string | null }> {
  const params = zodParams(paramsSchema, query);
  const fingerprint = queryFingerprint({ scope: 'alerts', status: params.status });
  let before: string | null = null;
  if (params.cursor !== undefined) {
    const pos = decodeCursor(cursorKey, params.cursor, fingerprint);
    if (typeof pos.b !== 'string' || pos.b.length > 2048)
      throw new InputError('invalid_cursor', 'parameter cursor: undecodable');
    before = pos.b;
  }
  // A runtime without alert records (an API built without them) lists none.
  if (!log) return { alerts: [], nextCursor: null };
  const limit = params.limit !== undefined ? Number(params.limit) : DEFAULT_LIMIT;
  const page = await log.listPage({ status: params.status, limit, before });
  return {
    alerts: page.alerts.map(toAlertView),
    nextCursor: page.before !== null ? encodeCursor(cursorKey, { b: page.before }, fingerprint) : null,
  };
}
