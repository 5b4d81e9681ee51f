/**
 * `npx tsx scripts/dashboard-screenshot.ts [OUT.png]`: the README's dashboard picture (docs/dashboard.png), made
 * from the bundled fixture site only (our own feeds and pages, as `npm run demo` uses): `wirewatch serve` on a temp
 * data dir polls it once, headless Chromium signs in and photographs the seed story with its evidence.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startFixtureSite } from './fixture-site.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const out = process.argv[2] ?? join(ROOT, 'docs', 'dashboard.png');
const token = 'screenshot-token-0123456789';

const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const site = await startFixtureSite();
const dir = await mkdtemp(join(tmpdir(), 'ww-screenshot-'));
await writeFile(
  join(dir, 'wirewatch.yaml'),
  [
    'feeds:',
    `  - { id: world, name: Wire Desk – World, url: "${site.base}/feeds/world.rss" }`,
    `  - { id: asia, name: Wire Desk – Asia, url: "${site.base}/feeds/asia.atom" }`,
    'http:',
    `  allowHosts: ["${site.hostPort}"]`,
    '  hostGapMs: 0',
    '',
  ].join('\n'),
);
const serve = spawn(
  process.execPath,
  [
    join(ROOT, 'bin', 'wirewatch.mjs'),
    'serve',
    '--port',
    String(port),
    '--config',
    join(dir, 'wirewatch.yaml'),
    '--data-dir',
    join(dir, 'data'),
  ],
  { cwd: ROOT, env: { ...process.env, WIREWATCH_API_TOKEN: token }, stdio: 'ignore' },
);
const base = `http://127.0.0.1:${port}`;
try {
  let stories: Array<{ id: string; title: string }> = [];
  for (let i = 0; i < 240 && !stories.some((s) => s.title.startsWith("Xi's visit")); i++) {
    await new Promise((r) => setTimeout(r, 500));
    stories = await fetch(`${base}/stories?topic=china-russia`, { headers: { authorization: `Bearer ${token}` } })
      .then((r) => (r.ok ? (r.json() as Promise<{ stories: typeof stories }>) : { stories: [] }))
      .then((b) => b.stories)
      .catch(() => []);
  }
  const seed = stories.find((s) => s.title.startsWith("Xi's visit"));
  if (!seed) throw new Error('the seed story was not stored');
  const context = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'ww-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    viewport: { width: 1100, height: 1180 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${base}/#/story/${seed.id}`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('.article-text mark.term');
  // The top of the story page: lineage, versions, and the evidence with its marked terms.
  await page.screenshot({ path: out });
  await context.close();
  process.stderr.write(`wrote ${out}\n`);
} finally {
  serve.kill('SIGTERM');
  await site.close();
  await new Promise((r) => setTimeout(r, 1000));
  await rm(dir, { recursive: true, force: true });
}
