import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { assertModulesInstalled, copyModulesCommands, dependencyClosure, pruneModulesCommand } from '../bundling.ts';
import { InfraError } from '../errors.ts';

/** Where the Lambda runtime unpacks the bundle (AWS Lambda "Defined runtime environment variables": LAMBDA_TASK_ROOT). */
export const LAMBDA_TASK_ROOT = '/var/task';
/** File names of the config and shipped topic set inside each bundle (copied by an `afterBundling` hook). */
export const BUNDLED_CONFIG_FILE = 'wirewatch.yaml';
export const BUNDLED_TOPICS_FILE = 'shipped.yaml';
/** Powertools metrics namespace of every function (CloudWatch EMF namespace). */
export const METRICS_NAMESPACE = 'Wirewatch';
/** Default Powertools service name (also the `service` dimension of every metric). */
export const SERVICE_NAME = 'wirewatch';

/**
 * Banner prepended to every ESM bundle: esbuild's ESM output keeps CommonJS dependencies' `require()` of Node
 * built-ins, which needs a real `require` in module scope (esbuild docs, "format: esm" + CommonJS interop).
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __wwCreateRequire } from 'node:module'; const require = __wwCreateRequire(import.meta.url);";

/** How a function may use the table (the `bindTable` idea of Powertools' example app). */
export type TableAccessMode = 'RO' | 'RW';

