import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { InputError, WirewatchError, describeError } from '../../shared/errors.ts';
import {
  extractPage,
  fetchAndExtract,
  type ExtractConfig,
  type ExtractOptions,
  type PageFetcher,
} from '../../shared/extract/index.ts';
import { createHttpClient, type HttpConfig } from '../../shared/http/index.ts';
import type { Extraction } from '../../shared/types.ts';
import type { CliContext } from '../cli-context.ts';
import { formatElapsed, formatRate, NO_PROGRESS } from '../terminal.ts';

/** Options of `wirewatch extract`. */
export interface ExtractCommandOptions {
  /** Page URL for a file input (relative links resolve against it); default the file's `file:` URL. */
  baseUrl?: string;
  /** `Content-Type` of a file input (its charset parameter is used for decoding). */
  contentType?: string;
  /** JSONL list of `{"id","file","url","contentType"?}` to extract in one process. */
  batch?: string;
  /** DOM engine (default from config `extract.dom`). */
  dom?: 'linkedom' | 'jsdom';
}

/** One input line of `extract --batch`. `file` is relative to the list file's folder. */
export interface BatchLine {
  id: string;
  file: string;
  url?: string | null;
  contentType?: string | null;
}

/**
 * The `extract --json` shape: every `Extraction` field in the documented order, absent
 * values `null`. Batch lines put `id` first.
 */
export function extractionJson(x: Extraction): Record<string, unknown> {
  return {
    url: x.url,
    canonicalUrl: x.canonicalUrl,
    title: x.title,
    byline: x.byline,
    siteName: x.siteName,
    lang: x.lang,
    dir: x.dir,
    publishedAt: x.publishedAt,
    modifiedAt: x.modifiedAt,
    text: x.text,
    excerpt: x.excerpt,
    wordCount: x.wordCount,
    status: x.status,
    reason: x.reason,
    paywalled: x.paywalled,
    leadImage: x.leadImage,
    extractor: { name: x.extractor.name, version: x.extractor.version, dom: x.extractor.dom ?? null },
  };
}

/** Parses and checks one batch line. @throws InputError `batch_line_invalid` naming the line number */
export function parseBatchLine(line: string, lineNo: number): BatchLine {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new InputError('batch_line_invalid', `batch line ${lineNo}: not JSON (${(err as Error).message})`);
  }
  const o = v as Record<string, unknown>;
  if (!o || typeof o !== 'object' || Array.isArray(o))
    throw new InputError('batch_line_invalid', `batch line ${lineNo}: not a JSON object`);
  if (typeof o.file !== 'string' || !o.file)
    throw new InputError('batch_line_invalid', `batch line ${lineNo}: "file" must be a non-empty string`);
  if (o.url !== undefined && o.url !== null && typeof o.url !== 'string')
    throw new InputError('batch_line_invalid', `batch line ${lineNo}: "url" must be a string`);
  if (o.contentType !== undefined && o.contentType !== null && typeof o.contentType !== 'string') {
    throw new InputError('batch_line_invalid', `batch line ${lineNo}: "contentType" must be a string`);
  }
  const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : String(lineNo);
  return {
    id,
    file: o.file,
    url: (o.url as string | undefined) ?? null,
    contentType: (o.contentType as string | undefined) ?? null,
  };
}

/**
 * The page at a URL gave nothing to work on: the request failed (transport error, refused by the SSRF guard),
 * the server answered outside 2xx, the response is not HTML, or no DOM could read it. Code `page_unavailable`;
 * `reason` is the extraction's reason (`http 404`, `fetch failed: blocked_address: …`, `not html (application/pdf)`).
 * The CLI exits 1 for it.
 */
export class PageUnavailableError extends WirewatchError {
  readonly url: string;
  readonly reason: string;
  constructor(url: string, reason: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super('page_unavailable', message, options);
    this.name = 'PageUnavailableError';
    this.url = url;
    this.reason = reason;
  }
}

