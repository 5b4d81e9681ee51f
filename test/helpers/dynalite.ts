import { startEmbeddedStore, type EmbeddedStore } from '../../local/embedded-store.ts';

/** Starts an in-memory dynalite for one test file. Close it in `afterAll`. */
export async function startTestDynamo(): Promise<EmbeddedStore> {
  return startEmbeddedStore({ memory: true });
}
