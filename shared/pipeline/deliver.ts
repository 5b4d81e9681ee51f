import type { AlertJob } from '../types.ts';
import type { PipelineContext } from './context.ts';

/**
 * Delivers one alert job to every matching subscription (alerts module: dedupe record, channel, retries,
 * parking). Counts sent/failed/suppressed. Never throws for channel failures; those are parked.
 */
export async function deliverAlertStage(ctx: PipelineContext, job: AlertJob): Promise<void> {
  const res = await ctx.alerter.deliver(job);
  // Every subscription now has its alert record (sent, deferred, parked…): the outbox intent has done its job.
  await ctx.alerter.completeIntent(job);
  ctx.metrics.count('alertsSent', res.sent);
  ctx.metrics.count('alertsFailed', res.failed);
  ctx.metrics.count('alertsSuppressed', res.suppressed);
  ctx.metrics.count('alertsDeferred', res.deferred);
}
