/**
 * Crash safety of the local runtime, end to end: `wirewatch serve` (the real CLI) against a publisher of 60
 * matching articles and a slow webhook receiver, killed with SIGKILL at several moments and restarted. Every story
 * must be alerted; a story may be delivered twice only when its delivery was in flight at a kill, and then both
 * deliveries carry the same idempotency key.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/wirewatch.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const N = 60;

// Words to make each article its own story (no two pages share their text beyond the matching sentence).
const WORDS =
  'energy grain railway border pipeline bank yuan port satellite wheat drone tariff rouble treaty arctic nuclear visa shipping coal gas airline chip'.split(
    ' ',
  );
function articleText(i: number): string {
  let seed = i * 7919 + 13;
  const word = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return WORDS[seed % WORDS.length]!;
  };
  const paras = [
    `Chinese President Xi Jinping and Russian President Vladimir Putin held talks on ${word()} and ${word()} cooperation, officials said in dispatch number ${i}.`,
  ];
  for (let p = 0; p < 6; p++) {
    paras.push(
      `Paragraph ${p} of report ${i} covers the ${word()} and ${word()} sectors, the ${word()} agreement and ${word()} prices in district ${i * 10 + p}.`,
    );
  }
  return paras.map((p) => `<p>${p}</p>`).join('');
}

interface Publisher {
  base: string;
  hostPort: string;
  close(): Promise<void>;
}

async function startPublisher(): Promise<Publisher> {
  let base = '';
  const now = new Date().toUTCString();
  const server: Server = createServer((req, res) => {
    if (req.url === '/feed.xml') {
      const items = Array.from(
        { length: N },
        (_, i) =>
          `<item><title>Xi and Putin dispatch ${i}</title><link>${base}/a/${i}</link><guid>g${i}</guid><pubDate>${now}</pubDate></item>`,
      ).join('');
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"' });
      return void res.end(
        `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>${items}</channel></rss>`,
      );
    }
    const i = Number(/^\/a\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
    res.writeHead(i >= 0 ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<html><head><title>Xi and Putin dispatch ${i}</title></head><body><article><h1>Xi and Putin dispatch ${i}</h1>${articleText(i)}</article></body></html>`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hostPort: base.replace('http://', ''),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('crash safety: serve killed with SIGKILL and restarted', () => {
  let dir: string;
  let pub: Publisher;
  let hook: Server;
  let hookBase = '';
  /** Idempotency keys of the deliveries the receiver answered, in order. */
  const deliveries: string[] = [];
  /** Each delivery's key, arrival and answer times (ms). */
  const timeline: Array<{ key: string; arrived: number; answered: number }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ww-crash-e2e-'));
    pub = await startPublisher();
    // A slow receiver (250 ms a delivery), so that kills find deliveries in flight.
    hook = createServer((req, res) => {
      // Every arrival is on the timeline at once: a delivery whose sender is killed before the answer keeps
      // `answered: Infinity` (it was in flight at the kill).
      const entry = {
        key: String(req.headers['x-wirewatch-idempotency-key']),
        arrived: Date.now(),
        answered: Infinity,
      };
      timeline.push(entry);
      req.resume();
      req.on('end', () => {
        setTimeout(() => {
          deliveries.push(entry.key);
          res.end('ok', () => {
            entry.answered = Date.now();
          });
        }, 250);
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    hookBase = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    hook.closeAllConnections();
    await new Promise<void>((r) => hook.close(() => r()));
    await pub.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('alerts every story; duplicates only for deliveries in flight at a kill, with the same key', async () => {
    const configFile = join(dir, 'wirewatch.yaml');
    await writeFile(
      configFile,
      [
        'feeds:',
        `  - { url: "${pub.base}/feed.xml", name: Wire }`,
        'schedule: "* * * * *"',
        'topics:',
        '  - { id: china-russia, name: China–Russia relations, rule: "SENTENCE(@china, @russia)" }',
        'channels:',
        `  - { id: hook, type: webhook, url: "${hookBase}/hook", secretEnv: HOOK_SECRET }`,
        'subscriptions:',
        '  - { id: desk, topics: [china-russia], channel: hook, budgetPerHour: 0 }',
        'http:',
        `  allowHosts: ["${pub.hostPort}", "${hookBase.replace('http://', '')}"]`,
        '  hostGapMs: 0',
        '',
      ].join('\n'),
    );
    const dataDir = join(dir, 'data');
    const start = (): ChildProcess =>
      spawn(process.execPath, [BIN, 'serve', '--config', configFile, '--data-dir', dataDir, '--port', '0'], {
        cwd: ROOT,
        env: { ...process.env, HOOK_SECRET: 's3cret', WIREWATCH_API_TOKEN: 'crash-test-token' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    /** Waits for `cond`; a `serve` that exits meanwhile fails the test at once with the end of its stderr. */
    const waitFor = async (child: ChildProcess, cond: () => boolean, ms: number) => {
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      const deadline = Date.now() + ms;
      while (!cond() && Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const kill = async (child: ChildProcess) => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    };

    // Kill at several moments: while the first alerts go out, in the middle, and near the end.
    const killedAt: number[] = [];
    for (const after of [3, 25, 50]) {
      const child = start();
      await waitFor(child, () => deliveries.length >= after, 90_000);
      killedAt.push(Date.now());
      await kill(child);
    }
    const kills = killedAt.length;
    const unique = () => new Set(deliveries).size;
    const last = start();
    await waitFor(last, () => unique() >= N, 120_000);
    // Give any repeat a moment to arrive, then stop cleanly.
    await new Promise((r) => setTimeout(r, 1_000));
    const exited = new Promise((r) => last.once('exit', r));
    last.kill('SIGTERM');
    await exited;

    const counts = new Map<string, number>();
    for (const k of deliveries) counts.set(k, (counts.get(k) ?? 0) + 1);
    const duplicates = deliveries.length - counts.size;
    console.log(
      `crash test: ${N} stories, ${kills} kills, ${deliveries.length} deliveries, ${counts.size} distinct keys, ${duplicates} duplicates`,
    );
    expect(counts.size).toBe(N);
    for (const k of counts.keys()) expect(k).toMatch(/^i_[0-9a-f]{24}#china-russia#desk$/);
    // A repeat is allowed only for a delivery in flight at a kill: it arrived before the kill, and its answer came
    // after the kill or too shortly before it for the sender to have recorded it (2 s, generous for a loaded CI box;
    // the sender records the outcome right after the answer).
    const inFlight = (d: { arrived: number; answered: number }) =>
      killedAt.some((k) => d.arrived <= k && d.answered >= k - 2_000);
    for (const [key, n] of counts) {
      if (n === 1) continue;
      const first = timeline.find((d) => d.key === key)!;
      if (!inFlight(first))
        console.log('not in flight', { first, kills: killedAt, all: timeline.filter((d) => d.key === key) });
      expect(inFlight(first), `${key} delivered ${n}× but was not in flight at a kill`).toBe(true);
      expect(n).toBeLessThanOrEqual(1 + kills);
    }
  }, 400_000);
});
