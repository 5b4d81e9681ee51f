// Entry of an extraction worker thread when wirewatch runs from its TypeScript sources (tsx, vitest): a worker
// thread does not inherit the parent's module hooks under every runner, so it registers tsx's ESM hooks itself
// (tsx `register()` API, Node.js module.register) before loading the worker module. In a Lambda bundle the
// bundle itself is the worker entry (see pool.ts), and this file is not used.
import { register } from 'tsx/esm/api';

register();
const { runExtractWorker } = await import('./worker.ts');
runExtractWorker();
