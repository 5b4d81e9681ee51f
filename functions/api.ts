import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { loadConfig } from '../shared/config/load.ts';
import {
  apiRequestFromHttpApiEvent,
  createApi,
  cursorKeyFrom,
  type ApiRequest,
  type ApiResponse,
} from '../shared/api/index.ts';
import { createAuthorizer, loadApiSecret } from '../shared/api/auth.ts';
import { Store } from '../shared/store/index.ts';
import { AlertRepo } from '../shared/alerts/records.ts';
import { dashboardFromDir } from '../shared/api/dashboard.ts';
import { awsRuntime, instrumented, loadSecretsIntoEnv, powertoolsLogger, requireEnv } from './lib/aws.ts';

/**
 * API Gateway HTTP API (payload 2.0) → the same API handler the local server uses (`shared/api`).
 * The route-level Lambda authorizer already checked the bearer token; the handler checks it again against the
 * same secret (defence in depth, and `/healthz` stays open). Deliberately does not import the pipeline, so the
 * bundle stays small and cold starts fast.
 */
export function createApiHandler(api: () => Promise<{ handle(req: ApiRequest): Promise<ApiResponse> }>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const res = await (await api()).handle(apiRequestFromHttpApiEvent(event));
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  };
}

let built: Promise<{ handle(req: ApiRequest): Promise<ApiResponse> }> | undefined;

/**
 * Builds the API from the environment (TABLE_NAME, API_TOKENS_SECRET_ARN, WIREWATCH_CONFIG, optional
 * WIREWATCH_DASHBOARD_DIR) with the container's shared AWS runtime: the same SDK clients and retry policy as every other function.
 */
async function buildFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const { clients, logger: ptLogger } = awsRuntime(env);
  const secrets = clients.secrets;
  // The stack passes the cursor key secret through WIREWATCH_SECRETS (into env[api.cursorKeyEnv]).
  await loadSecretsIntoEnv(env.WIREWATCH_SECRETS, secrets, env);
  const logger = powertoolsLogger(ptLogger);
  const config = await loadConfig(env.WIREWATCH_CONFIG ?? 'wirewatch.yaml');
  // Every container must share the cursor HMAC key, or cursors break between them: it comes from the API
  // secret's `cursorKey`, else from the secret loaded above. Token hashes are re-read every 5 minutes
  // (createAuthorizer's cache), so a rotated token works without a new container.
  const secretId = requireEnv('API_TOKENS_SECRET_ARN', env);
  const secret = await loadApiSecret(secrets, secretId);
  const store = new Store({
    client: clients.dynamo,
    tableName: requireEnv('TABLE_NAME', env),
    retentionDays: config.store.retentionDays,
  });
  return createApi({
    store,
    topics: config.topics.map((t) => ({ id: t.id, name: t.name, rule: t.rule, threshold: t.threshold })),
    alerts: new AlertRepo(store.table),
    // Built into the bundle next to index.mjs by CDK bundling (web/build.mjs: /var/task/web); read at the first
    // dashboard request, not at cold start.
    dashboard: dashboardFromDir(env.WIREWATCH_DASHBOARD_DIR ?? fileURLToPath(new URL('web/', import.meta.url))),
    feeds: config.feeds,
    cursorKey: cursorKeyFrom(secret.cursorKey ?? env[config.api.cursorKeyEnv]),
    tokens: createAuthorizer({ secrets, secretId }),
    logger,
  });
}

const apiHandler = createApiHandler(() => {
  built ??= buildFromEnv();
  built.catch(() => {
    built = undefined;
  });
  return built;
});

/** The Lambda entry: `apiHandler` with the Powertools conventions (`instrumented`). */
export const handler = (event: APIGatewayProxyEventV2, context?: Context) =>
  instrumented(awsRuntime(), context, () => apiHandler(event));
