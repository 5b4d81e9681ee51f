import type { SQSEvent } from 'aws-lambda';
import type { PipelineContext } from '../../shared/pipeline/context.ts';
import { processArticleStage } from '../../shared/pipeline/article.ts';
import type { ArticleJob } from '../../shared/types.ts';
import { articleJobSchema } from '../lib/records.ts';
import { sqsBatchHandler } from '../lib/sqs.ts';
import type { HandlerDeps } from '../lib/types.ts';

/**
 * Article queue (SQS, batch) → fetch + extract + classify + store each entry → enqueue alert jobs for new
 * topic hits. Records run in parallel: extraction happens in the worker pool (bounded threads and heap, one
 * page's failure contained to its record). With `extract.workers: 0` (in-process extraction) they run one after
 * another, since DOM building is memory-heavy.
 */
export function createProcessArticleHandler(deps: HandlerDeps) {
  const handle = async (ctx: PipelineContext, job: ArticleJob) => {
    await deps.queues.alerts.send(await processArticleStage(ctx, job));
  };
  const parallel = sqsBatchHandler(deps, articleJobSchema, handle);
  const sequential = sqsBatchHandler(deps, articleJobSchema, handle, { sequential: true });
  return async (event: SQSEvent) =>
    ((await deps.context()).config.extract.workers === 0 ? sequential : parallel)(event);
}
