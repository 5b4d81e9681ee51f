import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertModulesInstalled,
  copyModulesCommands,
  dependencyClosure,
  pruneModulesCommand,
} from '../../infra/bundling.ts';
import { InfraError } from '../../infra/errors.ts';
import { toEventBridgeSchedule } from '../../infra/schedule.ts';
import { readStackSettings } from '../../infra/settings.ts';
import { ROOT } from './helpers/synth.ts';

const LOCK = join(ROOT, 'test/fixtures/infra/lock/package-lock.json');

describe('toEventBridgeSchedule', () => {
  it.each([
    ['*/5 * * * *', 'cron(*/5 * * * ? *)'],
    ['0 */10 * * * *', 'cron(*/10 * * * ? *)'],
    ['30 7 * * 1-5', 'cron(30 7 ? * MON-FRI *)'],
    ['0 9 * * 0', 'cron(0 9 ? * SUN *)'],
    ['0 9 * * 7', 'cron(0 9 ? * SUN *)'],
    ['0 9 * * 5-7', 'cron(0 9 ? * FRI-SAT,SUN *)'],
    ['0 9 * * sat,sun', 'cron(0 9 ? * SAT,SUN *)'],
    ['0 9 * * 6-1', 'cron(0 9 ? * SAT,SUN,MON *)'],
    ['15 3 1 * *', 'cron(15 3 1 * ? *)'],
    ['rate(10 minutes)', 'rate(10 minutes)'],
    ['cron(0/15 * * * ? *)', 'cron(0/15 * * * ? *)'],
  ])('%s → %s', (input, expected) => {
    expect(toEventBridgeSchedule(input)).toBe(expected);
  });

  it.each([
    ['*/5 * * *', /expected 5 cron fields/],
    ['30 */5 * * * *', /seconds field must be 0/],
    ['0 9 1 * 1', /both day-of-month and day-of-week/],
    ['0 9 * * 1/2', /step, L or #/],
    ['0 9 * * 8', /not 0-7/],
    ['cron(0 12 * * ?)', /6 fields/],
  ])('rejects %s', (input, message) => {
    expect(() => toEventBridgeSchedule(input)).toThrow(message);
    try {
      toEventBridgeSchedule(input);
    } catch (err) {
      expect(err).toBeInstanceOf(InfraError);
      expect((err as InfraError).code).toBe('infra_schedule_invalid');
      expect((err as InfraError).retryable).toBe(false);
    }
  });
});

describe('readStackSettings', () => {
  const from = (ctx: Record<string, unknown>) => (key: string) => ctx[key];

  it('defaults everything but the schedule, which comes from wirewatch.yaml', () => {
    const s = readStackSettings(from({}), '*/5 * * * *');
    expect(s).toMatchObject({
      configPath: 'wirewatch.yaml',
      alertEmail: null,
      alertTopics: [],
      opsEmail: null,
      slackSecretName: null,
      schedule: 'cron(*/5 * * * ? *)',
      digestSchedule: 'cron(0/15 * * * ? *)',
      retainTable: true,
      logRetention: 30,
      pollConcurrency: 5,
      articleConcurrency: 10,
      apiThrottle: { rateLimit: 20, burstLimit: 40 },
    });
  });

  it('reads -c strings and typed cdk.json values alike', () => {
    const s = readStackSettings(
      from({
        alertEmail: 'me@example.org',
        schedule: '0 * * * *',
        retainTable: 'false',
        logRetentionDays: '90',
        pollConcurrency: 20,
        apiRateLimit: '5',
        slackSecretName: 'wirewatch/slack',
        alertTopics: 'china-russia, china-us',
      }),
      '*/5 * * * *',
    );
    expect(s.alertEmail).toBe('me@example.org');
    expect(s.alertTopics).toEqual(['china-russia', 'china-us']);
    expect(s.opsEmail).toBe('me@example.org'); // defaults to alertEmail
    expect(s.schedule).toBe('cron(0 * * * ? *)');
    expect(s.retainTable).toBe(false);
    expect(s.logRetention).toBe(90);
    expect(s.pollConcurrency).toBe(20);
    expect(s.apiThrottle.rateLimit).toBe(5);
    expect(s.slackSecretName).toBe('wirewatch/slack');
  });

  it('reads channelSecrets as channelId=secretName pairs and refuses malformed ones', () => {
    const s = readStackSettings(from({ channelSecrets: 'team=wirewatch/a, hook = wirewatch/b' }), '* * * * *');
    expect([...s.channelSecrets]).toEqual([
      ['team', 'wirewatch/a'],
      ['hook', 'wirewatch/b'],
    ]);
    expect(() => readStackSettings(from({ channelSecrets: 'justaname' }), '* * * * *')).toThrow(
      /context "channelSecrets": "justaname" is not channelId=secretName/,
    );
    expect(() => readStackSettings(from({ channelSecrets: 'a=x,a=y' }), '* * * * *')).toThrow(/listed twice/);
  });

  it('names every bad key in one InfraError', () => {
    let caught: unknown;
    try {
      readStackSettings(
        from({ alertEmail: 'not-an-email', pollConcurrency: '1', logRetentionDays: '42', retainTable: 'maybe' }),
        '* * * * *',
      );
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InfraError);
    const message = (caught as InfraError).message;
    expect((caught as InfraError).code).toBe('infra_context_invalid');
    for (const key of ['alertEmail', 'pollConcurrency', 'logRetentionDays', 'retainTable'])
      expect(message).toContain(`context "${key}"`);
  });
});

describe('dependencyClosure', () => {
  it('follows dependencies, nested installs, cycles and installed optionals, not unrelated or dev packages', () => {
    expect(dependencyClosure(LOCK, ['dom'])).toEqual([
      'node_modules/@scope/css',
      'node_modules/canvas-ish',
      'node_modules/cycle-a',
      'node_modules/cycle-b',
      'node_modules/dom',
      'node_modules/shared', // needed by @scope/css; dom's own `shared` is nested and copied with dom
    ]);
  });

  it('fails on a root or a required dependency that is not installed', () => {
    expect(() => dependencyClosure(LOCK, ['nope'])).toThrow(/package "nope" is not installed/);
    expect(() => dependencyClosure(LOCK, ['broken'])).toThrow(/"ghost" \(needed by node_modules\/broken\)/);
    expect(() => dependencyClosure(join(ROOT, 'test/fixtures/infra/missing.json'), ['x'])).toThrow(InfraError);
  });

  it('finds the whole runtime closure of jsdom in the real lock file', () => {
    const paths = dependencyClosure(join(ROOT, 'package-lock.json'), ['jsdom']);
    expect(paths).toContain('node_modules/jsdom');
    expect(paths).toContain('node_modules/whatwg-url');
    expect(paths).not.toContain('node_modules/vitest');
    expect(() => assertModulesInstalled(ROOT, paths)).not.toThrow();
  });
});

describe('copyModulesCommands', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies the closure into the bundle with its layout (run by sh, as CDK local bundling does)', () => {
    dir = mkdtempSync(join(tmpdir(), "wirewatch-copy-it's-"));
    const project = join(dir, 'project');
    const out = join(dir, 'out dir');
    const pkg = (path: string, extra: Record<string, string> = {}) => {
      mkdirSync(join(project, path), { recursive: true });
      writeFileSync(join(project, path, 'package.json'), '{}');
      for (const [f, text] of Object.entries(extra)) writeFileSync(join(project, path, f), text);
    };
    pkg('node_modules/dom', { 'index.js': 'module.exports = 1', 'index.d.ts': 'export {}', 'README.md': '#' });
    pkg('node_modules/dom/node_modules/shared', { 'index.js': 'nested' });
    pkg('node_modules/@scope/css', { 'index.js.map': '{}' });
    pkg('node_modules/unrelated');
    mkdirSync(out);
    const paths = ['node_modules/@scope/css', 'node_modules/dom'];
    assertModulesInstalled(project, paths);
    const script = [...copyModulesCommands(project, out, paths), pruneModulesCommand(out)].join(' && ');
    const res = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(readFileSync(join(out, 'node_modules/dom/index.js'), 'utf8')).toBe('module.exports = 1');
    expect(readFileSync(join(out, 'node_modules/dom/node_modules/shared/index.js'), 'utf8')).toBe('nested');
    expect(existsSync(join(out, 'node_modules/@scope/css/package.json'))).toBe(true);
    expect(existsSync(join(out, 'node_modules/unrelated'))).toBe(false);
    // pruned: declarations, maps, markdown
    expect(existsSync(join(out, 'node_modules/dom/index.d.ts'))).toBe(false);
    expect(existsSync(join(out, 'node_modules/dom/README.md'))).toBe(false);
    expect(existsSync(join(out, 'node_modules/@scope/css/index.js.map'))).toBe(false);
    expect(() => assertModulesInstalled(project, ['node_modules/ghost'])).toThrow(/run `npm ci`/);
  });

  it('prune is a no-op without node_modules', () => {
    dir = mkdtempSync(join(tmpdir(), 'wirewatch-prune-'));
    expect(spawnSync('sh', ['-c', pruneModulesCommand(dir)]).status).toBe(0);
  });
});