/**
 * Fetches a page through the HTTP chokepoint and extracts it, for commands run by a person: unlike
 * `fetchAndExtract` (which reports problems in the extraction's status, for the pipeline's fallback chain), a
 * page that could not be had is an error.
 * @param http the `http:` config section (SSRF guard, caps, timeouts)
 * @param url absolute http(s) URL
 * @param opts extraction options
 * @param what how the message starts, e.g. `cannot classify` (default `could not fetch`)
 * @returns the extraction (status `full`, `partial`, `paywalled`, `blocked_consent` or `no_content`)
 * @throws PageUnavailableError when the extraction status is `failed`; `retryable` follows the HTTP error
 */
export async function fetchPageOrFail(
  http: HttpConfig,
  url: string,
  opts: ExtractOptions,
  what = 'could not fetch',
): Promise<Extraction> {
  const client = createHttpClient(http);
  let thrown: unknown;
  const recording: PageFetcher = {
    request: (u, init) =>
      client.request(u, init).catch((err: unknown) => {
        thrown = err;
        throw err;
      }),
  };
  try {
    const x = await fetchAndExtract(recording, url, opts);
    if (x.status !== 'failed') return x;
    const reason = thrown instanceof Error ? thrown.message : (x.reason ?? 'no text could be extracted');
    const retryable =
      thrown instanceof WirewatchError ? thrown.retryable : /^http (408|429|5\d\d)$/.test(x.reason ?? '');
    throw new PageUnavailableError(url, reason, `${what} ${url}: ${reason}`, { retryable, cause: thrown });
  } finally {
    await client.close();
  }
}

function checkedUrl(url: string, what: string): string {
  try {
    return new URL(url).href;
  } catch {
    throw new InputError('bad_url', `${what}: "${url}" is not an absolute URL`);
  }
}

/**
 * Runs `extract --batch`: reads the JSONL list line by line (streamed), extracts each file in this one process and
 * hands one record per input line to `write` (the CLI prints each as one JSON line): `{"id", ...extraction}`, or `{"id","error":{code,message}}` for
 * a line that cannot be read (bad JSON, missing file). Blank lines are skipped.
 *
 * @param listFile path of the list; each `file` resolves against the list's folder
 * @returns how many lines succeeded and failed
 * @throws InputError `input_unreadable` when the list itself cannot be opened
 */
