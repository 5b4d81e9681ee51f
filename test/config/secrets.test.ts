import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../shared/config/load.ts';
import { assertSecretsPresent, missingSecrets } from '../../shared/config/secrets.ts';
import { runCli } from '../../local/cli.ts';

const channels = [
  { id: 'team-slack', type: 'slack', webhookUrlEnv: 'WW_TEST_SLACK_URL' },
  { id: 'hook', type: 'webhook', url: 'https://hooks.example.org/ww', secretEnv: 'WW_TEST_HOOK_SECRET' },
  { id: 'fanout', type: 'sns' },
  { id: 'desk', type: 'email', to: ['desk@example.org'], from: 'ww@example.org' },
];

describe('missingSecrets', () => {
  it('lists every channel secret that is unset or empty, naming file, channel, key and variable', async () => {
    const config = await resolveConfig({ channels }, 'w.yaml');
    expect(missingSecrets(config, { WW_TEST_SLACK_URL: '' })).toEqual([
      'w.yaml: channel team-slack: webhookUrlEnv names WW_TEST_SLACK_URL, which is not set in the environment',
      'w.yaml: channel hook: secretEnv names WW_TEST_HOOK_SECRET, which is not set in the environment',
      'w.yaml: channel fanout: topicArnEnv names WIREWATCH_ALERTS_TOPIC_ARN, which is not set in the environment',
    ]);
    const env = {
      WW_TEST_SLACK_URL: 'https://hooks.slack.example/x',
      WW_TEST_HOOK_SECRET: 's',
      WIREWATCH_ALERTS_TOPIC_ARN: 'arn',
    };
    expect(missingSecrets(config, env)).toEqual([]);
    expect(() => assertSecretsPresent(config, env)).not.toThrow();
    expect(() => assertSecretsPresent(config, {})).toThrow(expect.objectContaining({ code: 'config_secret_missing' }));
  });

  it('a config without secret-bearing channels needs nothing', async () => {
    expect(missingSecrets(await resolveConfig({}), {})).toEqual([]);
  });
});

describe('wirewatch run --once with a channel secret missing', () => {
  let dir: string;
  let server: Server;
  let requests = 0;
  let configFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-secrets-'));
    server = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.end('<rss version="2.0"><channel><title>t</title></channel></rss>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    configFile = join(dir, 'wirewatch.yaml');
    await writeFile(
      configFile,
      [
        'feeds:',
        `  - { url: "http://127.0.0.1:${port}/feed.xml", id: local }`,
        'channels:',
        '  - { id: team-slack, type: slack, webhookUrlEnv: WW_TEST_UNSET_SLACK_WEBHOOK }',
        'subscriptions:',
        '  - { topics: ["*"], channel: team-slack }',
        'http:',
        `  allowHosts: ["127.0.0.1:${port}"]`,
        '  hostGapMs: 0',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const run = async () => {
    let err = '';
    const code = await runCli(['node', 'wirewatch', '--config', configFile, '--memory', 'run', '--once'], {
      out: () => {},
      err: (s) => (err += s),
    });
    return { code, err };
  };

  it('exits 2 before polling, naming the variable', async () => {
    delete process.env.WW_TEST_UNSET_SLACK_WEBHOOK;
    const { code, err } = await run();
    expect(code).toBe(2);
    expect(err).toContain(
      `${configFile}: channel team-slack: webhookUrlEnv names WW_TEST_UNSET_SLACK_WEBHOOK, which is not set in the environment`,
    );
    expect(requests).toBe(0);
  });

  it('runs the cycle once the variable is set', async () => {
    process.env.WW_TEST_UNSET_SLACK_WEBHOOK = 'https://hooks.slack.example/unused';
    try {
      const { code } = await run();
      expect(code).toBe(0);
      expect(requests).toBe(1);
    } finally {
      delete process.env.WW_TEST_UNSET_SLACK_WEBHOOK;
    }
  });
});
