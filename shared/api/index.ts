/**
 * shared/api — the framework-free HTTP API of wirewatch: handler, auth, cursors, OpenAPI.
 * Documented in README.md#http-api.
 */
export {
  createApi,
  feedHealth,
  apiRequestFromHttpApiEvent,
  ROUTE_PATHS,
  type ApiRequest,
  type ApiResponse,
  type ApiDeps,
  type HttpApiEventV2,
} from './handler.ts';
export {
  TokenVerifier,
  AuthError,
  hashToken,
  bearerToken,
  resolveLocalToken,
  loadApiSecret,
  createAuthorizer,
  apiSecretSchema,
  type ApiSecret,
  type AuthorizerEvent,
} from './auth.ts';
export { cursorKeyFrom, encodeCursor, decodeCursor, queryFingerprint } from './cursor.ts';
export {
  listItems,
  parseItemsParams,
  parseIsoParam,
  ITEMS_PARAMS,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  type ItemsParams,
} from './items-query.ts';
export { ROUTES, buildOpenApi, matchRoute, type Route } from './routes.ts';
export { fetchStateOf, getItemDetail } from './item-detail.ts';
export type { FeedHealth } from './schemas.ts';
