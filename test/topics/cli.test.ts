import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../local/cli.ts';
import { startEmbeddedStore } from '../../local/embedded-store.ts';
import { Store, itemIdFor } from '../../shared/store/index.ts';
import { compileTopics } from '../../shared/topics/index.ts';
import { resolveConfig } from '../../shared/config/load.ts';
import { itemInput } from '../store/factories.ts';

/*
 * `wirewatch classify`, `topics eval` and `topics backtest` through the real CLI entry (runCli in-process):
 * files, stdin-free JSON/text/HTML inputs, a page served by a local node:http server, and a persistent
 * embedded store for backtests.
 */

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/topics/${name}`, import.meta.url));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'wirewatch', ...args], {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirewatch-topics-'));
  config = join(dir, 'wirewatch.yaml');
  await writeFile(config, 'feeds: []\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('wirewatch classify', () => {
  it('classifies a JSON {title,text} file and prints matched topics with evidence offsets', async () => {
    const file = join(dir, 'doc.json');
    const text =
      'Chinese President Xi Jinping held talks with Russian President Vladimir Putin in Moscow on trade and energy.';
    await writeFile(file, JSON.stringify({ title: 'Xi meets Putin in Moscow', text }));
    const r = await cli(['--config', config, '--json', 'classify', file]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as {
      topics: Array<{ id: string; name: string; score: number; evidence: Array<Record<string, unknown>> }>;
    };
    expect(body.topics.map((t) => t.id)).toContain('china-russia');
    const cr = body.topics.find((t) => t.id === 'china-russia')!;
    expect(cr.name).toBe('China–Russia relations');
    for (const e of cr.evidence) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['clause', 'field', 'text', 'start', 'end']));
      const field = e.field === 'title' ? 'Xi meets Putin in Moscow' : text;
      expect(field.slice(e.start as number, e.end as number)).toBe(e.text);
    }
  });

  // The seed story lives in the reference folder beside the repository (present in CI); skipped elsewhere.
  const seed = fileURLToPath(new URL('../../../shared/seed/ap-xi-moscow-visit.txt', import.meta.url));
  it.skipIf(!existsSync(seed))('classifies a plain-text file (the seed story)', async () => {
    const r = await cli(['--config', config, '--json', 'classify', seed]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { topics: Array<{ id: string }> }).topics[0]!.id).toBe('china-russia');
  });

  it('prints an empty list for a text about nothing configured', async () => {
    const file = join(dir, 'weather.txt');
    await writeFile(file, 'Rain is expected across the region on Tuesday.\n');
    const r = await cli(['--config', config, '--json', 'classify', file]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ topics: [] });
    const human = await cli(['--config', config, 'classify', file]);
    expect(human.out.trim()).toBe('no topic matched');
  });

  it('extracts an HTML file before classifying it (navigation and footer are not read)', async () => {
    const r = await cli(['--config', config, '--json', 'classify', fixture('page.html')]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { topics: Array<{ id: string; evidence: Array<{ text: string }> }> };
    const cr = body.topics.find((t) => t.id === 'china-russia');
    expect(cr).toBeDefined();
    expect(cr!.evidence.some((e) => e.text.startsWith('Chinese President Xi Jinping arrived in Moscow'))).toBe(true);
  });

  it('fetches and extracts a URL through the HTTP client', async () => {
    const html = await import('node:fs/promises').then((fs) => fs.readFile(fixture('page.html')));
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    try {
      const { port } = server.address() as AddressInfo;
      // the HTTP chokepoint refuses loopback addresses unless the exact host:port is allowed
      const local = join(dir, 'local.yaml');
      await writeFile(local, `feeds: []\nhttp:\n  allowHosts: ["127.0.0.1:${port}"]\n  hostGapMs: 0\n`);
      const r = await cli(['--config', local, '--json', 'classify', `http://127.0.0.1:${port}/xi-visit`]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect((JSON.parse(r.out) as { topics: Array<{ id: string }> }).topics.map((t) => t.id)).toContain(
        'china-russia',
      );
    } finally {
      await new Promise<void>((res) => server.close(() => res()));
    }
  });

  it('fails with exit 2 and a clear message for malformed JSON input and a missing file', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, '{"title": "x"}');
    const bad = await cli(['--config', config, 'classify', file]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/JSON input must be an object/);
    const missing = await cli(['--config', config, 'classify', join(dir, 'nope.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.txt: cannot read file \(ENOENT\)/);
  });

  it('fails with exit 2 naming topic and column when a configured rule is invalid', async () => {
    const badConfig = join(dir, 'bad-rule.yaml');
    await writeFile(badConfig, 'topics:\n  - id: mine\n    name: Mine\n    rule: "gas AND (oil"\n');
    const file = join(dir, 'any.txt');
    await writeFile(file, 'gas and oil');
    const r = await cli(['--config', badConfig, '--json', 'classify', file]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toEqual({
      error: { code: 'rule_invalid', message: expect.stringContaining('topic "mine" rule, column 9') },
    });
  });
});

