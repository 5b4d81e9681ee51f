import { selectDueFeeds } from '../shared/pipeline/schedule.ts';
import { awsHandler } from './lib/aws.ts';
import type { HandlerDeps } from './lib/types.ts';

/**
 * EventBridge schedule → enqueue every feed that is due (feed queue). Input `{force?: boolean}` (the scheduled
 * event's detail is ignored; a manual invoke with `{"force": true}` polls every feed).
 * @returns `{queued}` — the number of feed messages sent
 */
export function createScheduleFeedsHandler(deps: HandlerDeps) {
  return async (event: { force?: boolean } | undefined): Promise<{ queued: number }> => {
    const ctx = await deps.context();
    const messages = await selectDueFeeds(ctx, { force: event?.force === true });
    await deps.queues.feeds.send(messages);
    ctx.logger.info('feeds scheduled', { stage: 'schedule', queued: messages.length, total: ctx.config.feeds.length });
    return { queued: messages.length };
  };
}

export const handler = awsHandler(createScheduleFeedsHandler);
