import { z } from 'zod';

/** A duration: `30s`, `15m`, `6h`, `1d` (seconds, minutes, hours, days), parsed to ms. */
const durationSchema = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, 'a duration like 30s, 15m, 6h or 1d')
  .transform(
    (s) =>
      Number.parseInt(s, 10) *
      { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[s.slice(-1) as 's' | 'm' | 'h' | 'd'],
  );

/**
 * `pages:` section of wirewatch.yaml — pages fetched again later (owned by shared/pipeline).
 * - `retry`: a page fetch that failed transiently (5xx, 408, 425, 429, timeout, connection refused or reset, DNS
 *   failure) is tried again after `backoff`, doubling per attempt up to `maxBackoff` (a `Retry-After` is honoured,
 *   capped at `maxBackoff`), at most `maxAttempts` fetches in all (the first included) and none later than
 *   `giveUpAfter` after the first failure; then the item keeps its feed text and shows the give-up. Defaults
 *   (8, 15m, 6h, 24h): retries at +15m, +45m, +1h45, +3h45, +7h45, +13h45 and +19h45 after the first failure.
 *   Permanent failures (404, 410 and other 4xx, SSRF refusals, unsupported content types) are not retried.
 * - `maxDuePerTick` (default 200): at most this many due retries and rechecks (`stories.recheck`) are enqueued by
 *   one scheduler tick, oldest due first; the rest wait for the next tick. 0 turns scheduled page fetches off.
 */
export const pagesConfigSchema = z
  .object({
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(20).default(8),
        backoff: durationSchema.default(15 * 60_000),
        maxBackoff: durationSchema.default(6 * 3_600_000),
        giveUpAfter: durationSchema.default(24 * 3_600_000),
      })
      .prefault({}),
    maxDuePerTick: z.number().int().min(0).max(1_000).default(200),
  })
  .prefault({});

/** The parsed `pages:` section (durations in ms). */
export type PagesConfig = z.infer<typeof pagesConfigSchema>;
