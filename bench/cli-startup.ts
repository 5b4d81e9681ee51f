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
 * Wall-clock ms per run (median and p90), the child's CPU time (user + system, via GNU time: it does not grow with
 * the machine's other load as wall time does) and each path's wall median as a ratio of the bundle's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  // CPU time (user + system) of the child, from GNU time when the machine has it: unlike wall time it does not
  // grow with the other work on the machine.
  const gnuTime = existsSync('/usr/bin/time');
  const once = (args: string[], env: Record<string, string>, node = false): { wall: number; cpu: number } => {
    const cmd = [process.execPath, ...(node ? args : [BIN, ...args])];
    const opts = { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' as const };
    const t0 = performance.now();
    const r = gnuTime
      ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', ...cmd], opts)
      : spawnSync(cmd[0]!, cmd.slice(1), opts);
    const wall = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
    const m = /cpu (\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
    return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN };
  };
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
    return { median: q(0.5), p90: q(0.9) };
  };

  type Row = { command: string; path: string; wall: { median: number; p90: number }; cpu: number; ratio: number };
  const results: Row[] = [];
  const floorWall: number[] = [];
  const floorCpu: number[] = [];
  for (const [command, args] of Object.entries(commands)) {
    const wall: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((p) => [p, []]));
    const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((p) => [p, []]));
    for (const env of Object.values(paths)) once(args, env); // warm the file cache, unmeasured
    for (let i = 0; i < RUNS; i++) {
      const f = once(['-e', '0'], {}, true);
      floorWall.push(f.wall);
      floorCpu.push(f.cpu);
      for (const [p, env] of Object.entries(paths)) {
        const r = once(args, env);
        wall[p]!.push(r.wall);
        cpu[p]!.push(r.cpu);
      }
    }
    const base = stats(wall.bundle!).median;
    for (const p of Object.keys(paths)) {
      const w = stats(wall[p]!);
      results.push({ command, path: p, wall: w, cpu: stats(cpu[p]!).median, ratio: w.median / base });
    }
  }
  const floor = { wall: stats(floorWall), cpu: stats(floorCpu).median };
  if (JSON_OUT) {
    console.log(JSON.stringify({ runs: RUNS, node: process.version, floor, results }, null, 2));
  } else {
    console.log(
      `runs per cell: ${RUNS}; node -e 0: wall median ${floor.wall.median.toFixed(0)} ms, CPU ${floor.cpu.toFixed(0)} ms`,
    );
    console.log('| command | path | wall median ms | wall p90 ms | CPU median ms | wall × bundle |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: |');
    for (const r of results) {
      console.log(
        `| \`${r.command}\` | ${r.path} | ${r.wall.median.toFixed(0)} | ${r.wall.p90.toFixed(0)} | ${r.cpu.toFixed(0)} | ${r.ratio.toFixed(2)} |`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
