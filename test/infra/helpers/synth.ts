import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../../infra/app.ts';
import type { HandlerName, WirewatchStack } from '../../../infra/stack.ts';

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Stack name the CLI synthesises (infra/app.ts default). */
export const STACK_NAME = 'Wirewatch';

/** The `context` of cdk.json, so in-process apps synthesise with the same feature flags as `npx cdk synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  const json = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return json.context ?? {};
}

/**
 * Builds the real app in process with bundling skipped (`aws:cdk:bundling-stacks: []`: assets get placeholder
 * hashes), for template and cdk-nag assertions. About 5-10 s on 2 cores, so synthesise once per describe block.
 * @param context extra CDK context (`-c` keys), merged over cdk.json's
 */
export async function synthTemplate(
  context: Record<string, unknown> = {},
): Promise<{ app: App; stack: WirewatchStack; template: Template }> {
  const app = new App({
    outdir: join(tmpdir(), `wirewatch-template-${process.pid}`),
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
  });
  const { stack } = await buildApp(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/**
 * Runs `npx cdk synth` (the CLI, reading cdk.json, with bundling) ONCE per test run into a temp `cdk.out` shared by
 * every test file of the run: the directory is keyed by the vitest main process id (the parent of the fork
 * pool's workers), guarded by a lock directory, and marked complete; it is rebuilt when any input (infra/,
 * functions/, shared/, web/, wirewatch.yaml, cdk.json, package-lock.json) is newer. Offline: version check, notices and
 * telemetry are off (env + cdk.json) and proxies point at a dead loopback port ({@link OFFLINE_CDK_ENV}).
 * Old directories from previous runs are removed. Set `WIREWATCH_CDK_OUT` to an existing cdk.out (e.g. from
 * `npx cdk synth -o ...`) to skip synthesis while iterating on the tests.
 *
 * @returns the cdk.out directory
 * @throws Error with the CLI's output when synthesis fails
 */
export async function synthBundledOnce(): Promise<string> {
  const given = process.env.WIREWATCH_CDK_OUT;
  if (given) {
    if (!existsSync(join(given, 'manifest.json'))) throw new Error(`WIREWATCH_CDK_OUT=${given} has no manifest.json`);
    return given;
  }
  const base = join(tmpdir(), 'wirewatch-cdk-out');
  mkdirSync(base, { recursive: true });
  const out = join(base, `run-${process.ppid}`);
  const done = join(out, '.complete');
  const lock = `${out}.lock`;
  for (const name of readdirSync(base)) {
    const path = join(base, name);
    if (path !== out && path !== lock && Date.now() - statSync(path).mtimeMs > 3_600_000)
      rmSync(path, { recursive: true, force: true });
  }
  const fresh = () => existsSync(done) && statSync(done).mtimeMs >= newestSourceMtime();
  for (;;) {
    if (fresh()) return out;
    try {
      mkdirSync(lock);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 500)); // another test file of this run is synthesising
    }
  }
  try {
    if (fresh()) return out;
    rmSync(out, { recursive: true, force: true });
    const res = spawnSync('npx', ['cdk', 'synth', '--no-notices', '--quiet', '--output', out], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...OFFLINE_CDK_ENV },
      timeout: 240_000,
    });
    if (res.status !== 0) {
      throw new Error(`npx cdk synth failed (${res.status ?? res.signal}):\n${res.stdout}\n${res.stderr}`.slice(-8000));
    }
    writeFileSync(done, new Date().toISOString());
    return out;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Newest modification time (ms) of the synth inputs, so a cached cdk.out older than any of them is rebuilt. */
function newestSourceMtime(): number {
  let newest = 0;
  const visit = (path: string) => {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['infra', 'functions', 'shared', 'web', 'wirewatch.yaml', 'cdk.json', 'package-lock.json'])
    visit(join(ROOT, p));
  return newest;
}

/**
 * Environment for an offline `cdk` CLI run: no version check, no telemetry, and every HTTP(S) proxy pointed at a
 * closed loopback port, so an attempted outbound request (notices, telemetry) fails at once instead of leaving
 * the machine. Synthesis must succeed with it.
 */
export const OFFLINE_CDK_ENV: Readonly<Record<string, string>> = {
  CDK_DISABLE_VERSION_CHECK: '1',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  http_proxy: 'http://127.0.0.1:9',
  NO_PROXY: '127.0.0.1,localhost',
  no_proxy: '127.0.0.1,localhost',
};

/** `fan-out-alerts` → `FanOutAlerts` (construct ids in the stack). */
export function constructId(name: HandlerName): string {
  return name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

/**
 * The bundle directory (`cdk.out/asset.<hash>`) of one handler, found through the synthesised template's
 * `aws:cdk:path` / `aws:asset:path` metadata.
 * @throws Error when the function or its asset is not in the template
 */
export function bundleDir(cdkOut: string, name: HandlerName): string {
  const template = JSON.parse(readFileSync(join(cdkOut, `${STACK_NAME}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  const path = `${STACK_NAME}/${constructId(name)}/Function/Resource`;
  for (const res of Object.values(template.Resources)) {
    if (res.Type === 'AWS::Lambda::Function' && res.Metadata?.['aws:cdk:path'] === path) {
      const asset = res.Metadata['aws:asset:path'];
      if (asset) return join(cdkOut, asset);
    }
  }
  throw new Error(`${path}: no function with an asset in ${cdkOut}`);
}
