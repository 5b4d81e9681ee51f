import { InputError, WirewatchError } from '../errors.ts';
import type { StoreReader } from '../store/index.ts';
import type { FeedSource, FeedState } from '../types.ts';
import { feedTiming } from '../feeds/interval.ts';
import { silentLogger, type Logger } from '../log.ts';
import { TokenVerifier } from './auth.ts';
import { getItemDetail } from './item-detail.ts';
import { ITEMS_PARAMS, listItems, type ItemsParams } from './items-query.ts';
import { STORIES_PARAMS, checkStoryId, listStories, type StoriesParams } from './stories-query.ts';
import { checkQuery, parseRawQuery, shownName } from './query.ts';
import { ROUTES, buildOpenApi, matchRoute } from './routes.ts';
import type { FeedHealth } from './schemas.ts';
import { listAlerts, type AlertLog } from './alerts-query.ts';
import { DASHBOARD_SECURITY_HEADERS, dashboardTarget, type DashboardAssets } from './dashboard.ts';
import { topicTimeline, type ApiTopic } from './timeline.ts';

/**
 * A framework-free HTTP request: what API Gateway (HTTP API, payload 2.0) and the local node:http server
 * both reduce to. Header names lower-case; one value per query parameter.
 */
export interface ApiRequest {
  method: string;
  /** Path without query string, e.g. `/items/i_0123…`. */
  path: string;
  /** Decoded query parameters; ignored when `rawQuery` is given. */
  query: Record<string, string | undefined>;
  /**
   * The query string as received (without `?`, still percent-encoded). When given, the handler reads the
   * parameters from it (`parseRawQuery`: a repeated parameter or bytes that are not UTF-8 are a 400).
   */
  rawQuery?: string;
  headers: Record<string, string | undefined>;
}

/** The response: `body` is JSON text (UTF-8). */
export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Dependencies of the API. */
export interface ApiDeps {
  store: StoreReader;
  /**
   * Configured topics (`GET /topics` lists them; `?topic=` must be one of them). `rule` and `threshold`, when given,
   * are shown by `GET /topics/{id}/timeline`.
   */
  topics: ApiTopic[];
  /** HMAC key for cursors (`cursorKeyFrom`). */
  cursorKey: Buffer;
  /**
   * Accepted tokens: a fixed verifier, or a source refreshed on demand (e.g. `createAuthorizer(...)`, whose
   * `verifier()` re-reads the Secrets Manager secret every 5 min, so rotated tokens work without a cold start).
   */
  tokens: TokenVerifier | { verifier(): Promise<TokenVerifier> };
  /** Configured feeds: `GET /feeds` lists them even before their first poll. Optional. */
  feeds?: FeedSource[];
  /** Alert records (`AlertRepo` of shared/alerts/records.ts) for `GET /alerts`; without it the route lists none. */
  alerts?: AlertLog;
  /** The web dashboard's files, served at `/` and `/assets/<file>` without a token; without it those are 404. */
  dashboard?: DashboardAssets;
  now?: () => Date;
  logger?: Logger;
}

const baseHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const json = (statusCode: number, value: unknown, extra: Record<string, string> = {}): ApiResponse => ({
  statusCode,
  headers: { ...baseHeaders, ...extra },
  body: JSON.stringify(value),
});

const error = (statusCode: number, code: string, message: string, extra: Record<string, string> = {}): ApiResponse =>
  json(statusCode, { error: { code, message } }, extra);

/**
 * The feed health rows of `GET /feeds` and `wirewatch feeds --json`: configured feeds first (in config
 * order, with empty health before their first poll), then stored states of feeds no longer configured. Each row
 * carries the feed's interval and its timing at `now` (`feedTiming`: overdue, silent for longer than its rhythm).
 */
export function feedHealth(states: FeedState[], configured: FeedSource[] = [], now: Date = new Date()): FeedHealth[] {
  const byId = new Map(states.map((s) => [s.feedId, s] as const));
  const feeds = new Map(configured.map((f) => [f.id, f] as const));
  const row = (id: string, url: string, name: string | null, s: FeedState | undefined): FeedHealth => ({
    id,
    url: s?.url ?? url,
    name: s?.name ?? name,
    status: s?.status ?? null,
    consecutiveFailures: s?.consecutiveFailures ?? 0,
    lastSuccessAt: s?.lastSuccessAt ?? null,
    lastNewEntryAt: s?.lastNewEntryAt ?? null,
    nextPollAt: s?.nextPollAt ?? null,
    lastError: s?.lastError ?? null,
    etag: s?.etag ?? null,
    lastModified: s?.lastModified ?? null,
    ...feedTiming(feeds.get(id), s, now.getTime()),
  });
  const out = configured.map((f) => row(f.id, f.url, f.name, byId.get(f.id)));
  const seen = new Set(configured.map((f) => f.id));
  for (const s of states) if (!seen.has(s.feedId)) out.push(row(s.feedId, s.url, s.name, s));
  return out;
}

