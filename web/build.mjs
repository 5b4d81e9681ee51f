// Builds the web dashboard (web/src/*.ts, web/src/style.css, web/index.html, web/favicon.svg) with esbuild into
// static files the API serves: `index.html` and `assets/<name>-<hash>.<ext>` (content-hashed, so they can be cached
// for good). Plain JavaScript, so that CDK bundling can run it with node alone:
//
//   node web/build.mjs --out DIR        writes DIR/index.html and DIR/assets/* (the API Lambda's bundle: /var/task/web)
//
// `wirewatch serve` calls `buildDashboard()` at start and serves the files from memory. Built output is never
// committed. Budget: the gzipped JS + CSS stay under `BUDGET_GZIP_BYTES` (test/web/build.test.ts checks it).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The web/ folder. */
export const WEB_DIR = dirname(fileURLToPath(import.meta.url));
/** Most bytes the dashboard's script and style sheet may take together, gzipped (level 9). */
export const BUDGET_GZIP_BYTES = 150 * 1024;

const hash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 10);

/**
 * Builds the dashboard in memory.
 * @param {{ minify?: boolean }} [opts] minify: default true
 * @returns {Promise<{ files: Map<string, string>, sizes: { js: number, css: number, jsGzip: number, cssGzip: number } }>}
 *   `files`: `index.html` and `assets/<file>` → UTF-8 text; `sizes` in bytes
 * @throws Error with esbuild's messages when a source does not compile
 */
export async function buildDashboard(opts = {}) {
  const esbuild = await import('esbuild');
  const result = await esbuild
    .build({
      absWorkingDir: WEB_DIR,
      entryPoints: { app: join(WEB_DIR, 'src', 'main.ts'), style: join(WEB_DIR, 'src', 'style.css') },
      bundle: true,
      write: false,
      outdir: join(WEB_DIR, 'out'),
      format: 'esm',
      target: ['chrome110', 'firefox115', 'safari16'],
      platform: 'browser',
      minify: opts.minify ?? true,
      charset: 'utf8',
      legalComments: 'none',
      logLevel: 'silent',
    })
    // esbuild's service process is not needed once built (a long-running `serve` would keep it otherwise).
    .finally(() => esbuild.stop());
  let js = '';
  let css = '';
  for (const f of result.outputFiles) {
    if (f.path.endsWith('.js')) js = f.text;
    else if (f.path.endsWith('.css')) css = f.text;
  }
  if (!js || !css) throw new Error('web/build.mjs: esbuild produced no script or no style sheet');
  const icon = readFileSync(join(WEB_DIR, 'favicon.svg'), 'utf8');
  const names = { js: `app-${hash(js)}.js`, css: `style-${hash(css)}.css`, icon: `icon-${hash(icon)}.svg` };
  const page = readFileSync(join(WEB_DIR, 'index.html'), 'utf8')
    .replaceAll('{{SCRIPT}}', `/assets/${names.js}`)
    .replaceAll('{{STYLE}}', `/assets/${names.css}`)
    .replaceAll('{{ICON}}', `/assets/${names.icon}`);
  const files = new Map([
    ['index.html', page],
    [`assets/${names.js}`, js],
    [`assets/${names.css}`, css],
    [`assets/${names.icon}`, icon],
  ]);
  const gz = (t) => gzipSync(Buffer.from(t, 'utf8'), { level: 9 }).length;
  return {
    files,
    sizes: { js: Buffer.byteLength(js), css: Buffer.byteLength(css), jsGzip: gz(js), cssGzip: gz(css) },
  };
}

/**
 * Builds the dashboard and writes it under `outDir` (replacing what was there).
 * @param {string} outDir
 */
export async function writeDashboard(outDir) {
  const { files, sizes } = await buildDashboard();
  rmSync(outDir, { recursive: true, force: true });
  for (const [name, text] of files) {
    const path = join(outDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? process.argv[i + 1] : undefined;
  if (!out) {
    process.stderr.write('usage: node web/build.mjs --out DIR\n');
    process.exit(2);
  }
  writeDashboard(out).then(
    (s) =>
      process.stderr.write(
        `web/build.mjs: ${out}: js ${s.js} B (${s.jsGzip} B gzipped), css ${s.css} B (${s.cssGzip} B gzipped)\n`,
      ),
    (err) => {
      process.stderr.write(`web/build.mjs: ${err.message}\n`);
      process.exit(1);
    },
  );
}
