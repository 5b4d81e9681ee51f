/** Types of web/build.mjs (plain JavaScript, so that CDK bundling runs it with node alone). */

/** The web/ folder. */
export declare const WEB_DIR: string;
/** Most bytes the dashboard's script and style sheet may take together, gzipped (level 9). */
export declare const BUDGET_GZIP_BYTES: number;

/** Sizes of a build, bytes. */
export interface DashboardSizes {
  js: number;
  css: number;
  jsGzip: number;
  cssGzip: number;
}

/**
 * Builds the dashboard in memory: `index.html` and `assets/<file>` → UTF-8 text.
 * @throws Error with esbuild's messages when a source does not compile
 */
export declare function buildDashboard(opts?: { minify?: boolean }): Promise<{
  files: Map<string, string>;
  sizes: DashboardSizes;
}>;

/** Builds the dashboard and writes it under `outDir` (replacing what was there). */
export declare function writeDashboard(outDir: string): Promise<DashboardSizes>;