export async function runBatch(
  listFile: string,
  opts: ExtractOptions,
  write: (record: Record<string, unknown>) => void,
): Promise<{ ok: number; failed: number }> {
  const base = dirname(resolve(listFile));
  const stream = createReadStream(listFile, { encoding: 'utf8' });
  const opened = new Promise<void>((res, rej) => {
    stream.once('open', () => res());
    stream.once('error', rej);
  });
  try {
    await opened;
  } catch (err) {
    throw new InputError(
      'input_unreadable',
      `${listFile}: cannot read batch list (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`,
    );
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  let ok = 0;
  let failed = 0;
  for await (const raw of lines) {
    lineNo++;
    if (!raw.trim()) continue;
    let id = String(lineNo);
    try {
      const item = parseBatchLine(raw, lineNo);
      id = item.id;
      const path = resolve(base, item.file);
      let body: Buffer;
      try {
        body = await readFile(path);
      } catch (err) {
        throw new InputError(
          'input_unreadable',
          `batch line ${lineNo}: cannot read ${item.file} (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`,
        );
      }
      const url = item.url ? checkedUrl(item.url, `batch line ${lineNo}`) : pathToFileURL(path).href;
      const x = await extractPage({ body, url, contentType: item.contentType }, opts);
      write({ id, ...extractionJson(x) });
      ok++;
    } catch (err) {
      const error =
        err instanceof WirewatchError ? err.toJSON() : { code: 'internal_error', message: describeError(err) };
      write({ id, error });
      failed++;
    }
  }
  return { ok, failed };
}

/** Human rendering of one extraction: a header block, then the text. */
export function formatExtraction(x: Extraction): string {
  const head = [
    `title      ${x.title ?? '-'}`,
    `status     ${x.status}${x.reason ? ` (${x.reason})` : ''}${x.paywalled ? ' [paywalled]' : ''}`,
    `url        ${x.url}`,
    `canonical  ${x.canonicalUrl ?? '-'}`,
    `byline     ${x.byline ?? '-'}`,
    `site       ${x.siteName ?? '-'}`,
    `lang/dir   ${x.lang ?? '-'} / ${x.dir ?? '-'}`,
    `published  ${x.publishedAt ?? '-'}   modified ${x.modifiedAt ?? '-'}`,
    `image      ${x.leadImage ?? '-'}`,
    `words      ${x.wordCount}   extractor ${x.extractor.name} ${x.extractor.version} (${x.extractor.dom ?? '-'})`,
  ];
  return `${head.join('\n')}\n\n${x.text}`;
}

/** Config sections the command needs; defaults when there is no config file (extracting a file needs none). */
async function sections(ctx: CliContext): Promise<{ extract: ExtractConfig; http: HttpConfig }> {
  const config = await ctx.loadConfigOrDefaults();
  return { extract: config.extract, http: config.http };
}

/**
 * `wirewatch extract <url|file> [--base-url URL] [--content-type TYPE] [--dom ENGINE] --json` and
 * `wirewatch extract --batch LIST.jsonl --json`. A URL is fetched through the HTTP chokepoint
 * (config `http:`); a file is read from disk. Exit codes: 0 the page was processed, whatever its status; 1 a URL
 * whose page could not be fetched or read (`page_unavailable`: transport error, SSRF refusal, non-2xx, not HTML;
 * nothing on stdout, the reason on stderr, `{"error"}` with `--json`), or a batch with unreadable lines; 2 bad
 * usage or an unreadable input file (`InputError`).
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('extract')
    .description('extract the article from a URL or a saved HTML file (or a --batch JSONL list)')
    .argument('[target]', 'http(s) URL or path of an HTML file')
    .option('--base-url <url>', 'page URL for a file (relative links resolve against it)')
    .option('--content-type <type>', 'Content-Type of a file (e.g. "text/html; charset=windows-1251")')
    .option('--dom <engine>', 'DOM engine: linkedom (jsdom as fallback) or jsdom')
    .option('--batch <list>', 'JSONL lines {"id","file","url","contentType"?}; one result line per input')
    .action(async (target: string | undefined, o: ExtractCommandOptions) => {
      if (o.dom !== undefined && o.dom !== 'linkedom' && o.dom !== 'jsdom') {
        throw new InputError('bad_option', `--dom must be linkedom or jsdom, not "${o.dom}"`);
      }
      const { extract, http } = await sections(ctx);
      const opts: ExtractOptions = { ...extract, dom: o.dom ?? extract.dom };
      if (o.batch) {
        if (target) throw new InputError('bad_option', 'give either a target or --batch, not both');
        // Progress on a terminal: lines done (and failed) of the list, rate, elapsed.
        const started = Date.now();
        let done = 0;
        let bad = 0;
        const progress =
          ctx.progress?.(() => {
            const ms = Date.now() - started;
            return `extract ${done} done${bad ? `, ${bad} failed` : ''} · ${formatRate(done, ms)} · ${formatElapsed(ms)}`;
          }) ?? NO_PROGRESS;
        try {
          const { failed } = await runBatch(o.batch, opts, (record) => {
            done++;
            if ('error' in record) bad++;
            ctx.output(record);
          });
          if (failed > 0) ctx.fail(1);
        } finally {
          progress.done();
        }
        return;
      }
      if (!target) throw new InputError('missing_argument', 'extract needs a URL or a file (or --batch LIST.jsonl)');
      let x: Extraction;
      if (/^https?:\/\//i.test(target)) {
        x = await fetchPageOrFail(http, checkedUrl(target, 'target'), opts);
      } else {
        let body: Buffer;
        try {
          body = await readFile(target);
        } catch (err) {
          throw new InputError(
            'input_unreadable',
            `${target}: cannot read file (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`,
          );
        }
        const url = o.baseUrl ? checkedUrl(o.baseUrl, '--base-url') : pathToFileURL(resolve(target)).href;
        x = await extractPage({ body, url, contentType: o.contentType ?? null }, opts);
      }
      ctx.output(extractionJson(x), (v) => formatExtraction(v as Extraction));
    });
}
