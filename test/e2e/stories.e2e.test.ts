/**
 * Stories end to end: `wirewatch run --once` (the real CLI, embedded dynalite under a temp data dir) against a
 * local publisher whose six outlet feeds carry copies of the seed story (AP's report of Xi's visit to Putin) —
 * trimmed, retitled, with datelines, bylines and outlet boilerplate — beside an independent report of the same
 * summit and a follow-up that pastes the seed's background paragraphs. A real webhook receiver counts alerts.
 * Then the wire updates its page with two paragraphs: one update alert with the diff.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/wirewatch.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SEED = fileURLToPath(new URL('../../../shared/seed/ap-xi-moscow-visit.txt', import.meta.url));
const hasSeed = existsSync(SEED);

/** The seed's body paragraphs (its last lines are page furniture). */
function seedParagraphs(): string[] {
  return readFileSync(SEED, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.split(/\s+/).length > 12);
}

// Our own texts: an independent report of the same visit (other wording, same facts), and a next-day follow-up.
const INDEPENDENT = [
  "MOSCOW, March 20 (Reuters) - Russian President Vladimir Putin welcomed Chinese President Xi Jinping to the Kremlin on Monday for talks that both sides cast as a show of unity against Western pressure, days after an international court issued a warrant for Putin's arrest.",
  'The two leaders held several hours of informal discussions over dinner, Kremlin spokesman Dmitry Peskov said, with formal negotiations on trade and energy set for Tuesday. Putin told Xi he had studied Beijing\'s 12-point paper on the conflict in Ukraine "with respect".',
  'Xi, making his first trip abroad since securing a third term as president, said China and Russia were "good neighbours and reliable partners" and that he expected the visit to give new momentum to ties between the two countries.',
  'Western governments have urged Beijing to use its influence to press Moscow to withdraw its troops. Washington has said it sees no sign yet that China is supplying weapons to Russia but would watch the visit closely.',
  'Trade between Russia and China reached a record $190 billion last year as Moscow redirected oil and gas exports eastward after Western sanctions, according to Chinese customs data.',
];

function followUp(seed: string[]): string[] {
  return [
    'Chinese leader Xi Jinping and Russian President Vladimir Putin signed a series of agreements on Tuesday on energy, trade and transport, wrapping up a second day of talks in Moscow with a joint statement on deepening their strategic partnership.',
    "The statement said the two countries would expand cooperation on the Power of Siberia 2 gas pipeline and increase the use of their own currencies in trade. Putin said Russia was ready to meet China's growing demand for energy.",
    seed[2]!,
    seed[3]!,
    'Xi invited Putin to visit China later this year, according to Chinese state media. The Kremlin said the invitation had been accepted.',
  ];
}

/** An outlet's copy of the seed, made the way outlets make them. */
interface Copy {
  slug: string;
  outlet: string;
  title: string;
  paragraphs: string[];
}

function copies(seed: string[]): Copy[] {
  const smart = (s: string) => s.replace(/"([^"]*)"/g, '\u201c$1\u201d').replace(/ the /, ' the\u00a0');
  return [
    { slug: 'ap', outlet: 'AP World', title: "Xi's visit to Moscow gives Putin a political boost", paragraphs: seed },
    {
      slug: 'abc',
      outlet: 'ABC News',
      title: "Xi's visit to Moscow gives Putin a political boost",
      paragraphs: [
        `MOSCOW (AP) — ${seed[0]}`,
        ...seed.slice(1),
        'Copyright 2023 The Associated Press. All rights reserved.',
      ],
    },
    {
      slug: 'usnews',
      outlet: 'US News',
      title: 'Chinese Leader Heads to Moscow in Show of Support for Putin',
      paragraphs: [...seed.slice(0, 4), 'Sign up for our World News newsletter to get the day\u2019s top stories.'],
    },
    {
      slug: 'courier',
      outlet: 'Lakeside Courier',
      title: 'What the Xi–Putin meeting means for our region',
      paragraphs: [
        'Local grain exporters are watching this week\u2019s summit closely, the Lakeside Chamber of Commerce said on Monday.',
        ...seed.slice(0, 5),
        'RELATED: Chamber of Commerce hosts trade forum next month',
      ],
    },
    {
      slug: 'metro',
      outlet: 'Metro Daily',
      title: 'Xi meets Putin as ICC charges loom',
      paragraphs: [seed[0]!, 'Advertisement', seed[1]!, seed[2]!],
    },
    {
      slug: 'digest',
      outlet: 'Global Digest',
      title: "Xi's Moscow visit: a boost for an isolated Putin",
      paragraphs: ['By Ken Moritsugu, Associated Press', ...seed.map(smart)],
    },
  ];
}

