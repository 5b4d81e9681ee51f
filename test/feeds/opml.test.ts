import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../../local/cli.ts';
import { appendFeedsToConfigText, planFeedMerge } from '../../shared/config/edit.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { InputError } from '../../shared/errors.ts';
import { parseOpml, writeOpml } from '../../shared/feeds/index.ts';

const fixturePath = (name: string) => new URL(`../fixtures/opml/${name}`, import.meta.url).pathname;
const repoConfig = readFileSync(new URL('../../wirewatch.yaml', import.meta.url), 'utf8');

describe('parseOpml (OPML 2.0)', () => {
  it('flattens nested outlines, keeps folder names as categories, text before title, skips unusable xmlUrl', () => {
    const r = parseOpml(readFileSync(fixturePath('reader-export.opml'), 'utf8'), 'reader-export.opml');
    expect(r.title).toBe('My subscriptions');
    expect(r.feeds.map((f) => [f.name, f.url, f.categories])).toEqual([
      ['BBC News – World', 'https://feeds.bbci.co.uk/news/world/rss.xml', ['World']],
      ['DW & Friends "Europe"', 'https://rss.dw.com/rdf/rss-en-eu', ['World', 'Europe']],
      ['Only a title', 'https://example.org/europe.atom?utm_source=reader', ['World', 'Europe']],
      ['NPR World (again, other spelling)', 'HTTPS://FEEDS.NPR.ORG:443/1004/rss.xml#top', []],
      ['Twice', 'https://example.org/europe.atom', []],
    ]);
    expect(r.skipped).toEqual([
      { line: 18, xmlUrl: 'feed:/not-http', reason: 'xmlUrl is not an absolute http(s) URL' },
    ]);
  });

  it('refuses XML that is not well-formed with file, line and column, and a document that is not OPML', () => {
    const text = readFileSync(fixturePath('malformed.opml'), 'utf8');
    const line6 = text.split('\n')[5]!;
    const err = (() => {
      try {
        parseOpml(text, 'malformed.opml');
      } catch (e) {
        return e;
      }
    })() as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('opml_invalid');
    expect(err.message).toContain(`malformed.opml:6:${line6.indexOf('&') + 1}: "&" that starts no entity reference`);
    expect(() => parseOpml('<opml><body><outline text="a"></body></opml>', 'cut.opml')).toThrow(
      /^cut\.opml:1:\d+: .*\(not well-formed XML\)/,
    );
    expect(() => parseOpml('<rss version="2.0"><channel/></rss>', 'feed.xml')).toThrow(
      'feed.xml: not an OPML document (root element <rss>, expected <opml>)',
    );
  });

  it('writeOpml escapes names and URLs; what it writes reads back the same', () => {
    const feeds = [
      { name: 'Ampersand & <angle> "quotes" \'apos\'', url: 'https://example.org/feed?a=1&b=2' },
      { name: null, url: 'https://example.org/no-name.xml' },
    ];
    const xml = writeOpml(feeds, { now: new Date('2023-03-20T12:00:00Z') });
    expect(xml).toContain('<dateCreated>Mon, 20 Mar 2023 12:00:00 GMT</dateCreated>');
    expect(xml).toContain(
      'text="Ampersand &amp; &lt;angle&gt; &quot;quotes&quot; \'apos\'" title="Ampersand &amp; &lt;angle&gt; &quot;quotes&quot; \'apos\'" xmlUrl="https://example.org/feed?a=1&amp;b=2"',
    );
    const back = parseOpml(xml, 'out.opml');
    expect(back.feeds.map((f) => ({ name: f.name, url: f.url }))).toEqual([
      feeds[0],
      { name: 'https://example.org/no-name.xml', url: 'https://example.org/no-name.xml' },
    ]);
  });
});

describe('planFeedMerge', () => {
  it('skips feeds already configured or listed twice, comparing canonical URLs', () => {
    const plan = planFeedMerge(
      ['https://feeds.npr.org/1004/rss.xml', 'https://example.org/a.xml'],
      [
        { url: 'HTTPS://FEEDS.NPR.ORG:443/1004/rss.xml#top', name: 'NPR' },
        { url: 'https://example.org/new.xml?utm_source=x', name: 'New' },
        { url: 'https://example.org/new.xml', name: 'New again' },
        { url: 'https://example.org/other.xml', name: null },
      ],
    );
    expect(plan.add).toEqual([
      { url: 'https://example.org/new.xml?utm_source=x', name: 'New' },
      { url: 'https://example.org/other.xml', name: null },
    ]);
    expect(plan.skipped.map((s) => [s.name, s.reason])).toEqual([
      ['NPR', 'already configured (feeds[0])'],
      ['New again', 'listed twice in the import'],
    ]);
  });
});

