/**
 * `npm run demo`: the whole pipeline against a bundled fixture site, no network needed.
 * Starts a local publisher (feeds + AP-style pages, one built from the seed story), runs one cycle on an
 * in-memory embedded store, prints the tagged items with their evidence and the alerts, then runs a second
 * cycle to show that nothing is stored or alerted twice.
 */
import { resolveConfig } from '../shared/config/load.ts';
import { createLogger } from '../shared/log.ts';
import { formatSummary } from '../local/commands/run.ts';
import { LocalRuntime } from '../local/runtime.ts';
import { startFixtureSite } from './fixture-site.ts';

const site = await startFixtureSite();
const config = await resolveConfig(
  {
    feeds: [
      { name: 'Wire Desk – World', url: `${site.base}/feeds/world.rss` },
      { name: 'Wire Desk – Asia', url: `${site.base}/feeds/asia.atom` },
    ],
    http: { allowHosts: [site.hostPort], hostGapMs: 0 },
    channels: [{ id: 'console', type: 'console' }],
    subscriptions: [{ topics: ['*'], channel: 'console', mode: 'realtime' }],
  },
  'demo',
);
const alertsPrinted: string[] = [];
const runtime = await LocalRuntime.start({
  config,
  dataDir: '',
  memory: true,
  logger: createLogger({ level: (process.env.WIREWATCH_LOG_LEVEL as 'info') ?? 'warn' }),
  consoleWrite: (line) => {
    alertsPrinted.push(line);
  },
});

const bar = (t: string) => console.log(`\n── ${t} ${'─'.repeat(Math.max(0, 70 - t.length))}`);
try {
  bar(`fixture publisher on ${site.base}`);
  const first = await runtime.runCycle({ force: true });
  console.log(formatSummary(first));

  bar('stored items, with topics and evidence');
  const { items } = await runtime.ctx.store.queryItems({ limit: 50 });
  for (const summary of items) {
    const item = await runtime.ctx.store.getItem(summary.id);
    if (!item) continue;
    const tags = item.topics.map((t) => `${t.id} (score ${t.score.toFixed(2)})`).join(', ') || 'no topic';
    console.log(
      `\n• ${item.title}\n  ${item.url}\n  extraction: ${item.extraction.status}${item.extraction.reason ? ` (${item.extraction.reason})` : ''} · feeds: ${item.feedIds.length} · ${tags}`,
    );
    for (const t of item.topics) {
      for (const ev of t.evidence.slice(0, 3)) {
        let marked = ev.text;
        for (const term of [...ev.terms].sort((a, b) => b.start - a.start)) {
          const s = term.start - ev.start;
          const e = term.end - ev.start;
          if (s >= 0 && e <= marked.length) marked = `${marked.slice(0, s)}[${marked.slice(s, e)}]${marked.slice(e)}`;
        }
        console.log(`    why ${t.id}: ${ev.clause} (${ev.field})\n      “${marked}”`);
      }
    }
  }

  bar('alerts (console channel)');
  console.log(alertsPrinted.length ? alertsPrinted.join('\n') : '(none)');

  bar('second cycle: conditional GET, nothing new');
  const second = await runtime.runCycle({ force: true });
  console.log(formatSummary(second));
  console.log(`\npublisher saw: ${site.requests.join(', ')}`);
} finally {
  await runtime.close();
  await site.close();
}
