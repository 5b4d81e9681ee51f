import { readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { Config } from '../shared/config/load.ts';
import { WirewatchError } from '../shared/errors.ts';
import { createLogger, LOG_FORMATS } from '../shared/log.ts';
import type { CliContext, GlobalOptions, RegisterCommand } from './cli-context.ts';
import { resolveTerminal, Terminal, type TerminalOptions } from './terminal.ts';

/**
 * Every command module, in help order, with the top-level commands it registers. A run loads only the module of
 * the command it runs (dynamic import): the others' dependencies (AWS SDK clients, DOM engines, the embedded
 * store) stay unloaded, which is most of the start-up time. The root help lists the others from `term` and
 * `summary`, which must read exactly as the modules' own (`test/local/cli-startup.test.ts` compares them).
 */
export const COMMAND_MODULES: ReadonlyArray<{
  load: () => Promise<{ register: RegisterCommand }>;
  commands: ReadonlyArray<{ name: string; term: string; summary: string }>;
}> = [
  {
    load: () => import('./commands/serve.ts'),
    commands: [
      {
        name: 'serve',
        term: 'serve [options]',
        summary: 'run the pipeline on its schedule and serve the local API (npm start)',
      },
    ],
  },
  {
    load: () => import('./commands/run.ts'),
    commands: [
      { name: 'run', term: 'run [options]', summary: 'run one polling cycle over every configured feed, then exit' },
    ],
  },
  {
    load: () => import('./commands/items.ts'),
    commands: [
      {
        name: 'items',
        term: 'items [options]',
        summary: 'list stored items, newest first (same filters as GET /items)',
      },
      {
        name: 'item',
        term: 'item <id>',
        summary: 'one stored item in full: text, urls, topics with evidence (same JSON as GET /items/{id})',
      },
    ],
  },
  {
    load: () => import('./commands/feeds.ts'),
    commands: [
      {
        name: 'feeds',
        term: 'feeds',
        summary: 'feed health: status, failures, last success, next poll (import/export: OPML)',
      },
    ],
  },
  {
    load: () => import('./commands/feed.ts'),
    commands: [
      {
        name: 'feed',
        term: 'feed [options] <target>',
        summary: 'fetch a feed URL (or read a saved feed file) and print its normalised entries',
      },
    ],
  },
  {
    load: () => import('./commands/extract.ts'),
    commands: [
      {
        name: 'extract',
        term: 'extract [options] [target]',
        summary: 'extract the article from a URL or a saved HTML file (or a --batch JSONL list)',
      },
    ],
  },
  {
    load: () => import('./commands/classify.ts'),
    commands: [
      {
        name: 'classify',
        term: 'classify [options] <input>',
        summary: 'detect topics in an HTML page, a text file or JSON {"title","text"} (file, URL or - for stdin)',
      },
    ],
  },
  {
    load: () => import('./commands/topics.ts'),
    commands: [{ name: 'topics', term: 'topics', summary: 'evaluate and backtest topic rules' }],
  },
  {
    load: () => import('./commands/alerts.ts'),
    commands: [
      {
        name: 'alerts',
        term: 'alerts [options]',
        summary: 'list recent alerts with their delivery status (see also: alerts digest, alerts retry)',
      },
    ],
  },
  {
    load: () => import('./commands/store.ts'),
    commands: [
      {
        name: 'store',
        term: 'store',
        summary: 'back up, restore, check and repair the embedded store',
      },
    ],
  },
  {
    load: () => import('./commands/stories.ts'),
    commands: [
      {
        name: 'stories',
        term: 'stories [options]',
        summary: 'stories (one per wire report, with its copies and versions), newest activity first; stories eval',
      },
      {
        name: 'story',
        term: 'story <id>',
        summary:
          'one story in full: lineage, versions with diffs, topics with evidence (same JSON as GET /stories/{id})',
      },
    ],
  },
];

/** Global options that take a value (their value is not the command name). */
const VALUE_OPTIONS = new Set(['--config', '--data-dir', '--log-format']);

/**
 * The command an argv names (`['node', 'wirewatch', '--json', 'items']` → `items`; `help items` → `items`), or
 * null for none (root help, `--version`). Global options may come first; `--opt=value` and `--opt value` forms.
 */
export function commandNameIn(argv: readonly string[]): string | null {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1] ?? null;
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    if (a === 'help') {
      const next = args.slice(i + 1).find((x) => !x.startsWith('-'));
      return next ?? null;
    }
    return a;
  }
  return null;
}

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
 * Builds the `wirewatch` program (commander) for one argv: the module of the command `argv` names is loaded and
 * registered in full; every other command is a stub with its name and summary (enough for the root help and for
 * commander's "unknown command" suggestions). With `all`, every module is loaded (tests compare the two).
 * @param io stdout/stderr writers (default: the process's); `isTTY` whether stderr is a terminal (default: the
 *   process's stderr when `err` is not given, else false)
 * @param argv the arguments the program will parse (as `process.argv`)
 */
export async function buildProgram(
  io: { out?: (s: string) => void; err?: (s: string) => void; isTTY?: boolean } = {},
  argv: readonly string[] = process.argv,
  opts: { all?: boolean } = {},
): Promise<{
  program: Command;
  ctx: CliContext;
  exitCode: () => number;
}> {
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
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines on stderr (default: pretty on a terminal, else json; env WIREWATCH_LOG_FORMAT)',
      ).choices(LOG_FORMATS),
    )
    .option('--no-progress', 'no progress line on a terminal (env WIREWATCH_PROGRESS=0)')
    .showHelpAfterError('(run `wirewatch --help` for usage)')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });

  const globals = (): GlobalOptions => {
    const o = program.opts<{ config: string; dataDir: string; json: boolean; memory: boolean }>();
    return { config: o.config, dataDir: o.dataDir, json: Boolean(o.json), memory: Boolean(o.memory) };
  };
  let configPromise: Promise<Config> | undefined;
  const isTTY = io.isTTY ?? (io.err ? false : Boolean(process.stderr.isTTY));
  // Decided once the options are parsed (preAction, below); until then JSON lines and no progress.
  let term: TerminalOptions = { logFormat: 'json', progress: false, color: false };
  let terminal = new Terminal(err, { tty: false });
  program.hook('preAction', () => {
    const o = program.opts<{ json: boolean; logFormat?: string; progress: boolean }>();
    term = resolveTerminal({ isTTY, json: Boolean(o.json), flag: o.logFormat, progress: o.progress, env: process.env });
    terminal = new Terminal(err, { tty: term.progress, columns: () => process.stderr.columns });
  });
  const logger = createLogger({
    write: (line) => terminal.line(line),
    format: () => term.logFormat,
    color: () => term.color,
  });
  // The config, store and embedded-store modules are loaded when a command first needs them.
  const configModule = () => import('../shared/config/load.ts');
  const ctx: CliContext = {
    globals,
    logger,
    progress: (render) => terminal.progress(render),
    note: (line) => terminal.line(line),
    loadConfig: () => (configPromise ??= configModule().then((m) => m.loadConfig(globals().config))),
    async loadConfigOrDefaults() {
      try {
        return await ctx.loadConfig();
      } catch (e) {
        const named = program.getOptionValueSource('config') === 'cli' || Boolean(process.env.WIREWATCH_CONFIG);
        if (!named && e instanceof WirewatchError && e.code === 'config_missing')
          return (await configModule()).resolveConfig({}, '<defaults>');
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
      const [{ startEmbeddedStore }, { Store }] = await Promise.all([
        import('./embedded-store.ts'),
        import('../shared/store/index.ts'),
      ]);
      const embedded = await startEmbeddedStore({ dataDir: g.dataDir, memory: g.memory, access: opts.access });
      try {
        const store = new Store({
          client: embedded.client,
          tableName: config.store.tableName,
          retentionDays: config.store.retentionDays,
        });
        await store.ensureTable();
        embedded.seal();
        return await fn({ client: embedded.client, config, store });
      } finally {
        await embedded.close();
      }
    },
    fail(code) {
      exitCode = code;
    },
  };
  const wanted = commandNameIn(argv);
  const loaded = await Promise.all(
    COMMAND_MODULES.map((m) =>
      opts.all || m.commands.some((c) => c.name === wanted) ? m.load() : Promise.resolve(null),
    ),
  );
  const terms = new Map<string, string>();
  COMMAND_MODULES.forEach((m, i) => {
    const mod = loaded[i];
    if (mod) {
      mod.register(program, ctx);
      return;
    }
    for (const c of m.commands) {
      terms.set(c.name, c.term);
      program.command(c.name).description(c.summary).allowUnknownOption().allowExcessArguments();
    }
  });
  const help = program.createHelp();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? help.subcommandTerm(cmd) });
  return { program, ctx, exitCode: () => exitCode };
}

