import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSecretsIntoEnv, requireEnv, sqsQueue, withAlertsTopicChannel } from '../../functions/lib/aws.ts';
import { resolveConfig } from '../../shared/config/load.ts';
import { alertJobSchema, articleJobSchema, parseRecord } from '../../functions/lib/records.ts';

// SQS and Secrets Manager have no local server here: these are the only mocks, and they stand for AWS itself.
const sm = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
afterEach(() => {
  sm.reset();
  sqs.reset();
});

describe('AWS adapters of the Lambda handlers', () => {
  it('loads the secrets named in WIREWATCH_SECRETS into the environment', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'arn:slack' }).resolves({
      SecretString: 'https://hooks.slack.example/T1',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'arn:hook' }).resolves({ SecretString: 's3cret' });
    const env: NodeJS.ProcessEnv = {};
    await loadSecretsIntoEnv('SLACK_WEBHOOK_URL=arn:slack, WEBHOOK_SECRET=arn:hook', new SecretsManagerClient({}), env);
    expect(env).toEqual({ SLACK_WEBHOOK_URL: 'https://hooks.slack.example/T1', WEBHOOK_SECRET: 's3cret' });
    await expect(loadSecretsIntoEnv('JUSTANAME', new SecretsManagerClient({}), env)).rejects.toThrow(
      /not ENV_NAME=secretArn/,
    );
  });

  it('sends queue messages in batches of 10 and fails loudly on partial SQS failures', async () => {
    const bodies: string[] = [];
    sqs.on(SendMessageBatchCommand).callsFake((input) => {
      for (const e of input.Entries) bodies.push(e.MessageBody);
      return { Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] };
    });
    const q = sqsQueue<{ n: number }>(new SQSClient({ region: 'eu-west-1' }), 'https://sqs.example/q');
    await q.send(Array.from({ length: 23 }, (_, n) => ({ n })));
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
    expect(bodies.map((b) => JSON.parse(b).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, n) => n));

    sqs.reset();
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'Throttled', SenderFault: false, Message: 'slow down' }] });
    await expect(q.send([{ n: 1 }])).rejects.toThrow(/refused 1 message/);
  });

  it('publishes every alert to the alerts topic unless wirewatch.yaml has its own sns channel', async () => {
    const plain = await resolveConfig({ feeds: [] });
    const aws = withAlertsTopicChannel(plain);
    expect(aws.channels.map((c) => c.type)).toEqual(['console', 'sns']);
    expect(aws.subscriptions.at(-1)).toMatchObject({ topics: ['*'], channel: 'alerts-topic', mode: 'realtime' });
    const own = await resolveConfig({
      channels: [{ id: 'bus', type: 'sns' }],
      subscriptions: [{ topics: ['china-russia'], channel: 'bus' }],
    });
    expect(withAlertsTopicChannel(own)).toBe(own);
  });

  it('requireEnv names the missing variable', () => {
    expect(() => requireEnv('TABLE_NAME', {})).toThrow(/TABLE_NAME is not set/);
  });

  it('rejects malformed queue messages with the message id and field', () => {
    expect(() => parseRecord({ messageId: 'm-1', body: '{' }, alertJobSchema)).toThrow(/m-1: body is not JSON/);
    expect(() =>
      parseRecord({ messageId: 'm-2', body: '{"itemId":"i_1","topicId":3,"storyId":"s"}' }, alertJobSchema),
    ).toThrow(/m-2: topicId/);
    expect(() =>
      parseRecord({ messageId: 'm-3', body: '{"feedId":"f","feedUrl":"u","discoveredAt":"d"}' }, articleJobSchema),
    ).toThrow(/m-3: entry/);
  });
});
