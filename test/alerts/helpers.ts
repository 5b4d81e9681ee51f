import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveConfig, type Config } from '../../shared/config/load.ts';
import { createHttpClient, type HttpClient } from '../../shared/http/index.ts';
import { Store } from '../../shared/store/index.ts';
import type { Extraction, FeedEntry, StoredItem, TopicMatch } from '../../shared/types.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';
import type { EmbeddedStore } from '../../local/embedded-store.ts';

/** One request a receiver got. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A real node:http server on 127.0.0.1:0 that records requests and answers with `respond`. */
export interface Receiver {
  url: string;
  hostPort: string;
  requests: Received[];
  close(): Promise<void>;
}

/**
 * Starts a receiver. `respond` gets the 0-based request index and the request, and writes the answer
 * (default 200 `ok`, like Slack).
 */
export async function startReceiver(
  respond: (i: number, req: Received, res: ServerResponse) => void = (_i, _r, res) => res.end('ok'),
): Promise<Receiver> {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      const i = requests.length;
      requests.push(r);
      respond(i, r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hostPort: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Config through the real loader; `http.hostGapMs` 0 so tests do not wait between requests to one receiver. */
export async function makeConfig(doc: Record<string, unknown>, allowHosts: string[] = []): Promise<Config> {
  return resolveConfig({
    ...doc,
    topics: [
      { id: 'china-us', name: 'China–US relations', rule: 'SENTENCE(China, "United States")' },
      ...((doc.topics as unknown[]) ?? []),
    ],
    http: { allowHosts, hostGapMs: 0, ...((doc.http as object) ?? {}) },
  });
}

/** The real chokepoint client for a config. */
export function httpFor(config: Config): HttpClient {
  return createHttpClient(config.http);
}

/** A dynalite table with the store's schema, and the real Store on it. */
export async function startTable(
  tableName = 'wirewatch',
): Promise<{ db: EmbeddedStore; store: Store; tableName: string }> {
  const db = await startTestDynamo();
  const store = new Store({ client: db.client, tableName, retentionDays: 90 });
  await store.ensureTable();
  return { db, store, tableName };
}

/** A topic match with one evidence sentence in the title; `terms` are substrings of `title` to mark. */
export function topicMatch(id: string, name: string, score: number, title: string, terms: string[]): TopicMatch {
  return {
    id,
    name,
    score,
    evidence: [
      {
        clause: 'SENTENCE(@china, @russia)',
        field: 'title',
        text: title,
        start: 0,
        end: title.length,
        terms: terms.map((t) => {
          const start = title.indexOf(t);
          return { text: t, start, end: start + t.length };
        }),
      },
    ],
  };
}

/**
 * Saves an article through the real Store (as the pipeline does) and returns the stored item and its new topics.
 * @param opts.publishedAt ISO-8601 (default `now`)
 */
export async function saveArticle(
  store: Store,
  opts: {
    url: string;
    title: string;
    topics: TopicMatch[];
    feedId?: string;
    publishedAt?: string;
    seenAt?: string;
    siteName?: string;
    /** The article text (default: the title and one filler sentence). */
    text?: string;
  },
): Promise<{ item: StoredItem; newTopics: TopicMatch[] }> {
  const seenAt = opts.seenAt ?? new Date().toISOString();
  const entry: FeedEntry = {
    key: `url:${opts.url}`,
    guid: null,
    url: opts.url,
    title: opts.title,
    summary: null,
    contentHtml: null,
    publishedAt: opts.publishedAt ?? seenAt,
    updatedAt: null,
    author: null,
    categories: [],
    enclosures: [],
  };
  const extraction: Extraction = {
    url: opts.url,
    canonicalUrl: opts.url,
    title: opts.title,
    byline: null,
    siteName: opts.siteName ?? 'Example Wire',
    lang: 'en',
    dir: 'ltr',
    publishedAt: opts.publishedAt ?? seenAt,
    modifiedAt: null,
    text: opts.text ?? `${opts.title}\n\nBody text of the article.`,
    excerpt: null,
    wordCount: 20,
    status: 'full',
    reason: null,
    paywalled: false,
    leadImage: null,
    extractor: { name: 'test', version: '0' },
  };
  const saved = await store.saveItem({
    canonicalUrl: opts.url,
    aliasUrls: [],
    feedId: opts.feedId ?? 'f_test',
    entry,
    extraction,
    topics: opts.topics,
    seenAt,
  });
  return { item: saved.item, newTopics: saved.newTopics };
}

/** A recorder for `sleep`: resolves at once and remembers each requested wait (ms). */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

/** Captures console-channel lines. */
export function lines(): { write: (line: string) => void; lines: string[] } {
  const out: string[] = [];
  return { lines: out, write: (l: string) => void out.push(l) };
}

/** Minimal MIME reader for the test: the decoded text/plain and text/html parts and the top-level headers. */
export function readMime(raw: string): { headers: string; subject: string; text: string; html: string } {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\r\n\r\n');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(head)?.[1];
  const parts: Record<string, string> = {};
  if (boundary) {
    for (const chunk of body.split(`--${boundary}`)) {
      const m = /^\r?\n([\s\S]*?)\r?\n\r?\n([\s\S]*)$/.exec(chunk);
      if (!m) continue;
      const [, h = '', content = ''] = m;
      const type = /content-type:\s*([^;\r\n]+)/i.exec(h)?.[1]?.trim().toLowerCase() ?? '';
      const enc = /content-transfer-encoding:\s*(\S+)/i.exec(h)?.[1]?.toLowerCase() ?? '7bit';
      let decoded: string;
      if (enc === 'base64') decoded = Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
      else if (enc === 'quoted-printable') {
        const bytes = content.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, hex: string) => `%${hex}`);
        decoded = decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
      } else decoded = content;
      parts[type] = decoded;
    }
  }
  // Subject: unfold, then decode RFC 2047 Q/B encoded-words.
  const rawSubject = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(head)?.[1] ?? '';
  const subject = rawSubject
    .replace(/\?=\r?\n[ \t]+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
  return { headers: head, subject, text: parts['text/plain'] ?? '', html: parts['text/html'] ?? '' };
}

/** One evidence sentence to build: the clause it supports, the sentence (a substring of the title or text), the terms. */
export interface EvidenceSpec {
  clause: string;
  sentence: string;
  terms: string[];
  /** Where to look for the sentence (default: the title if it is there, else the text). */
  in?: 'title' | 'text';
}

/**
 * A topic match whose evidence entries follow `specs` in order, each located in the title (field `title`) or the
 * text (field `lead`), with field offsets as shared/topics produces them.
 * @throws Error when a sentence or term is not found (a broken fixture, not a test result)
 */
export function evidenceMatch(
  id: string,
  name: string,
  score: number,
  doc: { title: string; text: string },
  specs: EvidenceSpec[],
): TopicMatch {
  return {
    id,
    name,
    score,
    evidence: specs.map((s) => {
      const inTitle = s.in === 'text' ? false : doc.title.includes(s.sentence);
      const field = inTitle ? 'title' : 'lead';
      const source = inTitle ? doc.title : doc.text;
      const start = source.indexOf(s.sentence);
      if (start < 0) throw new Error(`fixture: sentence not found: ${s.sentence}`);
      return {
        clause: s.clause,
        field,
        text: s.sentence,
        start,
        end: start + s.sentence.length,
        terms: s.terms.map((t) => {
          const at = s.sentence.indexOf(t);
          if (at < 0) throw new Error(`fixture: term not found: ${t}`);
          return { text: t, start: start + at, end: start + at + t.length };
        }),
      };
    }),
  };
}
