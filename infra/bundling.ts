import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from './errors.ts';

/** The `packages` map of an npm lock file (lockfileVersion 2 or 3), keyed by install path (`node_modules/a/node_modules/b`). */
interface LockPackages {
  [installPath: string]: {
    version?: string;
    dev?: boolean;
    optional?: boolean;
    link?: boolean;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
}

/**
 * Resolves `name` as Node would from the package installed at `fromPath`: `fromPath/node_modules/name`, then each
 * ancestor's `node_modules`, then the root `node_modules/name` (Node.js "Loading from node_modules folders").
 */
function resolveInstallPath(packages: LockPackages, fromPath: string, name: string): string | null {
  let base = fromPath;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return null;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut >= 0 ? base.slice(0, cut) : '';
  }
}

/**
 * The runtime dependency closure of some packages, read from the project's `package-lock.json` (npm lockfile
 * v2/v3 `packages` map), as top-level install paths to copy (`node_modules/jsdom`, `node_modules/@asamuzakjp/css-color`).
 * Nested installs (`node_modules/a/node_modules/b`) are covered by copying their top-level ancestor.
 * Optional dependencies are included only when the lock file lists them as installed.
 *
 * Used because `nodeModules: [...]` of NodejsFunction runs `npm ci` in the bundle directory, which needs the
 * registry (the npm cache does not hold every tarball): copying the already-installed tree from `node_modules`
 * is offline, exact (same versions the tests ran) and fast.
 *
 * @param lockFile absolute path of `package-lock.json`
 * @param roots package names to start from, e.g. `['jsdom']`
 * @returns sorted, de-duplicated top-level paths relative to the project root
 * @throws InfraError `infra_modules_missing` when the lock file is unreadable or a root is not in it
 */
export function dependencyClosure(lockFile: string, roots: readonly string[]): string[] {
  let packages: LockPackages;
  try {
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages?: LockPackages };
    if (!lock.packages) throw new Error('no "packages" map (lockfileVersion 1 is not supported)');
    packages = lock.packages;
  } catch (err) {
    throw new InfraError('infra_modules_missing', `cannot read ${lockFile}: ${(err as Error).message}`, { cause: err });
  }
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const root of roots) {
    const path = resolveInstallPath(packages, '', root);
    if (!path) throw new InfraError('infra_modules_missing', `${lockFile}: package "${root}" is not installed`);
    queue.push(path);
  }
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = packages[path]!;
    const deps = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const name of Object.keys(deps)) {
      const dep = resolveInstallPath(packages, path, name);
      if (dep) queue.push(dep);
      else if (!entry.optionalDependencies?.[name]) {
        throw new InfraError('infra_modules_missing', `${lockFile}: "${name}" (needed by ${path}) is not installed`);
      }
    }
  }
  const topLevel = new Set<string>();
  for (const path of seen) {
    const m = /^node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(path);
    if (m) topLevel.add(`node_modules/${m[1]}`);
  }
  return [...topLevel].sort();
}

/**
 * Checks that every install path exists under `projectRoot` (i.e. `npm ci` ran).
 * @throws InfraError `infra_modules_missing` naming the first missing package directory
 */
export function assertModulesInstalled(projectRoot: string, paths: readonly string[]): void {
  for (const path of paths) {
    const dir = join(projectRoot, path);
    if (!existsSync(join(dir, 'package.json'))) {
      throw new InfraError('infra_modules_missing', `${dir} is missing: run \`npm ci\` before synthesising`);
    }
  }
}

/** Single-quotes a string for a POSIX shell. */
function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Shell commands (POSIX `sh`, run by CDK's local bundling in an `afterBundling` hook) that copy the
 * installed packages at `paths` from `projectRoot` into `outputDir`, preserving their `node_modules/...` layout.
 *
 * CDK also renders these commands for Docker bundling (with `/asset-input` paths), so they must not touch the
 * file system; check the paths once with {@link assertModulesInstalled}.
 *
 * @param projectRoot absolute project root (the bundling `inputDir`)
 * @param outputDir absolute bundle directory (becomes `/var/task`)
 * @param paths top-level install paths from {@link dependencyClosure}
 */
export function copyModulesCommands(projectRoot: string, outputDir: string, paths: readonly string[]): string[] {
  const commands: string[] = [];
  const dirs = new Set<string>();
  for (const path of paths) {
    const from = join(projectRoot, path);
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (!dirs.has(parent)) {
      dirs.add(parent);
      commands.push(`mkdir -p ${sh(join(outputDir, parent))}`);
    }
    commands.push(`cp -R ${sh(from)} ${sh(join(outputDir, parent))}/`);
  }
  return commands;
}

/**
 * A shell command deleting files a Lambda never reads from a copied `node_modules` (type declarations, source
 * maps of dependencies, markdown), to keep the zipped asset small. Safe when the directory does not exist.
 * @param outputDir absolute bundle directory
 */
export function pruneModulesCommand(outputDir: string): string {
  const dir = sh(join(outputDir, 'node_modules'));
  return `[ ! -d ${dir} ] || find ${dir} -type f \\( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' \\) -delete`;
}
