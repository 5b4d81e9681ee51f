import { z } from 'zod';
import { parseDigestSchedule } from './schedule.ts';

/**
 * `channels:`, `subscriptions:` and `alerts:` sections of wirewatch.yaml.
 * Owned by shared/alerts. Secrets are referenced by environment variable name only.
 */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name');

export const channelSchema = z.discriminatedUnion('type', [
  z.object({ id: z.string().min(1), type: z.literal('console') }),
  z.object({ id: z.string().min(1), type: z.literal('slack'), webhookUrlEnv: envName }),
  z.object({
    id: z.string().min(1),
    type: z.literal('email'),
    to: z.array(z.string().email()).min(1),
    from: z.string().email(),
    smtp: z
      .object({ host: z.string().min(1), port: z.number().int().positive(), secure: z.boolean().default(false) })
      .optional(),
  }),
  z.object({ id: z.string().min(1), type: z.literal('webhook'), url: z.string().url(), secretEnv: envName }),
  /** `topicArnEnv` defaults to `WIREWATCH_ALERTS_TOPIC_ARN` (set by the CDK stack). */
  z.object({ id: z.string().min(1), type: z.literal('sns'), topicArnEnv: envName.optional() }),
]);

export const subscriptionSchema = z.object({
  id: z.string().min(1).optional(),
  /** Topic ids, or `*` for every topic. */
  topics: z.array(z.string().min(1)).min(1),
  channel: z.string().min(1),
  mode: z.enum(['realtime', 'digest']).default('realtime'),
  /** `hourly` or `daily HH:MM Area/City` (digest mode; default `hourly`). Realtime budget overflow is digested hourly. */
  schedule: z
    .string()
    .optional()
    .superRefine((s, ctx) => {
      if (s === undefined) return;
      const parsed = parseDigestSchedule(s);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    }),
  minScore: z.number().nonnegative().default(0),
  /** `material`: a story that already alerted sends an update alert when its text changes materially; `none`: never. */
  updates: z.enum(['material', 'none']).default('material'),
  /** Realtime alerts per hour before the rest go to the next digest; default `alerts.budgetPerHour`; 0 = no budget. */
  budgetPerHour: z.number().int().nonnegative().optional(),
});

export const alertsSettingsSchema = z
  .object({
    /** Items published longer ago than this are stored and tagged but never alerted. 0 = no limit. */
    maxItemAgeHours: z.number().nonnegative().default(48),
    /**
     * Realtime alerts per subscription per hour when the subscription sets no `budgetPerHour`; the overflow goes to
     * the subscription's next digest (hourly unless it has a `schedule`). 0 = no default budget.
     */
    budgetPerHour: z.number().int().nonnegative().default(30),
    /** Delivery attempts per deliver/digest/retry call before an alert is parked. */
    maxAttempts: z.number().int().positive().default(5),
    /** First backoff after a 5xx/transport failure, ms; doubles per attempt (capped at 30 s). */
    backoffBaseMs: z.number().int().nonnegative().default(500),
    /** Longest 429 `Retry-After` waited for inside one call, ms; a longer one parks the alert (retryable). */
    maxRetryAfterMs: z.number().int().nonnegative().default(30_000),
  })
  .prefault({});

export type ChannelConfig = z.infer<typeof channelSchema>;
export type SubscriptionConfig = z.infer<typeof subscriptionSchema>;
export type AlertsSettings = z.infer<typeof alertsSettingsSchema>;
