/**
 * Page retries and rechecks in the local runtime: `LocalRuntime.runCycle` (what `serve` runs on each tick and
 * `run --once` once) over the in-memory dynalite, a scripted publisher on 127.0.0.1 and a stepped clock.
 */
import { describe } from 'vitest';
import { pageScenarios } from '../helpers/page-scenarios.ts';
import { localWorld } from '../helpers/page-world.ts';

describe('page retries and rechecks (local runtime)', () => {
  pageScenarios((over) => localWorld(over));
});
