import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Config } from '../config/load.ts';
import { createHttpClient, type HttpClient } from '../http/index.ts';
import { compileTopics, type TopicSet } from '../topics/index.ts';
import { Store, type PipelineStore } from '../store/index.ts';
import { resolveStory } from '../stories/assign.ts';
import { createAlerter, type Alerter } from '../alerts/index.ts';
import { silentLogger, type Logger } from '../log.ts';
import { noMetrics, type MetricsPort } from './ports.ts';

/**
 * Everything a pipeline stage needs, built once per process (a Lambda container or the local runtime) and
 * reused across invocations. Only ports: no Lambda or local-runtime types appear here.
 */
export interface PipelineContext {
  config: Config;
  http: HttpClient;
  store: PipelineStore;
  topics: TopicSet;
  alerter: Alerter;
  logger: Logger;
  metrics: MetricsPort;
  now: () => Date;
}

/** Inputs to `createPipelineContext`: the adapters that differ between AWS and local. */
export interface PipelineContextInput {
  config: Config;
  /** DynamoDB in AWS, dynalite locally — the same SDK client either way. */
  dynamo: DynamoDBClient;
  /** Table name; defaults to `config.store.tableName`. */
  tableName?: string;
  logger?: Logger;
  metrics?: MetricsPort;
  now?: () => Date;
  sns?: SNSClient;
  ses?: SESv2Client;
  /** Where the console channel writes (default: stderr, keeping stdout for `--json`). */
  consoleWrite?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds the pipeline context: compiles topic rules (so a bad rule fails here, at load), creates the HTTP
 * chokepoint with the config's `http` section, the store and the alerter.
 * @throws ConfigError `rule_invalid` when a topic rule does not compile
 */
export function createPipelineContext(input: PipelineContextInput): PipelineContext {
  const { config } = input;
  const logger = input.logger ?? silentLogger;
  const now = input.now ?? (() => new Date());
  const topics = compileTopics(config.topics, config.aliases);
  const tableName = input.tableName ?? config.store.tableName;
  const store = new Store({ client: input.dynamo, tableName, retentionDays: config.store.retentionDays, now });
  // The per-host gap holds across every process sharing the table (concurrent Lambdas), not only within this one.
  const http = createHttpClient(config.http, { leases: store.hostLeases });
  const alerter = createAlerter({
    config,
    table: store.table,
    items: store,
    resolveStory: (id) => resolveStory(store.storyIndex, id),
    http,
    sns: input.sns,
    ses: input.ses,
    env: input.env,
    logger: logger.child({ stage: 'alerts' }),
    now,
    consoleWrite: input.consoleWrite,
  });
  return { config, http, store, topics, alerter, logger, metrics: input.metrics ?? noMetrics, now };
}
