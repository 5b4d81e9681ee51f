import type { App } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS, type WirewatchStack } from '../../infra/stack.ts';
import { constructId, synthTemplate } from './helpers/synth.ts';

type Resources = Record<
  string,
  {
    Type: string;
    Properties: Record<string, any>;
    DeletionPolicy?: string;
    UpdateReplacePolicy?: string;
    Metadata?: any;
  }
>;

/**
 * The one resource of `type` whose logical id matches `^prefix` (a regex source: the construct path without
 * separators; CDK drops a path component that repeats the end of its parent, e.g. `FeedQueue/Queue` → `FeedQueue<hash>`).
 */
function one(
  template: Template,
  type: string,
  prefix: string,
): { id: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string } {
  const found = Object.entries(template.findResources(type) as Resources).filter(([id]) =>
    new RegExp(`^${prefix}`).test(id),
  );
  expect(
    found.map(([id]) => id),
    `${type} ${prefix}*`,
  ).toHaveLength(1);
  const [id, res] = found[0]!;
  return { id, ...res };
}

/** Environment variables of one handler's function. */
function envOf(template: Template, handler: (typeof HANDLERS)[number]): Record<string, any> {
  return one(template, 'AWS::Lambda::Function', `${constructId(handler)}Function`).Properties.Environment.Variables;
}

/** Every IAM policy statement of the stack. */
function statements(template: Template): Array<{ Action: string | string[]; Resource: unknown; Effect: string }> {
  return Object.values(template.findResources('AWS::IAM::Policy') as Resources).flatMap(
    (p) => p.Properties.PolicyDocument.Statement,
  );
}

/** Statements of one handler's role policy. */
function policyOf(template: Template, handler: (typeof HANDLERS)[number]) {
  return one(template, 'AWS::IAM::Policy', `${constructId(handler)}Role`).Properties.PolicyDocument.Statement as Array<{
    Action: string | string[];
    Resource: unknown;
  }>;
}

const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });
const arnOf = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });

