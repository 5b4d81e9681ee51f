import { join, resolve } from 'node:path';
import { Annotations, CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Config } from '../shared/config/load.ts';
import { DEFAULT_SNS_TOPIC_ENV } from '../shared/alerts/channels.ts';
import { createTableInput, TABLE_KEYS } from '../shared/store/schema.ts';
import { AuthorizedHttpApi } from './constructs/authorized-http-api.ts';
import { PipelineFunction, type PipelineFunctionProps } from './constructs/pipeline-function.ts';
import { PipelineMonitoring } from './constructs/pipeline-monitoring.ts';
import { QueueToFunction } from './constructs/queue-to-function.ts';
import { ScheduledFunction } from './constructs/scheduled-function.ts';
import { InfraError } from './errors.ts';
import { applyNagSuppressions } from './nag.ts';
import type { StackSettings } from './settings.ts';

/** The Lambda handlers of wirewatch (`functions/<name>.ts`, each exporting `handler`). */
export const HANDLERS = [
  'schedule-feeds',
  'poll-feed',
  'process-article',
  'fan-out-alerts',
  'digest',
  'api',
  'authorizer',
] as const;
/** Directory of the dashboard's static files inside the api bundle (`/var/task/web`, functions/api.ts reads it). */
export const DASHBOARD_BUNDLE_DIR = 'web';
/** Routes of the dashboard's static files, served by the api function without the authorizer. */
export const DASHBOARD_PATHS = ['/', '/assets/{file}'] as const;

/** One of {@link HANDLERS}. */
export type HandlerName = (typeof HANDLERS)[number];

/**
 * Initial content of the API tokens secret the stack creates: 64 zero hex digits, which is the SHA-256 of no known
 * input, so no token is accepted until the operator puts real hashes (README.md#deploy-to-aws).
 */
export const PLACEHOLDER_TOKEN_HASH = '0'.repeat(64);

/** Props of {@link WirewatchStack}. */
export interface WirewatchStackProps extends StackProps {
  /** The validated wirewatch.yaml (`loadConfig(settings.configPath)`): channels, subscriptions, api settings. */
  readonly config: Config;
  /** Deployment settings from CDK context (`readStackSettings`). */
  readonly settings: StackSettings;
  /** Repository root (package.json, package-lock.json, node_modules, shared/topics/shipped.yaml). */
  readonly projectRoot: string;
  /** Directory of the handler entries. @default `<projectRoot>/functions` */
  readonly functionsDir?: string;
}

/**
 * wirewatch on AWS, one environment-agnostic stack that reads like the README's data-flow diagram:
 *
 * EventBridge schedule → schedule-feeds → feed queue → poll-feed (bounded concurrency) → article queue →
 * process-article (partial batch failures, DLQ after 5 receives) → DynamoDB table → alert queue →
 * fan-out-alerts → SNS alerts topic (email, filtered by `topic`) / Slack / webhook; digest on its own schedule;
 * HTTP API (token authorizer, throttled, access-logged) → api. Alarms go to an ops topic; one dashboard.
 *
 * @throws InfraError when a handler entry is missing or `node_modules` lacks jsdom's dependency closure
 */
export class WirewatchStack extends Stack {
  /** The single table (keys/GSIs of shared/store/schema.ts). */
  readonly table: dynamodb.Table;
  /** Every handler's function construct, by handler name. */
  readonly functions: Readonly<Record<HandlerName, PipelineFunction>>;
  /** schedule-feeds → poll-feed. */
  readonly feedQueue: QueueToFunction;
  /** poll-feed → process-article. */
  readonly articleQueue: QueueToFunction;
  /** process-article → fan-out-alerts; its DLQ holds parked alerts. */
  readonly alertQueue: QueueToFunction;
  /** What `sns` channels publish; email subscriptions filter on the `topic` attribute. */
  readonly alertsTopic: sns.Topic;
  /** Every alarm notifies this topic. */
  readonly opsTopic: sns.Topic;
  /** The HTTP API in front of `api`. */
  readonly api: AuthorizedHttpApi;
  /** `{"tokenHashes":[...]}` read by the authorizer and api. */
  readonly apiTokensSecret: secretsmanager.ISecret;
  /** Pipeline alarms and the dashboard. */
  readonly monitoring: PipelineMonitoring;

