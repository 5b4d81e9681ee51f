/**
 * Alert fan-out: subscriptions → channels (console, Slack, email, webhook, SNS), realtime and
 * digest, hourly budgets, exactly-once-looking delivery records, parking and retry, old-item suppression.
 * Public entry of shared/alerts; see README.md#alerts for the user-facing description.
 */
export { createAlerter, alertKey, STALE_PENDING_MS } from './alerter.ts';
export type {
  AlertContent,
  AlertDeps,
  Alerter,
  AlertHttp,
  AlertHttpResponse,
  AlertRecord,
  AlertStatus,
  DeliverResult,
  DigestPreview,
  DigestRun,
} from './types.ts';
export { ALERT_STATUSES } from './types.ts';
export { AlertError } from './errors.ts';
export {
  signWebhook,
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  IDEMPOTENCY_HEADER,
} from './signature.ts';
export { escapeSlack, escapeHtml } from './render.ts';
export { parseDigestSchedule, nextOccurrence, type DigestSchedule } from './schedule.ts';
export { channelSchema, subscriptionSchema, alertsSettingsSchema } from './config-schema.ts';
export type { ChannelConfig, SubscriptionConfig, AlertsSettings } from './config-schema.ts';
