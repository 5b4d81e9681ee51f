import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'invoke-bundle.mjs');

/** What one fresh-process run of a bundle reported. */
export interface BundleRun {
  /** ms from `import()` of index.mjs to its evaluation (the init phase minus process start). */
  initMs: number;
  /** ms of the one handler invocation, when an event was given. */
  invokeMs?: number;
  /** Peak resident set size of the process, MB. */
  maxRssMb?: number;
  result?: unknown;
  error?: { name?: string; message: string; stack: string };
  /** The function's own log output. */
  stdout: string;
  stderr: string;
  /** Exit code of the process (0 unless the runner itself crashed). */
  code: number | null;
}

/**
 * Environment that keeps a bundle's AWS SDK on loopback: fake credentials and region, no instance metadata
 * lookups, and every service endpoint pointed at `127.0.0.1:9` (discard port) unless `env` names a real local one.
 * The parent's AWS_* variables are not inherited.
 */
export function loopbackAwsEnv(env: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_')) base[k] = v;
  return {
    ...base,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_MAX_ATTEMPTS: '2',
    AWS_LAMBDA_FUNCTION_NAME: 'smoke',
    ...env,
  };
}

/**
 * Runs `bundleDir/index.mjs` in a fresh `node` process (test/infra/helpers/invoke-bundle.mjs), optionally
 * invoking its handler with `event`.
 * @param env the complete environment of the child (see {@link loopbackAwsEnv})
 * @param timeoutMs kill the child after this long
 */
export async function runBundle(
  bundleDir: string,
  options: { event?: unknown; env: Record<string, string>; timeoutMs?: number },
): Promise<BundleRun> {
  const dir = mkdtempSync(join(tmpdir(), 'wirewatch-invoke-'));
  try {
    const resultFile = join(dir, 'result.json');
    const args = [RUNNER, bundleDir, resultFile];
    if (options.event !== undefined) {
      writeFileSync(join(dir, 'event.json'), JSON.stringify(options.event));
      args.push(join(dir, 'event.json'));
    }
    const child = spawn(process.execPath, args, { env: options.env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    let report: Omit<BundleRun, 'stdout' | 'stderr' | 'code'>;
    try {
      report = JSON.parse(readFileSync(resultFile, 'utf8')) as typeof report;
    } catch {
      report = { initMs: Number.NaN, error: { message: `no result (exit ${code})`, stack: '' } };
    }
    return { ...report, stdout, stderr, code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
