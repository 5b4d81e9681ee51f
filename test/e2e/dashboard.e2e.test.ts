/**
 * The web dashboard end to end, in a real browser: headless Chromium (/usr/bin/chromium, driven by playwright-core)
 * against the real `wirewatch serve` (spawned through bin/wirewatch.mjs, embedded dynalite under a temp data dir)
 * polling a local publisher — the fixture site with the seed story, a feed whose name and entry title are hostile
 * (`<img src=x onerror=alert(1)>`, Slack's `<!channel>`), a feed that fails, and a webhook that always answers 503,
 * so its alert ends parked. Screenshots of every view go to .tmp/screens/ (git-ignored) for people to look at.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureSite, type FixtureSite } from '../../scripts/fixture-site.ts';

const BIN = fileURLToPath(new URL('../../bin/wirewatch.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENS = join(ROOT, '.tmp', 'screens');
/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it when missing). */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TOKEN = 'dashboard-e2e-token-0123456789';
const HOSTILE = '<img src=x onerror=alert(1)> <!channel>';
const SEED_PATH = '/world/xi-putin-moscow-visit';

/** The hostile publisher: a feed and page with markup in their titles, a feed that fails, a webhook that fails. */
async function startHostile(): Promise<{ base: string; hostPort: string; hooks: number; close(): Promise<void> }> {
  let base = '';
  const state = { hooks: 0 };
  const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const pub = new Date(Date.now() - 2 * 3_600_000).toUTCString();
  const title = `${HOSTILE} Xi and Putin hold talks on gas pipeline`;
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/hostile.rss') {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      // RSS titles may carry escaped HTML (RSS 2.0 best practices); a title whose text is markup is escaped twice.
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${esc(HOSTILE)}</title><link>${base}/</link>` +
          `<item><title>${esc(esc(title))}</title><link>${base}/hostile/talks</link><guid>hostile-1</guid>` +
          `<pubDate>${pub}</pubDate><description>${esc(HOSTILE)}</description></item></channel></rss>`,
      );
    } else if (url === '/hostile/talks') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><title>${esc(title)}</title></head><body><article><h1>${esc(title)}</h1>` +
          '<p>Chinese President Xi Jinping and Russian President Vladimir Putin held talks in Beijing on Tuesday on a new gas pipeline and on trade between the two countries, officials said.</p>' +
          `<p>The statement read ${esc(HOSTILE)} and nothing else was said about the pipeline, according to the officials who briefed reporters afterwards.</p>` +
          '<p>Energy ministers from both countries will meet again next month to discuss prices and the route of the pipeline through Mongolia.</p>' +
          '</article></body></html>',
      );
    } else if (url === '/quiet.rss') {
      // A feed that used to publish hourly and has said nothing for two days.
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      const items = [50, 51, 52, 53].map(
        (hAgo) =>
          `<item><title>Harbour bulletin ${hAgo}</title><link>${base}/quiet/${hAgo}</link><guid>quiet-${hAgo}</guid>` +
          `<pubDate>${new Date(Date.now() - hAgo * 3_600_000).toUTCString()}</pubDate><description>Tide tables.</description></item>`,
      );
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Quiet</title><link>${base}/</link>${items.join('')}</channel></rss>`,
      );
    } else if (url.startsWith('/quiet/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<!doctype html><title>Harbour bulletin</title><article><h1>Harbour bulletin</h1><p>Tide tables for the week.</p></article>',
      );
    } else if (url === '/broken.rss') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    } else if (url === '/hook') {
      state.hooks += 1;
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('receiver down');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hostPort: base.slice('http://'.length),
    get hooks() {
      return state.hooks;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the web dashboard in a browser', () => {
  let site: FixtureSite;
  let hostile: Awaited<ReturnType<typeof startHostile>>;
  let dir: string;
  let serve: ChildProcess;
  let exited: Promise<number | null>;
  let stderr = '';
  let base = '';
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];
  const requestUrls: string[] = [];
  const api = (path: string) =>
    fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.json() as Promise<any>);

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    await mkdir(SCREENS, { recursive: true });
    site = await startFixtureSite();
    hostile = await startHostile();
    dir = await mkdtemp(join(tmpdir(), 'ww-dashboard-e2e-'));
    const config = join(dir, 'wirewatch.yaml');
    await writeFile(
      config,
      [
        'feeds:',
        `  - { id: world, name: Wire Desk World, url: "${site.base}/feeds/world.rss" }`,
        `  - { id: asia, name: Wire Desk Asia, url: "${site.base}/feeds/asia.atom" }`,
        `  - { id: hostile, name: ${JSON.stringify(HOSTILE)}, url: "${hostile.base}/hostile.rss" }`,
        `  - { id: broken, name: Broken Wire, url: "${hostile.base}/broken.rss" }`,
        `  - { id: quiet, name: Harbour Notices, url: "${hostile.base}/quiet.rss" }`,
        'channels:',
        `  - { id: hook, type: webhook, url: "${hostile.base}/hook", secretEnv: E2E_HOOK_SECRET }`,
        'subscriptions:',
        '  - { id: desk-hook, topics: [china-russia], channel: hook, mode: realtime }',
        '  - { id: desk-digest, topics: [china-russia], channel: console, mode: digest }',
        '  - { id: everything, topics: ["*"], channel: console, mode: realtime }',
        'alerts: { maxAttempts: 2, backoffBaseMs: 0 }',
        'http:',
        `  allowHosts: ["${site.hostPort}", "${hostile.hostPort}"]`,
        '  hostGapMs: 0',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    serve = spawn(
      process.execPath,
      [BIN, 'serve', '--port', String(port), '--config', config, '--data-dir', join(dir, 'data')],
      {
        cwd: ROOT,
        env: { ...process.env, WIREWATCH_API_TOKEN: TOKEN, E2E_HOOK_SECRET: 'e2e-hook-secret' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    serve.stderr!.on('data', (d) => {
      stderr += d;
    });
    exited = new Promise((r) => serve.on('close', (code) => r(code)));
    await until('serve to listen', async () => stderr.includes('API on'), 60_000);
    // The first cycle: both fixture feeds, the hostile feed and its alert, parked after two 503s.
    await until('the parked alert', async () => {
      const { alerts } = await api('/alerts?status=failed');
      return alerts.some((a: any) => a.parked);
    });
    await until('the broken feed to fail', async () => {
      const { feeds } = await api('/feeds');
      return feeds.find((f: any) => f.id === 'broken')?.status === 'http_error';
    });

    context = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'ww-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => requestUrls.push(r.url()));
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await exited;
    }
    await hostile?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });

  it('serves the page with strict security headers and asks for a token; a bad token is refused', async () => {
    const res = await page.goto(`${base}/#/stories?topic=china-russia`);
    expect(res?.status()).toBe(200);
    const headers = res!.headers();
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot('signin-refused');
  });

  it('signs in with the token and lists the seed story under china-russia (the deep link kept)', async () => {
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('ol.rows a.row');
    expect(new URL(page.url()).hash).toBe('#/stories?topic=china-russia');
    expect(await page.locator('#f-topic').inputValue()).toBe('china-russia');
    const headlines = await page.locator('a.row .headline').allTextContents();
    expect(headlines).toContain("Xi's visit to Moscow gives isolated Putin a political boost");
    expect(await page.evaluate(() => sessionStorage.getItem('wirewatch.token'))).toBe(TOKEN);
    await shot('stories');
  });

  it('shows the hostile feed title as inert text: no element, no script ran', async () => {
    const row = page.locator('a.row', { hasText: 'Xi and Putin hold talks on gas pipeline' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('.headline').textContent()).toBe(`${HOSTILE} Xi and Putin hold talks on gas pipeline`);
    expect(await page.locator('#view img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('moves through the list with the keyboard and opens a story with Enter', async () => {
    const ids = await page.locator('a.row').evaluateAll((els) => els.map((e) => e.getAttribute('data-story-id')));
    expect(ids.length).toBeGreaterThanOrEqual(2);
    await page.locator('body').press('j');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-story-id'))).toBe(ids[0]);
    await page.keyboard.press('j');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-story-id'))).toBe(ids[1]);
    await page.keyboard.press('k');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-story-id'))).toBe(ids[0]);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => location.hash === `#/story/${id}`, ids[0]);
    await page.waitForSelector('.article-text');
    // g s goes back to the stories view.
    await page.keyboard.press('g');
    await page.keyboard.press('s');
    await page.waitForFunction(() => location.hash === '#/stories');
  });

  it('opens the seed story with every evidence term highlighted and the clause that matched', async () => {
    await page.goto(`${base}/#/stories?topic=china-russia`);
    await page.locator('a.row', { hasText: "Xi's visit to Moscow" }).click();
    await page.waitForSelector('.article-text mark.term');
    const terms = await page.locator('.article-text mark.term').allTextContents();
    expect(terms).toEqual(expect.arrayContaining(['Xi Jinping', 'Moscow']));
    expect(terms.some((t) => /Putin/.test(t))).toBe(true);
    const clauses = await page.locator('.evidence .clause code').allTextContents();
    expect(clauses.some((c) => c.startsWith('SENTENCE('))).toBe(true);
    expect(await page.locator('.evidence blockquote mark.term').count()).toBeGreaterThan(0);
    // The lineage lists both feeds' outlet, with links to the source.
    expect(await page.locator('table.lineage tbody tr').count()).toBeGreaterThanOrEqual(1);
    const source = await page.locator('table.lineage a.ext').first().getAttribute('href');
    expect(source).toBe(`${site.base}${SEED_PATH}`);
    await shot('story');
  });

  it('shows the failing feed failing, the hostile feed name as text, and each feed’s rhythm', async () => {
    await page.goto(`${base}/#/feeds`);
    await page.waitForSelector('table.feeds tbody tr');
    const broken = page.locator('tr[data-feed-id="broken"]');
    expect(await broken.getAttribute('class')).toContain('failing');
    expect(await broken.locator('.badge').textContent()).toBe('failing: http error');
    expect(await broken.locator('.error-text').textContent()).toMatch(/500/);
    expect(await page.locator('tr[data-feed-id="hostile"] .feed-name').textContent()).toBe(HOSTILE);
    expect(await page.locator('tr[data-feed-id="world"] td:nth-child(2) .badge').textContent()).toBe('ok');
    // Hourly until two days ago: silent. The fixture feeds stamp every entry alike: no rhythm to judge by.
    await expect
      .poll(() => page.locator('tr[data-feed-id="quiet"] td.rhythm').textContent())
      .toMatch(/^silent nothing new for 2 d; usually every 60 min$/);
    expect(await page.locator('tr[data-feed-id="world"] td.rhythm').textContent()).toBe('too few items to tell');
    expect(await page.locator('td.rhythm .warning').count()).toBe(1);
    expect(await page.locator('#view img').count()).toBe(0);
    await shot('feeds');
  });

  it('draws the topic timeline with data points, the rule and the latest matches', async () => {
    await page.goto(`${base}/#/topics/china-russia`);
    await page.waitForSelector('svg.chart rect.bar');
    const counts = await page
      .locator('svg.chart rect.bar')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
    expect(counts).toHaveLength(7);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
    expect(counts.at(-1)).toBeGreaterThanOrEqual(1);
    expect(await page.locator('pre.rule').textContent()).toContain('SENTENCE(');
    expect(await page.locator('ol.rows a.row').count()).toBeGreaterThanOrEqual(2);
    await shot('topic-day');
    await page.getByRole('link', { name: 'Per hour' }).click();
    await page.waitForFunction(() => document.querySelectorAll('svg.chart rect.bar').length === 7 * 24);
    const hourly = await page
      .locator('svg.chart rect.bar:not(.empty)')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
    expect(hourly.length).toBeGreaterThanOrEqual(1);
    await shot('topic-hour');
    await page.goto(`${base}/#/topics`);
    await page.waitForSelector('svg.chart.compact rect.bar');
    await shot('topics');
  });

  it('lists the parked alert with its reason, the deferred digest alert and the sent ones', async () => {
    await page.goto(`${base}/#/alerts`);
    await page.waitForSelector('table.alerts tbody tr');
    const parked = page.locator('tr[data-state="parked"]');
    expect(await parked.count()).toBeGreaterThanOrEqual(1);
    expect(await parked.first().locator('td').nth(1).textContent()).toBe('desk-hook');
    expect(await parked.first().locator('.error-text').textContent()).toMatch(/503/);
    expect(await page.locator('tr[data-state="deferred to digest"]').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('tr[data-state="sent"]').count()).toBeGreaterThanOrEqual(1);
    // The hostile outlet name in an alert row is text too.
    expect(await page.locator('#view img').count()).toBe(0);
    await shot('alerts');
    await page.locator('#f-status').selectOption('failed');
    await page.waitForFunction(() => location.hash === '#/alerts?status=failed');
    await page.waitForSelector('table.alerts tbody tr');
    const states = await page
      .locator('table.alerts tbody tr')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states.every((s) => s === 'parked' || s === 'failed')).toBe(true);
  });

  it('looks right narrow and dark (screenshots), and a refused token returns to sign-in', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${base}/#/stories`);
    await page.waitForSelector('ol.rows a.row');
    await shot('stories-narrow-dark');
    await page.goto(`${base}/#/topics/china-russia`);
    await page.waitForSelector('svg.chart rect.bar');
    await shot('topic-narrow-dark');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
    // The token was rotated away: the next request's 401 brings the sign-in form back.
    await page.evaluate(() => sessionStorage.setItem('wirewatch.token', 'rotated-away'));
    await page.goto(`${base}/#/feeds`);
    await page.waitForSelector('form.signin');
    expect(await page.getByRole('alert').textContent()).toMatch(/refused/);
    expect(await page.evaluate(() => sessionStorage.getItem('wirewatch.token'))).toBeNull();
  });

  it('never put the token in a URL and logged no console error', () => {
    expect(requestUrls.length).toBeGreaterThan(10);
    expect(requestUrls.filter((u) => u.includes(TOKEN))).toEqual([]);
    // The bad-token sign-in and the rotated token each make the browser log their 401 responses; nothing else.
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
