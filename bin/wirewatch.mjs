#!/usr/bin/env node
// Entry point of the `wirewatch` CLI (package.json "bin"). Runs the prebuilt bundle of the TypeScript sources
// when it matches them (bin/cli-bundle.mjs: rebuilt here when a source changed), else the sources through tsx.
// `WIREWATCH_NO_BUNDLE=1` forces the tsx path; `WIREWATCH_DEBUG=1` says on stderr which path runs and why.
import { resolveCliEntry } from './cli-bundle.mjs';

const log = process.env.WIREWATCH_DEBUG ? (line) => process.stderr.write(`wirewatch: ${line}\n`) : undefined;
const entry = await resolveCliEntry({ log });
let cli = null;
if (entry) {
  try {
    cli = await import(entry);
  } catch (err) {
    // Only loading failed (main() has not run): the sources can still run.
    log?.(`running the sources with tsx: the bundle did not load (${String(err?.message ?? err).split('\n')[0]})`);
  }
}
if (!cli) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../local/cli.ts');
}
await cli.main();
