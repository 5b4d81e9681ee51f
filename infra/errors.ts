import { WirewatchError } from '../shared/errors.ts';

/**
 * Thrown while building the CDK app when stack input is unusable: a bad context value (`-c key=value`), a
 * schedule EventBridge cannot express, a missing handler entry or an unbuilt `node_modules`. Synthesis stops
 * with the message; nothing is deployed. Never retryable (the input must change).
 *
 * Codes: `infra_context_invalid`, `infra_schedule_invalid`, `infra_entry_missing`, `infra_modules_missing`,
 * `infra_props_invalid`.
 */
export class InfraError extends WirewatchError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retryable: false, cause: options.cause });
    this.name = 'InfraError';
  }
}
