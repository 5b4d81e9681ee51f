/**
 * Page retries and rechecks through the Lambda handlers: schedule-feeds (due feeds and due pages), poll-feed,
 * process-article and fan-out-alerts, each invoked with SQS events as the event source mappings deliver them, over
 * dynalite, a scripted publisher on 127.0.0.1 and a stepped clock.
 */
import { describe } from 'vitest';
import { pageScenarios } from '../helpers/page-scenarios.ts';
import { lambdaWorld } from '../helpers/page-world.ts';

describe('page retries and rechecks (Lambda handlers)', () => {
  pageScenarios((over) => lambdaWorld(over));
});
