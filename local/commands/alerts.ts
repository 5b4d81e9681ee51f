import type { Command } from 'commander';
import { createAlerter, ALERT_STATUSES, type AlertRecord } from '../../shared/alerts/index.ts';
import { InputError } from '../../shared/errors.ts';
import { createHttpClient } from '../../shared/http/index.ts';
import { Store } from '../../shared/store/index.ts';
import type { CliContext } from '../cli-context.ts';

/** One human line per alert record: `<updatedAt> <status> <channel> <topic> <title>`. */
export function formatAlerts(records: AlertRecord[]): string {
  if (records.length === 0) return 'no alerts';
  return records
    .map((r) => {
      const err = r.status === 'failed' && r.lastError ? `  (${r.lastError})` : r.reason ? `  (${r.reason})` : '';
      return `${r.updatedAt}  ${r.status.padEnd(10)} ${r.channelId.padEnd(14)} ${r.topicId.padEnd(16)} ${r.content.title}${err}`;
    })
    .join('\n');
}

/**
 * `wirewatch alerts [--status <s>] [--limit <n>]` lists recent alert records (newest first) with status, attempts
 * and last error; `wirewatch alerts retry` re-drives parked (`failed`) alerts. Both work on the embedded store.
 * With `--json`: `alerts` prints `{"alerts": AlertRecord[]}`, `alerts retry` prints `{"sent": n, "failed": n}`;
 * console-channel lines then go to stderr so stdout stays JSON.
 */
export function register(program: Command, ctx: CliContext): void {
  const withAlerter = <T>(
    fn: (alerter: ReturnType<typeof createAlerter>) => Promise<T>,
    access: 'read' | 'write',
  ): Promise<T> =>
    ctx.withStore(
      async ({ client, config }) => {
        const http = createHttpClient(config.http);
        const store = new Store({
          client,
          tableName: config.store.tableName,
          retentionDays: config.store.retentionDays,
        });
        const json = ctx.globals().json;
        const alerter = createAlerter({
          config,
          table: store.table,
          items: store,
          http,
          logger: ctx.logger.child({ stage: 'alerts' }),
          consoleWrite: (line) => void (json ? process.stderr : process.stdout).write(`${line}\n`),
        });
        try {
          return await fn(alerter);
        } finally {
          await http.close();
        }
      },
      { access },
    );

  const alerts = program
    .command('alerts')
    .description('list recent alerts with their delivery status (see also: alerts retry)')
    .option('--status <status>', `only this status (${ALERT_STATUSES.join(', ')})`)
    .option('--limit <n>', 'how many, newest first (1-1000)', '50')
    .action(async (opts: { status?: string; limit: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new InputError('bad_limit', `--limit must be an integer from 1 to 1000, got "${opts.limit}"`);
      }
      if (opts.status !== undefined && !(ALERT_STATUSES as readonly string[]).includes(opts.status)) {
        throw new InputError(
          'bad_status',
          `--status must be one of ${ALERT_STATUSES.join(', ')}, got "${opts.status}"`,
        );
      }
      const records = await withAlerter((a) => a.listAlerts({ limit, status: opts.status }), 'read');
      ctx.output({ alerts: records }, (v) => formatAlerts((v as { alerts: AlertRecord[] }).alerts));
    });

  alerts
    .command('retry')
    .description('re-drive parked (failed) alerts through their channels')
    .action(async () => {
      const res = await withAlerter((a) => a.retryParked(), 'write');
      ctx.output(res, (v) => {
        const r = v as { sent: number; failed: number };
        return `retried: ${r.sent} sent, ${r.failed} still failed`;
      });
      if (res.failed > 0) ctx.fail(1);
    });
}
