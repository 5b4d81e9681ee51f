/**
 * CLI start-up benchmark. Run: `npm run bench:cli` (options: `-- --runs N`, default 15; `--json`).
 *
 * Spawns `node bin/wirewatch.mjs …` as a user would, for three commands, on three paths measured in the same run
 * and interleaved (one run of each path in turn, so they share the machine's load):
 * - **bundle**: the prebuilt bundle (bin/cli-bundle.mjs; built first if stale), loading only the command's module;
 * - **tsx**: `WIREWATCH_NO_BUNDLE=1`, the sources compiled by tsx at start, loading only the command's module;
 * - **tsx, all modules**: `WIREWATCH_NO_BUNDLE=1 WIREWATCH_CLI_LOAD_ALL=1`, how the CLI started before: tsx and
 *   every command module (with all their dependencies) loaded for any command.
 * Plus `node -e 0` as the floor (Node's own start on this machine at this moment). Commands: `--help`, `items` on
 * an embedded store of 200 items (dynalite data dir made here), `classify` of a short text file.
 * Wall-clock ms per run (median and p90) and each path's median as a ratio of the bundle's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { startEmbeddedStore } from '../local/embedded-store.ts';
import { Store } from '../shared/store/index.ts';
import { itemInput, topic } from '../test/store/factories.ts';
// @ts-expect-error plain JavaScript module without type declarations
import { buildCliBundle, bundleStatus } from '../bin/cli-bundle.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'wirewatch.mjs');
const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1] || 15) || 15;
const JSON_OUT = argv.includes('--json');

const dir = await mkdtemp(join(tmpdir(), 'ww-bench-cli-'));
try {
  if (!bundleStatus().fresh) await buildCliBundle();
  const dataDir = join(dir, 'data');
  const embedded = await startEmbeddedStore({ dataDir });
  try {
    const store = new Store({ client: embedded.client, tableName: 'wirewatch', retentionDays: 90 });
    await store.ensureTable();
    for (let i = 0; i < 200; i++) {
      await store.saveItem(
        itemInput(`https://news.example/bench/${i}`, {
          publishedAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
          topics: i % 3 === 0 ? [topic('china-russia')] : [],
          feedId: 'bench',
        }),
      );
    }
  } finally {
    await embedded.close();
  }
  const config = join(dir, 'wirewatch.yaml');
  await writeFile(config, 'feeds: []\n');
  const text = join(dir, 'story.txt');
  await writeFile(text, 'Xi meets Putin\n\nChinese leader Xi Jinping held talks with Vladimir Putin in Moscow.\n');

  const commands: Record<string, string[]> = {
    '--help': ['--help'],
    items: ['--config', config, '--data-dir', dataDir, 'items', '--limit', '20'],
    classify: ['--config', config, 'classify', text],
  };
  const paths: Record<string, Record<string, string>> = {
    bundle: {},
    tsx: { WIREWATCH_NO_BUNDLE: '1' },
    'tsx, all modules': { WIREWATCH_NO_BUNDLE: '1', WIREWATCH_CLI_LOAD_ALL: '1' },
  };
  const once = (args: string[], env: Record<string, string>, node = false): number => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, node ? args : [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
    return ms;
  };
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
    return { median: q(0.5), p90: q(0.9) };
  };

  const results: Array<{ command: string; path: string; median: number; p90: number; ratio: number }> = [];
  const floor: number[] = [];
  for (const [command, args] of Object.entries(commands)) {
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((p) => [p, []]));
    for (const env of Object.values(paths)) once(args, env); // warm the file cache, unmeasured
    for (let i = 0; i < RUNS; i++) {
      floor.push(once(['-e', '0'], {}, true));
      for (const [p, env] of Object.entries(paths)) samples[p]!.push(once(args, env));
    }
    const base = stats(samples.bundle!).median;
    for (const p of Object.keys(paths)) {
      const st = stats(samples[p]!);
      results.push({ command, path: p, ...st, ratio: st.median / base });
    }
  }
  const floorStats = stats(floor);
  if (JSON_OUT) {
    console.log(JSON.stringify({ runs: RUNS, node: process.version, floor: floorStats, results }, null, 2));
  } else {
    console.log(
      `runs per cell: ${RUNS}; node -e 0: median ${floorStats.median.toFixed(0)} ms, p90 ${floorStats.p90.toFixed(0)} ms`,
    );
    console.log('| command | path | median ms | p90 ms | × bundle |');
    console.log('| --- | --- | ---: | ---: | ---: |');
    for (const r of results) {
      console.log(
        `| \`${r.command}\` | ${r.path} | ${r.median.toFixed(0)} | ${r.p90.toFixed(0)} | ${r.ratio.toFixed(2)} |`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
