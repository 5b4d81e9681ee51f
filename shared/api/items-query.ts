import { InputError } from '../errors.ts';
import type { ItemSummary } from '../types.ts';
import type { ItemQuery, StoreReader } from '../store/index.ts';
import { decodeCursor, encodeCursor, queryFingerprint } from './cursor.ts';

/*
 * The one implementation of "list items" shared by `GET /items` and `wirewatch items`:
 * parameter validation, cursor handling and the store query.
 */

/** Query parameters of `GET /items`, all as strings (absent = undefined). */
export interface ItemsParams {
  topic?: string;
  feed?: string;
  since?: string;
  until?: string;
  q?: string;
  limit?: string;
  cursor?: string;
}

/** Names accepted by `GET /items`; anything else is a 400. */
export const ITEMS_PARAMS = ['topic', 'feed', 'since', 'until', 'q', 'limit', 'cursor'] as const;
/** Page size when `limit` is absent. */
export const DEFAULT_LIMIT = 20;
/** Largest accepted `limit`. */
export const MAX_LIMIT = 100;
/** Maximum length of `q`, characters. */
export const MAX_Q_CHARS = 200;

/** Earliest accepted `since`/`until`, ISO-8601 UTC (the Unix epoch). */
export const MIN_TIME = '1970-01-01T00:00:00.000Z';
/**
 * Latest accepted `since`/`until`, ISO-8601 UTC: the last millisecond of year 9999, the last instant whose
 * ISO-8601 form has four year digits — the store's sort keys are those strings, compared lexically.
 */
export const MAX_TIME = '9999-12-31T23:59:59.999Z';

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const invalid = (param: string, why: string) => new InputError('invalid_parameter', `parameter ${param}: ${why}`);

/**
 * Parses an ISO-8601 date (`2026-11-29`, midnight UTC — or the day's last millisecond when `endOfDay`) or
 * date-time with zone (`2026-11-29T12:00:00Z`, `…+02:00`) into ISO-8601 UTC, within `MIN_TIME`…`MAX_TIME`
 * (years 1970–9999 after conversion to UTC).
 * @throws InputError `invalid_parameter` naming `param`
 */
export function parseIsoParam(param: string, value: string, endOfDay = false): string {
  const m = ISO_RE.exec(value);
  const dateOnly = m !== null && m[4] === undefined;
  const t = m ? Date.parse(dateOnly ? `${value}T00:00:00Z` : value) : NaN;
  if (!m || Number.isNaN(t))
    throw invalid(
      param,
      `'${value.slice(0, 40)}' is not an ISO-8601 date or date-time with zone (e.g. 2026-11-29 or 2026-11-29T12:00:00Z)`,
    );
  // Reject calendar overflow such as 2026-02-31 (some engines roll it into March).
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (day.getUTCDate() !== Number(m[3]) || day.getUTCMonth() !== Number(m[2]) - 1) {
    throw invalid(param, `'${value}' is not a calendar date`);
  }
  const iso = new Date(dateOnly && endOfDay ? t + 86_400_000 - 1 : t).toISOString();
  // toISOString writes years outside 0000–9999 with a sign and six digits, which would not sort with the keys.
  if (!/^\d{4}-/.test(iso) || iso < MIN_TIME || iso > MAX_TIME)
    throw invalid(param, `'${value.slice(0, 40)}' is outside 1970-01-01 to 9999-12-31 (UTC)`);
  return iso;
}

/**
 * Validates list parameters into a store query plus the cursor fingerprint.
 * @param opts.topics the configured topic ids (an unknown `topic` is a 400)
 * @throws InputError `invalid_parameter` / `invalid_cursor`, the message naming the parameter
 */
export function parseItemsParams(
  params: ItemsParams,
  opts: { topics: ReadonlySet<string>; cursorKey: Buffer; scope?: string },
): { query: ItemQuery; fingerprint: string } {
  const nonEmpty = (name: keyof ItemsParams): string | undefined => {
    const v = params[name];
    if (v === undefined) return undefined;
    if (v.trim() === '') throw invalid(name, 'must not be empty');
    return v;
  };
  const topic = nonEmpty('topic');
  if (topic !== undefined && !opts.topics.has(topic)) {
    throw invalid('topic', `unknown topic '${topic.slice(0, 64)}' (known: ${[...opts.topics].join(', ') || 'none'})`);
  }
  const feed = nonEmpty('feed');
  if (feed !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(feed))
    throw invalid('feed', 'must be a feed id (1-64 letters, digits, - and _)');
  const sinceRaw = nonEmpty('since');
  const untilRaw = nonEmpty('until');
  const since = sinceRaw === undefined ? undefined : parseIsoParam('since', sinceRaw);
  const until = untilRaw === undefined ? undefined : parseIsoParam('until', untilRaw, true);
  if (since !== undefined && until !== undefined && since > until) throw invalid('since', 'must not be after until');
  const q = nonEmpty('q');
  if (q !== undefined && q.length > MAX_Q_CHARS) throw invalid('q', `at most ${MAX_Q_CHARS} characters`);
  if (q !== undefined && LONE_SURROGATE.test(q)) throw invalid('q', 'not well-formed Unicode');
  const limitRaw = nonEmpty('limit');
  let limit = DEFAULT_LIMIT;
  if (limitRaw !== undefined) {
    if (!/^\d{1,4}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > MAX_LIMIT) {
      throw invalid('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
    }
    limit = Number(limitRaw);
  }
  const fingerprint = queryFingerprint({
    ...(opts.scope ? { scope: opts.scope } : {}),
    topic,
    feed,
    since,
    until,
    q: q?.toLowerCase(),
  });
  const cursor = nonEmpty('cursor');
  const after = cursor === undefined ? null : decodeCursor(opts.cursorKey, cursor, fingerprint);
  if (after && Object.values(after).some((v) => typeof v !== 'string'))
    throw new InputError('invalid_cursor', 'parameter cursor: undecodable');
  // The store's own default upper bound lies below every key of year 9999, so a `since` in that year without `until`
  // would be an empty BETWEEN range (DynamoDB refuses it): always pass the upper bound. Not part of the
  // fingerprint, so cursors are unaffected.
  return { query: { topic, feed, since, until: until ?? MAX_TIME, q, limit, after }, fingerprint };
}

/**
 * Lists one page of items: validates `params`, queries the store, signs the next cursor.
 * @returns `{items, nextCursor}` — the body of `GET /items` and of `wirewatch items --json`
 * @throws InputError for bad parameters; StoreError from the store
 */
export async function listItems(
  store: StoreReader,
  params: ItemsParams,
  opts: { topics: ReadonlySet<string>; cursorKey: Buffer },
): Promise<{ items: ItemSummary[]; nextCursor: string | null }> {
  const { query, fingerprint } = parseItemsParams(params, opts);
  const page = await store.queryItems(query);
  return { items: page.items, nextCursor: page.last ? encodeCursor(opts.cursorKey, page.last, fingerprint) : null };
}
