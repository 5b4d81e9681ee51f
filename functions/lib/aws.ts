import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { SNSClient } from '@aws-sdk/client-sns';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { loadConfig, type Config } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { createPipelineContext, type PipelineContext } from '../../shared/pipeline/context.ts';
import type { MetricsPort, QueuePort } from '../../shared/pipeline/ports.ts';
import type { HandlerDeps } from './types.ts';

/*
 * The AWS adapters: environment → HandlerDeps. Only Lambda entry points import this file.
 * Environment (set by infra/ construct helpers so grants and configuration cannot drift):
 *   TABLE_NAME, FEED_QUEUE_URL, ARTICLE_QUEUE_URL, ALERT_QUEUE_URL, ALERTS_TOPIC_ARN,
 *   WIREWATCH_CONFIG, WIREWATCH_SHIPPED_TOPICS, WIREWATCH_SECRETS ("ENV=secretArn,…"),
 *   POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE.
 */

/** Reads a required environment variable. @throws ConfigError `env_missing` naming it */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new ConfigError(`environment variable ${name} is not set`, { code: 'env_missing' });
  return value;
}

/**
 * Loads the secrets named in `WIREWATCH_SECRETS` (`ENV_NAME=secretArn,…`) from Secrets Manager into
 * `process.env[ENV_NAME]`, once per container. Config refers to secrets only by env var name.
 */
export async function loadSecretsIntoEnv(
  spec: string | undefined,
  client: Pick<SecretsManagerClient, 'send'> = new SecretsManagerClient({}),
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (!spec) return;
  for (const pair of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(`WIREWATCH_SECRETS: "${pair}" is not ENV_NAME=secretArn`, { code: 'env_invalid' });
    const name = pair.slice(0, eq);
    const arn = pair.slice(eq + 1);
    const res = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (res.SecretString === undefined)
      throw new ConfigError(`secret ${arn} (for ${name}) has no string value`, { code: 'secret_empty' });
    env[name] = res.SecretString;
  }
}

/** SendMessageBatch calls one `sqsQueue.send` keeps in flight at once. */
export const SQS_SEND_CONCURRENCY = 8;

/**
 * An SQS queue as a `QueuePort`: SendMessageBatch in chunks of 10 (the API's maximum entries per call), up to
 * `concurrency` calls in flight at once (default `SQS_SEND_CONCURRENCY`). A tick that enqueues 10,000 due feeds
 * makes 1,000 calls; one after another their round trips alone would take seconds of the scheduler's timeout,
 * while a small bounded pool keeps the SDK's sockets busy without opening one per call. Order across chunks is
 * not kept (a standard queue does not keep it either). Any failed entry fails the send: no new call starts after
 * the first failure, the calls in flight finish, then the first error is thrown (the caller's record is retried,
 * and every stage tolerates a message delivered twice).
 * @throws Error naming the queue and the first refused entry's reason; or the SDK's error for a failed call
 */
export function sqsQueue<T>(sqs: SQSClient, queueUrl: string, opts: { concurrency?: number } = {}): QueuePort<T> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? SQS_SEND_CONCURRENCY));
  const sendChunk = async (chunk: T[]) => {
    const res = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, j) => ({ Id: String(j), MessageBody: JSON.stringify(m) })),
      }),
    );
    if (res.Failed && res.Failed.length > 0) {
      throw new Error(
        `SQS refused ${res.Failed.length} message(s) for ${queueUrl}: ${res.Failed[0]?.Message ?? res.Failed[0]?.Code}`,
      );
    }
  };
  return {
    async send(messages) {
      const chunks: T[][] = [];
      for (let i = 0; i < messages.length; i += 10) chunks.push(messages.slice(i, i + 10));
      let next = 0;
      let failure: { error: unknown } | null = null;
      const worker = async () => {
        while (failure === null && next < chunks.length) {
          const chunk = chunks[next++]!;
          try {
            await sendChunk(chunk);
          } catch (error) {
            failure ??= { error };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
      if (failure) throw (failure as { error: unknown }).error;
    },
  };
}

/**
 * Wraps a Powertools Logger in the core's `Logger` port. Children only add fields: every line goes through the
 * one root logger, so the Lambda context it is given per invocation (`addContext`: request id, cold start,
 * function name) is on every line, including those of children created once per container.
 */
export function powertoolsLogger(logger: PowertoolsLogger, fields: Record<string, unknown> = {}): Logger {
  const merge = (f?: Record<string, unknown>) => ({ ...fields, ...f });
  return {
    debug: (m, f) => logger.debug(m, merge(f)),
    info: (m, f) => logger.info(m, merge(f)),
    warn: (m, f) => logger.warn(m, merge(f)),
    error: (m, f) => logger.error(m, merge(f)),
    child: (more) => powertoolsLogger(logger, merge(more)),
  };
}

/** The AWS SDK clients of one container, built in one place with one retry policy. */
export interface AwsClients {
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
  ses: SESv2Client;
  secrets: SecretsManagerClient;
}

/**
 * What every Lambda of a container shares: the Powertools logger, metrics and tracer, and the SDK clients.
 * Built once per container (module scope), by `awsRuntime()`.
 */
export interface AwsRuntime {
  logger: PowertoolsLogger;
  metrics: Metrics;
  tracer: Tracer;
  clients: AwsClients;
}

let runtime: AwsRuntime | undefined;

/**
 * The container's `AwsRuntime`. SDK clients retry throttling and 5xx up to 8 attempts (AWS SDK standard retry
 * mode: exponential backoff with jitter) and are wrapped by the tracer, so each AWS call is an X-Ray subsegment
 * (Powertools Tracer `captureAWSv3Client`; a no-op outside Lambda or with tracing disabled).
 */
export function awsRuntime(env: NodeJS.ProcessEnv = process.env): AwsRuntime {
  if (runtime) return runtime;
  const serviceName = env.POWERTOOLS_SERVICE_NAME ?? 'wirewatch';
  const tracer = new Tracer({ serviceName });
  const retry = { maxAttempts: 8 };
  runtime = {
    logger: new PowertoolsLogger({ serviceName }),
    metrics: new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'Wirewatch', serviceName }),
    tracer,
    clients: {
      dynamo: tracer.captureAWSv3Client(new DynamoDBClient(retry)),
      sqs: tracer.captureAWSv3Client(new SQSClient(retry)),
      sns: tracer.captureAWSv3Client(new SNSClient(retry)),
      ses: tracer.captureAWSv3Client(new SESv2Client(retry)),
      secrets: tracer.captureAWSv3Client(new SecretsManagerClient(retry)),
    },
  };
  return runtime;
}

