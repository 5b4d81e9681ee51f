import { isExtractWorkerThread, runExtractWorker } from '../shared/extract/index.ts';
import { createProcessArticleHandler } from './handlers/process-article.ts';
import { awsHandler } from './lib/aws.ts';

/*
 * The Lambda entry of process-article. The handler lives in functions/handlers/process-article.ts, which the local runtime
 * imports too; only this entry loads the Powertools tracer (and the X-Ray SDK's async hooks with it), so the local
 * runtime never does.
 */
export { createProcessArticleHandler };

export const handler = awsHandler(createProcessArticleHandler);

// In a Lambda bundle the extraction pool starts this bundle itself as its worker script: in such a thread, serve
// extraction requests instead of being a handler (shared/extract/pool.ts).
if (isExtractWorkerThread()) runExtractWorker();