/** Props of {@link PipelineFunction}. */
export interface PipelineFunctionProps {
  /** Absolute path of the handler module; it must export `handler`. */
  readonly entry: string;
  /** Project root holding package.json, package-lock.json and node_modules (bundling input dir). */
  readonly projectRoot: string;
  /** Absolute path of the wirewatch.yaml copied into the bundle as `/var/task/wirewatch.yaml`. */
  readonly configFile: string;
  /** Absolute path of the shipped topic set copied into the bundle as `/var/task/shipped.yaml`. */
  readonly shippedTopicsFile: string;
  /** @default - none */
  readonly description?: string;
  /** Memory, MB. @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Packages left out of the bundle and copied, with their dependency closure from package-lock.json, into the
   * bundle's `node_modules` (for packages esbuild cannot bundle, e.g. jsdom's runtime file reads).
   * @default [] (everything is bundled, including the AWS SDK v3 clients, pinned by our lock file)
   */
  readonly nodeModules?: string[];
  /** Powertools service name. @default 'wirewatch' */
  readonly serviceName?: string;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** When given, an alarm on the function's `Errors` metric (sum ≥ 1 in 5 min) notifies this topic. @default - no alarm */
  readonly alarmTopic?: ITopic;
  /**
   * More shell commands run after bundling (CDK `afterBundling` hook, local bundling), e.g. building static files into
   * the bundle directory. They receive the project root and the bundle directory (`/var/task` at run time).
   * @default - none
   */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/**
 * The house-style Lambda function of wirewatch (after Powertools' `FunctionWithLogGroup`): NodejsFunction on
 * nodejs22.x / arm64, bundled by the local esbuild (no Docker) as minified ESM with source maps (trimmed to
 * wirewatch's own sources by infra/scripts/trim-sourcemap.mjs), an explicit log
 * group with retention, JSON logging, X-Ray tracing, a role with no managed policies, and `bind*` methods that
 * grant IAM *and* set the matching environment variable in one call, so permissions and configuration cannot
 * drift apart.
 *
 * Environment always set: `WIREWATCH_CONFIG`, `WIREWATCH_SHIPPED_TOPICS` (bundled copies),
 * `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE=Wirewatch`, `NODE_OPTIONS=--enable-source-maps`.
 *
 * @throws InfraError `infra_entry_missing` when `entry` does not exist; `infra_modules_missing` when a
 *   `nodeModules` package is not in package-lock.json; `infra_props_invalid` when an environment variable
 *   would be bound twice to different values
 */
export class PipelineFunction extends Construct implements iam.IGrantable {
  /** The Lambda function. */
  readonly function: NodejsFunction;
  /** Its log group (`/aws/lambda/...` is not assumed; the function logs here via LoggingConfig). */
  readonly logGroup: logs.LogGroup;
  /** Its execution role (no managed policies; every permission comes from a grant). */
  readonly role: iam.Role;
  /** Its timeout (queues derive their visibility timeout from it). */
  readonly timeout: Duration;
  /** The `Errors` alarm, when `alarmTopic` was given. */
  readonly errorsAlarm: cloudwatch.Alarm | undefined;
  private readonly env = new Map<string, string>();
  private readonly secretEnv: Array<{ name: string; arn: string }> = [];

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    if (!existsSync(props.entry)) {
      throw new InfraError('infra_entry_missing', `${this.node.path}: handler entry ${props.entry} does not exist`);
    }
    this.timeout = props.timeout ?? Duration.seconds(30);
    const nodeModules = props.nodeModules ?? [];
    const modulePaths = nodeModules.length
      ? dependencyClosure(join(props.projectRoot, 'package-lock.json'), nodeModules)
      : [];
    assertModulesInstalled(props.projectRoot, modulePaths);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.node.path}`,
    });
    this.logGroup.grantWrite(this.role);

    const configFile = props.configFile;
    const shippedTopicsFile = props.shippedTopicsFile;
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: this.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        // Non-ASCII stays UTF-8 instead of \uXXXX escapes (iconv-lite/entities tables): ~4% smaller zips.
        esbuildArgs: { '--charset': 'utf8' },
        // Bundle the AWS SDK too (the runtime's copy is a moving version); only unbundleable packages stay out.
        externalModules: [...nodeModules],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `cp '${configFile}' '${join(outputDir, BUNDLED_CONFIG_FILE)}'`,
            `cp '${shippedTopicsFile}' '${join(outputDir, BUNDLED_TOPICS_FILE)}'`,
            // Keep source maps for wirewatch's own code only (third-party mappings are ~90% of the map).
            `node '${join(inputDir, 'infra', 'scripts', 'trim-sourcemap.mjs')}' '${join(outputDir, 'index.mjs.map')}'`,
            ...copyModulesCommands(inputDir, outputDir, modulePaths),
            ...(modulePaths.length ? [pruneModulesCommand(outputDir)] : []),
            ...(props.afterBundling?.(inputDir, outputDir) ?? []),
          ],
        },
      },
    });

    this.setEnv('NODE_OPTIONS', '--enable-source-maps');
    this.setEnv('POWERTOOLS_SERVICE_NAME', props.serviceName ?? SERVICE_NAME);
    this.setEnv('POWERTOOLS_METRICS_NAMESPACE', METRICS_NAMESPACE);
    this.setEnv('WIREWATCH_CONFIG', `${LAMBDA_TASK_ROOT}/${BUNDLED_CONFIG_FILE}`);
    this.setEnv('WIREWATCH_SHIPPED_TOPICS', `${LAMBDA_TASK_ROOT}/${BUNDLED_TOPICS_FILE}`);

    this.errorsAlarm = props.alarmTopic
      ? this.alarmOn(
          props.alarmTopic,
          'ErrorsAlarm',
          this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          'invocation errors',
        )
      : undefined;
  }

  /** The role, so `table.grantReadData(fn)` etc. work on the construct itself. */
  get grantPrincipal(): iam.IPrincipal {
    return this.role;
  }

  /**
   * Grants table access and sets `envVarName` to the table name.
   * @param table the wirewatch table
   * @param options.accessMode `RO` (read data) or `RW` (read and write data). Never schema changes.
   * @param options.envVarName @default 'TABLE_NAME'
   */
  bindTable(table: ITable, options: { accessMode: TableAccessMode; envVarName?: string }): this {
    if (options.accessMode === 'RW') table.grantReadWriteData(this);
    else table.grantReadData(this);
    return this.setEnv(options.envVarName ?? 'TABLE_NAME', table.tableName);
  }

  /** Grants `sqs:SendMessage` (+ GetQueueAttributes/GetQueueUrl) on `queue` and sets `envVarName` to its URL. */
  bindQueue(queue: IQueue, envVarName: string): this {
    queue.grantSendMessages(this);
    return this.setEnv(envVarName, queue.queueUrl);
  }

  /** Grants `sns:Publish` on `topic` and sets `envVarName` to its ARN. */
  bindTopic(topic: ITopic, envVarName: string): this {
    topic.grantPublish(this);
    return this.setEnv(envVarName, topic.topicArn);
  }

  /**
   * Grants sending email through SES for the given sender addresses, on each address's email identity and on its
   * domain identity (either may be the verified one), via `EmailIdentity.grantSendEmail` (SES Developer Guide,
   * "Controlling access to Amazon SES": identity ARNs).
   * @param fromAddresses sender addresses, e.g. `alerts@example.org`
   */
  allowSendEmail(fromAddresses: readonly string[]): this {
    const identities = new Set<string>();
    for (const address of fromAddresses) {
      identities.add(address);
      identities.add(address.slice(address.lastIndexOf('@') + 1));
    }
    [...identities].sort().forEach((identity, i) => {
      ses.EmailIdentity.fromEmailIdentityName(this, `SesIdentity${i}`, identity).grantSendEmail(this);
    });
    return this;
  }

  /** Grants read of `secret` and sets `envVarName` to its ARN (the handler fetches it itself, e.g. `API_TOKENS_SECRET_ARN`). */
  bindSecretArn(secret: ISecret, envVarName: string): this {
    secret.grantRead(this);
    return this.setEnv(envVarName, secret.secretArn);
  }

  /**
   * Grants read of `secret` and adds `targetEnv=<secretArn>` to `WIREWATCH_SECRETS` (comma list); at cold start
   * the handler fetches each secret's string into `process.env[targetEnv]` (e.g. `SLACK_WEBHOOK_URL`).
   * @throws InfraError `infra_props_invalid` for a bad or duplicate variable name
   */
  bindSecretToEnv(secret: ISecret, targetEnv: string): this {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(targetEnv)) {
      throw new InfraError(
        'infra_props_invalid',
        `${this.node.path}: "${targetEnv}" is not an environment variable name`,
      );
    }
    if (this.secretEnv.some((s) => s.name === targetEnv)) {
      throw new InfraError('infra_props_invalid', `${this.node.path}: secret for ${targetEnv} bound twice`);
    }
    secret.grantRead(this);
    this.secretEnv.push({ name: targetEnv, arn: secret.secretArn });
    this.function.addEnvironment('WIREWATCH_SECRETS', this.secretEnv.map((s) => `${s.name}=${s.arn}`).join(','));
    return this;
  }

  /**
   * An alarm (≥ 1 over one period, missing data = OK) notifying `topic`.
   * @param id construct id of the alarm within this construct
   */
  alarmOn(topic: ITopic, id: string, metric: cloudwatch.IMetric, what: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${this.node.path}: ${what}`,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(topic));
    return alarm;
  }

  private setEnv(name: string, value: string): this {
    const prev = this.env.get(name);
    if (prev !== undefined && prev !== value) {
      throw new InfraError('infra_props_invalid', `${this.node.path}: environment variable ${name} is already bound`);
    }
    this.env.set(name, value);
    this.function.addEnvironment(name, value);
    return this;
  }
}