  constructor(scope: Construct, id: string, props: WirewatchStackProps) {
    super(scope, id, props);
    const { config, settings, projectRoot } = props;
    const functionsDir = props.functionsDir ?? join(projectRoot, 'functions');

    // Alarms of every construct below notify this topic.
    this.opsTopic = new sns.Topic(this, 'OpsTopic', { displayName: 'wirewatch ops alarms', enforceSSL: true });
    if (settings.opsEmail) this.opsTopic.addSubscription(new subs.EmailSubscription(settings.opsEmail));

    // One table for everything, built from the store's own CreateTable input (shared/store/schema.ts), so the
    // local runtime and AWS cannot drift. TTL and PITR are not part of CreateTable; they are set here.
    this.table = new dynamodb.Table(this, 'Table', {
      ...tableKeysFromSchema(),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      removalPolicy: settings.retainTable ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      deletionProtection: settings.retainTable,
    });
    for (const gsi of gsisFromSchema()) this.table.addGlobalSecondaryIndex(gsi);

    // Functions: one house-style construct each; grants and environment are bound together below.
    const common: Omit<PipelineFunctionProps, 'entry'> = {
      projectRoot,
      configFile: resolve(projectRoot, settings.configPath),
      shippedTopicsFile: join(projectRoot, 'shared', 'topics', 'shipped.yaml'),
      logRetention: settings.logRetention,
      alarmTopic: this.opsTopic,
    };
    const fn = (name: HandlerName, extra: Partial<PipelineFunctionProps>) =>
      new PipelineFunction(this, pascal(name), { ...common, entry: join(functionsDir, `${name}.ts`), ...extra });
    const functions: Record<HandlerName, PipelineFunction> = {
      'schedule-feeds': fn('schedule-feeds', {
        description: 'Enqueues the feeds that are due',
        memorySize: 256,
        timeout: Duration.seconds(60),
      }),
      'poll-feed': fn('poll-feed', {
        description: 'Polls one feed, enqueues new entries',
        timeout: Duration.seconds(90),
      }),
      'process-article': fn('process-article', {
        description: 'Fetches, extracts, tags and stores one article',
        memorySize: 1536,
        timeout: Duration.seconds(120),
        nodeModules: ['jsdom'],
      }),
      'fan-out-alerts': fn('fan-out-alerts', {
        description: 'Delivers alerts of new topic hits',
        timeout: Duration.seconds(60),
      }),
      digest: fn('digest', { description: 'Sends due digests', timeout: Duration.seconds(120) }),
      api: fn('api', {
        description: 'HTTP API (items, stories, topics, feeds, alerts) and the web dashboard',
        timeout: Duration.seconds(15),
        // The dashboard's static files (web/build.mjs, esbuild) go into the bundle as /var/task/web; the function
        // reads them at the first dashboard request, so its cold start does not grow.
        afterBundling: (inputDir, outputDir) => [
          `node '${join(inputDir, 'web', 'build.mjs')}' --out '${join(outputDir, DASHBOARD_BUNDLE_DIR)}'`,
        ],
      }),
      authorizer: fn('authorizer', {
        description: 'Bearer token authorizer of the HTTP API',
        memorySize: 256,
        timeout: Duration.seconds(5),
      }),
    };
    this.functions = functions;

    // EventBridge delivery failures of both schedules land here.
    const scheduleDlq = new sqs.Queue(this, 'ScheduleDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const scheduleDlqAlarm = new cloudwatch.Alarm(this, 'ScheduleDeadLetterAlarm', {
      metric: scheduleDlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Scheduled invocations that EventBridge could not deliver',
    });
    scheduleDlqAlarm.addAlarmAction(new cwActions.SnsAction(this.opsTopic));

