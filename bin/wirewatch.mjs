#!/usr/bin/env node
// Entry point of the `wirewatch` CLI (package.json "bin"). Runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
process.env.WIREWATCH_CLI_MAIN = '1';
await import('../local/cli.ts');
