// Loads a synthesised Lambda bundle (index.mjs) in THIS fresh Node process, like the Lambda runtime's init phase,
// then optionally invokes `handler` once. Usage:
//   node invoke-bundle.mjs <bundleDir> <resultFile> [eventFile]
// Writes {initMs, invokeMs?, maxRssMb, result?, error?} as JSON to <resultFile> (stdout/stderr stay free for the function's logs).
// INVOKE_ALSO_IMPORT=pkg[,pkg] additionally imports those packages as resolved from the bundle (e.g. jsdom, which
// process-article loads lazily) and reports the time as alsoImportMs.
// Plain .mjs on purpose: it must run with bare `node`, as Lambda does, without tsx.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const [bundleDir, resultFile, eventFile] = process.argv.slice(2);
const t0 = performance.now();
let out;
try {
  const mod = await import(pathToFileURL(join(bundleDir, 'index.mjs')).href);
  const initMs = performance.now() - t0;
  if (typeof mod.handler !== 'function') throw new Error('bundle does not export a handler function');
  out = { initMs };
  const also = (process.env.INVOKE_ALSO_IMPORT ?? '').split(',').filter(Boolean);
  if (also.length) {
    const req = createRequire(join(bundleDir, 'index.mjs'));
    const t2 = performance.now();
    for (const pkg of also) await import(pathToFileURL(req.resolve(pkg)).href);
    out.alsoImportMs = performance.now() - t2;
  }
  if (eventFile) {
    const event = JSON.parse(await readFile(eventFile, 'utf8'));
    const deadline = Date.now() + 60_000;
    const context = {
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'smoke',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:smoke',
      memoryLimitInMB: '1024',
      awsRequestId: randomUUID(),
      logGroupName: '/aws/lambda/smoke',
      logStreamName: 'smoke',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done() {},
      fail() {},
      succeed() {},
    };
    const t1 = performance.now();
    out.result = await mod.handler(event, context);
    out.invokeMs = performance.now() - t1;
  }
} catch (err) {
  out = {
    ...(out ?? {}),
    error: { name: err?.name, message: String(err?.message ?? err), stack: String(err?.stack ?? '') },
  };
}
out.maxRssMb = process.resourceUsage().maxRSS / 1024;
await writeFile(resultFile, JSON.stringify(out));
process.exit(0);