describe('WirewatchStack from the repository wirewatch.yaml', () => {
  let app: App;
  let stack: WirewatchStack;
  let t: Template;
  beforeAll(async () => {
    ({ app, stack, template: t } = await synthTemplate({ alertEmail: 'ops@example.org' }));
  });

  it('has the table of shared/store/schema.ts: on demand, PITR, TTL expiresAt, both GSIs, retained', () => {
    const table = one(t, 'AWS::DynamoDB::Table', 'Table');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
    });
    const gsis = table.Properties.GlobalSecondaryIndexes as Array<{
      IndexName: string;
      KeySchema: unknown;
      Projection: unknown;
    }>;
    expect(gsis.map((g) => g.IndexName).sort()).toEqual(['gsi1', 'gsi2']);
    for (const g of gsis) expect(g.Projection).toEqual({ ProjectionType: 'ALL' });
    expect(gsis.find((g) => g.IndexName === 'gsi1')!.KeySchema).toEqual([
      { AttributeName: 'gsi1pk', KeyType: 'HASH' },
      { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
    ]);
  });

  it('runs every handler as a nodejs22.x arm64 function with its own retained-days log group', () => {
    for (const h of HANDLERS) {
      const fn = one(t, 'AWS::Lambda::Function', `${constructId(h)}Function`).Properties;
      expect(fn, h).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
      expect(fn.LoggingConfig.LogGroup, h).toEqual({
        Ref: expect.stringMatching(new RegExp(`^${constructId(h)}Logs`)),
      });
      expect(one(t, 'AWS::Logs::LogGroup', `${constructId(h)}Logs`).Properties.RetentionInDays, h).toBe(30);
      expect(envOf(t, h), h).toMatchObject({
        WIREWATCH_CONFIG: '/var/task/wirewatch.yaml',
        WIREWATCH_SHIPPED_TOPICS: '/var/task/shipped.yaml',
        POWERTOOLS_SERVICE_NAME: 'wirewatch',
        POWERTOOLS_METRICS_NAMESPACE: 'Wirewatch',
      });
    }
    t.resourceCountIs('AWS::Lambda::Function', HANDLERS.length);
  });

  it('binds each handler exactly to what it uses (environment and grants together)', () => {
    const tableRef = { Ref: expect.stringMatching(/^Table/) };
    expect(envOf(t, 'schedule-feeds')).toMatchObject({
      TABLE_NAME: tableRef,
      FEED_QUEUE_URL: { Ref: expect.stringMatching(/^FeedQueue[0-9A-F]{8}$/) },
      // Due page retries and rechecks are article jobs.
      ARTICLE_QUEUE_URL: { Ref: expect.stringMatching(/^ArticleQueue[0-9A-F]{8}$/) },
    });
    expect(envOf(t, 'poll-feed')).toMatchObject({
      TABLE_NAME: tableRef,
      ARTICLE_QUEUE_URL: { Ref: expect.stringMatching(/^ArticleQueue[0-9A-F]{8}$/) },
    });
    expect(envOf(t, 'process-article')).toMatchObject({
      TABLE_NAME: tableRef,
      ALERT_QUEUE_URL: { Ref: expect.stringMatching(/^AlertQueue[0-9A-F]{8}$/) },
    });
    for (const h of ['fan-out-alerts', 'digest'] as const) {
      expect(envOf(t, h)).toMatchObject({
        TABLE_NAME: tableRef,
        ALERTS_TOPIC_ARN: { Ref: expect.stringMatching(/^AlertsTopic/) },
        WIREWATCH_ALERTS_TOPIC_ARN: { Ref: expect.stringMatching(/^AlertsTopic/) },
      });
    }
    const tokens = one(t, 'AWS::SecretsManager::Secret', 'ApiTokens').Properties.SecretString as string;
    expect(JSON.parse(tokens)).toEqual({ tokenHashes: ['0'.repeat(64)] }); // valid shape, matches no token
    expect(envOf(t, 'authorizer')).toMatchObject({
      API_TOKENS_SECRET_ARN: { Ref: expect.stringMatching(/^ApiTokens/) },
    });
    expect(envOf(t, 'authorizer').TABLE_NAME).toBeUndefined();
    expect(envOf(t, 'api').API_TOKENS_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^ApiTokens/) });
    expect(envOf(t, 'api').WIREWATCH_SECRETS).toEqual({
      'Fn::Join': ['', ['WIREWATCH_CURSOR_KEY=', { Ref: expect.stringMatching(/^CursorKey/) }]],
    });
    // Only the sender of each queue may send to it; the api cannot write the table.
    const senders = HANDLERS.filter((h) => policyOf(t, h).some((s) => [s.Action].flat().includes('sqs:SendMessage')));
    expect(senders.sort()).toEqual(['poll-feed', 'process-article', 'schedule-feeds']);
    // The scheduler sends to the feed queue and (due page retries and rechecks) to the article queue, nothing else.
    const sentTo = (h: (typeof HANDLERS)[number]) =>
      policyOf(t, h)
        .filter((s) => [s.Action].flat().includes('sqs:SendMessage'))
        .flatMap((s) => [s.Resource].flat() as Array<{ 'Fn::GetAtt': [string, string] }>)
        .map((r) => r['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, ''))
        .sort();
    expect(sentTo('schedule-feeds')).toEqual(['ArticleQueue', 'FeedQueue']);
    expect(sentTo('poll-feed')).toEqual(['ArticleQueue']);
    // The api and the scheduler only read the table.
    for (const reader of ['api', 'schedule-feeds'] as const) {
      const actions = policyOf(t, reader).flatMap((s) => [s.Action].flat());
      expect(actions, reader).toContain('dynamodb:Query');
      expect(
        actions.filter((a) => a.startsWith('dynamodb:') && /Put|Update|Delete|Write/.test(a)),
        reader,
      ).toEqual([]);
    }
    const publishers = HANDLERS.filter((h) => policyOf(t, h).some((s) => [s.Action].flat().includes('sns:Publish')));
    expect(publishers.sort()).toEqual(['digest', 'fan-out-alerts']);
  });

  it('grants no wildcard actions and attaches no managed policies', () => {
    for (const s of statements(t)) for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*/);
    for (const [id, role] of Object.entries(t.findResources('AWS::IAM::Role') as Resources)) {
      expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
    }
  });

  it('wires schedule → feed queue → poll-feed with bounded concurrency', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(*/5 * * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: arnOf('ScheduleFeedsFunction'),
          DeadLetterConfig: { Arn: arnOf('ScheduleDeadLetterQueue') },
        }),
      ],
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf('FeedQueue[0-9A-F]{8}$'),
      FunctionName: ref('PollFeedFunction'),
      ScalingConfig: { MaximumConcurrency: 5 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('feeds process-article in batches with partial failures, visibility ≥ 6× timeout and a DLQ after 5 receives', () => {
    const timeout = one(t, 'AWS::Lambda::Function', 'ProcessArticleFunction').Properties.Timeout as number;
    const queue = one(t, 'AWS::SQS::Queue', 'ArticleQueue[0-9A-F]{8}$').Properties;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(queue.RedrivePolicy).toEqual({
      maxReceiveCount: 5,
      deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^ArticleQueueDeadLetterQueue/), 'Arn'] },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf('ArticleQueue[0-9A-F]{8}$'),
      FunctionName: ref('ProcessArticleFunction'),
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('fans alerts out from the alert queue (DLQ = parked alerts) and runs digests on their own schedule', () => {
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf('AlertQueue[0-9A-F]{8}$'),
      FunctionName: ref('FanOutAlertsFunction'),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(one(t, 'AWS::SQS::Queue', 'AlertQueue[0-9A-F]{8}$').Properties.RedrivePolicy.maxReceiveCount).toBe(5);
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0/15 * * * ? *)',
      Targets: [Match.objectLike({ Arn: arnOf('DigestFunction') })],
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: ref('AlertsTopic'),
      FilterPolicy: Match.absent(),
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: ref('OpsTopic'),
    });
  });

  it('encrypts every queue, refuses plain HTTP on queues and topics', () => {
    for (const [id, q] of Object.entries(t.findResources('AWS::SQS::Queue') as Resources))
      expect(q.Properties.SqsManagedSseEnabled, id).toBe(true);
    const denies = (type: string) =>
      Object.values(t.findResources(type) as Resources).filter((p) =>
        p.Properties.PolicyDocument.Statement.some(
          (s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
        ),
      ).length;
    expect(denies('AWS::SQS::QueuePolicy')).toBe(Object.keys(t.findResources('AWS::SQS::Queue')).length);
    expect(denies('AWS::SNS::TopicPolicy')).toBe(2);
  });

  it('serves the HTTP API through the token authorizer, throttled, with JSON access logs', () => {
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 300,
      AuthorizerPayloadFormatVersion: '2.0',
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'CUSTOM' });
    // Only the health check and the dashboard's static files go without the authorizer.
    const open = Object.values(t.findResources('AWS::ApiGatewayV2::Route') as Resources).filter(
      (r) => r.Properties.AuthorizationType !== 'CUSTOM',
    );
    expect(open.map((r) => r.Properties.RouteKey).sort()).toEqual(['GET /', 'GET /assets/{file}', 'GET /healthz']);
    for (const r of open) expect(r.Properties.AuthorizationType, r.Properties.RouteKey).toBe('NONE');
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    const stage = one(t, 'AWS::ApiGatewayV2::Stage', 'HttpApiDefaultStage').Properties;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    expect(stage.AccessLogSettings.DestinationArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^HttpApiAccessLogs/), 'Arn'],
    });
    expect(Object.keys(JSON.parse(stage.AccessLogSettings.Format))).toEqual(
      expect.arrayContaining(['requestId', 'status', 'routeKey', 'latencyMs']),
    );
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'apigateway.amazonaws.com',
      FunctionName: arnOf('AuthorizerFunction'),
    });
  });

  it('alarms on every DLQ, function errors, feed failure rate and alert failures into the ops topic; one dashboard', () => {
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm') as Resources).map((a) => a.Properties);
    for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^OpsTopic/) }]);
    const dlqAlarms = alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlqAlarms.map((a) => a.Dimensions[0].Value['Fn::GetAtt'][0]).sort()).toEqual([
      expect.stringMatching(/^AlertQueueDeadLetterQueue/),
      expect.stringMatching(/^ArticleQueueDeadLetterQueue/),
      expect.stringMatching(/^FeedQueueDeadLetterQueue/),
      expect.stringMatching(/^ScheduleDeadLetterQueue/),
    ]);
    expect(alarms.filter((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda')).toHaveLength(
      HANDLERS.length,
    );
    const rate = alarms.find((a) => Array.isArray(a.Metrics));
    expect(
      rate?.Metrics.map((m: any) => m.MetricStat?.Metric.MetricName)
        .filter(Boolean)
        .sort(),
    ).toEqual(['feedsFailed', 'feedsPolled']);
    expect(rate?.Threshold).toBe(0.5);
    expect(
      alarms.some(
        (a) => a.MetricName === 'alertsFailed' && a.Namespace === 'Wirewatch' && a.Dimensions[0].Value === 'wirewatch',
      ),
    ).toBe(true);
    const dashboard = JSON.stringify(
      one(t, 'AWS::CloudWatch::Dashboard', 'MonitoringDashboard').Properties.DashboardBody,
    );
    for (const metric of [
      'feedsPolled',
      'itemsStored',
      'itemsTagged',
      'alertsSent',
      'Duration',
      'ApproximateAgeOfOldestMessage',
    ])
      expect(dashboard).toContain(metric);
  });

  it('outputs what the deploy guide needs', () => {
    const outputs = Object.keys(t.toJSON().Outputs ?? {});
    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'TableName',
        'ApiTokensSecretArn',
        'AlertsTopicArn',
        'OpsTopicArn',
        'DashboardName',
      ]),
    );
  });

  it('passes cdk-nag AwsSolutions and Serverless packs; every suppression gives a reason', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).split('\n')[0]}`)).toEqual([]);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('.*'));
    expect(warnings.map((w) => `${w.id}: ${String(w.entry.data).split('\n')[0]}`)).toEqual([]);
    const suppressions = Object.values(t.toJSON().Resources as Resources).flatMap(
      (r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [],
    );
    expect(suppressions.length).toBeGreaterThan(10);
    for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThan(20);
    expect(app.node.tryGetContext('nag')).toBeUndefined(); // the packs ran because nag is on by default
  });
});

describe('WirewatchStack from a config with every channel type', () => {
  let stack: WirewatchStack;
  let t: Template;
  beforeAll(async () => {
    ({ stack, template: t } = await synthTemplate({
      config: 'test/fixtures/infra/wirewatch.yaml',
      slackSecretName: 'wirewatch/slack',
      webhookSecretName: 'wirewatch/webhook',
      retainTable: 'false',
      pollConcurrency: '7',
      apiRateLimit: '3',
    }));
  });

  it('sends email channels through SES, never also through SNS subscriptions (no alert twice)', () => {
    for (const address of ['desk@example.org', 'editor@example.org']) {
      const subs = t.findResources('AWS::SNS::Subscription', { Properties: { Endpoint: address } });
      expect(Object.keys(subs)).toHaveLength(0);
    }
    t.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('puts the Slack and webhook secrets into WIREWATCH_SECRETS under the names wirewatch.yaml uses, with read grants', () => {
    for (const h of ['fan-out-alerts', 'digest'] as const) {
      const secrets = JSON.stringify(envOf(t, h).WIREWATCH_SECRETS);
      expect(secrets).toContain('TEAM_SLACK_URL=');
      expect(secrets).toContain('wirewatch/slack');
      expect(secrets).toContain(',HOOK_SECRET=');
      expect(secrets).toContain('wirewatch/webhook');
      const policy = JSON.stringify(policyOf(t, h));
      expect(policy).toContain('secretsmanager:GetSecretValue');
      expect(policy).toContain('wirewatch/slack-??????');
      expect(policy).toContain('ses:SendEmail');
      expect(policy).toContain('identity/alerts@example.org');
      expect(policy).toContain('identity/example.org');
    }
    expect(JSON.stringify(policyOf(t, 'process-article'))).not.toContain('secretsmanager');
    expect(JSON.stringify(envOf(t, 'api').WIREWATCH_SECRETS)).toContain('API_CURSOR_KEY=');
  });

  it('applies the context: table destroyed with the stack, poll concurrency, API throttle, config schedule', () => {
    expect(one(t, 'AWS::DynamoDB::Table', 'Table').DeletionPolicy).toBe('Delete');
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref('PollFeedFunction'),
      ScalingConfig: { MaximumConcurrency: 7 },
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 3 }),
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(*/10 * * * ? *)',
      Targets: [Match.objectLike({ Arn: arnOf('ScheduleFeedsFunction') })],
    });
  });

  it('stays cdk-nag clean', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('.*'))).toEqual([]);
  });
});

describe('WirewatchStack input errors and warnings', () => {
  it('stops synthesis with the reason on bad context or a missing config file', async () => {
    await expect(synthTemplate({ pollConcurrency: '1', schedule: '0 9 1 * 1' })).rejects.toMatchObject({
      code: 'infra_context_invalid',
      message: expect.stringContaining('context "pollConcurrency"'),
    });
    await expect(synthTemplate({ schedule: '30 */5 * * * *' })).rejects.toMatchObject({
      code: 'infra_schedule_invalid',
    });
    await expect(synthTemplate({ config: 'test/fixtures/infra/no-such.yaml' })).rejects.toMatchObject({
      code: 'config_missing',
    });
  });

  it('warns when wirewatch.yaml has Slack/webhook channels but no secret names were given', async () => {
    const { stack } = await synthTemplate({ config: 'test/fixtures/infra/wirewatch.yaml', nag: 'false' });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('.*'));
    const text = warnings.map((w) => String(w.entry.data)).join('\n');
    expect(text).toMatch(
      /slack channel team but no secret for it \(-c channelSecrets=team=<name> or -c slackSecretName/,
    );
    expect(text).toMatch(/webhook channel hook but no secret for it/);
  });

  it('gives each Slack channel its own secret (channelSecrets), the others the shared one', async () => {
    const { template } = await synthTemplate({
      config: 'test/fixtures/infra/two-slack.yaml',
      channelSecrets: 'desk-slack=wirewatch/slack-desk, ops-slack=wirewatch/slack-ops',
      webhookSecretName: 'wirewatch/webhook',
      nag: 'false',
    });
    const secrets = JSON.stringify(envOf(template, 'fan-out-alerts').WIREWATCH_SECRETS);
    expect(secrets).toMatch(/DESK_SLACK_URL=.*wirewatch\/slack-desk/);
    expect(secrets).toMatch(/OPS_SLACK_URL=.*wirewatch\/slack-ops/);
    expect(secrets).toMatch(/HOOK_SECRET=.*wirewatch\/webhook/);
    const policy = JSON.stringify(policyOf(template, 'fan-out-alerts'));
    expect(policy).toContain('wirewatch/slack-desk-??????');
    expect(policy).toContain('wirewatch/slack-ops-??????');
  });

  it('refuses channelSecrets for a channel wirewatch.yaml does not have', async () => {
    await expect(
      synthTemplate({ config: 'test/fixtures/infra/two-slack.yaml', channelSecrets: 'nope=x', nag: 'false' }),
    ).rejects.toMatchObject({
      code: 'infra_context_invalid',
      message: expect.stringMatching(/nope is not a slack or webhook channel/),
    });
  });
});
