import { processArticleStage } from '../shared/pipeline/stages.ts';
import { awsHandler } from './lib/aws.ts';
import { articleJobSchema } from './lib/records.ts';
import { sqsBatchHandler } from './lib/sqs.ts';
import type { HandlerDeps } from './lib/types.ts';

/**
 * Article queue (SQS, batch) → fetch + extract + classify + store each entry → enqueue alert jobs for new
 * topic hits. Records run one after another (DOM building is memory-heavy).
 */
export function createProcessArticleHandler(deps: HandlerDeps) {
  return sqsBatchHandler(
    deps,
    articleJobSchema,
    async (ctx, job) => {
      await deps.queues.alerts.send(await processArticleStage(ctx, job));
    },
    { sequential: true },
  );
}

export const handler = awsHandler(createProcessArticleHandler);
