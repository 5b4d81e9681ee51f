import { pollFeedStage } from '../../shared/pipeline/poll.ts';
import { feedMessageSchema } from '../lib/records.ts';
import { sqsBatchHandler } from '../lib/sqs.ts';
import type { HandlerDeps } from '../lib/types.ts';

/**
 * Feed queue (SQS) → poll each feed → enqueue new entries on the article queue.
 * A record fails only for infrastructure errors; feed problems are recorded in the feed's state instead.
 */
export function createPollFeedHandler(deps: HandlerDeps) {
  return sqsBatchHandler(deps, feedMessageSchema, async (ctx, msg) => {
    await deps.queues.articles.send(await pollFeedStage(ctx, msg));
  });
}
