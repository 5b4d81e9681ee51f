import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/cli.ts';
import { register } from '../../local/commands/feed.ts';
import { startFixtureServer, type FixtureServer } from '../http/fixture-server.ts';

const fixturePath = (name: string) => fileURLToPath(new URL(`../fixtures/feeds/${name}`, import.meta.url));

/** Runs `wirewatch feed …` in-process, recording output and exit code. */
const runFeed = (args: string[], allowHosts: string[] = []) => runCommand(register, ['feed', ...args], allowHosts);

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('/feed.rss', (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/xml; charset=windows-1252' });
    res.end(
      Buffer.from(
        '<rss version="2.0"><channel><title>Caf\xe9</title><item><title>One</title><link>/1?utm_source=x</link></item></channel></rss>',
        'latin1',
      ),
    );
  });
});
afterAll(() => srv.close());

describe('wirewatch feed', () => {
  it('a file with --base-url and --content-type prints {feed, entries, warnings}', async () => {
    const { out, exitCode } = await runFeed([
      fixturePath('latin1-http.xml'),
      '--base-url',
      'https://enc.example.com/feed.xml',
      '--content-type',
      'text/xml; charset=latin1',
    ]);
    expect(exitCode).toBe(0);
    expect(out).toHaveLength(1);
    expect(Object.keys(out[0]!)).toEqual(['feed', 'entries', 'warnings']);
    expect(out[0]!.feed).toEqual({ title: 'Jornal de Notícias', link: 'https://enc.example.com/', format: 'rss' });
    expect(out[0]!.entries[0]).toMatchObject({ key: 'url:https://enc.example.com/1', title: 'Jornal de Notícias' });
    expect(Object.keys(out[0]!.entries[0]).sort()).toEqual([
      'author',
      'categories',
      'contentHtml',
      'enclosures',
      'guid',
      'key',
      'publishedAt',
      'publishedAtSource',
      'summary',
      'title',
      'updatedAt',
      'url',
    ]);
  });

  it('an HTML file prints {"error":{code,message,suggestions}} and exits non-zero', async () => {
    const { out, exitCode } = await runFeed([fixturePath('not-a-feed.html'), '--base-url', 'https://www.example.com/']);
    expect(exitCode).toBe(1);
    expect(out[0]!.error.code).toBe('not_a_feed');
    expect(out[0]!.error.message).toContain('HTML page');
    expect(out[0]!.error.suggestions).toContain('https://www.example.com/rss/top.xml');
  });

  it('a URL is fetched through the chokepoint when its host:port is in http.allowHosts', async () => {
    const { out, exitCode } = await runFeed([`${srv.origin}/feed.rss`], [srv.hostPort]);
    expect(exitCode).toBe(0);
    expect(out[0]!.feed.title).toBe('Café');
    expect(out[0]!.entries[0].url).toBe(`${srv.origin}/1`);
  });

  it('without the allowHosts entry the guard refuses the fixture server', async () => {
    const { out, exitCode } = await runFeed([`${srv.origin}/feed.rss`]);
    expect(exitCode).toBe(1);
    expect(out[0]!.error.code).toBe('blocked_address');
  });

  it('a 404 URL reports http_status', async () => {
    const { out, exitCode } = await runFeed([`${srv.origin}/missing.xml`], [srv.hostPort]);
    expect(exitCode).toBe(1);
    expect(out[0]!.error).toMatchObject({ code: 'http_status' });
    expect(out[0]!.error.message).toContain('404');
  });

  it('a missing file is an input error (thrown for the CLI entry point to report)', async () => {
    await expect(runFeed([fixturePath('does-not-exist.xml')])).rejects.toMatchObject({ code: 'input_unreadable' });
  });
});
