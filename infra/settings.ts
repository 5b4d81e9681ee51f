import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { InfraError } from './errors.ts';
import { toEventBridgeSchedule } from './schedule.ts';

/**
 * Deployment settings of the stack, from CDK context (`cdk.json` `context`, or `npx cdk deploy -c key=value`).
 * Everything about *what* wirewatch monitors comes from `wirewatch.yaml`; these are the AWS-side knobs.
 */
export interface StackSettings {
  /** Path of the `wirewatch.yaml` bundled into every function (context `config`). @default `wirewatch.yaml` */
  readonly configPath: string;
  /** Subscribed (SNS email) to the alerts topic (context `alertEmail`). @default none */
  readonly alertEmail: string | null;
  /** Topic ids the `alertEmail` subscription receives (context `alertTopics`, comma list). @default every topic */
  readonly alertTopics: readonly string[];
  /** Subscribed to the ops topic that receives alarms (context `opsEmail`). @default `alertEmail` */
  readonly opsEmail: string | null;
  /** Existing Secrets Manager secret (plain string = the Slack webhook URL) (context `slackSecretName`). @default none */
  readonly slackSecretName: string | null;
  /** Existing secret holding the webhook signing key (context `webhookSecretName`). @default none */
  readonly webhookSecretName: string | null;
  /**
   * One existing secret per channel (context `channelSecrets`: `channelId=secretName,…`): a Slack or webhook channel
   * listed here gets its own secret, overriding `slackSecretName` / `webhookSecretName` for that channel.
   * @default none
   */
  readonly channelSecrets: ReadonlyMap<string, string>;
  /**
   * Existing secret `{"tokenHashes":["<sha256 hex>",...]}` read by the authorizer (context `apiTokensSecretName`).
   * @default the stack creates an empty one (output `ApiTokensSecretArn`)
   */
  readonly apiTokensSecretName: string | null;
  /** EventBridge expression for `schedule-feeds` (context `schedule`, else `schedule:` of wirewatch.yaml). */
  readonly schedule: string;
  /** EventBridge expression for `digest` (context `digestSchedule`). @default `cron(0/15 * * * ? *)` */
  readonly digestSchedule: string;
  /** Keep the table (and its data) when the stack is deleted (context `retainTable`). @default true */
  readonly retainTable: boolean;
  /** CloudWatch Logs retention of every function and the API access log (context `logRetentionDays`). @default 30 */
  readonly logRetention: RetentionDays;
  /** Max concurrent `poll-feed` invocations, 2-1000 (SQS event source `maxConcurrency`; context `pollConcurrency`). @default 5 */
  readonly pollConcurrency: number;
  /** Max concurrent `process-article` invocations, 2-1000 (context `articleConcurrency`). @default 10 */
  readonly articleConcurrency: number;
  /** API Gateway stage throttling: steady requests/s and burst (contexts `apiRateLimit`, `apiBurstLimit`). @default 20 / 40 */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
}

const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === '' ? null : s))
  .nullable()
  .default(null);

/** Context values given with `-c` arrive as strings; from cdk.json they may be typed. Accept both. */
const booleanLike = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);
const intLike = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const VALID_RETENTION = new Set<number>(
  Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0),
);

const contextSchema = z.object({
  config: z.string().min(1).default('wirewatch.yaml'),
  alertEmail: optionalString.pipe(z.string().email().nullable()),
  alertTopics: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  opsEmail: optionalString.pipe(z.string().email().nullable()),
  slackSecretName: optionalString,
  webhookSecretName: optionalString,
  channelSecrets: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const map = new Map<string, string>();
      for (const pair of v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const eq = pair.indexOf('=');
        const id = pair.slice(0, eq).trim();
        const name = pair.slice(eq + 1).trim();
        if (eq <= 0 || !name) {
          ctx.addIssue({ code: 'custom', message: `"${pair}" is not channelId=secretName` });
          return z.NEVER;
        }
        if (map.has(id)) {
          ctx.addIssue({ code: 'custom', message: `channel ${id} is listed twice` });
          return z.NEVER;
        }
        map.set(id, name);
      }
      return map;
    }),
  apiTokensSecretName: optionalString,
  schedule: optionalString,
  digestSchedule: z.string().min(1).default('cron(0/15 * * * ? *)'),
  retainTable: booleanLike.default(true),
  logRetentionDays: z.coerce
    .number()
    .int()
    .refine((n) => VALID_RETENTION.has(n), 'must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...)')
    .default(30),
  pollConcurrency: intLike(2, 1000).default(5),
  articleConcurrency: intLike(2, 1000).default(10),
  apiRateLimit: intLike(1, 10_000).default(20),
  apiBurstLimit: intLike(1, 5_000).default(40),
});

/** The context keys {@link readStackSettings} understands (anything else in context is ignored). */
export const CONTEXT_KEYS = Object.keys(contextSchema.shape) as ReadonlyArray<keyof typeof contextSchema.shape>;

/**
 * Validates CDK context into {@link StackSettings}.
 *
 * @param getContext reads one context key (e.g. `(k) => app.node.tryGetContext(k)`); `undefined` = not set
 * @param configSchedule the `schedule:` of wirewatch.yaml (cron, UTC), used when context `schedule` is unset
 * @throws InfraError `infra_context_invalid` naming every bad key and why; `infra_schedule_invalid` for a
 *   schedule EventBridge cannot express
 */
export function readStackSettings(getContext: (key: string) => unknown, configSchedule: string): StackSettings {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = getContext(key);
    if (value !== undefined && value !== null) raw[key] = value;
  }
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `context "${String(i.path[0] ?? '?')}": ${i.message}`);
    throw new InfraError('infra_context_invalid', lines.join('\n'));
  }
  const c = parsed.data;
  return {
    configPath: c.config,
    alertEmail: c.alertEmail,
    alertTopics: c.alertTopics,
    opsEmail: c.opsEmail ?? c.alertEmail,
    slackSecretName: c.slackSecretName,
    webhookSecretName: c.webhookSecretName,
    channelSecrets: c.channelSecrets,
    apiTokensSecretName: c.apiTokensSecretName,
    schedule: toEventBridgeSchedule(c.schedule ?? configSchedule),
    digestSchedule: toEventBridgeSchedule(c.digestSchedule),
    retainTable: c.retainTable,
    logRetention: c.logRetentionDays as RetentionDays,
    pollConcurrency: c.pollConcurrency,
    articleConcurrency: c.articleConcurrency,
    apiThrottle: { rateLimit: c.apiRateLimit, burstLimit: c.apiBurstLimit },
  };
}
