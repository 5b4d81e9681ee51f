import { createPollFeedHandler } from './handlers/poll-feed.ts';
import { awsHandler } from './lib/aws.ts';

/*
 * The Lambda entry of poll-feed. The handler lives in functions/handlers/poll-feed.ts, which the local runtime
 * imports too; only this entry loads the Powertools tracer (and the X-Ray SDK's async hooks with it), so the local
 * runtime never does.
 */
export { createPollFeedHandler };

export const handler = awsHandler(createPollFeedHandler);
