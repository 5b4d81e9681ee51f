/**
 * The Lambda queue adapter (`sqsQueue`) against the loopback SQS stand-in the bundle tests use: the real SDK sends
 * real HTTP requests, so concurrency and partial failures are observed on the wire.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQS_SEND_CONCURRENCY, sqsQueue } from '../../functions/lib/aws.ts';
import { startLocalAws } from '../infra/helpers/local-aws.ts';

const QUEUE = 'http://127.0.0.1/123456789012/wirewatch-feeds';

function clientFor(endpoint: string): SQSClient {
  return new SQSClient({
    region: 'eu-west-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

describe('sqsQueue (SendMessageBatch)', () => {
  let aws: Awaited<ReturnType<typeof startLocalAws>>;
  let sqs: SQSClient;
  beforeAll(async () => {
    // Each answer is held 40 ms, so calls that are in flight together overlap at the endpoint.
    aws = await startLocalAws({}, { sqsDelayMs: 40, refuse: (body) => body.includes('"poison"') });
    sqs = clientFor(aws.endpoint);
  });
  afterAll(async () => {
    sqs?.destroy();
    await aws?.close();
  });

  it('sends batches of 10 with several calls in flight, bounded, and every message exactly once', async () => {
    const before = aws.sent.length;
    const n = 10 * (SQS_SEND_CONCURRENCY * 3) + 7;
    await sqsQueue<{ n: number }>(sqs, QUEUE).send(Array.from({ length: n }, (_, i) => ({ n: i })));
    const got = aws.sent.slice(before).map((m) => (JSON.parse(m.body) as { n: number }).n);
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(aws.sqsPeakInFlight).toBeGreaterThan(1);
    expect(aws.sqsPeakInFlight).toBeLessThanOrEqual(SQS_SEND_CONCURRENCY);
  });

  it('a smaller bound is kept; one call at a time with concurrency 1', async () => {
    const one = await startLocalAws({}, { sqsDelayMs: 20 });
    const client = clientFor(one.endpoint);
    try {
      await sqsQueue<{ n: number }>(client, QUEUE, { concurrency: 1 }).send(
        Array.from({ length: 45 }, (_, i) => ({ n: i })),
      );
      expect(one.sent).toHaveLength(45);
      expect(one.sqsPeakInFlight).toBe(1);
    } finally {
      client.destroy();
      await one.close();
    }
  });

  it('a refused entry fails the send, naming the queue and the reason, and starts no call after it', async () => {
    const before = aws.sent.length;
    const messages = Array.from({ length: 200 }, (_, i) => ({ n: i, kind: i === 5 ? 'poison' : 'ok' }));
    await expect(sqsQueue(sqs, QUEUE, { concurrency: 2 }).send(messages)).rejects.toThrow(
      /SQS refused 1 message\(s\) for http:\/\/127\.0\.0\.1\/123456789012\/wirewatch-feeds: refused/,
    );
    // The failing chunk was the first; at most the one call beside it finished: 19 messages, not 199.
    expect(aws.sent.length - before).toBeLessThanOrEqual(19);
  });
});