/**
 * Creates the API handler, used unchanged by the Lambda (API Gateway HTTP API) and by the
 * local server. Routes (GET only): `/items`, `/items/{id}`, `/stories`, `/stories/{id}`, `/topics`,
 * `/topics/{id}/timeline`, `/feeds`, `/alerts`, `/openapi.json`, `/healthz`; with `dashboard`, also `/` and
 * `/assets/<file>` (static, no token).
 * Every route but `/healthz` needs `Authorization: Bearer <token>` (401 otherwise, before routing, so
 * anonymous callers learn nothing). Bad parameters → 400 `{"error":{"code","message"}}` naming the
 * parameter; unknown routes → 404; other methods → 405; store outages → 503; anything else → 500 with no
 * internals. `handle` never throws.
 */
export function createApi(deps: ApiDeps): { handle(req: ApiRequest): Promise<ApiResponse> } {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger ?? silentLogger;
  const topicIds = new Set(deps.topics.map((t) => t.id));
  const openapi = JSON.stringify(buildOpenApi());

  const rejectUnknownParams = (query: Record<string, string | undefined>, allowed: readonly string[]) => {
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && !allowed.includes(k)) {
        throw new InputError(
          'unknown_parameter',
          `parameter ${shownName(k)}: not accepted here${allowed.length ? ` (accepted: ${allowed.join(', ')})` : ''}`,
        );
      }
    }
  };

  const dispatch = async (req: ApiRequest): Promise<ApiResponse> => {
    const method = req.method.toUpperCase();
    // The dashboard's static files: no token (they hold no data), strict security headers.
    const target = deps.dashboard ? dashboardTarget(req.path) : null;
    if (target && deps.dashboard) return serveDashboard(deps.dashboard, target, method);
    const match = matchRoute(req.path);
    if (match?.route.operationId === 'health') {
      if (method !== 'GET' && method !== 'HEAD')
        return error(405, 'method_not_allowed', `method ${method} not allowed on ${match.route.path}`, {
          allow: 'GET',
        });
      return json(200, { ok: true });
    }
    const verifier = deps.tokens instanceof TokenVerifier ? deps.tokens : await deps.tokens.verifier();
    if (!verifier.verifyHeader(req.headers.authorization)) {
      const presented = req.headers.authorization !== undefined;
      return error(
        401,
        'unauthorized',
        presented ? 'the bearer token is not valid' : 'missing Authorization: Bearer <token>',
        {
          'www-authenticate': presented
            ? 'Bearer realm="wirewatch", error="invalid_token"'
            : 'Bearer realm="wirewatch"',
        },
      );
    }
    if (!match) return error(404, 'not_found', `no route ${req.path.slice(0, 200)}`);
    if (method !== 'GET')
      return error(405, 'method_not_allowed', `method ${method.slice(0, 16)} not allowed on ${match.route.path}`, {
        allow: 'GET',
      });
    const { route, pathParams } = match;
    // Every parameter distinct, well-formed and within limits before any route looks at it.
    const query = req.rawQuery !== undefined ? parseRawQuery(req.rawQuery) : checkQuery(req.query);
    switch (route.operationId) {
      case 'listItems': {
        rejectUnknownParams(query, ITEMS_PARAMS);
        const params: ItemsParams = {};
        for (const k of ITEMS_PARAMS) params[k] = query[k];
        return json(200, await listItems(deps.store, params, { topics: topicIds, cursorKey: deps.cursorKey }));
      }
      case 'getItem': {
        rejectUnknownParams(query, []);
        const id = pathParams.id ?? '';
        if (!/^i_[0-9a-f]{24}$/.test(id))
          throw new InputError('invalid_parameter', 'parameter id: must be i_ followed by 24 lower-case hex digits');
        const item = await getItemDetail(deps.store, id);
        return item ? json(200, item) : error(404, 'not_found', `no item ${id}`);
      }
      case 'listStories': {
        rejectUnknownParams(query, STORIES_PARAMS);
        const params: StoriesParams = {};
        for (const k of STORIES_PARAMS) params[k] = query[k];
        return json(200, await listStories(deps.store, params, { topics: topicIds, cursorKey: deps.cursorKey }));
      }
      case 'getStory': {
        rejectUnknownParams(query, []);
        const id = checkStoryId(pathParams.id ?? '');
        const story = await deps.store.getStory(id);
        return story ? json(200, story) : error(404, 'not_found', `no story ${id}`);
      }
      case 'listTopics': {
        rejectUnknownParams(query, []);
        const t = now().getTime();
        const bounds = [new Date(t - 86_400_000).toISOString(), new Date(t - 7 * 86_400_000).toISOString()];
        const topics = await Promise.all(
          deps.topics.map(async (topic) => {
            const [last24h = 0, last7d = 0] = await deps.store.countTopicItems(topic.id, bounds);
            return { id: topic.id, name: topic.name, counts: { last24h, last7d } };
          }),
        );
        return json(200, { topics });
      }
      case 'topicTimeline': {
        const timeline = await topicTimeline(deps.store, deps.topics, pathParams.id ?? '', query, now());
        return timeline
          ? json(200, timeline)
          : error(404, 'not_found', `no topic ${(pathParams.id ?? '').slice(0, 64)}`);
      }
      case 'listAlerts':
        return json(200, await listAlerts(deps.alerts, query, deps.cursorKey));
      case 'listFeeds': {
        rejectUnknownParams(query, []);
        return json(200, { feeds: feedHealth(await deps.store.listFeedStates(), deps.feeds, now()) });
      }
      case 'getOpenApi':
        rejectUnknownParams(query, []);
        return { statusCode: 200, headers: { ...baseHeaders }, body: openapi };
      default:
        return error(404, 'not_found', `no route ${req.path.slice(0, 200)}`);
    }
  };

  return {
    async handle(req) {
      try {
        return await dispatch(req);
      } catch (err) {
        if (err instanceof InputError) return error(400, err.code, err.message);
        if (err instanceof WirewatchError && err.retryable) {
          log.warn('api store unavailable', { errorCode: err.code, path: req.path });
          return error(503, 'unavailable', 'the store is temporarily unavailable; retry', { 'retry-after': '1' });
        }
        log.error('api request failed', {
          errorCode: err instanceof WirewatchError ? err.code : 'internal',
          path: req.path,
          error: err instanceof Error ? err.message : String(err),
        });
        return error(500, 'internal', 'internal error');
      }
    },
  };
}

