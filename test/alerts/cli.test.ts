import { Command } from 'commander';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlerter, type AlertRecord } from '../../shared/alerts/index.ts';
import { loadConfig, type Config } from '../../shared/config/load.ts';
import { silentLogger } from '../../shared/log.ts';
import { Store } from '../../shared/store/index.ts';
import type { CliContext } from '../../local/cli-context.ts';
import { register } from '../../local/commands/alerts.ts';
import { startEmbeddedStore } from '../../local/embedded-store.ts';
import { httpFor, recordingSleep, saveArticle, startReceiver, topicMatch, type Receiver } from './helpers.ts';

/**
 * `wirewatch alerts [--json]` and `wirewatch alerts retry` on a persistent embedded store (the command module with
 * a CliContext built like local/cli.ts builds it: real config file, real dynalite data dir).
 */
describe('alerts CLI', () => {
  let dir: string;
  let configFile: string;
  let rx: Receiver;
  let healthy = false;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-alerts-cli-'));
    rx = await startReceiver((_i, _r, res) => (healthy ? res.end('ok') : res.writeHead(500).end('down')));
    configFile = join(dir, 'wirewatch.yaml');
    await writeFile(
      configFile,
      [
        'channels:',
        '  - { id: team-slack, type: slack, webhookUrlEnv: WW_TEST_SLACK_URL }',
        'subscriptions:',
        '  - { id: slack, topics: [china-russia], channel: team-slack, mode: realtime }',
        '  - { id: con, topics: ["*"], channel: console, mode: realtime }',
        'alerts: { maxAttempts: 1 }',
        `http: { allowHosts: ["${rx.hostPort}"], hostGapMs: 0 }`,
        '',
      ].join('\n'),
    );
    process.env.WW_TEST_SLACK_URL = rx.url;
    // Seed: one alert sent on the console, one parked on the (down) Slack receiver.
    const config = await loadConfig(configFile);
    const db = await startEmbeddedStore({ dataDir: join(dir, 'data') });
    try {
      const store = new Store({ client: db.client, tableName: config.store.tableName, retentionDays: 90 });
      await store.ensureTable();
      const alerter = createAlerter({
        config,
        table: store.table,
        items: store,
        http: httpFor(config),
        consoleWrite: () => {},
        sleep: recordingSleep().sleep,
      });
      const title = 'Putin hosts Xi in Moscow';
      const { item, newTopics } = await saveArticle(store, {
        url: 'https://news.example/cli/1',
        title,
        topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, ['Putin', 'Xi'])],
      });
      const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
      expect(res).toMatchObject({ sent: 1, failed: 1 });
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    delete process.env.WW_TEST_SLACK_URL;
    await rx.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs `wirewatch [--json] <args>` through the command module; returns stdout and the exit code. */
  async function run(args: string[], json: boolean): Promise<{ out: string; code: number }> {
    let out = '';
    let code = 0;
    const program = new Command('wirewatch').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    let configPromise: Promise<Config> | undefined;
    const ctx: CliContext = {
      globals: () => ({ config: configFile, dataDir: join(dir, 'data'), json, memory: false }),
      loadConfig: () => (configPromise ??= loadConfig(configFile)),
      loadConfigOrDefaults: () => ctx.loadConfig(),
      logger: silentLogger,
      output(value, human) {
        out += `${json ? JSON.stringify(value) : human ? human(value) : JSON.stringify(value, null, 2)}\n`;
      },
      async withStore(fn) {
        const config = await ctx.loadConfig();
        const db = await startEmbeddedStore({ dataDir: join(dir, 'data') });
        try {
          const store = new Store({
            client: db.client,
            tableName: config.store.tableName,
            retentionDays: config.store.retentionDays,
          });
          return await fn({ client: db.client, config, store });
        } finally {
          await db.close();
        }
      },
      fail(c) {
        code = c;
      },
    };
    register(program, ctx);
    await program.parseAsync(['node', 'wirewatch', ...args]);
    return { out, code };
  }

  it('alerts --json lists recent alerts with status, attempts and last error', async () => {
    const { out, code } = await run(['alerts'], true);
    expect(code).toBe(0);
    const { alerts } = JSON.parse(out) as { alerts: AlertRecord[] };
    expect(alerts.map((a) => [a.subscriptionId, a.status]).sort()).toEqual([
      ['con', 'sent'],
      ['slack', 'failed'],
    ]);
    const failed = alerts.find((a) => a.status === 'failed')!;
    expect(failed).toMatchObject({ attempts: 1, lastErrorCode: 'channel_unavailable', retryable: true });
    expect(failed.lastError).toContain('HTTP 500');

    const onlyFailed = JSON.parse((await run(['alerts', '--status', 'failed'], true)).out) as { alerts: AlertRecord[] };
    expect(onlyFailed.alerts).toHaveLength(1);
    const human = await run(['alerts', '--limit', '1'], false);
    expect(human.out.trim().split('\n')).toHaveLength(1);
    await expect(run(['alerts', '--limit', 'x'], true)).rejects.toMatchObject({ code: 'bad_limit' });
    await expect(run(['alerts', '--status', 'nope'], true)).rejects.toMatchObject({ code: 'bad_status' });
  });

  it('alerts retry re-drives parked alerts; exit 1 while some still fail', async () => {
    const before = rx.requests.length;
    const first = await run(['alerts', 'retry'], true);
    expect(JSON.parse(first.out)).toEqual({ sent: 0, failed: 1 });
    expect(first.code).toBe(1);
    healthy = true;
    const second = await run(['alerts', 'retry'], true);
    expect(JSON.parse(second.out)).toEqual({ sent: 1, failed: 0 });
    expect(second.code).toBe(0);
    expect(rx.requests.length - before).toBe(2);
    const { alerts } = JSON.parse((await run(['alerts'], true)).out) as { alerts: AlertRecord[] };
    expect(alerts.every((a) => a.status === 'sent')).toBe(true);
    expect(JSON.parse((await run(['alerts', 'retry'], true)).out)).toEqual({ sent: 0, failed: 0 });
  });

  it('runs through the real wirewatch CLI (local/cli.ts): alerts --json', async () => {
    const { runCli } = await import('../../local/cli.ts');
    let out = '';
    const code = await runCli(
      [
        'node',
        'wirewatch',
        '--config',
        configFile,
        '--data-dir',
        join(dir, 'data'),
        '--json',
        'alerts',
        '--limit',
        '5',
      ],
      {
        out: (s) => {
          out += s;
        },
        err: () => {},
      },
    );
    expect(code).toBe(0);
    const { alerts } = JSON.parse(out) as { alerts: AlertRecord[] };
    expect(alerts.map((a) => a.subscriptionId).sort()).toEqual(['con', 'slack']);
  });
});