    // schedule → schedule-feeds → feed queue → poll-feed (bounded concurrency protects publishers and the table).
    new ScheduledFunction(this, 'FeedSchedule', {
      target: functions['schedule-feeds'],
      schedule: settings.schedule,
      description: 'wirewatch polling cycle',
      deadLetterQueue: scheduleDlq,
    });
    this.feedQueue = new QueueToFunction(this, 'FeedQueue', {
      target: functions['poll-feed'],
      batchSize: 5,
      maxConcurrency: settings.pollConcurrency,
      alarmTopic: this.opsTopic,
    });
    // poll-feed → article queue → process-article (partial batch failures; poison articles park after 5 receives).
    this.articleQueue = new QueueToFunction(this, 'ArticleQueue', {
      target: functions['process-article'],
      batchSize: 5,
      maxConcurrency: settings.articleConcurrency,
      maxReceiveCount: 5,
      alarmTopic: this.opsTopic,
    });
    // The scheduler only reads (catalog marker, due-time indexes of feeds and pages): new feeds' initial states are
    // written by poll-feed, page schedules by process-article. Due page retries and rechecks go to the article queue.
    functions['schedule-feeds']
      .bindTable(this.table, { accessMode: 'RO' })
      .bindQueue(this.feedQueue.sqsQueue, 'FEED_QUEUE_URL')
      .bindQueue(this.articleQueue.sqsQueue, 'ARTICLE_QUEUE_URL');
    functions['poll-feed']
      .bindTable(this.table, { accessMode: 'RW' })
      .bindQueue(this.articleQueue.sqsQueue, 'ARTICLE_QUEUE_URL');

    // process-article → alert queue → fan-out-alerts; the alert DLQ holds parked alerts (replayable).
    this.alertQueue = new QueueToFunction(this, 'AlertQueue', {
      target: functions['fan-out-alerts'],
      batchSize: 10,
      alarmTopic: this.opsTopic,
    });
    functions['process-article']
      .bindTable(this.table, { accessMode: 'RW' })
      .bindQueue(this.alertQueue.sqsQueue, 'ALERT_QUEUE_URL');

    // Alerts: SNS topic with email subscriptions filtered on the `topic` message attribute (from wirewatch.yaml).
    this.alertsTopic = new sns.Topic(this, 'AlertsTopic', { displayName: 'wirewatch alerts', enforceSSL: true });
    this.subscribeEmailChannels(config, settings);
    // The topic ARN goes under ALERTS_TOPIC_ARN, the alerts module's default SNS-channel variable, and any
    // `topicArnEnv` an sns channel of wirewatch.yaml names. Email channels send through SES from their `from`.
    const topicEnvs = new Set(['ALERTS_TOPIC_ARN', DEFAULT_SNS_TOPIC_ENV]);
    for (const c of config.channels) if (c.type === 'sns' && c.topicArnEnv) topicEnvs.add(c.topicArnEnv);
    const senders = [...new Set(config.channels.flatMap((c) => (c.type === 'email' && !c.smtp ? [c.from] : [])))];
    for (const name of ['fan-out-alerts', 'digest'] as const) {
      functions[name].bindTable(this.table, { accessMode: 'RW' });
      for (const env of topicEnvs) functions[name].bindTopic(this.alertsTopic, env);
      functions[name].allowSendEmail(senders);
    }
    this.bindChannelSecrets(config, settings, [functions['fan-out-alerts'], functions.digest]);
    new ScheduledFunction(this, 'DigestSchedule', {
      target: functions.digest,
      schedule: settings.digestSchedule,
      description: 'wirewatch digests',
      deadLetterQueue: scheduleDlq,
    });

