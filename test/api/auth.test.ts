import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Store } from '../../shared/store/index.ts';
import {
  createApi,
  AuthError,
  TokenVerifier,
  bearerToken,
  createAuthorizer,
  cursorKeyFrom,
  decodeCursor,
  encodeCursor,
  hashToken,
  loadApiSecret,
  resolveLocalToken,
} from '../../shared/api/index.ts';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

describe('TokenVerifier', () => {
  it('accepts each configured token and nothing else', () => {
    const v = TokenVerifier.fromTokens(['alpha-token', 'beta-token']);
    expect(v.size).toBe(2);
    expect(v.verify('alpha-token')).toBe(true);
    expect(v.verify('beta-token')).toBe(true);
    expect(v.verify('alpha-token ')).toBe(false);
    expect(v.verify('alpha')).toBe(false);
    expect(v.verify('')).toBe(false);
    expect(v.verify(null)).toBe(false);
    expect(TokenVerifier.fromTokens([]).verify('anything')).toBe(false);
  });

  it('works from SHA-256 hashes and refuses malformed hashes', () => {
    expect(hashToken('abc')).toBe(sha('abc'));
    const v = TokenVerifier.fromHashes([sha('new-token'), sha('old-token').toUpperCase()]);
    expect(v.verify('new-token')).toBe(true);
    expect(v.verify('old-token')).toBe(true);
    expect(v.verify(sha('new-token'))).toBe(false); // the hash itself is not a token
    expect(() => TokenVerifier.fromHashes(['abc'])).toThrow(AuthError);
  });

  it('parses bearer headers per RFC 6750', () => {
    expect(bearerToken('Bearer abc.def-_~+/=')).toBe('abc.def-_~+/=');
    expect(bearerToken('bearer   xyz')).toBe('xyz');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken('Bearer pa$$word!')).toBe('pa$$word!');
    expect(bearerToken(undefined)).toBeNull();
    expect(TokenVerifier.fromTokens(['t0k']).verifyHeader('Bearer t0k')).toBe(true);
  });
});

describe('local token', () => {
  it('uses WIREWATCH_API_TOKEN when set, else generates a fresh one', () => {
    expect(resolveLocalToken({ WIREWATCH_API_TOKEN: ' my-token ' })).toEqual({ token: 'my-token', generated: false });
    const a = resolveLocalToken({});
    const b = resolveLocalToken({ WIREWATCH_API_TOKEN: '   ' });
    expect(a.generated).toBe(true);
    expect(b.generated).toBe(true);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
  });
});

describe('cursor', () => {
  it('round-trips, and refuses other keys, other queries and edits', () => {
    const key = cursorKeyFrom('a-long-enough-cursor-key');
    expect(cursorKeyFrom('a-long-enough-cursor-key').equals(key)).toBe(true);
    const c = encodeCursor(key, { pk: 'TOPIC#x', sk: '2026-11-01T00:00:00.000Z#i_1' }, 'fp1');
    expect(decodeCursor(key, c, 'fp1')).toEqual({ pk: 'TOPIC#x', sk: '2026-11-01T00:00:00.000Z#i_1' });
    expect(() => decodeCursor(key, c, 'fp2')).toThrow(/other filters/);
    expect(() => decodeCursor(cursorKeyFrom(undefined), c, 'fp1')).toThrow(/signature/);
    const forged =
      'v1.' +
      Buffer.from(JSON.stringify({ l: { pk: 'ITEM#secret', sk: 'ITEM' }, f: 'fp1' })).toString('base64url') +
      c.slice(c.lastIndexOf('.'));
    expect(() => decodeCursor(key, forged, 'fp1')).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
    expect(() => cursorKeyFrom('short')).toThrow(expect.objectContaining({ code: 'cursor_key_weak' }));
    expect(cursorKeyFrom(undefined).equals(cursorKeyFrom(undefined))).toBe(false);
  });
});

