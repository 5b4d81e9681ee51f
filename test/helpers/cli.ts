import { Command } from 'commander';
import { resolveConfig } from '../../shared/config/load.ts';
import { silentLogger } from '../../shared/log.ts';
import type { CliContext, RegisterCommand } from '../../local/cli-context.ts';

/**
 * Runs one CLI command module through commander with a `CliContext` that records `output` values and the exit
 * code — for commands that need a config (with `http.allowHosts`) but no store.
 * @param register the command module's `register`
 * @param argv the command name and its arguments, e.g. `['feed', file, '--base-url', url]`
 */
export async function runCommand(register: RegisterCommand, argv: string[], allowHosts: string[] = []) {
  const out: unknown[] = [];
  let exitCode = 0;
  const ctx: CliContext = {
    globals: () => ({ config: 'wirewatch.yaml', dataDir: '.wirewatch/data', json: true, memory: true }),
    loadConfig: () => resolveConfig({ http: { allowHosts, hostGapMs: 0 } }, '<test>'),
    loadConfigOrDefaults: () => resolveConfig({ http: { allowHosts, hostGapMs: 0 } }, '<test>'),
    logger: silentLogger,
    output: (v) => out.push(v),
    withStore: () => Promise.reject(new Error(`${argv[0]} needs no store`)),
    fail: (code) => {
      exitCode = code;
    },
  };
  const program = new Command().exitOverride();
  register(program, ctx);
  await program.parseAsync(['node', 'wirewatch', ...argv]);
  return { out: out as Array<Record<string, any>>, exitCode };
}