    // HTTP API: token authorizer (sha256 hashes in a JSON secret) in front of the read-only api function.
    this.apiTokensSecret = settings.apiTokensSecretName
      ? secretsmanager.Secret.fromSecretNameV2(this, 'ApiTokens', settings.apiTokensSecretName)
      : new secretsmanager.Secret(this, 'ApiTokens', {
          description: 'wirewatch API tokens: {"tokenHashes":["<sha256 hex of a token>", ...]}',
          // A placeholder hash no token has (the secret must hold at least one hash to be valid): 401 until set.
          secretStringValue: SecretValue.unsafePlainText(JSON.stringify({ tokenHashes: [PLACEHOLDER_TOKEN_HASH] })),
        });
    functions.authorizer.bindSecretArn(this.apiTokensSecret, 'API_TOKENS_SECRET_ARN');
    // Pagination cursors are HMAC-signed; every api instance must share the key, so it lives in a secret.
    const cursorKey = new secretsmanager.Secret(this, 'CursorKey', {
      description: 'wirewatch API cursor HMAC key',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    // The api checks tokens again itself (defence in depth; /healthz stays open), so it reads the same secret.
    functions.api
      .bindTable(this.table, { accessMode: 'RO' })
      .bindSecretArn(this.apiTokensSecret, 'API_TOKENS_SECRET_ARN')
      .bindSecretToEnv(cursorKey, config.api.cursorKeyEnv);
    this.api = new AuthorizedHttpApi(this, 'HttpApi', {
      handler: functions.api,
      authorizer: functions.authorizer,
      throttle: settings.apiThrottle,
      logRetention: settings.logRetention,
      // The health check and the dashboard's static files (no data; the page's requests carry the token).
      publicGetPaths: ['/healthz', ...DASHBOARD_PATHS],
    });

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      opsTopic: this.opsTopic,
      functions: HANDLERS.map((h) => [h, functions[h]] as const),
      queues: [
        ['feeds', this.feedQueue],
        ['articles', this.articleQueue],
        ['alerts', this.alertQueue],
      ],
      api: this.api,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'HTTP API base URL' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.alertsTopic.topicArn });
    new CfnOutput(this, 'OpsTopicArn', { value: this.opsTopic.topicArn });
    new CfnOutput(this, 'ApiTokensSecretArn', { value: this.apiTokensSecret.secretArn });
    new CfnOutput(this, 'FeedQueueUrl', { value: this.feedQueue.sqsQueue.queueUrl });
    new CfnOutput(this, 'AlertDeadLetterQueueUrl', { value: this.alertQueue.deadLetterQueue!.queueUrl });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });

    applyNagSuppressions(this);
  }

  /**
   * Context `alertEmail` → an SNS email subscription on the alerts topic. In AWS every alert is published to
   * that topic (the `sns` channels of wirewatch.yaml, or an implicit all-topics one — functions/lib/aws.ts), so
   * the subscription is filtered on the `topic` message attribute by context `alertTopics` (comma list; none =
   * every topic). Email *channels* of wirewatch.yaml are sent through SES by the alert functions, not
   * subscribed here, so nobody receives an alert twice.
   */
  private subscribeEmailChannels(_config: Config, settings: StackSettings): void {
    if (!settings.alertEmail) return;
    const topics = settings.alertTopics;
    const filterPolicy =
      topics.length === 0
        ? undefined
        : { topic: sns.SubscriptionFilter.stringFilter({ allowlist: [...new Set(topics)].sort() }) };
    this.alertsTopic.addSubscription(new subs.EmailSubscription(settings.alertEmail, { filterPolicy }));
  }

  /**
   * Slack/webhook secrets (existing Secrets Manager secrets named by context) → `WIREWATCH_SECRETS` entries of the
   * alert-sending functions, under the environment variable each channel of wirewatch.yaml names. A channel listed
   * in `channelSecrets` gets its own secret; the others of its kind share `slackSecretName` / `webhookSecretName`.
   * @throws InfraError `infra_context_invalid` when `channelSecrets` names a channel that is not a Slack or webhook
   *   channel, or two channels that share an environment variable are given different secrets
   */
  private bindChannelSecrets(config: Config, settings: StackSettings, targets: PipelineFunction[]): void {
    const secretChannels: Array<{ id: string; kind: 'slack' | 'webhook'; env: string }> = config.channels.flatMap(
      (c): Array<{ id: string; kind: 'slack' | 'webhook'; env: string }> =>
        c.type === 'slack'
          ? [{ id: c.id, kind: 'slack', env: c.webhookUrlEnv }]
          : c.type === 'webhook'
            ? [{ id: c.id, kind: 'webhook', env: c.secretEnv }]
            : [],
    );
    for (const id of settings.channelSecrets.keys()) {
      if (!secretChannels.some((c) => c.id === id)) {
        throw new InfraError(
          'infra_context_invalid',
          `context "channelSecrets": ${id} is not a slack or webhook channel of wirewatch.yaml (${secretChannels.map((c) => c.id).join(', ') || 'none'})`,
        );
      }
    }
    const shared = { slack: settings.slackSecretName, webhook: settings.webhookSecretName };
    // env var → secret name: one process environment per function, so one secret per variable.
    const byEnv = new Map<string, { secretName: string; channel: string }>();
    for (const c of secretChannels) {
      const secretName = settings.channelSecrets.get(c.id) ?? shared[c.kind];
      if (!secretName) {
        Annotations.of(this).addWarningV2(
          `wirewatch:${c.kind}-secret-missing`,
          `wirewatch.yaml has ${c.kind} channel ${c.id} but no secret for it (-c channelSecrets=${c.id}=<name> or -c ${c.kind}SecretName=<name>); its deliveries will fail`,
        );
        continue;
      }
      const prior = byEnv.get(c.env);
      if (prior && prior.secretName !== secretName) {
        throw new InfraError(
          'infra_context_invalid',
          `channels ${prior.channel} and ${c.id} both read ${c.env} but were given different secrets; give each channel its own variable in wirewatch.yaml`,
        );
      }
      byEnv.set(c.env, { secretName, channel: c.id });
    }
    // Without any channel of a kind, its shared secret (if given) is still exposed under the default variable.
    for (const [kind, env] of [
      ['slack', 'SLACK_WEBHOOK_URL'],
      ['webhook', 'WEBHOOK_SECRET'],
    ] as const) {
      const secretName = shared[kind];
      if (secretName && !secretChannels.some((c) => c.kind === kind) && !byEnv.has(env)) {
        byEnv.set(env, { secretName, channel: `(default ${kind})` });
      }
    }
    const imported = new Map<string, secretsmanager.ISecret>();
    for (const [env, { secretName }] of byEnv) {
      let secret = imported.get(secretName);
      if (!secret) {
        secret = secretsmanager.Secret.fromSecretNameV2(this, `ChannelSecret${imported.size}`, secretName);
        imported.set(secretName, secret);
      }
      for (const target of targets) target.bindSecretToEnv(secret, env);
    }
  }
}

