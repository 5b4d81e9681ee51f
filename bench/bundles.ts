/**
 * Bundle size and cold-start benchmark: for each synthesised Lambda bundle in cdk.out, the zipped
 * asset size (what Lambda receives; target < 1 MB except process-article) and the init time of the bundle in a
 * fresh `node` process (median of N), against a baseline measured in the same run: an empty ESM handler bundle
 * (the floor of process start + module load on this machine).
 *
 *   npm run bench:bundles [-- --runs N] [--cdk-out DIR] [--compare DIR [--compare-only api,...]] [--json FILE]
 *
 * Without `--cdk-out` it runs `npx cdk synth` (offline; cdk.json) into a temp directory first. `--compare DIR` measures
 * the bundles of another cdk.out (a synth of the parent commit) against these, in turns (before/after of a change).
 * Init time = ms from `import()` of index.mjs to its evaluation (test/infra/helpers/invoke-bundle.mjs);
 * process wall = spawn → exit of that process, the closest local analogue of a Lambda cold start (no sandbox,
 * no S3 download, x86/arm of this machine rather than Graviton).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { stringify as toYaml } from 'yaml';
import { HANDLERS, type HandlerName } from '../infra/stack.ts';
import { startEmbeddedStore } from '../local/embedded-store.ts';
import { startLocalAws, startPageServer } from '../test/infra/helpers/local-aws.ts';
import { OFFLINE_CDK_ENV } from '../test/infra/helpers/synth.ts';
import { zipSize } from '../test/infra/helpers/zip-size.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNNER = join(ROOT, 'test/infra/helpers/invoke-bundle.mjs');
const STACK = 'Wirewatch';
/** 1 MB as AWS counts deployment package sizes in its quotas table (MB = 2^20 bytes). */
const MB = 1024 * 1024;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Runs the bundle once in a fresh process; returns import time and process wall time, ms. */
async function initOnce(
  bundleDir: string,
  alsoImport = '',
): Promise<{ initMs: number; wallMs: number; alsoImportMs: number }> {
  const work = mkdtempSync(join(tmpdir(), 'wirewatch-bench-'));
  const resultFile = join(work, 'r.json');
  const t0 = performance.now();
  const child = spawn(process.execPath, [RUNNER, bundleDir, resultFile], {
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      NODE_OPTIONS: '--enable-source-maps',
      INVOKE_ALSO_IMPORT: alsoImport,
    },
  });
  await new Promise((r) => child.on('close', r));
  const wallMs = performance.now() - t0;
  const res = JSON.parse(readFileSync(resultFile, 'utf8')) as {
    initMs: number;
    alsoImportMs?: number;
    error?: { message: string };
  };
  rmSync(work, { recursive: true, force: true });
  if (res.error) throw new Error(`${bundleDir}: ${res.error.message}`);
  return { initMs: res.initMs, wallMs, alsoImportMs: res.alsoImportMs ?? 0 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Bundle directory of each handler, from the template's asset metadata. */
function bundleDirs(cdkOut: string): Record<HandlerName, string> {
  const template = JSON.parse(readFileSync(join(cdkOut, `${STACK}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  const out = {} as Record<HandlerName, string>;
  for (const h of HANDLERS) {
    const id = h.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
    const res = Object.values(template.Resources).find(
      (r) => r.Metadata?.['aws:cdk:path'] === `${STACK}/${id}/Function/Resource`,
    );
    if (!res?.Metadata?.['aws:asset:path']) throw new Error(`${h}: not found in ${cdkOut}`);
    out[h] = join(cdkOut, res.Metadata['aws:asset:path']);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-article cost: run the process-article bundle on N local articles (one SQS batch, one process) against
// dynalite behind a counting proxy, and price what it used.

/** us-east-1 list prices (USD) used for the estimate; check https://aws.amazon.com/<service>/pricing/ before relying on them. */
const PRICES = {
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  sqsRequest: 0.4 / 1e6,
};

/** DynamoDB item size as billed (Developer Guide, "Item sizes"): names + values, approximated for N and nesting. */
function itemBytes(item: Record<string, unknown>): number {
  const value = (v: Record<string, unknown>): number => {
    const [type, x] = Object.entries(v)[0] as [string, unknown];
    switch (type) {
      case 'S':
        return Buffer.byteLength(x as string);
      case 'N':
        return Math.ceil(String(x).replace(/^-|\./g, '').length / 2) + 1;
      case 'B':
        return Buffer.from(x as string, 'base64').length;
      case 'BOOL':
      case 'NULL':
        return 1;
      case 'SS':
      case 'NS':
        return (x as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0);
      case 'L':
        return 3 + (x as Array<Record<string, unknown>>).reduce((n, e) => n + 1 + value(e), 0);
      case 'M':
        return (
          3 +
          Object.entries(x as Record<string, Record<string, unknown>>).reduce(
            (n, [k, e]) => n + 1 + Buffer.byteLength(k) + value(e),
            0,
          )
        );
      default:
        return JSON.stringify(x).length;
    }
  };
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + value(v as Record<string, unknown>), 0);
}

/** A proxy in front of dynalite that counts DynamoDB calls and their billed request units (writes by item size). */
async function countingProxy(target: string) {
  const ops = new Map<string, number>();
  let writeUnits = 0;
  let readCalls = 0;
  const keyOf = (k: Record<string, unknown>) => JSON.stringify(k);
  const lastSize = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const op =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '?';
    ops.set(op, (ops.get(op) ?? 0) + 1);
    try {
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, any>;
      const put = (item: Record<string, unknown>) => {
        const size = itemBytes(item);
        lastSize.set(keyOf({ pk: item.pk, sk: item.sk }), size);
        writeUnits += Math.max(1, Math.ceil(size / 1024));
      };
      if (op === 'PutItem') put(input.Item);
      else if (op === 'UpdateItem' || op === 'DeleteItem')
        writeUnits += Math.max(1, Math.ceil((lastSize.get(keyOf(input.Key)) ?? 1024) / 1024));
      else if (op === 'BatchWriteItem') {
        for (const reqs of Object.values(input.RequestItems ?? {}) as Array<Array<Record<string, any>>>) {
          for (const r of reqs) {
            if (r.PutRequest) put(r.PutRequest.Item);
            else writeUnits += 1;
          }
        }
      } else if (op === 'TransactWriteItems') writeUnits += 2 * (input.TransactItems?.length ?? 0);
      else readCalls += 1;
    } catch {
      /* not JSON: counted as an op only */
    }
    const up = await fetch(target, { method: 'POST', headers: req.headers as Record<string, string>, body });
    res.writeHead(up.status, Object.fromEntries(up.headers));
    res.end(Buffer.from(await up.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => ({ ops: Object.fromEntries(ops), writeUnits, readCalls }),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** Measures process-article on `n` articles; returns per-article figures and a cost per 1,000 articles. */
async function articleCost(cdkOut: string, processArticleDir: string, n: number) {
  const article = readFileSync(join(ROOT, 'test/fixtures/infra/article.html'), 'utf8');
  const pages: Record<string, { body: string }> = {};
  for (let i = 0; i < n; i++) {
    pages[`/a/${i}`] = {
      body: article
        .replace('/world/xi-putin-energy-deal', `/a/${i}`)
        .replace('Xi and Putin sign', `Xi and Putin (${i}) sign`),
    };
  }
  const [dynamo, aws, web] = await Promise.all([
    startEmbeddedStore({ memory: true }),
    startLocalAws(),
    startPageServer(pages),
  ]);
  const proxy = await countingProxy(dynamo.endpoint);
  const work = mkdtempSync(join(tmpdir(), 'wirewatch-bench-cost-'));
  try {
    const template = JSON.parse(readFileSync(join(cdkOut, `${STACK}.template.json`), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
    };
    const table = Object.values(template.Resources).find((r) => r.Type === 'AWS::DynamoDB::Table')!.Properties;
    const fn = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).startsWith('Fetches'),
    )!.Properties;
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: 'bench',
        BillingMode: table.BillingMode,
        KeySchema: table.KeySchema,
        AttributeDefinitions: table.AttributeDefinitions,
        GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
      }),
    );
    writeFileSync(
      join(work, 'wirewatch.yaml'),
      toYaml({
        feeds: [{ id: 'bench', url: `${web.origin}/feed.xml` }],
        http: { allowHosts: [web.host], hostGapMs: 0 },
        alerts: { maxItemAgeHours: 0 },
      }),
    );
    const records = Array.from({ length: n }, (_, i) => ({
      messageId: `m${i}`,
      body: JSON.stringify({
        feedId: 'bench',
        feedUrl: `${web.origin}/feed.xml`,
        discoveredAt: new Date().toISOString(),
        entry: {
          key: `url:${web.origin}/a/${i}`,
          guid: null,
          url: `${web.origin}/a/${i}`,
          title: `Article ${i}`,
          summary: null,
          contentHtml: null,
          publishedAt: null,
          updatedAt: null,
          author: null,
          categories: [],
          enclosures: [],
        },
      }),
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      eventSource: 'aws:sqs',
    }));
    writeFileSync(join(work, 'event.json'), JSON.stringify({ Records: records }));
    const resultFile = join(work, 'r.json');
    const child = spawn(process.execPath, [RUNNER, processArticleDir, resultFile, join(work, 'event.json')], {
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH ?? '',
        NODE_OPTIONS: String(fn.Environment.Variables.NODE_OPTIONS),
        POWERTOOLS_SERVICE_NAME: 'wirewatch',
        POWERTOOLS_METRICS_NAMESPACE: 'Wirewatch',
        WIREWATCH_CONFIG: join(work, 'wirewatch.yaml'),
        WIREWATCH_SHIPPED_TOPICS: join(processArticleDir, 'shipped.yaml'),
        TABLE_NAME: 'bench',
        ALERT_QUEUE_URL: `${aws.endpoint}/000000000000/alerts`,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
        AWS_ENDPOINT_URL_SQS: aws.endpoint,
      },
    });
    await new Promise((r) => child.on('close', r));
    const res = JSON.parse(readFileSync(resultFile, 'utf8')) as {
      invokeMs?: number;
      maxRssMb?: number;
      result?: { batchItemFailures: unknown[] };
      error?: { message: string };
    };
    if (res.error || !res.invokeMs) throw new Error(`process-article failed: ${res.error?.message}`);
    if (res.result?.batchItemFailures.length)
      throw new Error(`process-article failed ${res.result.batchItemFailures.length} records`);
    const s = proxy.stats();
    const memoryGb = Number(fn.MemorySize) / 1024;
    const perArticle = {
      ms: res.invokeMs / n,
      writeUnits: s.writeUnits / n,
      readCalls: s.readCalls / n,
      sqsSends: aws.sent.length / n,
    };
    // Lambda time with an assumed 1 s waiting on the publisher (the local page server answers in ~1 ms).
    const per1000 = (extraNetworkMs: number) => {
      const gbSeconds = ((perArticle.ms + extraNetworkMs) / 1000) * memoryGb * 1000;
      const lambda = gbSeconds * PRICES.lambdaArmGbSecond + (1000 / 5) * PRICES.lambdaRequest;
      const dynamo =
        perArticle.writeUnits * 1000 * PRICES.dynamoWriteUnit + perArticle.readCalls * 1000 * PRICES.dynamoReadUnit;
      // article queue: send (batched by 10), receive + delete (batched by 5); alert queue sends
      const sqs = (1000 / 10 + (2 * 1000) / 5 + perArticle.sqsSends * 1000) * PRICES.sqsRequest;
      return { lambda, dynamo, sqs, total: lambda + dynamo + sqs };
    };
    return {
      n,
      memoryMb: Number(fn.MemorySize),
      maxRssMb: res.maxRssMb ?? 0,
      ops: s.ops,
      perArticle,
      cost: { localOnly: per1000(0), withOneSecondFetch: per1000(1000) },
    };
  } finally {
    await Promise.all([proxy.close(), dynamo.close(), aws.close(), web.close()]);
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs = Number(arg('runs') ?? 7);
  let cdkOut = arg('cdk-out');
  let synthMs: number | null = null;
  const temp: string[] = [];
  if (!cdkOut) {
    cdkOut = mkdtempSync(join(tmpdir(), 'wirewatch-bench-cdk-out-'));
    temp.push(cdkOut);
    process.stderr.write(`synthesising into ${cdkOut} ...\n`);
    const t0 = performance.now();
    const res = spawnSync('npx', ['cdk', 'synth', '--no-notices', '--quiet', '--output', cdkOut], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...OFFLINE_CDK_ENV },
    });
    synthMs = performance.now() - t0;
    if (res.status !== 0) throw new Error(`cdk synth failed:\n${res.stderr}`);
  }
  const dirs = bundleDirs(cdkOut);

  // Baseline: an empty ESM handler, loaded the same way.
  const baselineDir = mkdtempSync(join(tmpdir(), 'wirewatch-bench-baseline-'));
  temp.push(baselineDir);
  writeFileSync(join(baselineDir, 'index.mjs'), 'export const handler = async () => ({});\n');
  const measure = async (dir: string, alsoImport = '') => {
    await initOnce(dir, alsoImport); // warm the file-system cache; not counted
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await initOnce(dir, alsoImport));
    return {
      initMs: median(samples.map((s) => s.initMs)),
      wallMs: median(samples.map((s) => s.wallMs)),
      alsoImportMs: median(samples.map((s) => s.alsoImportMs)),
    };
  };
  const baseline = await measure(baselineDir);

  const rows = [];
  for (const h of HANDLERS) {
    const size = zipSize(dirs[h]);
    const map = statSync(join(dirs[h], 'index.mjs.map')).size;
    const code = statSync(join(dirs[h], 'index.mjs')).size;
    const t = await measure(dirs[h]);
    rows.push({ handler: h, ...size, code, map, ...t });
    if (h === 'process-article') {
      // jsdom is imported lazily (first page that needs it); measure init + that import too.
      const j = await measure(dirs[h], 'jsdom');
      rows.push({
        handler: 'process-article + jsdom',
        ...size,
        code,
        map,
        initMs: j.initMs + j.alsoImportMs,
        wallMs: j.wallMs,
        alsoImportMs: j.alsoImportMs,
      });
    }
    process.stderr.write(`${h}: ${(size.zipped / MB).toFixed(2)} MB zipped, init ${t.initMs.toFixed(0)} ms\n`);
  }

  const fmt = (n: number) => n.toFixed(0);
  const lines = [
    `runs per bundle: ${runs} (median), node ${process.version}, ${process.arch}; baseline = empty ESM handler: init ${baseline.initMs.toFixed(1)} ms, process wall ${fmt(baseline.wallMs)} ms${synthMs ? `; cdk synth ${(synthMs / 1000).toFixed(0)} s` : ''}`,
    '',
    '| function | zipped | vs 1 MB target | unzipped | index.mjs | .map | init (import) | × baseline | process wall | × baseline |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.handler} | ${(r.zipped / MB).toFixed(2)} MB | ${(r.zipped / MB).toFixed(2)}× | ${(r.unzipped / MB).toFixed(1)} MB (${r.files} files) | ${(r.code / MB).toFixed(2)} MB | ${fmt(r.map / 1024)} KB | ${fmt(r.initMs)} ms | ${(r.initMs / baseline.initMs).toFixed(0)}× | ${fmt(r.wallMs)} ms | ${(r.wallMs / baseline.wallMs).toFixed(1)}× |`,
    ),
  ];
  // `--compare DIR`: another cdk.out (e.g. the parent commit's synth), each function's bundle there against the one
  // here, run by run in turns so both see the same machine load: the before/after of a change.
  const compareOut = arg('compare');
  const compared: Array<{
    handler: string;
    beforeInitMs: number;
    afterInitMs: number;
    beforeZip: number;
    afterZip: number;
  }> = [];
  if (compareOut) {
    const before = bundleDirs(compareOut);
    const only = arg('compare-only')?.split(',') ?? [...HANDLERS];
    for (const h of HANDLERS.filter((x) => only.includes(x))) {
      await initOnce(before[h]);
      await initOnce(dirs[h]);
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < runs; i++) {
        a.push((await initOnce(before[h])).initMs);
        b.push((await initOnce(dirs[h])).initMs);
      }
      compared.push({
        handler: h,
        beforeInitMs: median(a),
        afterInitMs: median(b),
        beforeZip: zipSize(before[h]).zipped,
        afterZip: zipSize(dirs[h]).zipped,
      });
    }
    lines.push(
      '',
      `compared with ${compareOut} (interleaved, ${runs} runs each, median init):`,
      '',
      '| function | zipped before | zipped after | init before | init after | after − before |',
      '|---|---:|---:|---:|---:|---:|',
      ...compared.map(
        (c) =>
          `| ${c.handler} | ${(c.beforeZip / MB).toFixed(2)} MB | ${(c.afterZip / MB).toFixed(2)} MB | ${fmt(c.beforeInitMs)} ms | ${fmt(c.afterInitMs)} ms | ${c.afterInitMs >= c.beforeInitMs ? '+' : ''}${fmt(c.afterInitMs - c.beforeInitMs)} ms |`,
      ),
    );
  }
  const articles = Number(arg('articles') ?? 20);
  const cost = articles > 0 ? await articleCost(cdkOut, dirs['process-article'], articles) : null;
  if (cost) {
    const usd = (x: number) => `$${x.toFixed(4)}`;
    lines.push(
      '',
      `process-article on ${cost.n} local articles (one batch, one process, ${cost.memoryMb} MB configured, peak RSS ${cost.maxRssMb.toFixed(0)} MB): ${cost.perArticle.ms.toFixed(0)} ms/article, ` +
        `${cost.perArticle.writeUnits.toFixed(1)} write units/article, ${cost.perArticle.readCalls.toFixed(1)} read calls/article, ` +
        `${cost.perArticle.sqsSends.toFixed(1)} alert messages/article; DynamoDB calls: ${JSON.stringify(cost.ops)}`,
      '',
      '| cost per 1,000 articles (us-east-1 list prices) | Lambda | DynamoDB | SQS | total |',
      '|---|---:|---:|---:|---:|',
      `| measured local duration | ${usd(cost.cost.localOnly.lambda)} | ${usd(cost.cost.localOnly.dynamo)} | ${usd(cost.cost.localOnly.sqs)} | ${usd(cost.cost.localOnly.total)} |`,
      `| + 1 s waiting on the publisher per article | ${usd(cost.cost.withOneSecondFetch.lambda)} | ${usd(cost.cost.withOneSecondFetch.dynamo)} | ${usd(cost.cost.withOneSecondFetch.sqs)} | ${usd(cost.cost.withOneSecondFetch.total)} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const json = arg('json');
  if (json) writeFileSync(json, JSON.stringify({ runs, baseline, synthMs, rows, compared, cost }, null, 2));
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:bundles: ${(err as Error).message}\n`);
  process.exit(1);
});