/**
 * Runs one invocation with the Powertools conventions: the Lambda context on every log line (request id, cold
 * start), a `## handler` X-Ray subsegment with the cold-start and service annotations, the error recorded on
 * it, and EMF metrics flushed afterwards (Powertools docs: Logger `addContext`, Tracer "manual instrumentation").
 */
export async function instrumented<R>(rt: AwsRuntime, context: Context | undefined, run: () => Promise<R>): Promise<R> {
  if (context) rt.logger.addContext(context);
  const parent = rt.tracer.getSegment();
  const segment = parent?.addNewSubsegment(`## ${context?.functionName ?? 'handler'}`);
  if (segment) rt.tracer.setSegment(segment);
  rt.tracer.annotateColdStart();
  rt.tracer.addServiceNameAnnotation();
  try {
    return await run();
  } catch (err) {
    rt.tracer.addErrorAsMetadata(err as Error);
    throw err;
  } finally {
    segment?.close();
    if (parent) rt.tracer.setSegment(parent);
    if (rt.metrics.hasStoredMetrics()) rt.metrics.publishStoredMetrics();
  }
}

/** Wraps Powertools Metrics (CloudWatch EMF) in the core's `MetricsPort`. */
export function powertoolsMetrics(metrics: Metrics): MetricsPort {
  return { count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value) };
}

/**
 * In AWS the alerts topic is the fan-out hub for SNS subscribers (the stack's `alertEmail`, SMS, SQS), filtered
 * on the `topic` message attribute. When wirewatch.yaml has no `sns` channel, every alert is also published there
 * through an implicit `alerts-topic` channel (realtime, every topic); an explicit `sns` channel replaces it.
 */
export function withAlertsTopicChannel(config: Config): Config {
  if (config.channels.some((c) => c.type === 'sns')) return config;
  return {
    ...config,
    channels: [...config.channels, { id: 'alerts-topic', type: 'sns' }],
    subscriptions: [
      ...config.subscriptions,
      {
        id: 'alerts-topic:*:realtime',
        topics: ['*'],
        channel: 'alerts-topic',
        mode: 'realtime',
        minScore: 0,
        updates: 'material',
      },
    ],
  };
}

/** Builds `HandlerDeps` from the Lambda environment (lazily, once per container). */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env, rt: AwsRuntime = awsRuntime(env)): HandlerDeps {
  const { logger: ptLogger, metrics, clients } = rt;
  const lazyQueue = <T>(name: string): QueuePort<T> => ({
    send: (messages) =>
      messages.length === 0 ? Promise.resolve() : sqsQueue<T>(clients.sqs, requireEnv(name, env)).send(messages),
  });
  let ctx: Promise<PipelineContext> | undefined;
  return {
    queues: {
      feeds: lazyQueue('FEED_QUEUE_URL'),
      articles: lazyQueue('ARTICLE_QUEUE_URL'),
      alerts: lazyQueue('ALERT_QUEUE_URL'),
    },
    context() {
      ctx ??= (async () => {
        await loadSecretsIntoEnv(env.WIREWATCH_SECRETS, clients.secrets, env);
        // The alerts module reads the SNS topic from WIREWATCH_ALERTS_TOPIC_ARN (channel default `topicArnEnv`).
        if (env.ALERTS_TOPIC_ARN) env.WIREWATCH_ALERTS_TOPIC_ARN ??= env.ALERTS_TOPIC_ARN;
        const loaded = await loadConfig(env.WIREWATCH_CONFIG ?? 'wirewatch.yaml');
        const config = env.ALERTS_TOPIC_ARN ? withAlertsTopicChannel(loaded) : loaded;
        return createPipelineContext({
          config,
          dynamo: clients.dynamo,
          tableName: requireEnv('TABLE_NAME', env),
          logger: powertoolsLogger(ptLogger),
          metrics: powertoolsMetrics(metrics),
          sns: clients.sns,
          ses: clients.ses,
          consoleWrite: (line) => ptLogger.info('alert', { line }),
        });
      })();
      // A failed cold start must not poison the container: try again on the next invocation.
      ctx.catch(() => {
        ctx = undefined;
      });
      return ctx;
    },
  };
}

/**
 * Turns a handler factory into a Lambda entry point: deps are built from the environment on first use, and each
 * invocation runs `instrumented` (Lambda context on the logs, X-Ray subsegment, metrics flushed).
 */
export function awsHandler<E, R>(
  factory: (deps: HandlerDeps) => (event: E) => Promise<R>,
): (event: E, context?: Context) => Promise<R> {
  let run: ((event: E) => Promise<R>) | undefined;
  return async (event: E, context?: Context) => {
    const rt = awsRuntime();
    run ??= factory(depsFromEnv(process.env, rt));
    return instrumented(rt, context, () => run!(event));
  };
}
