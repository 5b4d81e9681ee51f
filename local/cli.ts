import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { loadConfig, resolveConfig, type Config } from '../shared/config/load.ts';
import { WirewatchError } from '../shared/errors.ts';
import { createLogger } from '../shared/log.ts';
import { Store } from '../shared/store/index.ts';
import type { CliContext, GlobalOptions, RegisterCommand } from './cli-context.ts';
import { startEmbeddedStore } from './embedded-store.ts';
import { register as registerRun } from './commands/run.ts';
import { register as registerServe } from './commands/serve.ts';
import { register as registerItems } from './commands/items.ts';
import { register as registerFeeds } from './commands/feeds.ts';
import { register as registerFeed } from './commands/feed.ts';
import { register as registerExtract } from './commands/extract.ts';
import { register as registerClassify } from './commands/classify.ts';
import { register as registerTopics } from './commands/topics.ts';
import { register as registerAlerts } from './commands/alerts.ts';
import { register as registerStore } from './commands/store.ts';

/** Every command module, in help order. */
const commands: RegisterCommand[] = [
  registerServe,
  registerRun,
  registerItems,
  registerFeeds,
  registerFeed,
  registerExtract,
  registerClassify,
  registerTopics,
  registerAlerts,
  registerStore,
];

/** Exit codes: 0 ok, 1 command failed, 2 bad config or usage, 3 store unavailable. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof WirewatchError) {
    if (err.code.startsWith('config_') || err.code === 'rule_invalid') return 2;
    if (err.code === 'store_unavailable') return 3;
    if (err.name === 'InputError') return 2;
  }
  return 1;
}

/**
 * Builds the `wirewatch` program (commander). Exported for tests, which run it in-process with `parseAsync`.
 * @param io stdout/stderr writers (default: the process's)
 */
export function buildProgram(io: { out?: (s: string) => void; err?: (s: string) => void } = {}): {
  program: Command;
  ctx: CliContext;
  exitCode: () => number;
} {
  const out = io.out ?? ((s: string) => process.stdout.write(s));
  const err = io.err ?? ((s: string) => process.stderr.write(s));
  let exitCode = 0;
  const program = new Command('wirewatch')
    .description('Monitor news feeds, extract articles, detect topics with evidence, store and alert.')
    .version(
      (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
      '-V, --version',
    )
    .option('--config <file>', 'configuration file', process.env.WIREWATCH_CONFIG || './wirewatch.yaml')
    .option('--data-dir <dir>', 'embedded store directory', '.wirewatch/data')
    .option('--memory', 'use a throwaway in-memory store', false)
    .option('--json', 'machine-readable output on stdout (logs stay on stderr)', false)
    .showHelpAfterError('(run `wirewatch --help` for usage)')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });

  const globals = (): GlobalOptions => {
    const o = program.opts<{ config: string; dataDir: string; json: boolean; memory: boolean }>();
    return { config: o.config, dataDir: o.dataDir, json: Boolean(o.json), memory: Boolean(o.memory) };
  };
  let configPromise: Promise<Config> | undefined;
  const logger = createLogger({ write: (line) => err(`${line}\n`) });
  const ctx: CliContext = {
    globals,
    logger,
    loadConfig: () => (configPromise ??= loadConfig(globals().config)),
    async loadConfigOrDefaults() {
      try {
        return await ctx.loadConfig();
      } catch (e) {
        const named = program.getOptionValueSource('config') === 'cli' || Boolean(process.env.WIREWATCH_CONFIG);
        if (!named && e instanceof WirewatchError && e.code === 'config_missing')
          return resolveConfig({}, '<defaults>');
        throw e;
      }
    },
    output(value, human) {
      if (globals().json) out(`${JSON.stringify(value)}\n`);
      else out(`${human ? human(value) : JSON.stringify(value, null, 2)}\n`);
    },
    async withStore(fn, opts = {}) {
      const config = await ctx.loadConfig();
      const g = globals();
      const embedded = await startEmbeddedStore({ dataDir: g.dataDir, memory: g.memory, access: opts.access });
      try {
        const store = new Store({
          client: embedded.client,
          tableName: config.store.tableName,
          retentionDays: config.store.retentionDays,
        });
        await store.ensureTable();
        embedded.seal();
        return await fn({ client: embedded.client, config });
      } finally {
        await embedded.close();
      }
    },
    fail(code) {
      exitCode = code;
    },
  };
  for (const register of commands) register(program, ctx);
  return { program, ctx, exitCode: () => exitCode };
}

/**
 * Runs the CLI with `argv` (as `process.argv`). Errors become one clear line on stderr (and
 * `{"error":{code,message}}` on stdout with `--json`) and a non-zero exit code; never a stack trace.
 * @returns the exit code
 */
export async function runCli(
  argv: string[],
  io: { out?: (s: string) => void; err?: (s: string) => void } = {},
): Promise<number> {
  const { program, ctx, exitCode } = buildProgram(io);
  const err = io.err ?? ((s: string) => process.stderr.write(s));
  try {
    await program.parseAsync(argv);
    return exitCode();
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const code = exitCodeFor(e);
    const message = e instanceof Error ? e.message : String(e);
    if (ctx.globals().json) {
      const body = e instanceof WirewatchError ? e.toJSON() : { code: 'internal_error', message };
      (io.out ?? ((s: string) => process.stdout.write(s)))(`${JSON.stringify({ error: body })}\n`);
    }
    err(`wirewatch: ${message}\n`);
    if (!(e instanceof WirewatchError) && process.env.WIREWATCH_DEBUG) err(`${String((e as Error).stack)}\n`);
    return code;
  }
}

// Run when executed directly (npm start, bin/wirewatch.mjs), not when imported by tests.
const invokedDirectly = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('local/cli.ts');
if (invokedDirectly || process.env.WIREWATCH_CLI_MAIN === '1') {
  const code = await runCli(process.argv);
  // Every command has closed what it opened; exit explicitly so idle keep-alive sockets cannot hold the process.
  process.stdout.write('', () => process.exit(code));
}