/**
 * Runs the CLI with `argv` (as `process.argv`). Errors become one clear line on stderr (and
 * `{"error":{code,message}}` on stdout with `--json`) and a non-zero exit code; never a stack trace.
 * @returns the exit code
 */
export async function runCli(
  argv: string[],
  io: { out?: (s: string) => void; err?: (s: string) => void; isTTY?: boolean } = {},
): Promise<number> {
  const err = io.err ?? ((s: string) => process.stderr.write(s));
  let built: Awaited<ReturnType<typeof buildProgram>>;
  try {
    // WIREWATCH_CLI_LOAD_ALL=1 loads every command module as before lazy loading (start-up benchmark baseline).
    built = await buildProgram(io, argv, { all: process.env.WIREWATCH_CLI_LOAD_ALL === '1' });
  } catch (e) {
    err(`wirewatch: cannot load the command: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const { program, ctx, exitCode } = built;
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

/**
 * Runs the CLI on `process.argv` and exits with its code (bin/wirewatch.mjs calls this, from the bundle or
 * through tsx). Every command has closed what it opened; the explicit exit keeps idle keep-alive sockets from
 * holding the process.
 */
export async function main(): Promise<void> {
  const code = await runCli(process.argv);
  process.stdout.write('', () => process.exit(code));
}

// `tsx local/cli.ts …` runs it directly; imported (tests, bin/wirewatch.mjs) it waits to be called.
if (process.argv[1]?.endsWith(`local${sep}cli.ts`) || process.argv[1]?.endsWith('local/cli.ts')) await main();
