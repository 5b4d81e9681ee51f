import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signing. Each POST carries:
 *
 * - `X-Wirewatch-Timestamp`: Unix time in seconds (decimal string) when the request was signed;
 * - `X-Wirewatch-Signature`: `v1=` + lower-case hex HMAC-SHA256 (RFC 2104, FIPS 180-4) keyed with the shared
 *   secret over the bytes `<timestamp>.<raw body>`;
 * - `X-Wirewatch-Idempotency-Key` (also sent as `Idempotency-Key`, and as the body's `id`): the alert key
 *   `<storyId>#<topicId>#<subscriptionId>` (a digest: `digest:<subscriptionId>:<hash of its alert keys>`) —
 *   identical for every re-delivery of the same alert, so receivers can drop duplicates.
 *
 * Receivers verify with `verifyWebhookSignature` (or the standalone snippet in README.md#alerts): recompute over the raw
 * body, compare in constant time, reject timestamps older than a tolerance (replay protection).
 */
export const SIGNATURE_HEADER = 'x-wirewatch-signature';
export const TIMESTAMP_HEADER = 'x-wirewatch-timestamp';
export const IDEMPOTENCY_HEADER = 'x-wirewatch-idempotency-key';

/**
 * Computes the signature header value.
 * @param secret the shared secret (UTF-8)
 * @param timestamp Unix seconds, as sent in `X-Wirewatch-Timestamp`
 * @param body the exact request body bytes
 * @returns `v1=<64 hex chars>`
 */
export function signWebhook(secret: string, timestamp: number | string, body: Buffer | string): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return `v1=${mac.digest('hex')}`;
}

/**
 * Verifies a received webhook (constant-time compare, RFC 2104 HMAC-SHA256).
 * @param input.toleranceSec max |now − timestamp| in seconds (default 300)
 * @param input.now current time (default `new Date()`)
 * @returns `true` only when the signature matches the raw body and the timestamp is fresh; never throws
 */
export function verifyWebhookSignature(input: {
  secret: string;
  body: Buffer | string;
  timestamp: string | undefined;
  signature: string | undefined;
  toleranceSec?: number;
  now?: Date;
}): boolean {
  const { secret, body, timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const nowSec = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSec - Number(timestamp)) > (input.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const got = Buffer.from(signature);
  return got.length === expected.length && timingSafeEqual(got, expected);
}
