/**
 * Artifact smoke test: synthesise the app with the CLI once (real esbuild bundling, offline), then run
 * the bundles from cdk.out in fresh `node` processes, as Lambda would: every bundle loads; `process-article`
 * fetches a page from a loopback HTTP server, extracts it (jsdom/linkedom from the bundle's own node_modules),
 * tags it and writes it to dynalite, and sends its alert job; `api` answers an API Gateway v2 event from that
 * table. All AWS traffic stays on 127.0.0.1 (see loopbackAwsEnv).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { HANDLERS, PLACEHOLDER_TOKEN_HASH } from '../../infra/stack.ts';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { Store } from '../../shared/store/index.ts';
import type { ArticleJob } from '../../shared/types.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';
import { runBundle, loopbackAwsEnv } from './helpers/invoke.ts';
import { startLocalAws, startPageServer } from './helpers/local-aws.ts';
import { bundleDir, ROOT, STACK_NAME, synthBundledOnce } from './helpers/synth.ts';
import { zipSize } from './helpers/zip-size.ts';

const TABLE = 'wirewatch-smoke';
const TOKENS_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wirewatch-api-tokens-AbCdEf';
const CURSOR_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wirewatch-cursor-key-GhIjKl';
const PLACEHOLDER_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:wirewatch-fresh-deploy-MnOpQr';
const TOKEN = 'smoke-test-token-0123456789';
const ARTICLE = readFileSync(join(ROOT, 'test/fixtures/infra/article.html'), 'utf8');

/** An SQS event of article jobs, as the Lambda SQS poller delivers it. */
function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'AIDLOCAL',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:articles',
      awsRegion: 'us-east-1',
    })),
  };
}

