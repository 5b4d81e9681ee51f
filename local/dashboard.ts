import { fileURLToPath, pathToFileURL } from 'node:url';
import { dashboardFromFiles, type DashboardAssets } from '../shared/api/dashboard.ts';
import type { Logger } from '../shared/log.ts';

/** What web/build.mjs exports (web/build.d.mts). */
type DashboardBuilder = typeof import('../web/build.mjs');

/**
 * The web dashboard of `wirewatch serve`, built from web/ in memory (esbuild), so the local API serves exactly the
 * sources of this checkout — nothing built is kept on disk or committed. The build starts at once but nobody waits
 * for it: the store, the first cycle and the API start as before, and the first dashboard request waits for the
 * build if it is still running (well under a second).
 * @returns the files; when the build fails, a warning is logged and the dashboard paths answer 404
 */
export function buildLocalDashboard(logger: Logger): DashboardAssets {
  const builder = fileURLToPath(new URL('../web/build.mjs', import.meta.url));
  const built: Promise<DashboardAssets | null> = import(pathToFileURL(builder).href)
    .then((mod: DashboardBuilder) => mod.buildDashboard())
    .then(({ files }) => dashboardFromFiles(files))
    .catch((err: unknown) => {
      logger.warn('dashboard not built; the API serves without it', {
        error: err instanceof Error ? err.message.slice(0, 500) : String(err),
      });
      return null;
    });
  return {
    async page() {
      return (await built)?.page() ?? null;
    },
    async asset(name) {
      return (await built)?.asset(name) ?? null;
    },
  };
}
