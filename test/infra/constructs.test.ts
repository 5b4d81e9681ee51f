import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { PipelineFunction, type PipelineFunctionProps } from '../../infra/constructs/pipeline-function.ts';
import { QueueToFunction } from '../../infra/constructs/queue-to-function.ts';
import { ScheduledFunction } from '../../infra/constructs/scheduled-function.ts';
import { InfraError } from '../../infra/errors.ts';
import { ROOT } from './helpers/synth.ts';

/** A bare stack (bundling skipped) holding one PipelineFunction on the echo fixture. */
function setup(extra: Partial<PipelineFunctionProps> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'T');
  const fn = new PipelineFunction(stack, 'Fn', {
    entry: join(ROOT, 'test/fixtures/infra/echo-handler.ts'),
    projectRoot: ROOT,
    configFile: join(ROOT, 'wirewatch.yaml'),
    shippedTopicsFile: join(ROOT, 'shared/topics/shipped.yaml'),
    ...extra,
  });
  return { stack, fn };
}

describe('PipelineFunction', () => {
  it('is a nodejs22.x arm64 function with an explicit log group, JSON logs, tracing and the wirewatch environment', () => {
    const { stack } = setup({ timeout: Duration.seconds(42), memorySize: 768 });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 42,
      MemorySize: 768,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^FnLogs') } },
      Environment: {
        Variables: Match.objectEquals({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'wirewatch',
          POWERTOOLS_METRICS_NAMESPACE: 'Wirewatch',
          WIREWATCH_CONFIG: '/var/task/wirewatch.yaml',
          WIREWATCH_SHIPPED_TOPICS: '/var/task/shipped.yaml',
        }),
      },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    // No managed policies: the role only has what grants give it.
    t.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnLogs'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('bindTable grants read-only or read-write data access together with TABLE_NAME', () => {
    const { stack, fn } = setup();
    const table = new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    fn.bindTable(table, { accessMode: 'RO' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TABLE_NAME: { Ref: Match.stringLikeRegexp('^Table') } }) },
    });
    const statements = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(statements).toContain('dynamodb:Query');
    expect(statements).not.toContain('dynamodb:PutItem');
    expect(statements).not.toMatch(/"dynamodb:\*"/);
  });

  it('bindQueue/bindTopic/bindSecretArn/bindSecretToEnv grant and set the variable in one call', () => {
    const { stack, fn } = setup();
    const queue = new sqs.Queue(stack, 'Q');
    const topic = new sns.Topic(stack, 'Topic');
    const tokens = new secretsmanager.Secret(stack, 'Tokens');
    const slack = new secretsmanager.Secret(stack, 'Slack');
    const hook = new secretsmanager.Secret(stack, 'Hook');
    fn.bindQueue(queue, 'ALERT_QUEUE_URL')
      .bindTopic(topic, 'ALERTS_TOPIC_ARN')
      .bindSecretArn(tokens, 'API_TOKENS_SECRET_ARN')
      .bindSecretToEnv(slack, 'SLACK_WEBHOOK_URL')
      .bindSecretToEnv(hook, 'WEBHOOK_SECRET');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ALERT_QUEUE_URL: { Ref: Match.stringLikeRegexp('^Q') },
          ALERTS_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^Topic') },
          API_TOKENS_SECRET_ARN: { Ref: Match.stringLikeRegexp('^Tokens') },
          WIREWATCH_SECRETS: {
            'Fn::Join': [
              '',
              [
                'SLACK_WEBHOOK_URL=',
                { Ref: Match.stringLikeRegexp('^Slack') },
                ',WEBHOOK_SECRET=',
                { Ref: Match.stringLikeRegexp('^Hook') },
              ],
            ],
          },
        }),
      },
    });
    const policy = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    for (const action of ['sqs:SendMessage', 'sns:Publish', 'secretsmanager:GetSecretValue'])
      expect(policy).toContain(action);
    expect(policy).not.toContain('sqs:ReceiveMessage');
  });

  it('refuses to bind one variable to two values, bad secret variable names and missing entries', () => {
    const { stack, fn } = setup();
    fn.bindQueue(new sqs.Queue(stack, 'A'), 'QUEUE_URL');
    expect(() => fn.bindQueue(new sqs.Queue(stack, 'B'), 'QUEUE_URL')).toThrow(/QUEUE_URL is already bound/);
    expect(() => fn.bindSecretToEnv(new secretsmanager.Secret(stack, 'S'), 'lower-case')).toThrow(InfraError);
    expect(() => setup({ entry: join(ROOT, 'functions/does-not-exist.ts') })).toThrow(/does not exist/);
    expect(() => setup({ nodeModules: ['no-such-package-anywhere'] })).toThrow(/is not installed/);
  });

  it('alarms on errors when given an alarm topic', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'T');
    const topic = new sns.Topic(stack, 'Ops');
    new PipelineFunction(stack, 'Fn', {
      entry: join(ROOT, 'test/fixtures/infra/echo-handler.ts'),
      projectRoot: ROOT,
      configFile: join(ROOT, 'wirewatch.yaml'),
      shippedTopicsFile: join(ROOT, 'shared/topics/shipped.yaml'),
      alarmTopic: topic,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Ops') }],
    });
  });
});

