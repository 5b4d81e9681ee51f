import { createFanOutAlertsHandler } from './handlers/fan-out-alerts.ts';
import { awsHandler } from './lib/aws.ts';

/*
 * The Lambda entry of fan-out-alerts. The handler lives in functions/handlers/fan-out-alerts.ts, which the local runtime
 * imports too; only this entry loads the Powertools tracer (and the X-Ray SDK's async hooks with it), so the local
 * runtime never does.
 */
export { createFanOutAlertsHandler };

export const handler = awsHandler(createFanOutAlertsHandler);
