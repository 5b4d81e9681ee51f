import type { SQSEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { pollFeedStage } from '../shared/pipeline/stages.ts';
import { awsHandler } from './lib/aws.ts';
import { feedMessageSchema, parseRecord } from './lib/records.ts';
import type { HandlerDeps } from './lib/types.ts';

/**
 * Feed queue (SQS) → poll each feed → enqueue new entries on the article queue.
 * Partial batch responses (ReportBatchItemFailures): a record fails only for infrastructure errors; feed
 * problems are recorded in the feed's state and do not fail the record.
 */
export function createPollFeedHandler(deps: HandlerDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const ctx = await deps.context();
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const msg = parseRecord(record, feedMessageSchema);
        const jobs = await pollFeedStage(ctx, msg);
        await deps.queues.articles.send(jobs);
      },
      processor,
    );
  };
}

export const handler = awsHandler(createPollFeedHandler);
