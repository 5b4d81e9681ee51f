import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { ConfigError, InputError, WirewatchError, describeError } from '../../shared/errors.ts';
import { createHttpClient, errorForStatus, type HttpConfig } from '../../shared/http/index.ts';
import { FeedError, parseFeed } from '../../shared/feeds/index.ts';
import type { ParsedFeed } from '../../shared/types.ts';
import type { CliContext, RegisterCommand } from '../cli-context.ts';

/** Options of `wirewatch feed`. */
export interface FeedCommandOptions {
  /** For a file: the URL it was fetched from (base for relative links, part of `hash:` keys). */
  baseUrl?: string;
  /** For a file: the Content-Type it came with (charset honoured). */
  contentType?: string;
}

/** `http:` config: from `--config` when present, defaults when there is no config file (files need none). */
async function httpSection(ctx: CliContext): Promise<HttpConfig> {
  return (await ctx.loadConfigOrDefaults()).http;
}

/** The `feed --json` shape: `{"feed":{"title","link","format"},"entries":[…],"warnings":[…]}`. */
export function feedJson(p: ParsedFeed): Record<string, unknown> {
  return {
    feed: { title: p.feed.title, link: p.feed.link, format: p.feed.format },
    entries: p.entries,
    warnings: p.warnings,
  };
}

/** Human rendering: feed header, then one block per entry. */
export function formatFeed(p: ParsedFeed): string {
  const lines = [
    `${p.feed.title ?? '(untitled)'} [${p.feed.format}]  ${p.feed.link ?? '-'}`,
    `${p.entries.length} entries`,
  ];
  for (const w of p.warnings) lines.push(`warning: ${w}`);
  for (const e of p.entries) {
    const when = `${e.publishedAt ?? '-'}${e.publishedAtSource === 'updated' ? ' (update time, no publication date)' : ''}`;
    lines.push('', `- ${e.title || '(no title)'}`, `  ${e.url ?? '-'}`, `  ${when}  key ${e.key}`);
  }
  return lines.join('\n');
}

/**
 * Reads or fetches one feed and parses it.
 * @param target http(s) URL (fetched through the HTTP chokepoint with `http`) or a file path
 * @throws HttpError (transport/guard, or `http_status` for a non-2xx answer), FeedError, InputError
 *   `input_unreadable` for a file that cannot be read, `bad_option` for a bad `--base-url`
 */
export async function loadFeed(
  target: string,
  o: FeedCommandOptions,
  http: () => Promise<HttpConfig>,
): Promise<ParsedFeed> {
  if (/^https?:\/\//i.test(target)) {
    const client = createHttpClient(await http());
    try {
      const res = await client.request(target, { kind: 'feed' });
      if (res.status < 200 || res.status > 299) throw errorForStatus(res);
      return await parseFeed(res.body, {
        url: res.url,
        contentType: o.contentType ?? res.headers['content-type'] ?? null,
      });
    } finally {
      await client.close();
    }
  }
  let base: string;
  if (o.baseUrl) {
    try {
      base = new URL(o.baseUrl).href;
    } catch {
      throw new InputError('bad_option', `--base-url "${o.baseUrl}" is not an absolute URL`);
    }
  } else {
    base = pathToFileURL(resolve(target)).href;
  }
  let body: Buffer;
  try {
    body = await readFile(target);
  } catch (err) {
    throw new InputError(
      'input_unreadable',
      `cannot read ${target} (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`,
    );
  }
  return parseFeed(body, { url: base, contentType: o.contentType ?? null });
}

/**
 * `wirewatch feed <url|file> [--base-url URL] [--content-type TYPE] --json`. Prints
 * `{"feed":{"title","link","format"},"entries":[FeedEntry…],"warnings":[…]}`; on failure
 * `{"error":{"code","message"}}` (plus `suggestions` for `not_a_feed`) and exit code 1.
 */
export const register: RegisterCommand = (program: Command, ctx: CliContext): void => {
  program
    .command('feed')
    .description('fetch a feed URL (or read a saved feed file) and print its normalised entries')
    .argument('<target>', 'http(s) URL or path of a feed file')
    .option('--base-url <url>', 'for a file: the URL it was fetched from (relative links resolve against it)')
    .option('--content-type <type>', 'for a file: the Content-Type it came with, e.g. "text/xml; charset=latin1"')
    .action(async (target: string, o: FeedCommandOptions) => {
      try {
        const parsed = await loadFeed(target, o, () => httpSection(ctx));
        ctx.output(feedJson(parsed), () => formatFeed(parsed));
      } catch (err) {
        // Usage and configuration problems are the CLI's (one line on stderr, exit 2); feed problems are output.
        if (!(err instanceof WirewatchError) || err instanceof InputError || err instanceof ConfigError) throw err;
        const error: Record<string, unknown> = err.toJSON();
        if (err instanceof FeedError && err.suggestions.length) error.suggestions = err.suggestions;
        // `--json` keeps its contract (`{"error":…}` on stdout); a person reads the reason on stderr, like `extract`.
        if (ctx.globals().json) ctx.output({ error });
        else {
          const hint =
            err instanceof FeedError && err.suggestions.length ? ` (try: ${err.suggestions.join(', ')})` : '';
          const line = `wirewatch: could not read the feed: ${err.code}: ${err.message}${hint}`;
          if (ctx.note) ctx.note(line);
          else process.stderr.write(`${line}\n`);
        }
        ctx.fail(1);
      }
    });
};
