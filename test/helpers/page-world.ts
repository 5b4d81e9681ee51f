/**
 * Test worlds for page retries and rechecks: a programmable publisher on 127.0.0.1 (one feed, one page per slug,
 * each page answering what the test scripts), a configuration with a topic named only in page bodies, a stepped
 * clock, and the pipeline in one of its two runtimes — the local runtime (`LocalRuntime.runCycle`) or the Lambda
 * handlers driven with SQS events the way the event source mappings deliver them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSEvent } from 'aws-lambda';
import { resolveConfig, type Config } from '../../shared/config/load.ts';
import { createLogger, silentLogger } from '../../shared/log.ts';
import { LocalRuntime } from '../../local/runtime.ts';
import { createPipelineContext, type PipelineContext } from '../../shared/pipeline/context.ts';
import type { FeedMessage } from '../../shared/pipeline/ports.ts';
import { getItemDetail } from '../../shared/api/index.ts';
import type { AlertJob, ArticleJob, ItemDetail } from '../../shared/types.ts';
import { createScheduleFeedsHandler } from '../../functions/schedule-feeds.ts';
import { createPollFeedHandler } from '../../functions/poll-feed.ts';
import { createProcessArticleHandler } from '../../functions/process-article.ts';
import { createFanOutAlertsHandler } from '../../functions/fan-out-alerts.ts';
import type { HandlerDeps } from '../../functions/lib/types.ts';
import { startTestDynamo } from './dynalite.ts';

/** What a scripted page answers. `reset` destroys the connection without an answer (a connection reset). */
export interface PageAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  reset?: boolean;
}

/** A page's script: called with the 0-based number of the request to this page and the request. */
export type PageScript = (n: number, req: IncomingMessage) => PageAnswer;

/** One request the publisher saw for a page. */
export interface PageHit {
  slug: string;
  status: number | 'reset';
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
}

/** The start of every world's clock. */
export const T0 = Date.parse('2026-12-01T10:00:00.000Z');

/** Body paragraphs of a page about a wildlife survey; only the third names the okapi (the body-only topic). */
export const SURVEY = [
  'Researchers from the national parks agency published the results of a three-year wildlife survey on Monday, covering the dense forests of the northeast and the river valleys that border them.',
  'The survey teams walked more than four thousand kilometres of transects, set camera traps at two hundred sites and interviewed villagers about the animals they see near their fields.',
  'The most striking result concerns the okapi, a shy forest giraffe found nowhere else, whose numbers appear to have stabilised in the reserve after two decades of decline.',
  'Conservation groups welcomed the figures but warned that mining and logging concessions near the reserve could undo the progress, and called for stronger protection of its borders.',
];

/** Two paragraphs a publisher adds later without touching its feed entry. */
export const SURVEY_UPDATE = [
  'The agency said on Tuesday that the survey counted 1,240 animals in the reserve, up from 980 in 2019, and that a second count would begin in March.',
  'Rangers will extend their patrols to the northern sector next month, the park director told reporters, after two camera traps recorded poachers there in October.',
];

