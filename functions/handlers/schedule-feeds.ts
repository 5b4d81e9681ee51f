import { selectDueFeeds, selectDuePages } from '../../shared/pipeline/schedule.ts';
import type { HandlerDeps } from '../lib/types.ts';

/**
 * EventBridge schedule → enqueue every feed that is due (feed queue) and every page whose retry or recheck is due
 * (article queue, `ArticleJob.page`). Input `{force?: boolean}` (the scheduled event's detail is ignored; a manual
 * invoke with `{"force": true}` polls every feed; pages are enqueued only when due, forced or not).
 * @returns `{queued, pages}` — the number of feed messages and of page jobs sent
 */
export function createScheduleFeedsHandler(deps: HandlerDeps) {
  return async (event: { force?: boolean } | undefined): Promise<{ queued: number; pages: number }> => {
    const ctx = await deps.context();
    const messages = await selectDueFeeds(ctx, { force: event?.force === true });
    await deps.queues.feeds.send(messages);
    const pages = await selectDuePages(ctx);
    await deps.queues.articles.send(pages);
    ctx.logger.info('feeds scheduled', {
      stage: 'schedule',
      queued: messages.length,
      total: ctx.config.feeds.length,
      pages: pages.length,
    });
    return { queued: messages.length, pages: pages.length };
  };
}