describe('QueueToFunction', () => {
  it('builds an encrypted TLS-only queue with a DLQ after 5 receives, visibility 6× the timeout, partial batch failures', () => {
    const { stack, fn } = setup({ timeout: Duration.seconds(20) });
    const ops = new sns.Topic(stack, 'Ops');
    const q = new QueueToFunction(stack, 'Jobs', { target: fn, batchSize: 5, maxConcurrency: 3, alarmTopic: ops });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 120,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        maxReceiveCount: 5,
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobsDeadLetterQueue'), 'Arn'] },
      },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 3 },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobsQueue'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobsDeadLetterQueue'), 'QueueName'] } },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    expect(q.deadLetterQueue).toBeDefined();
    expect(q.deadLetterAlarm).toBeDefined();
    expect(q.lambdaFunction).toBe(fn);
  });

  it('validates props up front with plain sentences', () => {
    const { stack, fn } = setup({ timeout: Duration.seconds(30) });
    expect(() => new QueueToFunction(stack, 'A', { target: fn, visibilityTimeout: Duration.seconds(60) })).toThrow(
      /under 6× the function timeout \(180 s\)/,
    );
    expect(
      () => new QueueToFunction(stack, 'B', { target: fn, deployDeadLetterQueue: false, maxReceiveCount: 3 }),
    ).toThrow(/maxReceiveCount needs a dead-letter queue/);
    expect(
      () =>
        new QueueToFunction(stack, 'C', {
          target: fn,
          deployDeadLetterQueue: false,
          alarmTopic: new sns.Topic(stack, 'X'),
        }),
    ).toThrow(/deploy one/);
    expect(() => new QueueToFunction(stack, 'D', { target: fn, maxConcurrency: 1 })).toThrow(/2-1000/);
    expect(() => new QueueToFunction(stack, 'E', { target: fn, batchSize: 50 })).toThrow(/1-10/);
  });

  it('can go without a DLQ', () => {
    const { stack, fn } = setup();
    const q = new QueueToFunction(stack, 'NoDlq', { target: fn, deployDeadLetterQueue: false });
    expect(q.deadLetterQueue).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::SQS::Queue', 1);
  });
});

describe('ScheduledFunction', () => {
  it('invokes the function on the schedule with retries and a target DLQ', () => {
    const { stack, fn } = setup();
    const dlq = new sqs.Queue(stack, 'Dlq');
    new ScheduledFunction(stack, 'Tick', { target: fn, schedule: 'cron(0/5 * * * ? *)', deadLetterQueue: dlq });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0/5 * * * ? *)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Dlq'), 'Arn'] } },
        }),
      ],
    });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      Action: 'lambda:InvokeFunction',
    });
  });
});
