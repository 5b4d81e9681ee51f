import type { Command } from 'commander';
import {
  createAlerter,
  ALERT_STATUSES,
  type AlertRecord,
  type DigestPreview,
  type DigestRun,
} from '../../shared/alerts/index.ts';
import { InputError } from '../../shared/errors.ts';
import { createHttpClient } from '../../shared/http/index.ts';
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

/** `2026-12-05 08:00 UTC` of an ISO-8601 time. */
const minuteUtc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The next digest of each subscription for people: a header line (subscription → channel, schedule, alert count,
 * when due), then the digest as its plain-text email reads, indented.
 */
export function formatDigestPreviews(previews: DigestPreview[]): string {
  if (previews.length === 0) return 'no digest subscriptions and nothing deferred';
  return previews
    .map((p) => {
      const count = `${p.alerts.length} alert${p.alerts.length === 1 ? '' : 's'}`;
      const when = p.due ? `due now (since ${minuteUtc(p.dueAt)})` : `next ${minuteUtc(p.dueAt)}`;
      const head = `${p.subscriptionId} → ${p.channelId} (${p.channelType}) · ${p.schedule} · ${count} · ${when}`;
      if (!p.message) return `${head}\n    (nothing to send)`;
      const body = `Subject: ${p.message.subject}\n\n${p.message.text.trimEnd()}`;
      return `${head}\n${body
        .split('\n')
        .map((l) => (l ? `    ${l}` : ''))
        .join('\n')}`;
    })
    .join('\n\n');
}

/** What `alerts digest --send-now` did, for people. */
export function formatDigestRun(r: DigestRun): string {
  if (r.digests.length === 0) return 'no deferred alerts: nothing to send';
  return r.digests
    .map(
      (d) =>
        `${d.failed > 0 ? 'failed' : 'sent'}  ${d.subscriptionId} → ${d.channelId}: ${d.alerts} alert${d.alerts === 1 ? '' : 's'}`,
    )
    .join('\n');
}

/**
 * `wirewatch alerts [--status <s>] [--limit <n>]` lists recent alert records (newest first) with status, attempts
 * and last error; `wirewatch alerts retry` re-drives parked (`failed`) alerts. Both work on the embedded store.
 * `wirewatch alerts digest [--preview | --send-now] [--subscription ID]` shows the next digest of each
 * subscription without touching anything (read-only), or sends every deferred alert now through the digest path
 * (exit 1 when a digest could not be sent; it is parked as failed, like any digest).
 * With `--json`: `alerts` prints `{"alerts": AlertRecord[]}`, `alerts retry` prints `{"sent": n, "failed": n}`,
 * `alerts digest` prints `{"digests": DigestPreview[]}` and with `--send-now` `{"sent", "failed", "digests":
 * [{subscriptionId, channelId, alerts, sent, failed}]}`; console-channel lines then go to stderr so stdout stays JSON.
 */
export function register(program: Command, ctx: CliContext): void {
  const withAlerter = <T>(
    fn: (alerter: ReturnType<typeof createAlerter>) => Promise<T>,
    access: 'read' | 'write',
  ): Promise<T> =>
    ctx.withStore(
      async ({ config, store }) => {
        const http = createHttpClient(config.http);
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
    .description('list recent alerts with their delivery status (see also: alerts digest, alerts retry)')
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
    .command('digest')
    .description('show the next digest of each subscription (--preview, the default) or send it now (--send-now)')
    .option('--preview', 'show what each next digest would carry; sends and changes nothing (the default)', false)
    .option('--send-now', 'send every deferred alert now, due or not, through the normal digest path', false)
    .option('--subscription <id>', 'only this subscription')
    .action(async (o: { preview: boolean; sendNow: boolean; subscription?: string }) => {
      if (o.preview && o.sendNow) throw new InputError('bad_option', 'give either --preview or --send-now, not both');
      const only = { subscriptionId: o.subscription };
      if (!o.sendNow) {
        const digests = await withAlerter((a) => a.previewDigests(new Date(), only), 'read');
        ctx.output({ digests }, (v) => formatDigestPreviews((v as { digests: DigestPreview[] }).digests));
        return;
      }
      const res = await withAlerter((a) => a.runDigests(new Date(), { ...only, force: true }), 'write');
      ctx.output(res, (v) => formatDigestRun(v as DigestRun));
      if (res.failed > 0) ctx.fail(1);
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