interface Page {
  title: string;
  paragraphs: string[];
}

/** A publisher: `/feeds/<slug>.xml` (one entry each) and `/p/<slug>` pages; `pages` can be changed between runs. */
async function startPublisher(pages: Map<string, Page>, outlets: Map<string, string>) {
  let base = '';
  const pubDate = new Date(Date.now() - 3_600_000).toUTCString();
  const version = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    const feed = /^\/feeds\/([a-z]+)\.xml$/.exec(url)?.[1];
    if (feed && pages.has(feed)) {
      const p = pages.get(feed)!;
      const v = version.get(feed) ?? 1;
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${outlets.get(feed)}</title><link>${base}/</link>` +
          `<item><title><![CDATA[${p.title}]]></title><link>${base}/p/${feed}</link><guid>${feed}-1</guid>` +
          `<pubDate>${pubDate}</pubDate><description>v${v}</description></item></channel></rss>`,
      );
      return;
    }
    const page = /^\/p\/([a-z]+)$/.exec(url)?.[1];
    if (page && pages.has(page)) {
      const p = pages.get(page)!;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><title>${p.title}</title><meta property="og:site_name" content="${outlets.get(page)}"></head>` +
          `<body><article><h1>${p.title}</h1>${p.paragraphs.map((t) => `<p>${t}</p>`).join('')}</article></body></html>`,
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hostPort: base.slice('http://'.length),
    bump: (slug: string) => version.set(slug, (version.get(slug) ?? 1) + 1),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!hasSeed)('stories end to end', () => {
  let dir: string;
  let hook: Server;
  let hookBase = '';
  const alerts: Array<{ key: string; body: any }> = [];
  let pub: Awaited<ReturnType<typeof startPublisher>>;
  let configFile: string;
  let dataDir: string;
  const env = { HOOK_SECRET: 'stories-e2e-secret' };
  const pages = new Map<string, Page>();
  const outlets = new Map<string, string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-stories-e2e-'));
    const seed = seedParagraphs();
    for (const c of copies(seed)) {
      pages.set(c.slug, { title: c.title, paragraphs: c.paragraphs });
      outlets.set(c.slug, c.outlet);
    }
    pages.set('reuters', { title: 'Putin hosts Xi in Kremlin show of unity', paragraphs: INDEPENDENT });
    outlets.set('reuters', 'Reuters World');
    pages.set('followup', { title: 'Xi and Putin sign energy and trade deals', paragraphs: followUp(seed) });
    outlets.set('followup', 'AP Asia');
    pub = await startPublisher(pages, outlets);
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        alerts.push({ key: String(req.headers['x-wirewatch-idempotency-key']), body: JSON.parse(body) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    hookBase = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    configFile = join(dir, 'wirewatch.yaml');
    dataDir = join(dir, 'data');
    await writeFile(
      configFile,
      [
        'feeds:',
        ...[...outlets].map(
          ([slug, name]) => `  - { id: ${slug}, name: "${name}", url: "${pub.base}/feeds/${slug}.xml" }`,
        ),
        'channels:',
        `  - { id: hook, type: webhook, url: "${hookBase}/hook", secretEnv: HOOK_SECRET }`,
        'subscriptions:',
        '  - { id: desk, topics: [china-russia], channel: hook }',
        'http:',
        `  allowHosts: ["${pub.hostPort}", "${hookBase.slice('http://'.length)}"]`,
        '  hostGapMs: 0',
        '',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    hook?.closeAllConnections();
    await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
    await pub?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(['--config', configFile, '--data-dir', dataDir, ...args], env);

  it('six carriers of the seed are one story with one alert; the other report and the follow-up are their own', async () => {
    const run = await cli('run', '--once', '--json');
    expect(run.code, run.stderr).toBe(0);
    const listed = await cli('stories', '--json', '--limit', '50');
    expect(listed.code, listed.stderr).toBe(0);
    const { stories } = JSON.parse(listed.stdout) as { stories: Array<{ id: string; members: number; title: string }> };
    expect(stories.map((s) => s.members).sort((a, b) => a - b)).toEqual([1, 1, 6]);

    const seedStory = stories.find((s) => s.members === 6)!;
    // One alert per story for the subscription: the seed story alerts once although six outlets carried it.
    const keys = alerts.map((a) => a.key);
    expect(keys.filter((k) => k.startsWith(`${seedStory.id}#china-russia#desk`))).toHaveLength(1);
    expect(new Set(keys).size).toBe(keys.length);
    expect(alerts.every((a) => a.body.event === 'story.new')).toBe(true);

    const shown = await cli('story', seedStory.id, '--json');
    expect(shown.code, shown.stderr).toBe(0);
    const story = JSON.parse(shown.stdout);
    const lineage = story.lineage as Array<{ outlet: string; role: string; changes: any }>;
    expect(lineage.map((m) => m.outlet).sort()).toEqual(
      ['ABC News', 'AP World', 'Global Digest', 'Lakeside Courier', 'Metro Daily', 'US News'].sort(),
    );
    const by = new Map(lineage.map((m) => [m.outlet, m]));
    const original = lineage.find((m) => m.role === 'original')!;
    expect(['AP World', 'ABC News', 'Global Digest']).toContain(original.outlet);
    // What each outlet changed, against the original.
    expect(by.get('US News')!.changes).toMatchObject({
      headline: { changed: true },
      paragraphsDropped: { count: 2, fromBottom: true },
    });
    expect(by.get('Metro Daily')!.changes.paragraphsDropped).toMatchObject({ count: 3, fromBottom: true });
    expect(by.get('Lakeside Courier')!.changes.paragraphsAdded.count).toBeGreaterThanOrEqual(1);
    expect(by.get('Lakeside Courier')!.changes.paragraphsAdded.paragraphs[0].position).toBe('top');
    expect(story.topicMatches.map((t: { id: string }) => t.id)).toContain('china-russia');
  }, 240_000);

  it('a later version of the wire page with two added paragraphs sends one update alert with the diff', async () => {
    const ap = pages.get('ap')!;
    pages.set('ap', {
      title: ap.title,
      paragraphs: [
        ...ap.paragraphs,
        'The Kremlin said on Monday evening that Putin and Xi had agreed to meet again before the end of the year and that talks on a new gas pipeline would continue at the level of ministers.',
        'Chinese state television showed the two leaders shaking hands in the Kremlin\u2019s St. George Hall before the start of the formal talks, which lasted more than four hours.',
      ],
    });
    pub.bump('ap'); // the feed entry changes too (its description), so the entry is processed again
    const before = alerts.length;
    const run = await cli('run', '--once', '--json');
    expect(run.code, run.stderr).toBe(0);
    const updates = alerts.slice(before);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.body.event).toBe('story.updated');
    const a = updates[0]!.body.alerts[0];
    expect(a.update).toMatchObject({ version: 2, previousVersion: 1 });
    expect(a.update.summary.join(' ')).toMatch(/new sentence/);
    expect(updates[0]!.key).toMatch(/#china-russia#desk#v2$/);

    const listed = JSON.parse((await cli('stories', '--json')).stdout);
    const seedStory = listed.stories.find((s: { members: number }) => s.members === 6);
    expect(seedStory.version).toBe(2);
    const story = JSON.parse((await cli('story', seedStory.id, '--json')).stdout);
    expect(story.versions).toHaveLength(1);
    expect(story.versions[0]).toMatchObject({ version: 2, verdict: 'material' });
    expect(story.versions[0].diff.added.join(' ')).toMatch(/St\. George Hall/);
  }, 240_000);
});
