import type { Context } from 'aws-lambda';
import { createAuthorizer, type AuthorizerEvent } from '../shared/api/auth.ts';
import { awsRuntime, instrumented, requireEnv } from './lib/aws.ts';

/**
 * API Gateway HTTP API Lambda authorizer (payload 2.0, simple responses): `Authorization: Bearer <token>` is
 * compared in constant time against the SHA-256 hashes in the Secrets Manager secret `API_TOKENS_SECRET_ARN`
 * (`{"tokenHashes":[…]}`; several hashes so one token can be rotated while the other works).
 */
let authorizer: ReturnType<typeof createAuthorizer> | undefined;

export const handler = async (event: AuthorizerEvent, context?: Context): Promise<{ isAuthorized: boolean }> => {
  const rt = awsRuntime();
  return instrumented(rt, context, async () => {
    authorizer ??= createAuthorizer({ secrets: rt.clients.secrets, secretId: requireEnv('API_TOKENS_SECRET_ARN') });
    const decision = await authorizer.authorize(event);
    // Never the token: only the decision, so refusals can be counted in Logs Insights.
    rt.logger.debug('authorizer decision', { isAuthorized: decision.isAuthorized });
    return decision;
  });
};