describe('synthesised Lambda bundles', () => {
  let cdkOut: string;
  let dynamo: EmbeddedStore;
  let aws: Awaited<ReturnType<typeof startLocalAws>>;
  let pages: Awaited<ReturnType<typeof startPageServer>>;
  let work: string;
  let configFile: string;
  let jsdomConfigFile: string;

  beforeAll(async () => {
    cdkOut = await synthBundledOnce();
    [dynamo, aws, pages] = await Promise.all([
      startTestDynamo(),
      startLocalAws({
        [TOKENS_ARN]: JSON.stringify({ tokenHashes: [createHash('sha256').update(TOKEN).digest('hex')] }),
        [CURSOR_ARN]: 'cursor-key-for-the-smoke-test-0123456789',
        [PLACEHOLDER_ARN]: JSON.stringify({ tokenHashes: [PLACEHOLDER_TOKEN_HASH] }),
      }),
      startPageServer({
        '/world/xi-putin-energy-deal': { body: ARTICLE },
        '/world/jsdom-copy': {
          body: ARTICLE.replace(
            'Xi and Putin sign energy deal in Moscow',
            'Putin and Xi sign energy deal in Moscow',
          ).replace('href="/world/xi-putin-energy-deal"', 'href="/world/jsdom-copy"'),
        },
      }),
    ]);
    // The table exactly as the synthesised template declares it (keys, GSIs, billing).
    const template = JSON.parse(readFileSync(join(cdkOut, `${STACK_NAME}.template.json`), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const table = Object.values(template.Resources).find((r) => r.Type === 'AWS::DynamoDB::Table')!.Properties;
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: table.BillingMode,
        KeySchema: table.KeySchema,
        AttributeDefinitions: table.AttributeDefinitions,
        GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
      } as CreateTableCommandInput),
    );
    work = mkdtempSync(join(tmpdir(), 'wirewatch-smoke-'));
    // The page server's host:port must be allowed explicitly (the SSRF guard blocks loopback otherwise).
    const config = {
      feeds: [{ id: 'smoke', name: 'Smoke', url: `${pages.origin}/feed.xml` }],
      http: { allowHosts: [pages.host], hostGapMs: 0 },
      alerts: { maxItemAgeHours: 0 },
      store: { tableName: TABLE },
    };
    configFile = join(work, 'wirewatch.yaml');
    writeFileSync(configFile, toYaml(config));
    jsdomConfigFile = join(work, 'wirewatch-jsdom.yaml');
    writeFileSync(jsdomConfigFile, toYaml({ ...config, extract: { dom: 'jsdom' } }));
  }, 300_000);

  afterAll(async () => {
    await Promise.all([dynamo?.close(), aws?.close(), pages?.close()]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /**
   * The environment the stack gives `handler` (from the synthesised template), made local: `/var/task` becomes the
   * bundle directory, CloudFormation references become loopback stand-ins, WIREWATCH_CONFIG the test config.
   * Throws on a reference it has no stand-in for, so a new variable in the stack cannot go untested.
   */
  const envFor = (handler: (typeof HANDLERS)[number]): Record<string, string> => {
    const dir = bundleDir(cdkOut, handler);
    const template = JSON.parse(readFileSync(join(cdkOut, `${STACK_NAME}.template.json`), 'utf8')) as {
      Resources: Record<
        string,
        {
          Type: string;
          Properties: { Environment?: { Variables?: Record<string, unknown> } };
          Metadata?: Record<string, string>;
        }
      >;
    };
    const fn = Object.values(template.Resources).find(
      (r) => r.Metadata?.['aws:asset:path'] && dir.endsWith(r.Metadata['aws:asset:path']),
    )!;
    const standIns: Record<string, string> = {
      TABLE_NAME: TABLE,
      // The SQS client sends to the queue URL's host (useQueueUrlAsEndpoint), so queue URLs must be loopback too.
      FEED_QUEUE_URL: `${aws.endpoint}/000000000000/feeds`,
      ARTICLE_QUEUE_URL: `${aws.endpoint}/000000000000/articles`,
      ALERT_QUEUE_URL: `${aws.endpoint}/000000000000/alerts`,
      ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:alerts',
      WIREWATCH_ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:alerts',
      API_TOKENS_SECRET_ARN: TOKENS_ARN,
      WIREWATCH_SECRETS: `WIREWATCH_CURSOR_KEY=${CURSOR_ARN}`,
    };
    const vars: Record<string, string> = {};
    for (const [name, value] of Object.entries(fn.Properties.Environment?.Variables ?? {})) {
      if (typeof value === 'string') vars[name] = value.replace('/var/task', dir);
      else if (standIns[name] !== undefined) vars[name] = standIns[name];
      else throw new Error(`${handler}: no local stand-in for ${name} = ${JSON.stringify(value)}`);
    }
    return loopbackAwsEnv({
      ...vars,
      WIREWATCH_CONFIG: configFile,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: aws.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
    });
  };

  it('each bundle holds index.mjs, a trimmed source map and the config files; only process-article carries node_modules', () => {
    for (const h of HANDLERS) {
      const dir = bundleDir(cdkOut, h);
      const files = readdirSync(dir).sort();
      expect(files, h).toEqual(
        expect.arrayContaining(['index.mjs', 'index.mjs.map', 'shipped.yaml', 'wirewatch.yaml']),
      );
      expect(
        readFileSync(join(dir, 'index.mjs'), 'utf8').startsWith(
          "import { createRequire as __wwCreateRequire } from 'node:module';",
        ),
        h,
      ).toBe(true);
      const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
      expect(
        map.sources.some((s) => s.includes('functions/')),
        h,
      ).toBe(true);
      expect(
        map.sources.filter((s) => s.includes('node_modules/')),
        h,
      ).toEqual([]);
      expect(readFileSync(join(dir, 'wirewatch.yaml'), 'utf8')).toBe(
        readFileSync(join(ROOT, 'wirewatch.yaml'), 'utf8'),
      );
      expect(existsSync(join(dir, 'node_modules')), h).toBe(h === 'process-article');
    }
    const pa = bundleDir(cdkOut, 'process-article');
    expect(statSync(join(pa, 'node_modules/jsdom/package.json')).isFile()).toBe(true);
    expect(readFileSync(join(pa, 'index.mjs'), 'utf8')).not.toContain('jsdom/lib/jsdom/living'); // jsdom is not bundled
  });

  it('keeps every function but process-article under 1 MB zipped', () => {
    const sizes = Object.fromEntries(HANDLERS.map((h) => [h, zipSize(bundleDir(cdkOut, h)).zipped]));
    for (const h of HANDLERS) {
      if (h !== 'process-article') expect(sizes[h], `${h}: ${sizes[h]} bytes zipped`).toBeLessThan(1024 * 1024);
    }
    // process-article carries jsdom's tree; it must stay far below Lambda's 50 MB zipped upload limit.
    expect(sizes['process-article']).toBeLessThan(10 * 1024 * 1024);
  });

  it.each(HANDLERS)('%s loads in a fresh node process and exports handler', async (h) => {
    const env = envFor(h);
    expect(env.WIREWATCH_SHIPPED_TOPICS).toBe(join(bundleDir(cdkOut, h), 'shipped.yaml'));
    const run = await runBundle(bundleDir(cdkOut, h), { env });
    expect(run.error, run.stderr).toBeUndefined();
    expect(run.initMs).toBeGreaterThan(0);
  });

  it('process-article fetches a local page, stores the tagged item in dynalite and enqueues its alert job', async () => {
    const url = `${pages.origin}/world/xi-putin-energy-deal`;
    const job: ArticleJob = {
      feedId: 'smoke',
      feedUrl: `${pages.origin}/feed.xml`,
      discoveredAt: new Date().toISOString(),
      entry: {
        key: `url:${url}`,
        guid: null,
        url,
        title: 'Xi and Putin sign energy deal in Moscow',
        summary: null,
        contentHtml: null,
        publishedAt: null,
        updatedAt: null,
        author: null,
        categories: [],
        enclosures: [],
      },
    };
    const run = await runBundle(bundleDir(cdkOut, 'process-article'), {
      event: sqsEvent([JSON.stringify(job), '{"not":"an article job"}']),
      env: envFor('process-article'),
      timeoutMs: 90_000,
    });
    expect(run.error, `${run.stderr}\n${run.stdout}`).toBeUndefined();
    // The poison record fails alone (partial batch response); the good one succeeded.
    expect(run.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(pages.hits.get('/world/xi-putin-energy-deal')).toBe(1);

    const alerts = aws.sent
      .filter((m) => m.queueUrl === `${aws.endpoint}/000000000000/alerts`)
      .map((m) => JSON.parse(m.body) as { itemId: string; topicId: string });
    expect(alerts.map((a) => a.topicId)).toContain('china-russia');
    const store = new Store({ client: dynamo.client, tableName: TABLE, retentionDays: 90 });
    const item = await store.getItem(alerts[0]!.itemId);
    expect(item).not.toBeNull();
    expect(item!.urls).toContain(url);
    expect(item!.title).toContain('Xi and Putin sign energy deal');
    expect(item!.text).toContain('long-term gas supply agreement');
    expect(item!.topics.map((t) => t.id)).toContain('china-russia');
    expect(item!.extraction.status).toBe('full');
  });

  it("process-article extracts with jsdom from the bundle's own node_modules when configured to", async () => {
    const url = `${pages.origin}/world/jsdom-copy`;
    const job: ArticleJob = {
      feedId: 'smoke',
      feedUrl: `${pages.origin}/feed.xml`,
      discoveredAt: new Date().toISOString(),
      entry: {
        key: `url:${url}`,
        guid: null,
        url,
        title: 'Putin and Xi',
        summary: null,
        contentHtml: null,
        publishedAt: null,
        updatedAt: null,
        author: null,
        categories: [],
        enclosures: [],
      },
    };
    const run = await runBundle(bundleDir(cdkOut, 'process-article'), {
      event: sqsEvent([JSON.stringify(job)]),
      env: { ...envFor('process-article'), WIREWATCH_CONFIG: jsdomConfigFile },
      timeoutMs: 90_000,
    });
    expect(run.error, run.stderr).toBeUndefined();
    expect(run.result).toEqual({ batchItemFailures: [] });
    const store = new Store({ client: dynamo.client, tableName: TABLE, retentionDays: 90 });
    const items = await Promise.all(
      [...new Set(aws.sent.map((m) => (JSON.parse(m.body) as { itemId: string }).itemId))].map((id) =>
        store.getItem(id),
      ),
    );
    const item = items.find((i) => i?.urls.includes(url));
    expect(item?.id).not.toBe(items.find((i) => i?.urls.includes(`${pages.origin}/world/xi-putin-energy-deal`))?.id);
    expect(item?.extraction.extractor.dom).toBe('jsdom');
    expect(item?.text).toContain('long-term gas supply agreement');
  });

  it('api answers an API Gateway v2 GET /items with the stored item, and 401 without a token', async () => {
    const request = (authorization: string | null) => ({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/items',
      rawQueryString: 'topic=china-russia',
      queryStringParameters: { topic: 'china-russia' },
      headers: { host: 'api.example.org', ...(authorization ? { authorization } : {}) },
      requestContext: {
        accountId: '000000000000',
        apiId: 'smoke',
        domainName: 'api.example.org',
        domainPrefix: 'api',
        http: { method: 'GET', path: '/items', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'smoke' },
        requestId: 'req-1',
        routeKey: '$default',
        stage: '$default',
        time: '29/Nov/2026:12:00:00 +0000',
        timeEpoch: Date.now(),
      },
      isBase64Encoded: false,
    });
    const apiEnv = envFor('api');
    const ok = await runBundle(bundleDir(cdkOut, 'api'), { event: request(`Bearer ${TOKEN}`), env: apiEnv });
    expect(ok.error, ok.stderr).toBeUndefined();
    const res = ok.result as { statusCode: number; body: string; headers: Record<string, string> };
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as { items: Array<{ url: string; topics: Array<{ id: string }> }> };
    expect(body.items.map((i) => i.url)).toContain(`${pages.origin}/world/xi-putin-energy-deal`);
    expect(aws.secretReads).toContain(TOKENS_ARN);

    const denied = await runBundle(bundleDir(cdkOut, 'api'), { event: request(null), env: apiEnv });
    expect((denied.result as { statusCode: number }).statusCode).toBe(401);
  });

  it('api serves the dashboard built into its bundle: the page and its assets without a token, with strict headers', async () => {
    const dir = bundleDir(cdkOut, 'api');
    expect(existsSync(join(dir, 'web', 'index.html'))).toBe(true);
    const event = (rawPath: string) => ({
      version: '2.0',
      routeKey: rawPath === '/' ? 'GET /' : 'GET /assets/{file}',
      rawPath,
      rawQueryString: '',
      headers: { host: 'api.example.org' },
      requestContext: { http: { method: 'GET', path: rawPath }, stage: '$default' },
      isBase64Encoded: false,
    });
    const page = await runBundle(dir, { event: event('/'), env: envFor('api') });
    expect(page.error, page.stderr).toBeUndefined();
    const res = page.result as { statusCode: number; body: string; headers: Record<string, string> };
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const script = /src="(\/assets\/app-[0-9a-f]+\.js)"/.exec(res.body)?.[1];
    expect(script).toBeDefined();
    const js = (await runBundle(dir, { event: event(script!), env: envFor('api') })).result as typeof res;
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.body.length).toBeGreaterThan(1000);
  });

  it('authorizer accepts the token whose sha256 is in the secret and nothing else', async () => {
    const authEnv = envFor('authorizer');
    const event = (authorization: string) => ({
      type: 'REQUEST',
      identitySource: [authorization],
      headers: { authorization },
    });
    const yes = await runBundle(bundleDir(cdkOut, 'authorizer'), { event: event(`Bearer ${TOKEN}`), env: authEnv });
    expect(yes.error, yes.stderr).toBeUndefined();
    expect(yes.result).toEqual({ isAuthorized: true });
    const no = await runBundle(bundleDir(cdkOut, 'authorizer'), { event: event('Bearer wrong-token'), env: authEnv });
    expect(no.result).toEqual({ isAuthorized: false });
    // Right after deploy the stack's secret holds only the placeholder hash: every token is refused, nothing throws.
    const fresh = await runBundle(bundleDir(cdkOut, 'authorizer'), {
      event: event(`Bearer ${TOKEN}`),
      env: { ...authEnv, API_TOKENS_SECRET_ARN: PLACEHOLDER_ARN },
    });
    expect(fresh.error, fresh.stderr).toBeUndefined();
    expect(fresh.result).toEqual({ isAuthorized: false });
  });
});
