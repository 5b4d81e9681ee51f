import { createDigestHandler } from './handlers/digest.ts';
import { awsHandler } from './lib/aws.ts';

/*
 * The Lambda entry of digest. The handler lives in functions/handlers/digest.ts, which the local runtime
 * imports too; only this entry loads the Powertools tracer (and the X-Ray SDK's async hooks with it), so the local
 * runtime never does.
 */
export { createDigestHandler };

export const handler = awsHandler(createDigestHandler);
