/**
 * The local runtime composes the Lambda handlers but must not load the X-Ray SDK: its async hooks make Node track
 * the destruction of every promise (about a tenth of the pipeline's CPU in a `run --once` profile) for traces that
 * only Lambda sends. The handlers live in functions/handlers/; only the Lambda entries load the tracer.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Whether importing `module` (relative to the repository) loads aws-xray-sdk-core, in a fresh node process. */
function loadsXray(module: string): boolean {
  const script = [
    "import { createRequire } from 'node:module';",
    "import { pathToFileURL } from 'node:url';",
    'const require = createRequire(import.meta.url);',
    `await import(pathToFileURL(${JSON.stringify(`${ROOT}${module}`)}).href);`,
    "console.log(Object.keys(require.cache).some((k) => k.includes('aws-xray-sdk-core')));",
  ].join('\n');
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out.trim().split('\n').at(-1) === 'true';
}

describe('the X-Ray SDK', () => {
  it('is loaded by a Lambda entry (the check can see it)', () => {
    expect(loadsXray('functions/poll-feed.ts')).toBe(true);
  });

  it('is not loaded by the local runtime or the CLI', () => {
    expect(loadsXray('local/runtime.ts')).toBe(false);
    expect(loadsXray('local/cli.ts')).toBe(false);
  });
});
