import type { PipelineContext } from '../../shared/pipeline/context.ts';
import type { PipelineQueues } from '../../shared/pipeline/ports.ts';

/**
 * What every handler factory receives. In AWS it is built from the environment (`functions/lib/aws.ts`);
 * the local runtime builds it from the embedded store and in-memory queues. Same handlers, two runtimes.
 */
export interface HandlerDeps {
  /** The pipeline context, built once per process and reused across invocations. */
  context(): Promise<PipelineContext>;
  queues: PipelineQueues;
}
