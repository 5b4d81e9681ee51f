import type { HandlerDeps } from '../lib/types.ts';

/**
 * EventBridge schedule (every 15 minutes) → deliver outbox intents that no queue message carried (a crash between
 * storing an item and queueing its alert), send the digests that are due (hourly digests, daily digests whose
 * HH:MM in their time zone has passed), then re-drive parked alerts (`alerts retry` does the same by hand).
 * @returns counts of alerts sent and failed
 */
export function createDigestHandler(deps: HandlerDeps) {
  return async (): Promise<{ sent: number; failed: number }> => {
    const ctx = await deps.context();
    const outbox = await ctx.alerter.sweepOutbox();
    const digests = await ctx.alerter.runDigests(ctx.now());
    const retried = await ctx.alerter.retryParked();
    const res = {
      sent: outbox.sent + digests.sent + retried.sent,
      failed: outbox.failed + digests.failed + retried.failed,
    };
    ctx.metrics.count('alertsSent', res.sent);
    ctx.metrics.count('alertsFailed', res.failed);
    ctx.logger.info('digests run', { stage: 'digest', outbox, digests, retried });
    return res;
  };
}
