import type { SQSEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { deliverAlertStage } from '../shared/pipeline/stages.ts';
import { awsHandler } from './lib/aws.ts';
import { alertJobSchema, parseRecord } from './lib/records.ts';
import type { HandlerDeps } from './lib/types.ts';

/**
 * Alert queue (SQS) → deliver each alert job to its subscriptions (Slack, email, webhook, SNS, console).
 * Delivery records make redelivery harmless; an alert that exhausts its retries is parked (status `failed`)
 * and the queue's DLQ keeps any message that cannot be processed at all.
 */
export function createFanOutAlertsHandler(deps: HandlerDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const ctx = await deps.context();
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        await deliverAlertStage(ctx, parseRecord(record, alertJobSchema));
      },
      processor,
    );
  };
}

export const handler = awsHandler(createFanOutAlertsHandler);
