import { awsHandler } from './lib/aws.ts';
import type { HandlerDeps } from './lib/types.ts';

/**
 * EventBridge schedule (hourly) → send the digests that are due (hourly digests, daily digests whose HH:MM in
 * their time zone has passed) and re-drive parked alerts.
 * @returns counts of digest messages sent and failed
 */
export function createDigestHandler(deps: HandlerDeps) {
  return async (): Promise<{ sent: number; failed: number }> => {
    const ctx = await deps.context();
    const res = await ctx.alerter.runDigests(ctx.now());
    ctx.metrics.count('alertsSent', res.sent);
    ctx.metrics.count('alertsFailed', res.failed);
    ctx.logger.info('digests run', { stage: 'digest', ...res });
    return res;
  };
}

export const handler = awsHandler(createDigestHandler);
