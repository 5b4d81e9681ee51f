// The prebuilt CLI bundle: wirewatch's own TypeScript compiled once by esbuild, so that a CLI start does not pay
// for tsx compiling every source file again. Built by `npm run build:cli` (npm runs it as the `prepare` step on
// `npm install` / `npm ci`) and rebuilt by bin/wirewatch.mjs whenever a source changed; never committed
// (dist/ is git-ignored). Plain JavaScript: it runs before any TypeScript can.
//
// Layout: dist/cli/manifest.json names the entry file and records every input (path, size, mtime, sha256);
// entry and chunks are content-addressed (`cli-<hash>.mjs`, `chunk-<hash>.mjs`) and written atomically
// (temporary file + rename), and the manifest is replaced last, so a process reading the bundle while another
// rebuilds it always sees a complete one.
//
// Freshness: the bundle is fresh when every recorded input still has its recorded size and mtime, or, where
// those differ (a touch, a checkout), still has its recorded sha256. Any content change to any input — every
// TypeScript file the CLI imports, tsconfig.json, this file — makes it stale; nothing is trusted by mtime alone
// in the stale direction, so an edit is never run from an old bundle.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Repository root (the folder holding package.json). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the bundle lives: `WIREWATCH_CLI_BUNDLE_DIR` when set (tests, read-only checkouts), else dist/cli/. */
export const DEFAULT_OUT_DIR = process.env.WIREWATCH_CLI_BUNDLE_DIR || join(ROOT, 'dist', 'cli');
const MANIFEST = 'manifest.json';
const MANIFEST_VERSION = 1;

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const posix = (p) => p.split(sep).join('/');

/**
 * esbuild plugin: inside every source file of the repository, `import.meta.url` becomes that file's own URL,
 * computed relative to the bundle at run time. Code that resolves files next to its source
 * (`new URL('../topics/shipped.yaml', import.meta.url)`, `../package.json`) then finds them as under tsx, wherever
 * the repository sits, although all code runs from dist/cli/.
 */
function sourceUrlPlugin(outDir, seen) {
  return {
    name: 'wirewatch-source-url',
    setup(build) {
      // npm packages stay external, and count as free of side effects on import (no source imports one for its
      // side effects alone): an import whose bindings the bundle never uses — a barrel file re-exporting a
      // module that needs an AWS client, say — is dropped instead of loading that package at start.
      build.onResolve({ filter: /^[^./]/ }, (args) =>
        args.kind === 'entry-point' ? undefined : { path: args.path, external: true, sideEffects: false },
      );
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        // Recorded from the very bytes compiled (stat first): an edit made during the build shows as stale.
        seen.set(args.path, record(args.path));
        const source = seen.get(args.path).text;
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
        const rel = posix(relative(outDir, args.path));
        return {
          contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
          loader: 'ts',
        };
      });
    },
  };
}

/** Size, mtime and sha256 of a file (stat taken before the read), plus its text. */
function record(abs) {
  const st = statSync(abs);
  const buf = readFileSync(abs);
  return { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(buf), text: buf.toString('utf8') };
}

/** Writes `contents` to `path` unless an identical file is there, via a temporary file and a rename. */
function writeAtomic(path, contents) {
  if (existsSync(path)) {
    try {
      if (sha256(readFileSync(path)) === sha256(contents)) return;
    } catch {
      /* unreadable: rewrite it */
    }
  }
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

/**
 * Builds the bundle: `local/cli.ts` and everything it imports from the repository, as ES modules split at each
 * dynamic import (so a command loads only its own code and dependencies); npm packages stay external imports.
 * @param {{ outDir?: string }} [opts]
 * @returns {Promise<{ entry: string, inputs: number, ms: number }>} the entry file's absolute path
 * @throws the esbuild error when a source does not compile
 */
export async function buildCliBundle(opts = {}) {
  const outDir = opts.outDir ?? DEFAULT_OUT_DIR;
  const started = performance.now();
  const esbuild = await import('esbuild');
  const seen = new Map();
  for (const extra of [join(ROOT, 'tsconfig.json'), fileURLToPath(import.meta.url)]) seen.set(extra, record(extra));
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'local', 'cli.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: outDir,
    entryNames: 'cli-[hash]',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    sourcemap: 'inline',
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [sourceUrlPlugin(outDir, seen)],
  });
  mkdirSync(outDir, { recursive: true });
  let entry = null;
  const written = new Set();
  for (const f of result.outputFiles) {
    writeAtomic(f.path, f.contents);
    written.add(f.path);
    const meta = result.metafile.outputs[posix(relative(ROOT, f.path))];
    if (meta?.entryPoint === 'local/cli.ts') entry = f.path;
  }
  if (!entry) throw new Error('esbuild produced no entry file for local/cli.ts');
  for (const p of Object.keys(result.metafile.inputs)) {
    const abs = join(ROOT, p);
    if (!seen.has(abs)) seen.set(abs, record(abs));
  }
  const inputs = {};
  for (const [abs, r] of seen)
    inputs[posix(relative(ROOT, abs))] = { size: r.size, mtimeMs: r.mtimeMs, sha256: r.sha256 };
  const manifest = {
    version: MANIFEST_VERSION,
    entry: posix(relative(outDir, entry)),
    builtAt: new Date().toISOString(),
    inputs,
  };
  writeAtomic(join(outDir, MANIFEST), JSON.stringify(manifest, null, 1));
  pruneOld(outDir, written);
  return { entry, inputs: Object.keys(inputs).length, ms: Math.round(performance.now() - started) };
}