describe('wirewatch topics list', () => {
  it('lists the shipped topics with their rules', async () => {
    const r = await cli(['--config', config, '--json', 'topics', 'list']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { topics: Array<{ id: string; rule: string; threshold: number }> };
    expect(body.topics.map((t) => t.id)).toEqual(['china-russia', 'russia-ukraine-war', 'china-taiwan', 'china-us']);
    expect(body.topics[0]!.rule).toContain('SENTENCE(@china, @russia');
  });
});

describe('wirewatch topics eval', () => {
  it('prints per-topic counts and the wrong ids as JSON', async () => {
    const r = await cli(['--config', config, '--json', 'topics', 'eval', '--data', fixture('labelled.jsonl')]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as {
      topics: Record<string, Record<string, number>>;
      errors: Array<{ id: string; topic: string; expected: boolean; got: boolean }>;
    };
    expect(Object.keys(body.topics)).toEqual(['china-russia', 'russia-ukraine-war', 'china-taiwan', 'china-us']);
    for (const c of Object.values(body.topics))
      expect(Object.keys(c)).toEqual(['tp', 'fp', 'fn', 'tn', 'precision', 'recall', 'f1']);
    // the counts equal an evaluation done directly with the same shipped topic set
    const cfg = await resolveConfig({});
    const set = compileTopics(cfg.topics, cfg.aliases);
    const { evaluateTopics, parseLabelledJsonl } = await import('../../shared/topics/index.ts');
    const direct = evaluateTopics(
      set,
      parseLabelledJsonl(await import('node:fs/promises').then((fs) => fs.readFile(fixture('labelled.jsonl'), 'utf8'))),
    );
    expect(body.topics).toEqual(direct.topics);
    expect(body.errors.map((e) => [e.id, e.topic])).toEqual(direct.errors.map((e) => [e.id, e.topic]));
    // the chess item names both countries without any relation: not china-russia
    expect(body.errors.some((e) => e.id === 'a3')).toBe(false);
  });

  it('prints a table for people and exits 2 for an unreadable data file', async () => {
    const r = await cli(['--config', config, 'topics', 'eval', '--data', fixture('labelled.jsonl')]);
    expect(r.out).toMatch(/^topic\s+tp\s+fp\s+fn\s+tn\s+prec\s+recall\s+F1/);
    const missing = await cli(['--config', config, 'topics', 'eval', '--data', join(dir, 'none.jsonl')]);
    expect(missing.code).toBe(2);
  });
});

describe('wirewatch topics backtest', () => {
  const dataDir = (): string => join(dir, 'data');
  const pipelineText = 'Russia will send gas to China through a new pipeline, Moscow and Beijing said after talks.';
  const tradeText =
    'Chinese and Russian officials held talks on trade and praised relations between the two countries.';
  const arcticText = 'A Chinese container ship crossed the Northern Sea Route from Russia to Shanghai.';

  beforeAll(async () => {
    const embedded = await startEmbeddedStore({ dataDir: dataDir() });
    try {
      const cfg = await resolveConfig({});
      const set = compileTopics(cfg.topics, cfg.aliases);
      const store = new Store({ client: embedded.client, tableName: cfg.store.tableName, retentionDays: 90 });
      await store.ensureTable();
      const docs = [
        ['https://news.example/pipeline', 'Russia and China agree pipeline', pipelineText],
        ['https://news.example/trade', 'Chinese and Russian officials meet', tradeText],
        ['https://news.example/arctic', 'Container ship crosses Arctic', arcticText],
      ] as const;
      for (const [url, title, text] of docs) {
        await store.saveItem(itemInput(url, { title, text, topics: set.classify({ title, text }) }));
      }
    } finally {
      await embedded.close();
    }
  });

  const topicsOf = async (url: string): Promise<string[]> => {
    const embedded = await startEmbeddedStore({ dataDir: dataDir() });
    try {
      const store = new Store({ client: embedded.client, tableName: 'wirewatch', retentionDays: 90 });
      return (await store.getItem(itemIdFor(url)))!.topics.map((t) => t.id);
    } finally {
      await embedded.close();
    }
  };

  it('reports matches lost by a stricter rule without changing the store (dry run)', async () => {
    expect(await topicsOf('https://news.example/trade')).toContain('china-russia');
    const r = await cli([
      '--config',
      config,
      '--data-dir',
      dataDir(),
      '--json',
      'topics',
      'backtest',
      '--topic',
      'china-russia',
      '--rule-file',
      fixture('rule-strict.txt'),
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out) as {
      scanned: number;
      gained: Array<{ id: string }>;
      lost: Array<{ id: string }>;
      retagged: number;
      applied: boolean;
    };
    expect(rep.scanned).toBe(3);
    expect(rep.lost.map((l) => l.id)).toEqual([itemIdFor('https://news.example/trade')]);
    expect(rep.gained).toEqual([]);
    expect(rep).toMatchObject({ retagged: 0, applied: false });
    expect(await topicsOf('https://news.example/trade')).toContain('china-russia');
  });

  it('tries a new topic from a YAML rule file, refuses --apply until the configuration has it, then re-tags', async () => {
    const args = [
      '--data-dir',
      dataDir(),
      '--json',
      'topics',
      'backtest',
      '--topic',
      'arctic',
      '--rule-file',
      fixture('rule-topic.yaml'),
    ];
    const dry = JSON.parse((await cli(['--config', config, ...args])).out) as {
      gained: Array<{ id: string; evidence: string | null }>;
    };
    expect(dry.gained.map((g) => g.id)).toEqual([itemIdFor('https://news.example/arctic')]);
    expect(dry.gained[0]!.evidence).toBe(arcticText);
    expect(await topicsOf('https://news.example/arctic')).not.toContain('arctic');

    // a re-tag with a topic the configuration does not define would leave items tagged with a topic that
    // nothing classifies, lists or alerts on: refused before the store is touched
    const refused = await cli(['--config', config, ...args, '--apply']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.out)).toEqual({
      error: {
        code: 'unknown_topic',
        message: expect.stringMatching(
          /^--apply: topic "arctic" is not in the configuration \(configured: china-russia, /,
        ),
      },
    });
    expect(await topicsOf('https://news.example/arctic')).not.toContain('arctic');

    const withArctic = join(dir, 'arctic.yaml');
    await writeFile(
      withArctic,
      'feeds: []\naliases:\n  arctic: ["Northern Sea Route"]\ntopics:\n  - { id: arctic, name: Arctic, rule: "@arctic" }\n',
    );
    const applied = await cli(['--config', withArctic, ...args, '--apply']);
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.out)).toMatchObject({ applied: true, retagged: 1 });
    expect(await topicsOf('https://news.example/arctic')).toContain('arctic');
    // a second run finds nothing left to change
    expect(JSON.parse((await cli(['--config', withArctic, ...args])).out)).toMatchObject({ gained: [], lost: [] });
  });

  it('exits 2 for an unknown topic without a rule file and for an invalid rule file', async () => {
    const unknown = await cli(['--config', config, '--data-dir', dataDir(), 'topics', 'backtest', '--topic', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown topic "nope"/);
    const badRule = join(dir, 'bad-rule.txt');
    await writeFile(badRule, 'SENTENCE(@china, @rusia)');
    const bad = await cli([
      '--config',
      config,
      '--data-dir',
      dataDir(),
      'topics',
      'backtest',
      '--topic',
      'china-russia',
      '--rule-file',
      badRule,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/topic "china-russia" rule, column 18: unknown alias @rusia/);
  });
});
