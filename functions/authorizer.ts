import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAuthorizer, type AuthorizerEvent } from '../shared/api/auth.ts';
import { requireEnv } from './lib/aws.ts';

/**
 * API Gateway HTTP API Lambda authorizer (payload 2.0, simple responses): `Authorization: Bearer <token>` is
 * compared in constant time against the SHA-256 hashes in the Secrets Manager secret `API_TOKENS_SECRET_ARN`
 * (`{"tokenHashes":[…]}`; several hashes so one token can be rotated while the other works).
 */
let authorizer: ReturnType<typeof createAuthorizer> | undefined;

export const handler = async (event: AuthorizerEvent): Promise<{ isAuthorized: boolean }> => {
  authorizer ??= createAuthorizer({
    secrets: new SecretsManagerClient({}),
    secretId: requireEnv('API_TOKENS_SECRET_ARN'),
  });
  return authorizer.authorize(event);
};
