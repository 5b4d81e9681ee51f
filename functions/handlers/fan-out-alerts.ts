import { deliverAlertStage } from '../../shared/pipeline/deliver.ts';
import { alertJobSchema } from '../lib/records.ts';
import { sqsBatchHandler } from '../lib/sqs.ts';
import type { HandlerDeps } from '../lib/types.ts';

/**
 * Alert queue (SQS) → deliver each alert job to its subscriptions (Slack, email, webhook, SNS, console).
 * Delivery records make redelivery harmless; an alert that exhausts its retries is parked (status `failed`,
 * re-driven by the digest function and `wirewatch alerts retry`); a job that cannot be processed at all (item
 * missing, store down) fails its record and ends in the queue's dead-letter queue.
 */
export function createFanOutAlertsHandler(deps: HandlerDeps) {
  return sqsBatchHandler(deps, alertJobSchema, deliverAlertStage);
}
