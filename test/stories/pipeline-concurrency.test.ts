import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { resolveConfig, type Config } from '../../shared/config/load.ts';
import { canonicalizeUrl } from '../../shared/feeds/index.ts';
import { createPipelineContext, type PipelineContext } from '../../shared/pipeline/context.ts';
import { processArticleStage } from '../../shared/pipeline/stages.ts';
import type { Store } from '../../shared/store/index.ts';
import { resolveStory, type StoryIndexPort } from '../../shared/stories/index.ts';
import type { ArticleJob } from '../../shared/types.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';
import { DAM, DAM_WRITETHRU, apWire } from './fixtures.ts';

/*
 * Two copies of one story processed at the same time by two pipeline processes (two contexts, two DynamoDB
 * clients, one dynalite table — as two Lambda invocations would): fetched from a real HTTP server, extracted,
 * assigned through DynamoStoryIndex and recorded. Each process's story index waits after its first read until
 * the other has read too, which forces the hardest interleaving: both find nothing, both create a story, and
 * the claims must reveal the twin and merge it. Whatever the interleaving, they end in ONE story: one summary in
 * the story list, both items in its lineage, both items resolving to it.
 */

let dyn: EmbeddedStore;
let server: Server;
let base = '';
const pages = new Map<string, { title: string; site: string; paragraphs: string[] }>();

