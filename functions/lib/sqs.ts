import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { z } from 'zod';
import type { PipelineContext } from '../../shared/pipeline/context.ts';
import { parseRecord } from './records.ts';
import type { HandlerDeps } from './types.ts';

/**
 * An SQS-triggered handler with partial batch responses (Powertools BatchProcessor, `ReportBatchItemFailures`):
 * each record's JSON body is validated with `schema` and handed to `handle`; a record that throws is reported in
 * `batchItemFailures` and redelivered, then dead-lettered after the queue's maxReceiveCount. A malformed body
 * fails only its own record.
 * @param opts.sequential process records one after another (default: in parallel)
 */
export function sqsBatchHandler<T>(
  deps: HandlerDeps,
  schema: z.ZodType<T>,
  handle: (ctx: PipelineContext, message: T) => Promise<void>,
  opts: { sequential?: boolean } = {},
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const ctx = await deps.context();
    return processPartialResponse(
      event,
      async (record: SQSRecord) => handle(ctx, parseRecord(record, schema)),
      new BatchProcessor(EventType.SQS),
      { processInParallel: !opts.sequential },
    );
  };
}
