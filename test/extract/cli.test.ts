import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register, runBatch } from '../../local/commands/extract.ts';
import { runCommand } from '../helpers/cli.ts';
import { fixture, fixturePath } from './helpers.ts';

const KEYS = [
  'url',
  'canonicalUrl',
  'title',
  'byline',
  'siteName',
  'lang',
  'dir',
  'publishedAt',
  'modifiedAt',
  'text',
  'excerpt',
  'wordCount',
  'status',
  'reason',
  'paywalled',
  'leadImage',
  'extractor',
];

/** Runs `wirewatch extract …` in-process, recording output and exit code. */
const runExtract = (args: string[], allowHosts: string[] = []) =>
  runCommand(register, ['extract', ...args], allowHosts);

let tmp: string;
let server: Server;
let base: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ww-extract-cli-'));
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(fixture('article.html'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('wirewatch extract <file>', () => {
  it('prints every documented key, absent values null, with --base-url resolving links', async () => {
    const { out, exitCode } = await runExtract([
      fixturePath('article.html'),
      '--base-url',
      'https://news.example.org/world/x',
    ]);
    expect(exitCode).toBe(0);
    expect(Object.keys(out[0]!)).toEqual(KEYS);
    expect(out[0]!.canonicalUrl).toBe('https://news.example.org/world/energy-pact');
    expect(out[0]!.dir).toBeNull();
    expect(out[0]!.extractor.name).toBe('wirewatch-extract');
  });

  it('uses --content-type for the charset of a file', async () => {
    const file = join(tmp, 'ru.html');
    writeFileSync(file, iconv.encode(fixture('cyrillic.html').toString('utf8'), 'windows-1251'));
    const { out } = await runExtract([file, '--content-type', 'text/html; charset=windows-1251']);
    expect(out[0]!.title).toBe('Москва и Пекин договорились о поставках газа');
    expect(out[0]!.url).toBe(pathToFileURL(file).href);
  });

  it('fetches a URL through the chokepoint', async () => {
    const port = new URL(base).port;
    const { out } = await runExtract([`${base}/story`], [`127.0.0.1:${port}`]);
    expect(out[0]!.status).toBe('full');
    expect(out[0]!.url).toBe(`${base}/story`);
  });

  it('rejects a bad --dom value and a missing target', async () => {
    await expect(runExtract([fixturePath('article.html'), '--dom', 'happy-dom'])).rejects.toMatchObject({
      code: 'bad_option',
    });
    await expect(runExtract([])).rejects.toMatchObject({ code: 'missing_argument' });
    await expect(runExtract([join(tmp, 'nope.html')])).rejects.toMatchObject({ code: 'input_unreadable' });
  });
});

describe('wirewatch extract --batch', () => {
  it('writes one result per input line with its id, and an error line for unreadable input', async () => {
    const list = join(tmp, 'list.jsonl');
    writeFileSync(
      list,
      [
        JSON.stringify({ id: 'a', file: fixturePath('article.html'), url: 'https://news.example.org/a' }),
        '',
        JSON.stringify({
          id: 'b',
          file: fixturePath('rtl.html'),
          url: 'https://news.example.org/b',
          contentType: 'text/html',
        }),
        JSON.stringify({ id: 'c', file: 'missing.html' }),
        '{not json',
      ].join('\n'),
    );
    const { out, exitCode } = await runExtract(['--batch', list]);
    expect(out.map((o) => o.id)).toEqual(['a', 'b', 'c', '5']);
    expect(out[0]!.status).toBe('full');
    expect(out[1]!.dir).toBe('rtl');
    expect(out[2]!.error.code).toBe('input_unreadable');
    expect(out[3]!.error.code).toBe('batch_line_invalid');
    expect(exitCode).toBe(1);
  });

  it('reports an unreadable list as an input error', async () => {
    await expect(runBatch(join(tmp, 'absent.jsonl'), {}, () => {})).rejects.toMatchObject({ code: 'input_unreadable' });
  });

  it('runs as one real process through bin/wirewatch.mjs', async () => {
    const list = join(tmp, 'proc.jsonl');
    writeFileSync(
      list,
      `${['article.html', 'lazy-images.html', 'consent-wall.html']
        .map((f, i) => JSON.stringify({ id: `p${i}`, file: fixturePath(f), url: `https://news.example.org/${i}` }))
        .join('\n')}\n`,
    );
    const bin = fileURLToPath(new URL('../../bin/wirewatch.mjs', import.meta.url));
    // No --config and no wirewatch.yaml in the working directory: extracting files needs none, defaults apply.
    const env = { ...process.env, WIREWATCH_CONFIG: '' };
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'extract', '--batch', list, '--json'], {
      cwd: tmp,
      env,
    });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.map((l) => [l.id, l.status])).toEqual([
      ['p0', 'full'],
      ['p1', 'full'],
      ['p2', 'blocked_consent'],
    ]);
  });
});
