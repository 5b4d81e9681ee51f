import { z } from 'zod';
import {
  alertsPageSchema,
  errorSchema,
  feedsResponseSchema,
  healthSchema,
  itemsPageSchema,
  openApiDocSchema,
  storiesPageSchema,
  storyDetailSchema,
  itemDetailSchema,
  topicTimelineSchema,
  topicsResponseSchema,
} from './schemas.ts';
import { DEFAULT_LIMIT, MAX_LIMIT, MAX_Q_CHARS } from './items-query.ts';

/*
 * The route table of the API: the handler routes with it and the OpenAPI document is generated from it,
 * so the two cannot drift (a test also checks both against real responses).
 */

/** A documented query or path parameter. */
export interface RouteParam {
  name: string;
  in: 'query' | 'path';
  description: string;
  schema: Record<string, unknown>;
}

/** One route: GET only (the API is read-only). */
export interface Route {
  /** OpenAPI path template, e.g. `/items/{id}`. */
  path: string;
  operationId:
    | 'listItems'
    | 'getItem'
    | 'listStories'
    | 'getStory'
    | 'listTopics'
    | 'topicTimeline'
    | 'listFeeds'
    | 'listAlerts'
    | 'getOpenApi'
    | 'health';
  summary: string;
  /** False only for `/healthz`. */
  auth: boolean;
  params: RouteParam[];
  /** Success (200) body schema; the component name is `schemaName`. */
  schema: z.ZodType;
  schemaName: string;
  /** Error statuses this route can answer besides 401 (auth) and 500/503. */
  errors: number[];
}

const isoParam = {
  type: 'string',
  description: 'ISO-8601 date (UTC midnight; for `until` the end of that day) or date-time with zone',
};

/** Every route of the API, in documentation order. */
export const ROUTES: readonly Route[] = [
  {
    path: '/items',
    operationId: 'listItems',
    summary: 'List items, newest first (by publishedAt, else firstSeenAt)',
    auth: true,
    params: [
      {
        name: 'topic',
        in: 'query',
        description: 'Only items tagged with this configured topic id',
        schema: { type: 'string' },
      },
      {
        name: 'feed',
        in: 'query',
        description: 'Only items from this feed id',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
      },
      { name: 'since', in: 'query', description: 'Inclusive lower bound on the sort time', schema: isoParam },
      { name: 'until', in: 'query', description: 'Inclusive upper bound on the sort time', schema: isoParam },
      {
        name: 'q',
        in: 'query',
        description: 'Case-insensitive substring of the title',
        schema: { type: 'string', minLength: 1, maxLength: MAX_Q_CHARS },
      },
      {
        name: 'limit',
        in: 'query',
        description: 'Page size',
        schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
      },
      {
        name: 'cursor',
        in: 'query',
        description: '`nextCursor` of the previous page (same filters)',
        schema: { type: 'string' },
      },
    ],
    schema: itemsPageSchema,
    schemaName: 'ItemsPage',
    errors: [400],
  },
  {
    path: '/items/{id}',
    operationId: 'getItem',
    summary: 'One item in full: text, urls, topics with evidence, page fetch state (retries, rechecks)',
    auth: true,
    params: [
      { name: 'id', in: 'path', description: 'Item id', schema: { type: 'string', pattern: '^i_[0-9a-f]{24}$' } },
    ],
    schema: itemDetailSchema,
    schemaName: 'Item',
    errors: [400, 404],
  },
  {
    path: '/stories',
    operationId: 'listStories',
    summary: 'List stories (one per wire report, with its copies and versions), newest activity first',
    auth: true,
    params: [
      {
        name: 'topic',
        in: 'query',
        description: 'Only stories tagged with this configured topic id',
        schema: { type: 'string' },
      },
      {
        name: 'feed',
        in: 'query',
        description: 'Only stories carried by this feed id',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
      },
      { name: 'since', in: 'query', description: 'Inclusive lower bound on the last activity', schema: isoParam },
      { name: 'until', in: 'query', description: 'Inclusive upper bound on the last activity', schema: isoParam },
      {
        name: 'limit',
        in: 'query',
        description: 'Page size',
        schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
      },
      {
        name: 'cursor',
        in: 'query',
        description: '`nextCursor` of the previous page (same filters)',
        schema: { type: 'string' },
      },
    ],
    schema: storiesPageSchema,
    schemaName: 'StoriesPage',
    errors: [400],
  },
  {
    path: '/stories/{id}',
    operationId: 'getStory',
    summary: 'One story in full: lineage (outlets, what each changed), versions with diffs, topics with evidence',
    auth: true,
    params: [
      {
        name: 'id',
        in: 'path',
        description: 'Story id (a merged story answers with the story it joined)',
        schema: { type: 'string', pattern: '^i_[0-9a-f]{24}$' },
      },
    ],
    schema: storyDetailSchema,
    schemaName: 'Story',
    errors: [400, 404],
  },
  {
    path: '/topics',
    operationId: 'listTopics',
    summary: 'Configured topics with item counts for the last 24 h and 7 days',
    auth: true,
    params: [],
    schema: topicsResponseSchema,
    schemaName: 'Topics',
    errors: [400],
  },
  {
    path: '/topics/{id}/timeline',
    operationId: 'topicTimeline',
    summary:
      'Matches of a topic per UTC hour or day over the last 7 or 30 days (one bounded Query on the topic index rows)',
    auth: true,
    params: [
      {
        name: 'id',
        in: 'path',
        description: 'A configured topic id',
        schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
      },
      {
        name: 'bucket',
        in: 'query',
        description: 'Bucket size',
        schema: { type: 'string', enum: ['hour', 'day'], default: 'day' },
      },
      {
        name: 'days',
        in: 'query',
        description: 'Window, days back from now',
        schema: { type: 'string', enum: ['7', '30'], default: '7' },
      },
    ],
    schema: topicTimelineSchema,
    schemaName: 'TopicTimeline',
    errors: [400, 404],
  },
  {
    path: '/feeds',
    operationId: 'listFeeds',
    summary: 'Feed health',
    auth: true,
    params: [],
    schema: feedsResponseSchema,
    schemaName: 'Feeds',
    errors: [400],
  },
  {
    path: '/alerts',
    operationId: 'listAlerts',
    summary: 'Recent alert deliveries per subscription and channel, newest first, with status and reason',
    auth: true,
    params: [
      {
        name: 'status',
        in: 'query',
        description: 'Only this status (`failed` = parked or failed for good; see `parked`)',
        schema: { type: 'string', enum: ['pending', 'sent', 'failed', 'deferred', 'suppressed'] },
      },
      {
        name: 'limit',
        in: 'query',
        description: 'Page size',
        schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
      },
      {
        name: 'cursor',
        in: 'query',
        description: '`nextCursor` of the previous page (same status)',
        schema: { type: 'string' },
      },
    ],
    schema: alertsPageSchema,
    schemaName: 'AlertsPage',
    errors: [400],
  },
  {
    path: '/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This OpenAPI 3.1 document',
    auth: true,
    params: [],
    schema: openApiDocSchema,
    schemaName: 'OpenApiDocument',
    errors: [400],
  },
  {
    path: '/healthz',
    operationId: 'health',
    summary: 'Liveness (no authentication)',
    auth: false,
    params: [],
    schema: healthSchema,
    schemaName: 'Health',
    errors: [400],
  },
];

