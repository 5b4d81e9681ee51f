import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { InfraError } from '../errors.ts';
import type { PipelineFunction } from './pipeline-function.ts';

/** Props of {@link QueueToFunction} (after AWS Solutions Constructs' `SqsToLambdaProps`). */
export interface QueueToFunctionProps {
  /** The consumer. */
  readonly target: PipelineFunction;
  /**
   * Visibility timeout of the source queue. Must be at least 6× the function timeout (AWS Lambda Developer
   * Guide, "Using Lambda with Amazon SQS": "set the source queue's visibility timeout to at least six times the
   * timeout that you configure on your function").
   * @default 6 × target.timeout
   */
  readonly visibilityTimeout?: Duration;
  /** How long unconsumed messages stay in the source queue. @default Duration.days(4) */
  readonly retentionPeriod?: Duration;
  /** Create a dead-letter queue. @default true */
  readonly deployDeadLetterQueue?: boolean;
  /** Receives before a message moves to the DLQ. Only with a DLQ. @default 5 */
  readonly maxReceiveCount?: number;
  /** How long the DLQ keeps messages (the maximum, for replay). @default Duration.days(14) */
  readonly deadLetterRetention?: Duration;
  /** Records per invocation, 1-10 (standard queue, no batching window). @default 10 */
  readonly batchSize?: number;
  /** @default - none */
  readonly maxBatchingWindow?: Duration;
  /** Max concurrent invocations from this source, 2-1000 (`ScalingConfig.MaximumConcurrency`). @default - account limit */
  readonly maxConcurrency?: number;
  /** Partial batch responses (`ReportBatchItemFailures`): only failed records are retried. @default true */
  readonly reportBatchItemFailures?: boolean;
  /** When given, an alarm on DLQ depth (any visible message) notifies this topic. Only with a DLQ. @default - no alarm */
  readonly alarmTopic?: ITopic;
}

/**
 * An SQS queue feeding a {@link PipelineFunction}, with a dead-letter queue and an alarm on it. Queues are
 * SQS-managed-encrypted (SSE-SQS) and refuse non-TLS requests. The target gets `sqs:ReceiveMessage` /
 * `DeleteMessage` / `GetQueueAttributes` on the source queue through the event source (a grant, not a policy).
 *
 * @throws InfraError `infra_props_invalid` when the visibility timeout is under 6× the function timeout,
 *   `maxReceiveCount` or `alarmTopic` is given without a DLQ, or batch size / concurrency are out of range
 */
export class QueueToFunction extends Construct {
  /** The consumer (as given). */
  readonly lambdaFunction: PipelineFunction;
  /** The source queue. */
  readonly sqsQueue: sqs.Queue;
  /** The dead-letter queue, unless `deployDeadLetterQueue: false`. */
  readonly deadLetterQueue: sqs.Queue | undefined;
  /** The event source mapping's source. */
  readonly eventSource: SqsEventSource;
  /** The DLQ depth alarm, when `alarmTopic` was given. */
  readonly deadLetterAlarm: cloudwatch.Alarm | undefined;

  constructor(scope: Construct, id: string, props: QueueToFunctionProps) {
    super(scope, id);
    this.lambdaFunction = props.target;
    const deployDlq = props.deployDeadLetterQueue ?? true;
    const minVisibility = props.target.timeout.toSeconds() * 6;
    const visibility = props.visibilityTimeout ?? Duration.seconds(minVisibility);
    if (visibility.toSeconds() < minVisibility) {
      throw new InfraError(
        'infra_props_invalid',
        `${this.node.path}: visibilityTimeout ${visibility.toSeconds()} s is under 6× the function timeout (${minVisibility} s)`,
      );
    }
    if (!deployDlq && props.maxReceiveCount !== undefined) {
      throw new InfraError('infra_props_invalid', `${this.node.path}: maxReceiveCount needs a dead-letter queue`);
    }
    if (!deployDlq && props.alarmTopic) {
      throw new InfraError(
        'infra_props_invalid',
        `${this.node.path}: alarmTopic alarms on the dead-letter queue; deploy one`,
      );
    }
    const batchSize = props.batchSize ?? 10;
    if (!Number.isInteger(batchSize) || batchSize < 1 || (batchSize > 10 && !props.maxBatchingWindow)) {
      throw new InfraError(
        'infra_props_invalid',
        `${this.node.path}: batchSize ${batchSize} must be 1-10 without a batching window`,
      );
    }
    if (props.maxConcurrency !== undefined && (props.maxConcurrency < 2 || props.maxConcurrency > 1000)) {
      throw new InfraError(
        'infra_props_invalid',
        `${this.node.path}: maxConcurrency ${props.maxConcurrency} must be 2-1000`,
      );
    }

    this.deadLetterQueue = deployDlq
      ? new sqs.Queue(this, 'DeadLetterQueue', {
          encryption: sqs.QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: props.deadLetterRetention ?? Duration.days(14),
        })
      : undefined;
    this.sqsQueue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: visibility,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: this.deadLetterQueue
        ? { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 }
        : undefined,
    });
    this.eventSource = new SqsEventSource(this.sqsQueue, {
      batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      maxConcurrency: props.maxConcurrency,
      reportBatchItemFailures: props.reportBatchItemFailures ?? true,
    });
    props.target.function.addEventSource(this.eventSource);

    if (props.alarmTopic && this.deadLetterQueue) {
      const alarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${this.node.path}: messages in the dead-letter queue`,
      });
      alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      this.deadLetterAlarm = alarm;
    } else {
      this.deadLetterAlarm = undefined;
    }
  }
}