/** Removes bundle files of earlier builds once they are 10 minutes old (a process may still be loading them). */
function pruneOld(outDir, keep) {
  const cutoff = Date.now() - 10 * 60 * 1000;
  for (const name of readdirSync(outDir)) {
    const p = join(outDir, name);
    if (name === MANIFEST || keep.has(p) || !/\.(mjs|tmp)$/.test(name)) continue;
    try {
      if (statSync(p).mtimeMs < cutoff) rmSync(p, { force: true });
    } catch {
      /* already gone */
    }
  }
}

/**
 * Whether the bundle in `outDir` matches the sources (see the freshness rule at the top of this file).
 * @param {{ outDir?: string }} [opts]
 * @returns {{ fresh: true, entry: string } | { fresh: false, reason: string }}
 */
export function bundleStatus(opts = {}) {
  const outDir = opts.outDir ?? DEFAULT_OUT_DIR;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(outDir, MANIFEST), 'utf8'));
  } catch {
    return { fresh: false, reason: 'no bundle built yet' };
  }
  if (manifest?.version !== MANIFEST_VERSION || typeof manifest.entry !== 'string' || !manifest.inputs) {
    return { fresh: false, reason: 'bundle manifest of another version' };
  }
  const entry = join(outDir, manifest.entry);
  if (!existsSync(entry)) return { fresh: false, reason: `${manifest.entry} is missing` };
  for (const [path, rec] of Object.entries(manifest.inputs)) {
    const abs = join(ROOT, path);
    let st;
    try {
      st = statSync(abs);
    } catch {
      return { fresh: false, reason: `${path} is gone` };
    }
    if (st.size === rec.size && st.mtimeMs === rec.mtimeMs) continue;
    if (st.size !== rec.size || sha256(readFileSync(abs)) !== rec.sha256) {
      return { fresh: false, reason: `${path} changed` };
    }
  }
  return { fresh: true, entry };
}

/**
 * The bundle entry to run: the fresh bundle, else a new build of it; null when none can be had (a source does
 * not compile, the folder is read-only, `WIREWATCH_NO_BUNDLE=1`) — the caller then runs the sources with tsx,
 * which reports compile errors with their location.
 * @param {{ outDir?: string, log?: (line: string) => void }} [opts]
 * @returns {Promise<string | null>} a `file:` URL
 */
export async function resolveCliEntry(opts = {}) {
  if (process.env.WIREWATCH_NO_BUNDLE === '1') {
    opts.log?.('running the sources with tsx (WIREWATCH_NO_BUNDLE=1)');
    return null;
  }
  const status = bundleStatus(opts);
  if (status.fresh) {
    opts.log?.(`running the bundle ${relative(ROOT, status.entry)}`);
    return pathToFileURL(status.entry).href;
  }
  try {
    const built = await buildCliBundle(opts);
    opts.log?.(`bundle rebuilt (${status.reason}) in ${built.ms} ms`);
    return pathToFileURL(built.entry).href;
  } catch (err) {
    opts.log?.(`running the sources with tsx: bundle not built (${String(err?.message ?? err).split('\n')[0]})`);
    return null;
  }
}

// `node bin/cli-bundle.mjs [--if-possible]` (npm run build:cli; the prepare step passes --if-possible, so an
// install never fails over the bundle: bin/wirewatch.mjs builds it at the first run, or runs the sources).
const self = fileURLToPath(import.meta.url);
if (process.argv[1] && realpathOf(process.argv[1]) === realpathOf(self)) {
  try {
    const built = await buildCliBundle();
    process.stdout.write(
      `wirewatch: CLI bundle ${relative(ROOT, built.entry)} (${built.inputs} inputs) in ${built.ms} ms\n`,
    );
  } catch (err) {
    process.stderr.write(`wirewatch: CLI bundle not built: ${String(err?.message ?? err).split('\n')[0]}\n`);
    if (!process.argv.includes('--if-possible')) process.exitCode = 1;
  }
}

function realpathOf(p) {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