describe('Lambda authorizer core (Secrets Manager mocked)', () => {
  const secret = (hashes: string[], extra: Record<string, unknown> = {}) => ({
    SecretString: JSON.stringify({ tokenHashes: hashes, ...extra }),
  });

  it('authorizes tokens whose hash is in the secret, from identitySource or headers', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'wirewatch/api' }).resolves(secret([sha('tok-1'), sha('tok-2')]));
    const auth = createAuthorizer({
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      secretId: 'wirewatch/api',
    });
    expect(await auth.authorize({ identitySource: ['Bearer tok-1'] })).toEqual({ isAuthorized: true });
    expect(await auth.authorize({ headers: { authorization: 'Bearer tok-2' } })).toEqual({ isAuthorized: true });
    expect(await auth.authorize({ identitySource: ['Bearer tok-3'] })).toEqual({ isAuthorized: false });
    expect(await auth.authorize({})).toEqual({ isAuthorized: false });
    // Cached: one secret read for four checks.
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('picks up a rotated secret after the cache time and keeps the old hashes when a refresh fails', async () => {
    let now = 0;
    sm.on(GetSecretValueCommand)
      .resolvesOnce(secret([sha('old')]))
      .resolvesOnce(secret([sha('new')]))
      .rejects(new Error('throttled'));
    const auth = createAuthorizer({
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      secretId: 's',
      cacheMs: 1000,
      now: () => now,
    });
    expect((await auth.authorize({ identitySource: ['Bearer old'] })).isAuthorized).toBe(true);
    now = 1500;
    expect((await auth.authorize({ identitySource: ['Bearer old'] })).isAuthorized).toBe(false);
    expect((await auth.authorize({ identitySource: ['Bearer new'] })).isAuthorized).toBe(true);
    now = 3000;
    expect((await auth.authorize({ identitySource: ['Bearer new'] })).isAuthorized).toBe(true);
  });

  it('fails closed with a typed error when the secret is unreadable or malformed', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    sm.on(GetSecretValueCommand).rejects(new Error('AccessDenied'));
    await expect(
      createAuthorizer({ secrets: client, secretId: 's' }).authorize({ identitySource: ['Bearer x'] }),
    ).rejects.toMatchObject({
      code: 'secret_unavailable',
      retryable: true,
    });
    sm.reset();
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'not json' });
    await expect(loadApiSecret(client, 's')).rejects.toMatchObject({ code: 'secret_invalid' });
    sm.reset();
    sm.on(GetSecretValueCommand).resolves(secret(['zz']));
    await expect(loadApiSecret(client, 's')).rejects.toMatchObject({
      code: 'secret_invalid',
      message: expect.stringContaining('tokenHashes'),
    });
    sm.reset();
    const key = randomBytes(24).toString('base64url');
    sm.on(GetSecretValueCommand).resolves(secret([sha('a')], { cursorKey: key }));
    expect(await loadApiSecret(client, 's')).toEqual({ tokenHashes: [sha('a')], cursorKey: key });
  });
});

describe('API handler with tokens from the secret', () => {
  it('accepts a rotated token after the cache time and answers 503 when the secret cannot be read at all', async () => {
    let now = 0;
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ tokenHashes: [sha('first')] }) })
      .resolves({
        SecretString: JSON.stringify({ tokenHashes: [sha('first'), sha('second')] }),
      });
    // /openapi.json never reads the store, so the store's client is never used.
    const store = new Store({
      client: new DynamoDBClient({ region: 'local', endpoint: 'http://127.0.0.1:9' }),
      tableName: 'unused',
      retentionDays: 1,
    });
    const secrets = new SecretsManagerClient({ region: 'us-east-1' });
    const api = createApi({
      store,
      topics: [],
      cursorKey: randomBytes(32),
      tokens: createAuthorizer({ secrets, secretId: 's', cacheMs: 1000, now: () => now }),
    });
    const get = (token: string) =>
      api.handle({ method: 'GET', path: '/openapi.json', query: {}, headers: { authorization: `Bearer ${token}` } });
    expect((await get('first')).statusCode).toBe(200);
    expect((await get('second')).statusCode).toBe(401);
    now = 2000;
    expect((await get('second')).statusCode).toBe(200);

    sm.reset();
    sm.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException: arn:aws:secretsmanager:…'));
    const cold = createApi({
      store,
      topics: [],
      cursorKey: randomBytes(32),
      tokens: createAuthorizer({ secrets, secretId: 's' }),
    });
    const res = await cold.handle({
      method: 'GET',
      path: '/items',
      query: {},
      headers: { authorization: 'Bearer first' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toContain('arn:aws');
  });
});
