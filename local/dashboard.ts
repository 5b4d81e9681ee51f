import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import { dashboardFromFiles, type DashboardAssets } from '../shared/api/dashboard.ts';
import type { Logger } from '../shared/log.ts';

/** What web/build.mjs exports (web/build.d.mts). */
type DashboardBuilder = typeof import('../web/build.mjs');

/**
 * Builds the web dashboard from web/ in memory (esbuild, well under a second) for `wirewatch serve`, so the local
 * API serves exactly the sources of this checkout — nothing built is kept on disk or committed.
 * @returns the files, or undefined (with a warning) when the build fails: the API then serves without a dashboard
 */
export async function buildLocalDashboard(logger: Logger): Promise<DashboardAssets | undefined> {
  const builder = fileURLToPath(new URL('../web/build.mjs', import.meta.url));
  try {
    const mod = (await import(pathToFileURL(builder).href)) as DashboardBuilder;
    const { files } = await mod.buildDashboard();
    return dashboardFromFiles(files);
  } catch (err) {
    logger.warn('dashboard not built; the API serves without it', {
      error: err instanceof Error ? err.message.slice(0, 500) : String(err),
    });
    return undefined;
  }
}
