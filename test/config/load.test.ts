import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedIdFor, loadConfig, resolveConfig } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';

describe('config loading', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a file with only feeds and defaults everything else', async () => {
    const file = join(dir, 'only-feeds.yaml');
    await writeFile(file, 'feeds:\n  - url: https://example.org/feed.xml\n');
    const config = await loadConfig(file);
    expect(config.feeds).toEqual([
      {
        id: feedIdFor('https://example.org/feed.xml'),
        url: 'https://example.org/feed.xml',
        name: null,
        // The default interval is the period of the default schedule (*/5 * * * *).
        interval: { mode: 'fixed', ms: 300_000, tickMs: 300_000 },
      },
    ]);
    expect(config.schedule).toBe('*/5 * * * *');
    expect(config.api.port).toBe(8787);
    expect(config.http.allowHosts).toEqual([]);
    expect(config.channels.map((c) => c.id)).toEqual(['console']);
    expect(config.subscriptions).toHaveLength(1);
    expect(config.subscriptions[0]).toMatchObject({ topics: ['*'], channel: 'console', mode: 'realtime' });
    expect(config.topics.map((t) => t.id)).toContain('china-russia');
    expect(config.alerts.maxItemAgeHours).toBe(48);
    expect(config.store.retentionDays).toBe(90);
  });

  it('names the file, the path and the problem', async () => {
    const file = join(dir, 'bad-url.yaml');
    await writeFile(
      file,
      'feeds:\n  - url: https://example.org/a\n  - url: https://example.org/b\n  - url: "not a url"\n',
    );
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(file);
    expect((err as ConfigError).message).toContain('feeds[2].url');
    expect((err as ConfigError).code).toBe('config_invalid');
  });

  it('rejects unknown top-level keys, missing files and broken YAML with clear messages', async () => {
    const typo = join(dir, 'typo.yaml');
    await writeFile(typo, 'feeds: []\nschedul: "* * * * *"\n');
    await expect(loadConfig(typo)).rejects.toThrow(/schedul/);
    await expect(loadConfig(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'config_missing' });
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'feeds: [\n  - url: x\n');
    await expect(loadConfig(broken)).rejects.toThrow(/not valid YAML/);
  });

  it('rejects non-http feed URLs, bad allowHosts entries and duplicate feeds', async () => {
    await expect(resolveConfig({ feeds: [{ url: 'file:///etc/passwd' }] })).rejects.toThrow(/feeds\[0\]\.url/);
    await expect(resolveConfig({ feeds: [], http: { allowHosts: ['localhost'] } })).rejects.toThrow(
      /http\.allowHosts\[0\]/,
    );
    await expect(
      resolveConfig({ feeds: [{ url: 'https://a.example/f' }, { url: 'https://a.example/f' }] }),
    ).rejects.toThrow(/feeds\[1\]: duplicate of feeds\[0\]/);
  });

  it('merges user topics and aliases over the shipped ones by id', async () => {
    const config = await resolveConfig({
      feeds: [],
      aliases: { china: ['China', 'PRC'], nordic: ['Norway', 'Sweden'] },
      topics: [
        { id: 'china-russia', name: 'Custom CR', rule: 'SENTENCE(@china, @russia)' },
        { id: 'nordics', name: 'Nordics', rule: '@nordic' },
      ],
    });
    const cr = config.topics.filter((t) => t.id === 'china-russia');
    expect(cr).toHaveLength(1);
    expect(cr[0]!.name).toBe('Custom CR');
    expect(config.topics.some((t) => t.id === 'nordics')).toBe(true);
    expect(config.aliases.china).toEqual(['China', 'PRC']);
    expect(config.aliases.russia).toBeDefined();
  });

  it('checks subscriptions against channels and topics', async () => {
    await expect(resolveConfig({ subscriptions: [{ topics: ['china-russia'], channel: 'nope' }] })).rejects.toThrow(
      /subscriptions\[0\]\.channel: unknown channel "nope"/,
    );
    await expect(resolveConfig({ subscriptions: [{ topics: ['no-such-topic'], channel: 'console' }] })).rejects.toThrow(
      /subscriptions\[0\]\.topics\[0\]: unknown topic/,
    );
  });

  it('the repository default wirewatch.yaml is valid and lists real feeds', async () => {
    const config = await loadConfig(new URL('../../wirewatch.yaml', import.meta.url).pathname);
    expect(config.feeds.length).toBeGreaterThanOrEqual(5);
    for (const f of config.feeds) expect(f.url).toMatch(/^https:\/\//);
  });
});

describe('config validation at the right depth', () => {
  it('rejects a bad schedule at load, naming the key', async () => {
    await expect(resolveConfig({ feeds: [], schedule: 'bogus' }, 'cfg.yaml')).rejects.toThrow(
      /cfg\.yaml: schedule: not a valid cron expression/,
    );
    await expect(resolveConfig({ feeds: [], schedule: '0 */10 * * * *' })).resolves.toMatchObject({
      schedule: '0 */10 * * * *',
    });
  });

  it('rejects unknown keys in a feed entry', async () => {
    await expect(resolveConfig({ feeds: [{ url: 'https://ok.example/a', nme: 'x' }] }, 'cfg.yaml')).rejects.toThrow(
      'cfg.yaml: feeds[0].nme: unknown key; did you mean `name`?',
    );
  });
});

