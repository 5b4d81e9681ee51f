import { Cron } from 'croner';
import { z } from 'zod';
import { httpConfigSchema } from '../http/config-schema.ts';
import { extractConfigSchema } from '../extract/config-schema.ts';
import { aliasesSchema, topicSchema } from '../topics/config-schema.ts';
import { alertsSettingsSchema, channelSchema, subscriptionSchema } from '../alerts/config-schema.ts';
import { apiConfigSchema, storeConfigSchema } from '../store/config-schema.ts';
import { storiesConfigSchema } from '../stories/config-schema.ts';
import { pagesConfigSchema } from '../pipeline/config-schema.ts';
import { strictDeep } from './strict.ts';
import { parseDuration } from '../feeds/interval.ts';

/** A duration as written in the config: `90s`, `15m`, `2h`, `1h30m`, `1d` (see `parseDuration`). */
const durationSchema = z.string().superRefine((value, ctx) => {
  const ms = parseDuration(value);
  if (typeof ms === 'string') ctx.addIssue({ code: 'custom', message: ms });
});

/** A polling interval: a duration, or `adaptive` (follow the feed's own rhythm within `minInterval`…`maxInterval`). */
const intervalSchema = z.string().superRefine((value, ctx) => {
  if (value === 'adaptive') return;
  const ms = parseDuration(value);
  if (typeof ms === 'string') ctx.addIssue({ code: 'custom', message: `${ms}, nor "adaptive"` });
});

/** Polling keys a feed may set, and `polling:` sets for every feed. */
const pollingKeys = {
  /**
   * `15m`, `2h`, … or `adaptive`. Default: `polling.interval`, else the period of `schedule` (its shortest gap
   * between runs). Polls happen at `schedule`'s runs, so an interval is rounded to them.
   */
  interval: intervalSchema.optional(),
  /** Floor of an adaptive interval. Default: `polling.minInterval`, else the period of `schedule`. */
  minInterval: durationSchema.optional(),
  /** Ceiling of an adaptive interval. Default: `polling.maxInterval`, else 6h (or the floor when longer). */
  maxInterval: durationSchema.optional(),
};

/** `polling:` — the defaults of every feed's `interval`, `minInterval`, `maxInterval`. */
export const pollingConfigSchema = z.object(pollingKeys).optional();

/** One configured feed. `id` defaults to a hash of the URL (see `feedIdFor`). */
export const feedConfigSchema = z
  .object({
    ...pollingKeys,
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'feed URLs must be http or https'),
    name: z.string().min(1).optional(),
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'feed ids are 1-64 letters, digits, - and _')
      .optional(),
  })
  .strict();

/** A cron expression croner accepts (5 or 6 fields). */
const cronSchema = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      new Cron(value, { paused: true }).stop();
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid cron expression (${(err as Error).message.replace(/^CronPattern: /, '')})`,
      });
    }
  });

/**
 * The whole of `wirewatch.yaml`. A file with only `feeds:` is valid; every other key defaults.
 * Each module owns its section's schema (`shared/<module>/config-schema.ts`); `strictDeep` makes every object in
 * it reject unknown keys, at every depth (a misspelt key is an error, not a silently ignored setting).
 */
export const configSchema = strictDeep(
  z.object({
    feeds: z.array(feedConfigSchema).default([]),
    /** Cron expression (5 or 6 fields, UTC) for polling cycles. */
    schedule: cronSchema.default('*/5 * * * *'),
    polling: pollingConfigSchema,
    aliases: aliasesSchema.optional(),
    /** Omitted = the shipped topic set; given = merged over it by id. */
    topics: z.array(topicSchema).optional(),
    channels: z.array(channelSchema).default([]),
    subscriptions: z.array(subscriptionSchema).optional(),
    alerts: alertsSettingsSchema,
    http: httpConfigSchema,
    extract: extractConfigSchema,
    store: storeConfigSchema,
    stories: storiesConfigSchema,
    pages: pagesConfigSchema,
    api: apiConfigSchema,
  }),
);

/** Config as written (after defaults), before topics are merged and compiled. */
export type RawConfig = z.infer<typeof configSchema>;