const ATTRIBUTE_TYPES: Record<string, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

/** Key attribute `name` with its type from the store's CreateTable input. */
function keyAttribute(name: string): dynamodb.Attribute {
  const def = createTableInput('schema').AttributeDefinitions.find((a) => a.AttributeName === name);
  const type = def && ATTRIBUTE_TYPES[def.AttributeType];
  if (!type) throw new InfraError('infra_props_invalid', `shared/store/schema.ts: key attribute ${name} has no type`);
  return { name, type };
}

/** Partition and sort key of the table, from `createTableInput` (HASH / RANGE). */
function tableKeysFromSchema(): { partitionKey: dynamodb.Attribute; sortKey?: dynamodb.Attribute } {
  const keys = createTableInput('schema').KeySchema;
  const hash = keys.find((k) => k.KeyType === 'HASH')!;
  const range = keys.find((k) => k.KeyType === 'RANGE');
  return {
    partitionKey: keyAttribute(hash.AttributeName),
    sortKey: range ? keyAttribute(range.AttributeName) : undefined,
  };
}

/** The GSIs of `createTableInput`, as CDK index props. */
function gsisFromSchema(): dynamodb.GlobalSecondaryIndexProps[] {
  return createTableInput('schema').GlobalSecondaryIndexes.map((g) => {
    const hash = g.KeySchema.find((k) => k.KeyType === 'HASH')!;
    const range = g.KeySchema.find((k) => k.KeyType === 'RANGE');
    return {
      indexName: g.IndexName,
      partitionKey: keyAttribute(hash.AttributeName),
      sortKey: range ? keyAttribute(range.AttributeName) : undefined,
      projectionType: dynamodb.ProjectionType[g.Projection.ProjectionType as keyof typeof dynamodb.ProjectionType],
    };
  });
}

/** `fan-out-alerts` → `FanOutAlerts`. */
function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}
