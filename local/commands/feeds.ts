import type { Command } from 'commander';
import { Store } from '../../shared/store/index.ts';
import { feedHealth, type FeedHealth } from '../../shared/api/index.ts';
import type { CliContext } from '../cli-context.ts';

/** A table of feed health for people: status, failures, last success, next poll, url, last error. */
export function formatFeeds(feeds: FeedHealth[]): string {
  if (feeds.length === 0) return 'no feeds configured';
  return feeds
    .map((f) => {
      const status = (f.status ?? 'never polled').padEnd(13);
      const fails = f.consecutiveFailures > 0 ? ` ${f.consecutiveFailures} failures` : '';
      const ok = f.lastSuccessAt ? ` last ok ${f.lastSuccessAt.slice(0, 16).replace('T', ' ')}` : '';
      const next = f.nextPollAt ? ` next ${f.nextPollAt.slice(0, 16).replace('T', ' ')}` : '';
      const err = f.lastError ? `\n    ${f.lastError}` : '';
      return `${status} ${f.name ?? f.id}  ${f.url}${fails}${ok}${next}${err}`;
    })
    .join('\n');
}

/**
 * `wirewatch feeds [--json]` (feed issue §3): feed health from the store — configured feeds in config order
 * (never-polled ones with `status: null`), then stored feeds no longer configured. JSON:
 * `{"feeds":[{"id","url","name","status","consecutiveFailures","lastSuccessAt","lastNewEntryAt","nextPollAt","lastError","etag","lastModified"}]}`,
 * the same rows as `GET /feeds`.
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('feeds')
    .description('feed health: status, failures, last success, next poll')
    .action(async () => {
      await ctx.withStore(
        async ({ client, config }) => {
          const store = new Store({
            client,
            tableName: config.store.tableName,
            retentionDays: config.store.retentionDays,
          });
          const feeds = feedHealth(await store.listFeedStates(), config.feeds);
          ctx.output({ feeds }, (v) => formatFeeds((v as { feeds: FeedHealth[] }).feeds));
        },
        { access: 'read' },
      );
    });
}