/** A matched route and its path parameters. */
export interface RouteMatch {
  route: Route;
  pathParams: Record<string, string>;
}

const compiled = ROUTES.map((route) => ({
  route,
  names: [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
  re: new RegExp(`^${route.path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '([^/]+)')}$`),
}));

/** Finds the route for a path (trailing slash ignored), or null. Path parameters are percent-decoded. */
export function matchRoute(path: string): RouteMatch | null {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  for (const c of compiled) {
    const m = c.re.exec(p);
    if (!m) continue;
    const pathParams: Record<string, string> = {};
    c.names.forEach((n, i) => {
      let v = m[i + 1]!;
      try {
        v = decodeURIComponent(v);
      } catch {
        /* keep raw: validation rejects it */
      }
      pathParams[n] = v;
    });
    return { route: c.route, pathParams };
  }
  return null;
}

const statusText: Record<number, string> = {
  400: 'Invalid parameter (the message names it)',
  401: 'Missing or wrong bearer token',
  404: 'Not found',
  500: 'Internal error (no details)',
  503: 'Store temporarily unavailable; retry',
};

/** JSON Schema (draft 2020-12) of a zod schema, without `$schema` (OpenAPI 3.1 Schema Object). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }) as Record<
    string,
    unknown
  >;
  return rest;
}

/**
 * The OpenAPI 3.1.0 document of the API (OpenAPI Specification 3.1.0), generated from `ROUTES` and the zod
 * response schemas. Bearer auth (`http`/`bearer`) is required on every route but `/healthz`.
 * @param serverUrl optional `servers[0].url`
 */
export function buildOpenApi(serverUrl?: string): Record<string, unknown> {
  const schemas: Record<string, unknown> = { Error: jsonSchemaOf(errorSchema) };
  const paths: Record<string, unknown> = {};
  for (const r of ROUTES) {
    schemas[r.schemaName] = jsonSchemaOf(r.schema);
    const responses: Record<string, unknown> = {
      '200': {
        description: 'OK',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${r.schemaName}` } } },
      },
    };
    const errs = [...new Set([...r.errors, ...(r.auth ? [401] : []), 500, 503])].sort((a, b) => a - b);
    for (const s of errs) {
      responses[String(s)] = {
        description: statusText[s] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[r.path] = {
      get: {
        operationId: r.operationId,
        summary: r.summary,
        ...(r.auth ? {} : { security: [] }),
        ...(r.params.length > 0
          ? {
              parameters: r.params.map((p) => ({
                name: p.name,
                in: p.in,
                required: p.in === 'path',
                description: p.description,
                schema: p.schema,
              })),
            }
          : {}),
        responses,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'wirewatch API',
      version: '1',
      description: 'Read-only query API over the items wirewatch stored. Errors: {"error":{"code","message"}}.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }],
    paths,
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}