/**
 * Answers a dashboard path: the page or an asset, for GET and HEAD; 404 (JSON, like every API error) for an asset
 * that does not exist or a dashboard that was not built; 405 for other methods.
 */
async function serveDashboard(
  assets: DashboardAssets,
  target: NonNullable<ReturnType<typeof dashboardTarget>>,
  method: string,
): Promise<ApiResponse> {
  const secure = { ...DASHBOARD_SECURITY_HEADERS };
  if (method !== 'GET' && method !== 'HEAD')
    return error(405, 'method_not_allowed', `method ${method.slice(0, 16)} not allowed here`, {
      ...secure,
      allow: 'GET, HEAD',
    });
  const file = target.kind === 'page' ? await assets.page() : await assets.asset(target.name);
  if (!file)
    return error(
      404,
      'not_found',
      target.kind === 'page' ? 'the dashboard is not built into this deployment' : 'no such dashboard file',
      secure,
    );
  return {
    statusCode: 200,
    headers: {
      ...secure,
      'content-type': file.contentType,
      // Asset names carry a content hash, so they never change; the page names the current ones.
      'cache-control': target.kind === 'page' ? 'no-cache' : 'public, max-age=31536000, immutable',
    },
    body: method === 'HEAD' ? '' : file.body,
  };
}

/** The routes' paths, as documented (for tests and docs). */
export const ROUTE_PATHS = ROUTES.map((r) => r.path);

/** The parts of an API Gateway HTTP API (payload format 2.0) request event the adapter reads. */
export interface HttpApiEventV2 {
  rawPath?: string;
  /** The query string as received, percent-encoded (payload 2.0). */
  rawQueryString?: string;
  requestContext: { http: { method: string; path?: string } };
  queryStringParameters?: Record<string, string | undefined> | null;
  headers?: Record<string, string | undefined> | null;
}

/**
 * Converts an API Gateway HTTP API payload-2.0 event into an `ApiRequest` (AWS API Gateway developer guide,
 * "Working with AWS Lambda proxy integrations for HTTP APIs"). Header names are lower-cased. The raw query string
 * is passed on when the event has one, so repeated parameters (which `queryStringParameters` joins with commas)
 * and encodings that are not UTF-8 are refused the same way as locally.
 */
export function apiRequestFromHttpApiEvent(event: HttpApiEventV2): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath ?? event.requestContext.http.path ?? '/',
    query: { ...(event.queryStringParameters ?? {}) },
    ...(typeof event.rawQueryString === 'string' ? { rawQuery: event.rawQueryString } : {}),
    headers,
  };
}