describe('unknown keys are errors at every depth, with the nearest known key', () => {
  it.each([
    [{ http: { allowHost: ['127.0.0.1:8080'] } }, 'http.allowHost', 'allowHosts'],
    [{ subscriptions: [{ topics: ['*'], channel: 'console', minscore: 1 }] }, 'subscriptions[0].minscore', 'minScore'],
    [{ alerts: { maxItemAgeHour: 1 } }, 'alerts.maxItemAgeHour', 'maxItemAgeHours'],
    [{ store: { retentionDay: 30 } }, 'store.retentionDay', 'retentionDays'],
    [{ api: { prot: 8080 } }, 'api.prot', 'port'],
    [{ http: { timeouts: { connectMS: 5 } } }, 'http.timeouts.connectMS', 'connectMs'],
    [{ extract: { domm: 'jsdom' } }, 'extract.domm', 'dom'],
    [
      { channels: [{ id: 'h', type: 'webhook', url: 'https://h.example/', secretEnv: 'S', secretenv: 'T' }] },
      'channels[0].secretenv',
      'secretEnv',
    ],
    [
      { topics: [{ id: 'x', name: 'X', rule: 'a', signals: [{ rule: 'b', wieght: 1 }] }] },
      'topics[0].signals[0].wieght',
      'weight',
    ],
    [{ shedule: '* * * * *' }, 'shedule', 'schedule'],
  ])('%j → %s, did you mean %s', async (doc, path, near) => {
    const err = (await resolveConfig(doc, 'w.yaml').catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('config_invalid');
    expect(err.message).toContain(`w.yaml: ${path}: unknown key; did you mean \`${near}\`?`);
  });

  it('without a near key, lists the keys accepted there; the channel type picks the keys', async () => {
    const err = (await resolveConfig(
      {
        channels: [
          { id: 'm', type: 'email', to: ['a@b.org'], from: 'c@d.org', smtp: { host: 'h', port: 25, tls: true } },
        ],
      },
      'w.yaml',
    ).catch((e: unknown) => e)) as ConfigError;
    expect(err.message).toBe('w.yaml: channels[0].smtp.tls: unknown key; expected one of `host`, `port`, `secure`');
    const slack = (await resolveConfig(
      { channels: [{ id: 's', type: 'slack', webhookUrlEnv: 'SLACK', url: 'https://x.example/' }] },
      'w.yaml',
    ).catch((e: unknown) => e)) as ConfigError;
    expect(slack.message).toBe('w.yaml: channels[0].url: unknown key; expected one of `id`, `type`, `webhookUrlEnv`');
  });

  it('reports every unknown key, each on its own line; defaults still apply where nothing is misspelt', async () => {
    const err = (await resolveConfig({ http: { allowHost: [], hostgap: 1 }, api: { prot: 1 } }, 'w.yaml').catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(err.message.split('\n')).toEqual([
      'w.yaml: http.allowHost: unknown key; did you mean `allowHosts`?',
      expect.stringMatching(/^w\.yaml: http\.hostgap: unknown key; /),
      'w.yaml: api.prot: unknown key; did you mean `port`?',
    ]);
    const ok = await resolveConfig({ http: { timeouts: { connectMs: 5 } } });
    expect(ok.http.timeouts).toEqual({ connectMs: 5, headersMs: 10_000, bodyMs: 20_000 });
  });

  it('names the file of a loaded config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ww-config-'));
    const file = join(dir, 'w.yaml');
    await writeFile(file, '# comment\nfeeds: []\nhttp:\n  allowHost: ["127.0.0.1:8080"]\n');
    await expect(loadConfig(file)).rejects.toThrow(
      `${file}: http.allowHost: unknown key; did you mean \`allowHosts\`?`,
    );
    await rm(dir, { recursive: true, force: true });
  });
});

