import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { Config } from '../../shared/config/load.ts';
import { InputError, describeError } from '../../shared/errors.ts';
import { extractPage } from '../../shared/extract/index.ts';
import { compileTopics } from '../../shared/topics/index.ts';
import type { TopicMatch } from '../../shared/types.ts';
import type { CliContext } from '../cli-context.ts';
import { fetchPageOrFail } from './extract.ts';

/** A document to classify: `text` is plain text, paragraphs separated by blank lines. */
export interface ClassifyInput {
  title: string;
  text: string;
  /** How the input was read: `json`, `text`, or `html` (extracted first). */
  kind: 'json' | 'text' | 'html';
  /** For HTML: the extraction status and reason (e.g. `failed`, `http 404`), else null. */
  extraction: { status: string; reason: string | null } | null;
}

/** The `classify --json` output: matched topics only, highest score first. */
export interface ClassifyOutput {
  topics: Array<{
    id: string;
    name: string;
    score: number;
    evidence: Array<{
      clause: string;
      field: string;
      text: string;
      start: number;
      end: number;
      terms: Array<{ text: string; start: number; end: number }>;
    }>;
  }>;
}

/**
 * Reads the config named by `--config`; without a config file, the shipped topics alone (classifying needs
 * no feeds). @throws ConfigError for an invalid config or rule
 */
export async function configOrShipped(ctx: CliContext): Promise<Config> {
  return ctx.loadConfigOrDefaults();
}

const HTML_EXT = new Set(['.html', '.htm', '.xhtml']);

/**
 * Decides what bytes are: a JSON object `{"title","text"}`, an HTML page, or plain text (UTF-8).
 * @param body the input bytes
 * @param hint file name (its extension) when known
 * @returns `json` with title/text, `html`, or `text` with the decoded text
 * @throws InputError `bad_input` for JSON that is not an object with a string `text`
 */
export function sniffInput(
  body: Buffer,
  hint: string | null,
): { kind: 'json'; title: string; text: string } | { kind: 'html' } | { kind: 'text'; text: string } {
  const head = body
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  const ext = hint ? extname(hint).toLowerCase() : '';
  if (HTML_EXT.has(ext) || /^<(!doctype html|html|head|body|meta|article|div|p|!--)/i.test(head))
    return { kind: 'html' };
  if (ext === '.json' || head.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
    } catch (err) {
      if (ext === '.json') throw new InputError('bad_input', `${hint}: not valid JSON (${(err as Error).message})`);
      return { kind: 'text', text: body.toString('utf8') };
    }
    const o = v as Record<string, unknown>;
    if (!o || typeof o !== 'object' || Array.isArray(o) || typeof o.text !== 'string') {
      throw new InputError(
        'bad_input',
        `${hint ?? 'input'}: JSON input must be an object {"title", "text"} with a string "text"`,
      );
    }
    return { kind: 'json', title: typeof o.title === 'string' ? o.title : '', text: o.text };
  }
  return { kind: 'text', text: body.toString('utf8').replace(/^\uFEFF/, '') };
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks);
}

/**
 * Turns the command target into a document: `-` reads stdin, an http(s) URL is fetched and extracted through
 * the HTTP chokepoint (config `http:`), a file is read from disk (HTML pages are extracted first).
 * @throws InputError `input_unreadable` when the file cannot be read, `bad_input` for malformed JSON input;
 *   PageUnavailableError `page_unavailable` when a URL's page could not be fetched or read
 */
export async function readClassifyInput(
  target: string,
  config: Config,
  opts: { title?: string } = {},
): Promise<ClassifyInput> {
  if (/^https?:\/\//i.test(target)) {
    const x = await fetchPageOrFail(config.http, target, { ...config.extract }, 'cannot classify');
    return {
      kind: 'html',
      title: opts.title ?? x.title ?? '',
      text: x.text,
      extraction: { status: x.status, reason: x.reason },
    };
  }
  let body: Buffer;
  if (target === '-') body = await readStdin();
  else {
    try {
      body = await readFile(target);
    } catch (err) {
      throw new InputError(
        'input_unreadable',
        `${target}: cannot read file (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`,
      );
    }
  }
  const sniffed = sniffInput(body, target === '-' ? null : target);
  if (sniffed.kind === 'html') {
    const url = target === '-' ? 'file:///dev/stdin' : pathToFileURL(resolve(target)).href;
    const x = await extractPage({ body, url, contentType: null }, { ...config.extract });
    return {
      kind: 'html',
      title: opts.title ?? x.title ?? '',
      text: x.text,
      extraction: { status: x.status, reason: x.reason },
    };
  }
  if (sniffed.kind === 'json')
    return { kind: 'json', title: opts.title ?? sniffed.title, text: sniffed.text, extraction: null };
  return { kind: 'text', title: opts.title ?? '', text: sniffed.text, extraction: null };
}

/** The JSON shape of matches (evidence with clause, field, text, start, end and terms). */
export function classifyOutput(matches: TopicMatch[]): ClassifyOutput {
  return {
    topics: matches.map((m) => ({
      id: m.id,
      name: m.name,
      score: m.score,
      evidence: m.evidence.map((e) => ({
        clause: e.clause,
        field: e.field,
        text: e.text,
        start: e.start,
        end: e.end,
        terms: e.terms,
      })),
    })),
  };
}

/** Human rendering: one block per topic, evidence sentences with the matched words in [brackets]. */
export function formatClassify(out: ClassifyOutput): string {
  if (out.topics.length === 0) return 'no topic matched';
  const lines: string[] = [];
  for (const t of out.topics) {
    lines.push(`${t.id} (${t.name})  score ${t.score}`);
    for (const e of t.evidence) {
      let marked = '';
      let pos = e.start;
      for (const term of e.terms) {
        if (term.start < pos || term.end > e.end) continue;
        marked += `${e.text.slice(pos - e.start, term.start - e.start)}[${term.text}]`;
        pos = term.end;
      }
      marked += e.text.slice(pos - e.start);
      lines.push(`  ${e.clause}  (${e.field} ${e.start}-${e.end})`, `    ${marked}`);
    }
  }
  return lines.join('\n');
}

/**
 * `wirewatch classify <file|url|-> [--title T] --json`: classifies an HTML page (extracted
 * first), plain text, or JSON `{"title","text"}` against the configured topics (the shipped ones when there is
 * no config file). Prints matched topics only. Exit codes: 0 the input was classified, whether or not a topic
 * matched; 1 a URL whose page could not be fetched or read (`page_unavailable`: the reason instead of "no topic
 * matched"); 2 bad input, config or rule.
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('classify')
    .description('detect topics in an HTML page, a text file or JSON {"title","text"} (file, URL or - for stdin)')
    .argument('<input>', 'file path, http(s) URL, or - for stdin')
    .option('--title <title>', 'headline to use (overrides the one found in the input)')
    .action(async (target: string, o: { title?: string }) => {
      const config = await configOrShipped(ctx);
      const set = compileTopics(config.topics, config.aliases);
      const doc = await readClassifyInput(target, config, o);
      if (doc.extraction && doc.extraction.status !== 'full' && doc.extraction.status !== 'partial') {
        // still classified (the best text available), but say why the text may be thin
        ctx.logger.warn('page text not fully extracted', {
          stage: 'classify',
          status: doc.extraction.status,
          reason: doc.extraction.reason,
        });
      }
      const out = classifyOutput(set.classify({ title: doc.title, text: doc.text }));
      ctx.output(out, (v) => formatClassify(v as ClassifyOutput));
    });
}
