import type { SQSEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { processArticleStage } from '../shared/pipeline/stages.ts';
import { awsHandler } from './lib/aws.ts';
import { articleJobSchema, parseRecord } from './lib/records.ts';
import type { HandlerDeps } from './lib/types.ts';

/**
 * Article queue (SQS, batch) → fetch + extract + classify + store each entry → enqueue alert jobs for new
 * topic hits. Records are processed one after another (jsdom pages are memory-heavy); a failed record is
 * reported in `batchItemFailures` and retried, then dead-lettered after 5 receives.
 */
export function createProcessArticleHandler(deps: HandlerDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const ctx = await deps.context();
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const job = parseRecord(record, articleJobSchema);
        const alertJobs = await processArticleStage(ctx, job);
        await deps.queues.alerts.send(alertJobs);
      },
      processor,
      { processInParallel: false },
    );
  };
}

export const handler = awsHandler(createProcessArticleHandler);
