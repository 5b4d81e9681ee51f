import { InvalidArgumentError, type Command } from 'commander';
import { Cron } from 'croner';
import { createApi } from '../../shared/api/index.ts';
import { resolveLocalToken, TokenVerifier } from '../../shared/api/auth.ts';
import { ConfigError } from '../../shared/errors.ts';
import { assertSecretsPresent } from '../../shared/config/secrets.ts';
import { cursorKeyFrom } from '../../shared/api/cursor.ts';
import type { CliContext } from '../cli-context.ts';
import { LocalRuntime } from '../runtime.ts';
import { startApiServer } from '../api-server.ts';
import { buildLocalDashboard } from '../dashboard.ts';
import { AlertRepo } from '../../shared/alerts/records.ts';
import { Store } from '../../shared/store/index.ts';

/** A second stop signal sooner than this after the first is the same signal delivered twice, ms. */
const REPEAT_SIGNAL_MS = 1_000;

/** Validates a cron pattern up front so a typo fails at start with the config key named. @throws ConfigError */
function cronOrThrow(pattern: string, key: string, fn: () => Promise<unknown>): Cron {
  try {
    return new Cron(pattern, { timezone: 'UTC', protect: true, catch: true }, async () => {
      await fn();
    });
  } catch (err) {
    throw new ConfigError(`${key}: invalid cron expression "${pattern}": ${(err as Error).message}`);
  }
}

/**
 * `wirewatch serve` (what `npm start` runs): embedded store + table, a cycle at once and then on
 * `schedule` (croner, UTC), housekeeping every 5 minutes (TTL purge dynalite cannot do, due digests),
 * and the query API on http://127.0.0.1:<api.port>. SIGINT/SIGTERM: batches in flight finish, queued work is kept
 * for the next start (LocalRuntime.close), the store is closed, exit 0; a second signal exits at once (130).
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run the pipeline on its schedule and serve the local API (npm start)')
    .option('--port <port>', 'API port (overrides api.port; 0 = any free port)', (v) => {
      const port = Number(v);
      if (!/^\d+$/.test(v) || port > 65535) throw new InvalidArgumentError('must be a port number, 0-65535');
      return port;
    })
    .action(async (opts: { port?: number }) => {
      const config = await ctx.loadConfig();
      // A channel whose secret is not in the environment would park every alert later: refuse now (exit 2).
      assertSecretsPresent(config);
      const g = ctx.globals();
      const log = ctx.logger;
      const runtime = await LocalRuntime.start({ config, dataDir: g.dataDir, memory: g.memory, logger: log });
      const { token, generated } = resolveLocalToken(process.env);
      const dashboard = buildLocalDashboard(log);
      const api = createApi({
        store: runtime.ctx.store,
        topics: config.topics.map((t) => ({ id: t.id, name: t.name, rule: t.rule, threshold: t.threshold })),
        // The runtime's store is the DynamoDB `Store`; its table layer also holds the alert records.
        alerts: runtime.ctx.store instanceof Store ? new AlertRepo(runtime.ctx.store.table) : undefined,
        dashboard,
        cursorKey: cursorKeyFrom(process.env[config.api.cursorKeyEnv]),
        tokens: TokenVerifier.fromTokens([token]),
        feeds: config.feeds,
        logger: log,
      });
      let server: Awaited<ReturnType<typeof startApiServer>>;
      try {
        server = await startApiServer((req) => api.handle(req), {
          host: config.api.host,
          port: opts.port ?? config.api.port,
          logger: log,
        });
      } catch (err) {
        await runtime.close();
        throw err;
      }
      process.stderr.write(
        `wirewatch: dashboard on ${server.url}/  (sign in with the API token)\n` +
          `wirewatch: API on ${server.url}  (try: curl -H "Authorization: Bearer ${generated ? '$TOKEN' : '$WIREWATCH_API_TOKEN'}" ${server.url}/items)\n` +
          (generated
            ? `wirewatch: generated API token (shown once; set WIREWATCH_API_TOKEN to choose your own): TOKEN=${token}\n`
            : ''),
      );
      log.info('serving', {
        api: server.url,
        feeds: config.feeds.length,
        schedule: config.schedule,
        dataDir: g.memory ? ':memory:' : g.dataDir,
      });

      const cycle = async () => {
        if (runtime.busy) {
          log.info('previous cycle still running; skipping this tick');
          return;
        }
        const summary = await runtime.runCycle();
        log.info('cycle finished', { summary });
      };
      const jobs = [
        cronOrThrow(config.schedule, 'schedule', cycle),
        cronOrThrow('*/5 * * * *', 'housekeeping', async () => log.info('housekeeping', await runtime.housekeeping())),
      ];
      // First cycle at once: every feed, whether due or not.
      void runtime.runCycle({ force: true }).then(
        (summary) => log.info('cycle finished', { summary }),
        (err: unknown) => log.error('cycle failed', { error: (err as Error).message }),
      );

      await new Promise<void>((resolve) => {
        let stoppingSince = 0;
        const stop = (signal: string) => {
          // Under `npm start` one Ctrl-C arrives twice: from the terminal (to the whole process group) and forwarded
          // by npm. A repeat within a second is that echo, not an operator who wants to stop at once.
          if (stoppingSince && Date.now() - stoppingSince < REPEAT_SIGNAL_MS) return;
          if (stoppingSince) {
            // A second signal: the operator does not want to wait for in-flight work.
            process.stderr.write(
              `wirewatch: ${signal} again: stopping now; the next start re-reads every feed in full, so no entry is missed\n`,
            );
            process.exit(130);
          }
          stoppingSince = Date.now();
          log.info('shutting down: finishing in-flight work (send the signal again to stop at once)', { signal });
          resolve();
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      });
      for (const j of jobs) j.stop();
      await server.close();
      await runtime.close();
      log.info('stopped');
    });
}
