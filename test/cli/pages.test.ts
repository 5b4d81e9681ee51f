/**
 * `wirewatch run --once` performs the page retries due at that moment, and `wirewatch item <id>` shows the page's
 * fetch state — through the CLI entry point (runCli in-process) on a persistent embedded store, real clock. With
 * `pages.retry.backoff: 0s` a retry is due at once, so the second run performs it (no waiting in the test).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../local/cli.ts';
import { itemDetailSchema } from '../../shared/api/schemas.ts';
import { itemIdFor } from '../../shared/store/index.ts';
import { articleHtml, startPublisher, SURVEY, type Publisher } from '../helpers/page-world.ts';

let dir: string;
let config: string;
let pub: Publisher;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirewatch-pages-cli-'));
  pub = await startPublisher();
  pub.page('a', (n) => (n === 0 ? { status: 503 } : { body: articleHtml('Wildlife survey', SURVEY) }));
  config = join(dir, 'wirewatch.yaml');
  await writeFile(
    config,
    [
      'feeds:',
      `  - { id: parks, url: "${pub.base}/feed.xml" }`,
      'topics:',
      '  - { id: okapi, name: Okapi sightings, rule: okapi }',
      'subscriptions:',
      '  - { topics: [okapi], channel: console }',
      'alerts: { maxItemAgeHours: 0 }',
      'pages: { retry: { backoff: 0s } }',
      'http:',
      `  allowHosts: ["${pub.hostPort}"]`,
      '  hostGapMs: 0',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await pub?.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'wirewatch', '--config', config, '--data-dir', join(dir, 'data'), ...args], {
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  return { code, out, err };
}

describe('run --once and item <id> with page retries', () => {
  it('the first run records the failed fetch; the next run retries it; item shows the fetch state', async () => {
    const id = itemIdFor(pub.pageUrl('a'));
    const first = await cli('--json', 'run', '--once');
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out).pages).toEqual({ retried: 0, rechecked: 0, notModified: 0, gaveUp: 0 });
    const failed = itemDetailSchema.parse(JSON.parse((await cli('--json', 'item', id)).out));
    expect(failed.fetch).toMatchObject({ state: 'retrying', attempts: 1, lastError: 'http 503' });
    expect(failed.topics).toEqual([]);
    const human = await cli('item', id);
    expect(human.out).toContain('fetch retrying: attempt 1 of 8, last error http 503, next retry ');

    const second = await cli('--json', 'run', '--once');
    expect(second.code, second.err).toBe(0);
    expect(JSON.parse(second.out).pages).toMatchObject({ retried: 1 });
    expect(pub.hitsOf('a').map((h) => h.status)).toEqual([503, 200]);
    const fetched = itemDetailSchema.parse(JSON.parse((await cli('--json', 'item', id)).out));
    expect(fetched.topics.map((t) => t.id)).toEqual(['okapi']);
    expect(fetched.fetch).toMatchObject({ state: 'rechecking', attempts: 2, recheck: { checks: 0, of: 5 } });
    expect((await cli('item', id)).out).toMatch(
      /fetch rechecking: attempt 2 of 8, last error http 503, rechecks 0 of 5, next /,
    );
  }, 60_000);
});
