import { z } from 'zod';

/** A duration: `90m`, `1h`, `6h`, `1d` (minutes, hours, days). */
const durationSchema = z
  .string()
  .regex(/^\d+(m|h|d)$/, 'a duration like 30m, 1h or 1d')
  .transform(
    (s) => Number.parseInt(s, 10) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[s.slice(-1) as 'm' | 'h' | 'd'],
  );

/**
 * `stories:` section of wirewatch.yaml. Owned by shared/stories.
 * - `windowDays`: how long a story can still gain copies and versions (its index rows live that long, TTL).
 * - `recheck` (default `[1h, 3h, 6h, 12h, 24h]`, parsed to ms): after a story matched a topic, its pages are fetched again (conditional GET) after each of these
 *   delays from first sight, because publishers update pages without touching their feed entry. `[]` = never.
 */
export const storiesConfigSchema = z
  .object({
    windowDays: z.number().positive().max(90).default(7),
    recheck: z
      .array(durationSchema)
      .max(10)
      .default(() => [3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000]),
  })
  .prefault({});

export type StoriesConfig = z.infer<typeof storiesConfigSchema>;