describe('YAML syntax errors', () => {
  it('show the file, line and column, the offending line and a caret under the column', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ww-config-'));
    const file = join(dir, 'w.yaml');
    await writeFile(file, 'feeds:\n  - url: https://a.example/feed\n    name: [World\nschedule: "*/5 * * * *"\n');
    const err = (await loadConfig(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    const lines = err.message.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:1: not valid YAML: \\S`));
    expect(lines.slice(1)).toEqual(['  3 |     name: [World', '  4 | schedule: "*/5 * * * *"', '    | ^']);

    await writeFile(file, 'feeds:\n  - url: https://a.example/\n\tname: x\n');
    const tab = (await loadConfig(file).catch((e: unknown) => e)) as ConfigError;
    expect(tab.message).toContain(':3:1: not valid YAML: Tabs are not allowed as indentation');
    expect(tab.message.split('\n').slice(-2)).toEqual(['  3 | \tname: x', '    | ^']);

    await writeFile(file, 'feeds: [\n  - url: x\n');
    const flow = (await loadConfig(file).catch((e: unknown) => e)) as ConfigError;
    expect(flow.message.split('\n').slice(-2)).toEqual(['  2 |   - url: x', '    |   ^']);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('http.contactUrl', () => {
  it('must be a URL that fits inside the User-Agent comment', async () => {
    await expect(resolveConfig({ http: { contactUrl: 'https://x.org/a) evil' } }, 'cfg.yaml')).rejects.toThrow(
      /http\.contactUrl: must not contain spaces or parentheses/,
    );
    await expect(resolveConfig({ http: { contactUrl: 'mailto:ops@example.org' } })).resolves.toBeTruthy();
  });
});

describe('polling intervals', () => {
  const MIN = 60_000;
  const url = (n: number) => `https://example.org/${n}.xml`;

  it('default to the period of schedule, so */2 polls every 2 minutes, not 5', async () => {
    const config = await resolveConfig({ schedule: '*/2 * * * *', feeds: [{ url: url(1) }] });
    expect(config.feeds[0]!.interval).toEqual({ mode: 'fixed', ms: 2 * MIN, tickMs: 2 * MIN });
    const hourly = await resolveConfig({ schedule: '0 * * * *', feeds: [{ url: url(1) }] });
    expect(hourly.feeds[0]!.interval).toEqual({ mode: 'fixed', ms: 60 * MIN, tickMs: 60 * MIN });
  });

  it('a feed sets its own interval, adaptive with floor and ceiling; polling: sets the defaults', async () => {
    const config = await resolveConfig({
      polling: { interval: '30m', minInterval: '10m' },
      feeds: [
        { url: url(1), interval: '15m' },
        { url: url(2), interval: 'adaptive', maxInterval: '2h' },
        { url: url(3), interval: 'adaptive', minInterval: '1m', maxInterval: '1h30m' },
        { url: url(4) },
      ],
    });
    expect(config.feeds.map((f) => f.interval)).toEqual([
      { mode: 'fixed', ms: 15 * MIN, tickMs: 5 * MIN },
      { mode: 'adaptive', minMs: 10 * MIN, maxMs: 120 * MIN, tickMs: 5 * MIN },
      { mode: 'adaptive', minMs: MIN, maxMs: 90 * MIN, tickMs: 5 * MIN },
      { mode: 'fixed', ms: 30 * MIN, tickMs: 5 * MIN },
    ]);
    const defaults = await resolveConfig({ feeds: [{ url: url(1), interval: 'adaptive' }] });
    expect(defaults.feeds[0]!.interval).toEqual({
      mode: 'adaptive',
      minMs: 5 * MIN,
      maxMs: 360 * MIN,
      tickMs: 5 * MIN,
    });
  });

  it('a misspelt key is an error with a suggestion; a bad value names the path and the forms', async () => {
    await expect(resolveConfig({ feeds: [{ url: url(1), intervall: '15m' }] }, 'w.yaml')).rejects.toThrow(
      'w.yaml: feeds[0].intervall: unknown key; did you mean `interval`?',
    );
    await expect(resolveConfig({ polling: { maxIntervall: '1h' } }, 'w.yaml')).rejects.toThrow(
      'w.yaml: polling.maxIntervall: unknown key; did you mean `maxInterval`?',
    );
    await expect(resolveConfig({ feeds: [{ url: url(1), interval: '15 minutes' }] }, 'w.yaml')).rejects.toThrow(
      'w.yaml: feeds[0].interval: "15 minutes" is not a duration like 90s, 15m, 2h, 1h30m or 1d, nor "adaptive"',
    );
    await expect(resolveConfig({ feeds: [{ url: url(1), interval: 15 }] }, 'w.yaml')).rejects.toThrow(
      /feeds\[0\]\.interval/,
    );
  });

  it('a floor or ceiling without adaptive, or a floor above the ceiling, is an error', async () => {
    await expect(
      resolveConfig({ feeds: [{ url: url(1) }, { url: url(2), interval: '15m', minInterval: '5m' }] }, 'w.yaml'),
    ).rejects.toThrow('w.yaml: feeds[1].minInterval: only with interval: adaptive (this feed polls every 15m)');
    await expect(resolveConfig({ feeds: [{ url: url(1), maxInterval: '1h' }] }, 'w.yaml')).rejects.toThrow(
      'w.yaml: feeds[0].maxInterval: only with interval: adaptive (this feed polls every 5m)',
    );
    await expect(
      resolveConfig({ feeds: [{ url: url(1), interval: 'adaptive', minInterval: '2h', maxInterval: '1h' }] }, 'w.yaml'),
    ).rejects.toThrow('w.yaml: feeds[0]: minInterval 2h is longer than maxInterval 1h');
  });
});
