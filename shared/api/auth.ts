import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { WirewatchError } from '../errors.ts';

/*
 * API authentication: bearer tokens (RFC 6750) checked against SHA-256 hashes of the valid
 * tokens, in constant time. AWS: a Lambda authorizer reads the hashes from a Secrets Manager secret; locally
 * the token comes from `WIREWATCH_API_TOKEN` or is generated once when `serve` starts.
 */

/** Thrown when the token secret cannot be read (`secret_unavailable`, retryable) or is malformed (`secret_invalid`). */
export class AuthError extends WirewatchError {
  constructor(
    code: 'secret_unavailable' | 'secret_invalid',
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.name = 'AuthError';
  }
}

/** Lower-case hex SHA-256 of a token (UTF-8). What the secret stores instead of the token itself. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; scheme case-insensitive, one or
 * more spaces), or null when the header is absent, of another scheme, or the token is empty. Lenient about the
 * token's characters (any visible ASCII, not only RFC 6750 `b64token`), so a hand-picked
 * `WIREWATCH_API_TOKEN` with e.g. `!` still works; whitespace inside a token is refused.
 */
export function bearerToken(authorization: string | undefined | null): string | null {
  if (!authorization) return null;
  const m = /^\s*bearer +([\x21-\x7e]+)\s*$/i.exec(authorization);
  return m ? m[1]! : null;
}

/**
 * Checks presented tokens against a set of SHA-256 token hashes. Holds several hashes so a token can be
 * rotated (add the new one, move clients, remove the old one). The presented token is hashed and compared
 * with *every* hash using `crypto.timingSafeEqual` (no early exit), so timing reveals neither which hash
 * matched nor how much of it.
 */
export class TokenVerifier {
  private readonly hashes: Buffer[];

  private constructor(hashes: Buffer[]) {
    this.hashes = hashes;
  }

  /** A verifier for plain tokens (hashed here). Empty tokens are ignored. */
  static fromTokens(tokens: string[]): TokenVerifier {
    return new TokenVerifier(tokens.filter((t) => t.length > 0).map((t) => Buffer.from(hashToken(t), 'hex')));
  }

  /**
   * A verifier for hex SHA-256 hashes (as kept in the secret).
   * @throws AuthError `secret_invalid` when a hash is not 64 hex characters
   */
  static fromHashes(hashes: string[]): TokenVerifier {
    return new TokenVerifier(
      hashes.map((h, i) => {
        if (!/^[0-9a-fA-F]{64}$/.test(h))
          throw new AuthError('secret_invalid', `token hash #${i} is not 64 hex characters (sha256)`);
        return Buffer.from(h, 'hex');
      }),
    );
  }

  /** Number of accepted tokens. */
  get size(): number {
    return this.hashes.length;
  }

  /** True when `token` is one of the accepted tokens. Null/empty → false. */
  verify(token: string | null | undefined): boolean {
    if (!token) return false;
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let ok = false;
    for (const h of this.hashes) ok = timingSafeEqual(presented, h) || ok;
    return ok;
  }

  /** `verify(bearerToken(authorization))`. */
  verifyHeader(authorization: string | undefined | null): boolean {
    return this.verify(bearerToken(authorization));
  }
}

/**
 * The local token rule: `WIREWATCH_API_TOKEN` when set and non-blank (trimmed), else a fresh
 * random token (32 bytes, base64url) that the caller prints once. Call once per `serve` start.
 * @returns the token and whether it was generated
 */
export function resolveLocalToken(env: Record<string, string | undefined>): { token: string; generated: boolean } {
  const given = env.WIREWATCH_API_TOKEN?.trim();
  if (given) return { token: given, generated: false };
  return { token: randomBytes(32).toString('base64url'), generated: true };
}

/** The JSON kept in the API secret (Secrets Manager `SecretString`). */
export const apiSecretSchema = z.object({
  /** Hex SHA-256 of each accepted token (`hashToken`). At least one. */
  tokenHashes: z.array(z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a hex sha256')).min(1),
  /** HMAC key for cursors (any string of ≥ 16 chars); optional. */
  cursorKey: z.string().min(16).optional(),
});

/** Parsed API secret. */
export type ApiSecret = z.infer<typeof apiSecretSchema>;

/**
 * Reads and validates the API secret: `{"tokenHashes":["<sha256 hex>",…],"cursorKey":"…"}`
 * (AWS Secrets Manager API reference, GetSecretValue; only `SecretString` is read).
 * @throws AuthError `secret_unavailable` (retryable) when Secrets Manager fails; `secret_invalid` when the JSON is wrong
 */
export async function loadApiSecret(client: SecretsManagerClient, secretId: string): Promise<ApiSecret> {
  let text: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    text = out.SecretString;
  } catch (err) {
    throw new AuthError('secret_unavailable', `cannot read API secret ${secretId}: ${(err as Error).name ?? 'Error'}`, {
      retryable: true,
      cause: err,
    });
  }
  if (!text) throw new AuthError('secret_invalid', `API secret ${secretId} has no SecretString`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AuthError('secret_invalid', `API secret ${secretId} is not JSON`, { cause: err });
  }
  const parsed = apiSecretSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AuthError(
      'secret_invalid',
      `API secret ${secretId}: ${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** The parts of an API Gateway HTTP API (payload 2.0) Lambda authorizer event the authorizer reads. */
export interface AuthorizerEvent {
  /** Values of the identity sources, e.g. `["Bearer abc"]` for `$request.header.Authorization`. */
  identitySource?: string[] | null;
  /** Request headers (API Gateway lower-cases names in payload 2.0). */
  headers?: Record<string, string | undefined> | null;
}

/**
 * The core of the Lambda authorizer (API Gateway HTTP API, payload format 2.0 with simple responses —
 * AWS API Gateway developer guide, "Working with AWS Lambda authorizers for HTTP APIs"). Token hashes come
 * from the Secrets Manager secret `secretId`, cached for `cacheMs` (default 300 000 ms) so rotation takes
 * effect within that time; when a refresh fails, the previous hashes stay in use.
 * @returns `authorize(event) → {isAuthorized}`; `verifier()` for handlers that check tokens themselves
 * @throws (from authorize) AuthError when the secret cannot be read and nothing is cached — fail closed
 */
export function createAuthorizer(opts: {
  secrets: SecretsManagerClient;
  secretId: string;
  cacheMs?: number;
  now?: () => number;
}): {
  authorize(event: AuthorizerEvent): Promise<{ isAuthorized: boolean }>;
  verifier(): Promise<TokenVerifier>;
} {
  const cacheMs = opts.cacheMs ?? 300_000;
  const now = opts.now ?? Date.now;
  let cached: { verifier: TokenVerifier; at: number } | null = null;
  const verifier = async (): Promise<TokenVerifier> => {
    if (cached && now() - cached.at < cacheMs) return cached.verifier;
    try {
      const secret = await loadApiSecret(opts.secrets, opts.secretId);
      cached = { verifier: TokenVerifier.fromHashes(secret.tokenHashes), at: now() };
    } catch (err) {
      if (!cached) throw err;
    }
    return cached.verifier;
  };
  return {
    verifier,
    async authorize(event) {
      const header = event.identitySource?.[0] ?? event.headers?.authorization ?? null;
      const token = bearerToken(header);
      if (!token) return { isAuthorized: false };
      return { isAuthorized: (await verifier()).verify(token) };
    },
  };
}
