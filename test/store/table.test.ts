import { readFileSync, readdirSync, statSync } from 'node:fs';
import { type IncomingMessage, type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { StoreError } from '../../shared/errors.ts';
import { S, getS } from '../../shared/store/codec.ts';
import { Table } from '../../shared/store/table.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';

/*
 * The table layer against real dynalite, with a fault-injecting HTTP proxy in front of it for what dynalite never
 * does by itself: BatchGetItem / BatchWriteItem answers that leave keys unprocessed, throttling, 5xx.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Fault = (op: string, body: Record<string, unknown>) => { status: number; json: unknown } | null;

/** A proxy to `target` that lets `fault` answer a request instead of dynalite. */
async function faultProxy(target: string, fault: () => Fault): Promise<{ endpoint: string; server: Server }> {
  const t = new URL(target);
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const injected = fault()(
        op,
        body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {},
      );
      if (injected) {
        res.writeHead(injected.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(injected.json));
        return;
      }
      const fwd = request(
        { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let dyn: EmbeddedStore;
let proxy: { endpoint: string; server: Server };
let fault: Fault = () => null;
let table: Table;

beforeAll(async () => {
  dyn = await startTestDynamo();
  proxy = await faultProxy(dyn.endpoint, () => fault);
  const client = new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  table = new Table({ client, tableName: 'table-test' });
  await table.ensure();
});

afterAll(async () => {
  proxy.server.close();
  await dyn.close();
});

describe('Table', () => {
  it('a failed condition is an answer (false), not an error', async () => {
    const item = { pk: S('T#1'), sk: S('X'), v: S('a') };
    expect(await table.put(item, { condition: { expression: 'attribute_not_exists(pk)' } })).toBe(true);
    expect(await table.put(item, { condition: { expression: 'attribute_not_exists(pk)' } })).toBe(false);
    expect(
      await table.update(
        { pk: 'T#1', sk: 'X' },
        {
          expression: 'SET v = :b',
          values: { ':b': S('b') },
          condition: { expression: 'v = :x', values: { ':x': S('zzz') } },
        },
      ),
    ).toBe(false);
    expect(getS((await table.get({ pk: 'T#1', sk: 'X' })) ?? undefined, 'v')).toBe('a');
  });

  it('retries BatchWriteItem unprocessed items until all are written', async () => {
    let injected = 0;
    fault = (op, body) => {
      if (op !== 'BatchWriteItem' || injected >= 2) return null;
      injected++;
      // Leave the whole request unprocessed, as DynamoDB may under load.
      return { status: 200, json: { UnprocessedItems: body.RequestItems } };
    };
    const puts = Array.from({ length: 30 }, (_, i) => ({ PutRequest: { Item: { pk: S(`B#${i}`), sk: S('X') } } }));
    await table.batchWrite(puts);
    fault = () => null;
    expect(injected).toBe(2);
    const got = await table.batchGet(puts.map((_, i) => ({ pk: `B#${i}`, sk: 'X' })));
    expect(got).toHaveLength(30);
  });

  it('retries BatchGetItem unprocessed keys and returns every record once', async () => {
    let injected = 0;
    fault = (op, body) => {
      if (op !== 'BatchGetItem' || injected >= 1) return null;
      injected++;
      return { status: 200, json: { Responses: {}, UnprocessedKeys: body.RequestItems } };
    };
    const got = await table.batchGet([
      { pk: 'B#1', sk: 'X' },
      { pk: 'B#2', sk: 'X' },
      { pk: 'B#1', sk: 'X' },
      { pk: 'missing', sk: 'X' },
    ]);
    fault = () => null;
    expect(injected).toBe(1);
    expect(got.map((r) => getS(r, 'pk')).sort()).toEqual(['B#1', 'B#2']);
  });

  it('gives up with batch_incomplete (retryable) when keys stay unprocessed', async () => {
    fault = (op, body) =>
      op === 'BatchGetItem' ? { status: 200, json: { Responses: {}, UnprocessedKeys: body.RequestItems } } : null;
    const err = await table.batchGet([{ pk: 'B#1', sk: 'X' }]).catch((e: unknown) => e);
    fault = () => null;
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('batch_incomplete');
    expect((err as StoreError).retryable).toBe(true);
  }, 30_000);

  it('maps a rejected request to store_rejected (not retryable) and names the operation and record', async () => {
    fault = (op) =>
      op === 'PutItem'
        ? {
            status: 400,
            json: {
              __type: 'com.amazon.coral.validate#ValidationException',
              message: 'Item size has exceeded the maximum',
            },
          }
        : null;
    const err = await table.put({ pk: S('T#2'), sk: S('X') }, { what: 'item i_big' }).catch((e: unknown) => e);
    fault = () => null;
    expect((err as StoreError).code).toBe('store_rejected');
    expect((err as StoreError).retryable).toBe(false);
    expect((err as StoreError).message).toMatch(/PutItem on table table-test \(item i_big\)/);
  });

  it('maps throttling and 5xx to store_unavailable (retryable) after the SDK retries', async () => {
    let calls = 0;
    fault = (op) => {
      if (op !== 'GetItem') return null;
      calls++;
      return {
        status: 400,
        json: {
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'slow down',
        },
      };
    };
    const err = await table.get({ pk: 'T#1', sk: 'X' }).catch((e: unknown) => e);
    expect((err as StoreError).code).toBe('store_unavailable');
    expect((err as StoreError).retryable).toBe(true);
    expect(calls).toBe(3);
    fault = (op) => (op === 'Query' ? { status: 500, json: { __type: 'InternalServerError', message: 'boom' } } : null);
    const err2 = await table
      .queryPage({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('T#1') } })
      .catch((e: unknown) => e);
    fault = () => null;
    expect((err2 as StoreError).code).toBe('store_unavailable');
  }, 30_000);
});

describe('one table layer', () => {
  /** Every TypeScript source file under a folder. */
  function sources(dir: string): string[] {
    const out: string[] = [];
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) out.push(...sources(path));
      else if (name.endsWith('.ts')) out.push(path);
    }
    return out;
  }

  it('only shared/store/table.ts sends DynamoDB commands', () => {
    const offenders: string[] = [];
    for (const dir of ['shared', 'functions', 'local', 'infra']) {
      for (const file of sources(join(ROOT, dir))) {
        const rel = relative(ROOT, file);
        if (rel === join('shared', 'store', 'table.ts')) continue;
        const text = readFileSync(file, 'utf8');
        const imports = [...text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-dynamodb'/g)];
        for (const m of imports) {
          const names = (m[1] ?? '').split(',').map((n) => n.trim().replace(/^type\s+/, ''));
          const commands = names.filter((n) => /Command$/.test(n));
          if (commands.length > 0) offenders.push(`${rel}: ${commands.join(', ')}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