describe('appendFeedsToConfigText keeps the file as written', () => {
  const add = [
    { name: 'Example & Co: "World"', url: 'https://example.org/world.xml' },
    { name: null, url: 'https://example.org/plain.xml' },
  ];

  it('flow items: new lines after the last feed, everything else byte for byte', () => {
    const out = appendFeedsToConfigText(repoConfig, add, 'wirewatch.yaml');
    const anchor = '  - { name: NYT – World, url: "https://rss.nytimes.com/services/xml/rss/nyt/World.xml" }\n';
    const at = repoConfig.indexOf(anchor) + anchor.length;
    const inserted = out.slice(at, at + out.length - repoConfig.length);
    expect(out.slice(0, at) + out.slice(at + inserted.length)).toBe(repoConfig);
    expect(inserted).toBe(
      '  - { name: \'Example & Co: "World"\', url: https://example.org/world.xml }\n  - { url: https://example.org/plain.xml }\n',
    );
    const parsed = parseYaml(out) as { feeds: Array<{ name?: string; url: string }> };
    expect(parsed.feeds.slice(-2)).toEqual([add[0], { url: add[1]!.url }]);
  });

  it('block-map items keep their indentation; a trailing comment on the last item stays on its line', () => {
    const text =
      '# mine\nfeeds:\n    -   url: https://a.example/f.xml\n        name: A  # first\n\n# later\napi:\n  port: 1\n';
    const out = appendFeedsToConfigText(text, [add[0]!], 'c.yaml');
    expect(out).toBe(
      '# mine\nfeeds:\n    -   url: https://a.example/f.xml\n        name: A  # first\n' +
        '    - name: \'Example & Co: "World"\'\n      url: https://example.org/world.xml\n\n# later\napi:\n  port: 1\n',
    );
  });

  it('feeds: [], an empty feeds: and a file without feeds get a block list', () => {
    expect(appendFeedsToConfigText('feeds: [] # none yet\napi: { port: 1 }\n', [add[1]!], 'c.yaml')).toBe(
      'feeds: # none yet\n  - { url: https://example.org/plain.xml }\napi: { port: 1 }\n',
    );
    expect(appendFeedsToConfigText('feeds:\napi: { port: 1 }\n', [add[1]!], 'c.yaml')).toBe(
      'feeds:\n  - { url: https://example.org/plain.xml }\napi: { port: 1 }\n',
    );
    expect(appendFeedsToConfigText('# only a comment\n', [add[1]!], 'c.yaml')).toBe(
      '# only a comment\n\nfeeds:\n  - { url: https://example.org/plain.xml }\n',
    );
    expect(appendFeedsToConfigText('', [add[1]!], 'c.yaml')).toBe(
      'feeds:\n  - { url: https://example.org/plain.xml }\n',
    );
  });
});

describe('wirewatch feeds import / export', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-opml-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  async function cli(...args: string[]) {
    let out = '';
    let err = '';
    const code = await runCli(['node', 'wirewatch', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
    return { code, out, err };
  }

  it('import merges new feeds into the config, keeps its comments, and reports added and skipped', async () => {
    const config = join(dir, 'wirewatch.yaml');
    await writeFile(config, repoConfig);
    const r = await cli('--config', config, '--json', 'feeds', 'import', fixturePath('reader-export.opml'));
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.added.map((f: { name: string }) => f.name)).toEqual(['DW & Friends "Europe"', 'Only a title']);
    expect(result.skipped.map((s: { reason: string; line: number }) => [s.reason, s.line])).toEqual([
      ['xmlUrl is not an absolute http(s) URL', 18],
      ['already configured (feeds[0])', 10],
      ['already configured (feeds[2])', 16],
      ['listed twice in the import', 19],
    ]);
    const text = await readFile(config, 'utf8');
    expect(text.startsWith(repoConfig.slice(0, repoConfig.indexOf('\n# Poll every')))).toBe(true);
    expect(text).toContain('# Publishers see this in the User-Agent');
    const loaded = await loadConfig(config);
    expect(loaded.feeds).toHaveLength(9);
    // a second import adds nothing and leaves the file alone
    const again = await cli('--config', config, 'feeds', 'import', fixturePath('reader-export.opml'));
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^added 0 feeds to .*, skipped 6/);
    expect(await readFile(config, 'utf8')).toBe(text);
  });

  it('refuses a malformed OPML (exit 2, line and column) and leaves the config untouched', async () => {
    const config = join(dir, 'untouched.yaml');
    await writeFile(config, repoConfig);
    const r = await cli('--config', config, 'feeds', 'import', fixturePath('malformed.opml'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/malformed\.opml:6:\d+: "&" that starts no entity reference/);
    expect(await readFile(config, 'utf8')).toBe(repoConfig);
  });

  it('export → import into a new config round-trips names and URLs', async () => {
    const exported = await cli(
      '--config',
      new URL('../../wirewatch.yaml', import.meta.url).pathname,
      'feeds',
      'export',
    );
    expect(exported.code).toBe(0);
    expect(exported.out.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')).toBe(true);
    const opml = join(dir, 'export.opml');
    await writeFile(opml, exported.out);
    const fresh = join(dir, 'fresh.yaml');
    const imported = await cli('--config', fresh, 'feeds', 'import', opml);
    expect(imported.code).toBe(0);
    const a = await loadConfig(new URL('../../wirewatch.yaml', import.meta.url).pathname);
    const b = await loadConfig(fresh);
    expect(b.feeds).toEqual(a.feeds);
  });
});
