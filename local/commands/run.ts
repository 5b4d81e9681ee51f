import type { Command } from 'commander';
import type { CycleSummary } from '../../shared/types.ts';
import type { CliContext } from '../cli-context.ts';
import { LocalRuntime, type CycleProgress } from '../runtime.ts';
import { formatElapsed, formatRate, NO_PROGRESS } from '../terminal.ts';
import { assertSecretsPresent } from '../../shared/config/secrets.ts';

/** Renders the cycle summary for people. */
export function formatSummary(s: CycleSummary): string {
  return [
    `feeds     ${s.feeds.total} polled: ${s.feeds.ok} ok, ${s.feeds.notModified} not modified, ${s.feeds.failed} failed`,
    `entries   ${s.entries.seen} seen, ${s.entries.new} new`,
    `articles  ${s.articles.extracted} extracted, ${s.articles.fallback} from feed text, ${s.articles.failed} failed`,
    `items     ${s.items.stored} stored, ${s.items.tagged} tagged`,
    `alerts    ${s.alerts.sent} sent, ${s.alerts.deferred} to digest, ${s.alerts.failed} failed, ${s.alerts.suppressed} suppressed`,
    `pages     ${s.pages.retried} retried, ${s.pages.rechecked} rechecked (${s.pages.notModified} not modified), ${s.pages.gaveUp} given up`,
  ].join('\n');
}

/**
 * The progress line of a cycle: `feeds 12/40 polled · articles 30 processed (4.1/s), 12 queued · 0:12`
 * (before scheduling finished, the feed total is the number configured). Pure.
 * @param nowMs the current time, epoch ms
 * @param configured the number of configured feeds
 */
export function formatCycleProgress(p: CycleProgress, nowMs: number, configured: number): string {
  const elapsed = p.startedAt === null ? 0 : nowMs - p.startedAt;
  const total = p.feeds.scheduled || configured;
  const alerts =
    p.alerts.sent + p.alerts.deferred > 0 ? ` · alerts ${p.alerts.sent} sent, ${p.alerts.deferred} to digest` : '';
  return (
    `feeds ${p.feeds.polled}/${total} polled · articles ${p.articles.processed} processed ` +
    `(${formatRate(p.articles.processed, elapsed)}), ${p.articles.queued} queued${alerts} · ${formatElapsed(elapsed)}`
  );
}

/**
 * `wirewatch run --once`: one full cycle over every configured feed (due or not; conditional GET still
 * applies), plus the page retries and rechecks that are due at that moment (not the ones due later), then exit. Exit 0 when the cycle ran, even if feeds or pages failed; non-zero only for fatal
 * problems (bad config or a channel secret missing from the environment 2, store unavailable 3).
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('run one polling cycle over every configured feed, then exit')
    .option('--once', 'run a single cycle (the only mode; kept explicit for scripts)', true)
    .action(async () => {
      const config = await ctx.loadConfig();
      // A channel's secret missing from the environment fails now (exit 2), not at the first alert.
      assertSecretsPresent(config);
      const g = ctx.globals();
      const runtime = await LocalRuntime.start({
        config,
        dataDir: g.dataDir,
        memory: g.memory,
        logger: ctx.logger,
        // Console-channel alerts go to stderr (stdout is the summary), past the progress line.
        consoleWrite: ctx.note,
      });
      // On a terminal a progress line shows the cycle as it runs; the summary is printed once it is gone.
      const progress =
        ctx.progress?.(() => formatCycleProgress(runtime.progress(), Date.now(), config.feeds.length)) ?? NO_PROGRESS;
      try {
        const summary = await runtime.runCycle({ force: true });
        progress.done();
        ctx.output(summary, (v) => formatSummary(v as CycleSummary));
      } finally {
        progress.done();
        await runtime.close();
      }
    });
}
