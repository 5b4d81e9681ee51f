import { createScheduleFeedsHandler } from './handlers/schedule-feeds.ts';
import { awsHandler } from './lib/aws.ts';

/*
 * The Lambda entry of schedule-feeds. The handler lives in functions/handlers/schedule-feeds.ts, which the local runtime
 * imports too; only this entry loads the Powertools tracer (and the X-Ray SDK's async hooks with it), so the local
 * runtime never does.
 */
export { createScheduleFeedsHandler };

export const handler = awsHandler(createScheduleFeedsHandler);