beforeAll(async () => {
  dyn = await startTestDynamo();
  server = createServer((req, res) => {
    const p = pages.get(req.url ?? '');
    if (!p) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html><head><title>${p.title}</title><meta property="og:site_name" content="${p.site}"></head>` +
        `<body><article><h1>${p.title}</h1>${p.paragraphs.map((t) => `<p>${t}</p>`).join('')}</article></body></html>`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await dyn?.close();
});

/** Each process's story index: its first getKeys returns only when every process has made its first read. */
function gated(inner: StoryIndexPort, barrier: { waiting: number; release: () => void; done: Promise<void> }) {
  let first = true;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'getKeys' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return async (keys: string[]) => {
        const rows = await v.call(target, keys);
        if (first) {
          first = false;
          if (--barrier.waiting === 0) barrier.release();
          await barrier.done;
        }
        return rows;
      };
    },
  });
}

function barrierOf(n: number) {
  let release = () => {};
  const done = new Promise<void>((r) => {
    release = r;
  });
  return { waiting: n, release: () => release(), done };
}

/** Wraps one method of an object: `before` runs (and is awaited) ahead of every call. */
function hook<T extends object>(obj: T, method: string, before: () => Promise<void>): T {
  return new Proxy(obj, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      if (prop !== method) return v.bind(target);
      return async (...args: unknown[]) => {
        await before();
        return v.apply(target, args);
      };
    },
  });
}

/**
 * A pipeline process: its own DynamoDB client and context on the shared table, its story index gated.
 * `claims` runs before each key claim, `records` before each read of a story summary (the start of recording).
 */
function processFor(
  config: Config,
  table: string,
  barrier: ReturnType<typeof barrierOf>,
  opts: { now?: () => Date; claims?: () => Promise<void>; records?: () => Promise<void> } = {},
): PipelineContext {
  const dynamo = new DynamoDBClient({
    endpoint: dyn.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const ctx = createPipelineContext({ config, dynamo, tableName: table, now: opts.now });
  const store = ctx.store as Store;
  let index: StoryIndexPort = gated(store.storyIndex, barrier);
  if (opts.claims) index = hook(index, 'claimKey', opts.claims);
  const stories = opts.records ? hook(store.stories, 'getSummary', opts.records) : store.stories;
  const wrapped = new Proxy(store, {
    get: (target, prop) =>
      prop === 'storyIndex' ? index : prop === 'stories' ? stories : Reflect.get(target, prop, target),
  });
  return { ...ctx, store: wrapped };
}

/** A promise and its resolver. */
function signal() {
  let fire = () => {};
  const fired = new Promise<void>((r) => {
    fire = r;
  });
  return { fire, fired };
}

function job(config: Config, feed: number, path: string, title: string): ArticleJob {
  const url = canonicalizeUrl(`${base}${path}`)!;
  const f = config.feeds[feed]!;
  return {
    feedId: f.id,
    feedUrl: f.url,
    discoveredAt: new Date().toISOString(),
    entry: {
      key: `url:${url}`,
      guid: null,
      url,
      title,
      summary: null,
      contentHtml: null,
      publishedAt: new Date(Date.now() - 3600_000).toISOString(),
      updatedAt: null,
      author: null,
      categories: [],
      enclosures: [],
    },
  };
}

describe('two copies of one story through processArticleStage at once (dynalite, DynamoStoryIndex)', () => {
  const cases = [
    {
      name: 'the wire page and an outlet copy cut from the bottom with boilerplate',
      a: { title: 'Dam fails in northern Portugal', site: 'AP News', paragraphs: apWire(DAM) },
      b: {
        title: 'Dam collapse floods Portuguese villages | Valley Herald',
        site: 'Valley Herald',
        paragraphs: [
          DAM[0]!,
          'Sign up for our morning newsletter to get the top stories delivered to your inbox.',
          ...DAM.slice(1, 5),
        ],
      },
    },
    {
      name: 'a writethru under a new URL and an outlet copy of the first version',
      a: { title: 'Dam fails in northern Portugal', site: 'Valley Herald', paragraphs: apWire(DAM.slice(0, 5)) },
      b: { title: 'Two bodies found after dam collapse', site: 'AP News', paragraphs: apWire(DAM_WRITETHRU) },
    },
  ];

  for (const [i, c] of cases.entries()) {
    it(`${c.name}: one story`, async () => {
      const table = `stories-race-${i}`;
      pages.set(`/a${i}`, c.a);
      pages.set(`/b${i}`, c.b);
      const config = await resolveConfig({
        feeds: [
          { url: `${base}/feed-a.xml`, name: c.a.site },
          { url: `${base}/feed-b.xml`, name: c.b.site },
        ],
        http: { allowHosts: [base.slice('http://'.length)], hostGapMs: 0 },
        store: { tableName: table },
      });
      const barrier = barrierOf(2);
      const p = processFor(config, table, barrier);
      const q = processFor(config, table, barrier);
      await (p.store as Store).ensureTable();

      await Promise.all([
        processArticleStage(p, job(config, 0, `/a${i}`, c.a.title)),
        processArticleStage(q, job(config, 1, `/b${i}`, c.b.title)),
      ]);

      const store = p.store as Store;
      const { items } = await store.queryItems({ limit: 10 });
      expect(items).toHaveLength(2);
      const roots = await Promise.all(
        items.map(async (s) => resolveStory(store.storyIndex, (await store.getItem(s.id))!.storyId)),
      );
      expect(roots[0]).toBe(roots[1]);
      // the forced interleaving really made two stories: each item founded one, and one now redirects to the other
      const records = await store.storyIndex.getStories(items.map((s) => s.id));
      expect(records.size).toBe(2);
      expect([...records.values()].filter((r) => r.mergedInto === roots[0]).length).toBe(1);
      // the story list shows one story, with both items in its lineage
      const listed = await store.queryStories({ limit: 10 });
      expect(listed.stories.map((s) => s.id)).toEqual([roots[0]]);
      const story = (await store.getStory(roots[0]!))!;
      expect(story.lineage.map((m) => m.itemId).sort()).toEqual(items.map((s) => s.id).sort());
      expect(story.members).toBe(2);
    }, 60_000);
  }

  it('a process whose new story is merged by the other while it records it: everything ends in the survivor', async () => {
    // Q creates its story and claims every key first (P's claims wait), so Q sees no twin and goes on to record
    // under its own story; it pauses there while P's claims reveal Q's story, P merges it into its own (created a
    // minute earlier, so P's survives) and records P's article, folding in whatever Q's story held — nothing yet.
    // Then Q writes its summary and lineage row under the story that was just merged away.
    const c = cases[0]!;
    const table = 'stories-race-late';
    pages.set('/late-a', c.a);
    pages.set('/late-b', c.b);
    const config = await resolveConfig({
      feeds: [
        { url: `${base}/feed-a.xml`, name: c.a.site },
        { url: `${base}/feed-b.xml`, name: c.b.site },
      ],
      http: { allowHosts: [base.slice('http://'.length)], hostGapMs: 0 },
      store: { tableName: table },
    });
    const barrier = barrierOf(2);
    const qRecording = signal();
    const pDone = signal();
    let qPaused = false;
    const p = processFor(config, table, barrier, {
      now: () => new Date(Date.now() - 60_000),
      claims: () => qRecording.fired,
    });
    const q = processFor(config, table, barrier, {
      records: async () => {
        if (qPaused) return;
        qPaused = true;
        qRecording.fire();
        await pDone.fired;
      },
    });
    await (p.store as Store).ensureTable();
    await Promise.all([
      processArticleStage(p, job(config, 0, '/late-a', c.a.title)).finally(() => pDone.fire()),
      processArticleStage(q, job(config, 1, '/late-b', c.b.title)),
    ]);

    const store = p.store as Store;
    const { items } = await store.queryItems({ limit: 10 });
    const [ia, ib] = [items.find((i) => i.url.endsWith('/late-a'))!, items.find((i) => i.url.endsWith('/late-b'))!];
    // the race happened as described: Q's story was merged into P's
    expect((await store.storyIndex.getStories([ib.id])).get(ib.id)?.mergedInto).toBe(ia.id);
    const listed = await store.queryStories({ limit: 10 });
    expect(listed.stories.map((s) => s.id)).toEqual([ia.id]);
    const story = (await store.getStory(ia.id))!;
    expect(story.lineage.map((m) => m.itemId).sort()).toEqual([ia.id, ib.id].sort());
    expect(story.members).toBe(2);
    expect((await store.getItem(ib.id))!.storyId).toBe(ia.id);
  }, 60_000);
});