/** An article page. */
export function articleHtml(title: string, paragraphs: string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><article><h1>${title}</h1>${paragraphs
    .map((p) => `<p>${p}</p>`)
    .join('')}</article></body></html>`;
}

/** A scripted publisher: `/feed.xml` lists one entry per page, `/p/<slug>` answers by the page's script. */
export interface Publisher {
  base: string;
  hostPort: string;
  hits: PageHit[];
  /** Requests to one page. */
  hitsOf(slug: string): PageHit[];
  /** Adds a page (and its feed entry) or replaces its script. */
  page(slug: string, script: PageScript): void;
  /** Changes the summary of a page's feed entry (the entry is then processed again). */
  summary(slug: string, text: string): void;
  pageUrl(slug: string): string;
  close(): Promise<void>;
}

/** Starts a publisher. Feed entries are dated an hour before `T0`; their summaries never name the okapi. */
export async function startPublisher(): Promise<Publisher> {
  const scripts = new Map<string, PageScript>();
  const summaries = new Map<string, string>();
  const counts = new Map<string, number>();
  const hits: PageHit[] = [];
  let base = '';
  const pubDate = new Date(T0 - 3_600_000).toUTCString();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    if (path === '/feed.xml') {
      const items = [...scripts.keys()]
        .map(
          (slug) =>
            `<item><title>Wildlife survey ${slug}</title><link>${base}/p/${slug}</link><guid>${slug}</guid>` +
            `<pubDate>${pubDate}</pubDate><description>${summaries.get(slug) ?? 'A wildlife survey was published on Monday.'}</description></item>`,
        )
        .join('');
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Parks desk</title><link>${base}/</link>${items}</channel></rss>`,
      );
      return;
    }
    const slug = /^\/p\/([a-z0-9-]+)$/.exec(path)?.[1];
    const script = slug ? scripts.get(slug) : undefined;
    if (!slug || !script) {
      res.writeHead(404).end();
      return;
    }
    const n = counts.get(slug) ?? 0;
    counts.set(slug, n + 1);
    const answer = script(n, req);
    const hit: PageHit = {
      slug,
      status: answer.reset ? 'reset' : (answer.status ?? 200),
      ifNoneMatch: (req.headers['if-none-match'] as string | undefined) ?? null,
      ifModifiedSince: (req.headers['if-modified-since'] as string | undefined) ?? null,
    };
    hits.push(hit);
    if (answer.reset) {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status ?? 200, { 'content-type': 'text/html; charset=utf-8', ...answer.headers });
    res.end(answer.body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hostPort: base.slice('http://'.length),
    hits,
    hitsOf: (slug) => hits.filter((h) => h.slug === slug),
    page: (slug, script) => {
      scripts.set(slug, script);
    },
    summary: (slug, text) => {
      summaries.set(slug, text);
    },
    pageUrl: (slug) => `${base}/p/${slug}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** The world's configuration: the publisher's feed, a body-only topic `okapi`, default retry and recheck settings. */
export async function worldConfig(pub: Publisher, over: Record<string, unknown> = {}): Promise<Config> {
  return resolveConfig({
    feeds: [{ id: 'parks', name: 'Parks desk', url: `${pub.base}/feed.xml` }],
    topics: [{ id: 'okapi', name: 'Okapi sightings', rule: 'okapi' }],
    subscriptions: [{ topics: ['okapi'], channel: 'console' }],
    http: { allowHosts: [pub.hostPort], hostGapMs: 0 },
    ...over,
  });
}

/** The pipeline in one runtime, with a stepped clock. */
export interface PageWorld {
  readonly runtime: 'local' | 'lambda';
  pub: Publisher;
  /** Console alert lines, in order. */
  alerts: string[];
  ctx: PipelineContext;
  now(): Date;
  /** Moves the clock on by `ms`. */
  advance(ms: number): void;
  /** Moves the clock to `iso`. */
  advanceTo(iso: string): void;
  /** One scheduler tick and everything it causes (feeds due, pages due, articles, alerts). */
  cycle(opts?: { force?: boolean }): Promise<void>;
  /** The item of a page with its fetch state. */
  item(slug: string): Promise<ItemDetail>;
  close(): Promise<void>;
}

/** Builds a world in the local runtime (`LocalRuntime`, in-memory dynalite). */
export async function localWorld(over: Record<string, unknown> = {}): Promise<PageWorld> {
  const pub = await startPublisher();
  let clock = T0;
  const alerts: string[] = [];
  const runtime = await LocalRuntime.start({
    config: await worldConfig(pub, over),
    dataDir: '',
    memory: true,
    logger: process.env.WW_TEST_LOGS ? createLogger({ level: 'debug' }) : silentLogger,
    consoleWrite: (l) => alerts.push(l),
    now: () => new Date(clock),
  });
  return world('local', pub, alerts, runtime.ctx, {
    setClock: (t) => {
      clock = t;
    },
    getClock: () => clock,
    cycle: async (opts) => {
      await runtime.runCycle(opts);
    },
    close: () => runtime.close(),
  });
}

/** An SQS event as the event source mapping delivers it. */
export function sqsEvent(bodies: unknown[], queue: string): SQSEvent {
  return {
    Records: bodies.map((b, i) => ({
      messageId: `${queue}-${i}`,
      receiptHandle: `r-${i}`,
      body: JSON.stringify(b),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'AIDLOCAL',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
      awsRegion: 'us-east-1',
    })),
  };
}

/**
 * Builds a world of the Lambda handlers (functions/): the scheduler's output and each handler's sends are kept in
 * arrays standing for the three SQS queues and delivered as SQS events (batches of 10) until all are empty. Any
 * `batchItemFailures` fail the test run (they would be redelivered in AWS).
 */
export async function lambdaWorld(over: Record<string, unknown> = {}): Promise<PageWorld> {
  const pub = await startPublisher();
  const dynamo = await startTestDynamo();
  let clock = T0;
  const alerts: string[] = [];
  const ctx = createPipelineContext({
    config: await worldConfig(pub, over),
    dynamo: dynamo.client,
    now: () => new Date(clock),
    consoleWrite: (l) => alerts.push(l),
  });
  await ctx.store.ensureTable();
  const queued = { feeds: [] as FeedMessage[], articles: [] as ArticleJob[], alerts: [] as AlertJob[] };
  const deps: HandlerDeps = {
    context: async () => ctx,
    queues: {
      feeds: { send: async (m) => void queued.feeds.push(...m) },
      articles: { send: async (m) => void queued.articles.push(...m) },
      alerts: { send: async (m) => void queued.alerts.push(...m) },
    },
  };
  const schedule = createScheduleFeedsHandler(deps);
  const handlers = {
    feeds: createPollFeedHandler(deps),
    articles: createProcessArticleHandler(deps),
    alerts: createFanOutAlertsHandler(deps),
  };
  const drain = async () => {
    for (;;) {
      const name = (['feeds', 'articles', 'alerts'] as const).find((q) => queued[q].length > 0);
      if (!name) return;
      const batch = queued[name].splice(0, 10);
      const res = await handlers[name](sqsEvent(batch, name));
      if (res.batchItemFailures.length > 0) {
        throw new Error(`${name}: ${res.batchItemFailures.length} record(s) failed`);
      }
    }
  };
  return world('lambda', pub, alerts, ctx, {
    setClock: (t) => {
      clock = t;
    },
    getClock: () => clock,
    cycle: async (opts) => {
      await schedule({ force: opts?.force });
      await drain();
    },
    close: async () => {
      await dynamo.close();
    },
  });
}

function world(
  runtime: 'local' | 'lambda',
  pub: Publisher,
  alerts: string[],
  ctx: PipelineContext,
  io: {
    setClock(t: number): void;
    getClock(): number;
    cycle(opts?: { force?: boolean }): Promise<void>;
    close(): Promise<void>;
  },
): PageWorld {
  return {
    runtime,
    pub,
    alerts,
    ctx,
    now: () => new Date(io.getClock()),
    advance: (ms) => io.setClock(io.getClock() + ms),
    advanceTo: (iso) => io.setClock(Date.parse(iso)),
    cycle: (opts) => io.cycle(opts),
    item: async (slug) => {
      const id = await ctx.store.findItemIdByUrl(pub.pageUrl(slug));
      if (!id) throw new Error(`no item for page ${slug}`);
      const detail = await getItemDetail(ctx.store, id);
      if (!detail) throw new Error(`item ${id} of page ${slug} vanished`);
      return detail;
    },
    close: async () => {
      await io.close();
      await pub.close();
    },
  };
}
