import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { awsRuntime, instrumented, powertoolsLogger } from '../../functions/lib/aws.ts';

/** A Lambda context as the runtime passes it (fixed values). */
function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'wirewatch-poll-feed',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:wirewatch-poll-feed',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/wirewatch-poll-feed',
    logStreamName: '2026/12/03/[$LATEST]abc',
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Lambda observability (Powertools)', () => {
  it('every log line carries the invocation request id and the cold-start flag, children included', async () => {
    const lines: Array<Record<string, unknown>> = [];
    // Set by the Lambda runtime for on-demand (not provisioned) execution environments; Powertools reads it.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const rt = awsRuntime({});
    const capture = (chunk: unknown) => {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write);
    vi.spyOn(console, 'info').mockImplementation((...a: unknown[]) => capture(a.join(' ')));
    // A child made once per container, before any invocation (like the pipeline context's loggers).
    const child = powertoolsLogger(rt.logger).child({ stage: 'poll', correlationId: 'c_0123456789abcdef' });
    await instrumented(rt, lambdaContext('req-1'), async () => child.info('feed polled', { feedId: 'f1' }));
    await instrumented(rt, lambdaContext('req-2'), async () => child.info('feed polled', { feedId: 'f2' }));
    const polled = lines.filter((l) => l.message === 'feed polled');
    expect(polled).toHaveLength(2);
    expect(polled[0]).toMatchObject({
      function_request_id: 'req-1',
      cold_start: true,
      function_name: 'wirewatch-poll-feed',
      stage: 'poll',
      correlationId: 'c_0123456789abcdef',
      feedId: 'f1',
    });
    expect(polled[1]).toMatchObject({ function_request_id: 'req-2', cold_start: false, feedId: 'f2' });
  });

  it('builds the SDK clients once per container with one retry policy', async () => {
    const a = awsRuntime({});
    const b = awsRuntime({});
    expect(a).toBe(b);
    expect(await a.clients.dynamo.config.maxAttempts()).toBe(8);
    expect(await a.clients.sqs.config.maxAttempts()).toBe(8);
  });
});
