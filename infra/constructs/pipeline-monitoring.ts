import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AuthorizedHttpApi } from './authorized-http-api.ts';
import { METRICS_NAMESPACE, SERVICE_NAME, type PipelineFunction } from './pipeline-function.ts';
import type { QueueToFunction } from './queue-to-function.ts';

/**
 * Names of the custom metrics the handlers emit with Powertools Metrics (CloudWatch embedded metric format,
 * namespace `Wirewatch`, dimension `service`), as counted in shared/pipeline/stages.ts. The dashboard and alarms
 * read exactly these names.
 */
export const PIPELINE_METRICS = {
  feedsPolled: 'feedsPolled',
  feedsFailed: 'feedsFailed',
  itemsStored: 'itemsStored',
  itemsTagged: 'itemsTagged',
  alertsSent: 'alertsSent',
  alertsFailed: 'alertsFailed',
} as const;

/** Props of {@link PipelineMonitoring}. */
export interface PipelineMonitoringProps {
  /** Alarm notifications go here. */
  readonly opsTopic: ITopic;
  /** The pipeline's functions by display name, in data-flow order. */
  readonly functions: ReadonlyArray<readonly [string, PipelineFunction]>;
  /** The pipeline's queues by display name, in data-flow order. */
  readonly queues: ReadonlyArray<readonly [string, QueueToFunction]>;
  /** @default - no API widgets */
  readonly api?: AuthorizedHttpApi;
  /** Alarm when failed / polled feeds over 15 min exceeds this fraction. @default 0.5 */
  readonly feedFailureRate?: number;
  /** Dashboard name. @default - generated */
  readonly dashboardName?: string;
}

/**
 * Pipeline-level alarms (feed failure rate, alert delivery failures) on the ops topic and a CloudWatch
 * dashboard that reads like the data flow: feeds polled → items stored/tagged → alerts sent, with latency,
 * queue depth and errors. Per-function error alarms and DLQ alarms live on the function/queue constructs.
 */
export class PipelineMonitoring extends Construct {
  /** The pipeline dashboard. */
  readonly dashboard: cloudwatch.Dashboard;
  /** failed / polled feeds over 15 min above `feedFailureRate`, twice in a row. */
  readonly feedFailureAlarm: cloudwatch.Alarm;
  /** Any `alertsFailed` in 5 min. */
  readonly alertFailureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const metric = (name: string, period = Duration.minutes(5)) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period,
      });

    const rate = props.feedFailureRate ?? 0.5;
    this.feedFailureAlarm = new cloudwatch.Alarm(this, 'FeedFailureRateAlarm', {
      metric: new cloudwatch.MathExpression({
        expression: 'IF(polled > 0, failed / polled, 0)',
        usingMetrics: {
          polled: metric(PIPELINE_METRICS.feedsPolled, Duration.minutes(15)),
          failed: metric(PIPELINE_METRICS.feedsFailed, Duration.minutes(15)),
        },
        period: Duration.minutes(15),
        label: 'feed failure rate',
      }),
      threshold: rate,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `More than ${Math.round(rate * 100)}% of feed polls failed for 30 min`,
    });
    this.alertFailureAlarm = new cloudwatch.Alarm(this, 'AlertFailureAlarm', {
      metric: metric(PIPELINE_METRICS.alertsFailed),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Alert deliveries failed (Slack, webhook or SNS)',
    });
    for (const alarm of [this.feedFailureAlarm, this.alertFailureAlarm]) {
      alarm.addAlarmAction(new cwActions.SnsAction(props.opsTopic));
    }

    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    const fns = props.functions;
    const rows: cloudwatch.IWidget[][] = [
      [
        new cloudwatch.TextWidget({
          markdown:
            '# wirewatch\nschedule → feed queue → poll-feed → article queue → process-article → table → alert queue → fan-out-alerts → SNS / Slack / webhook',
          width: 24,
          height: 2,
        }),
      ],
      [
        graph('Feeds polled / failed', [metric(PIPELINE_METRICS.feedsPolled), metric(PIPELINE_METRICS.feedsFailed)]),
        graph('Items stored / tagged', [metric(PIPELINE_METRICS.itemsStored), metric(PIPELINE_METRICS.itemsTagged)]),
        graph('Alerts sent / failed', [metric(PIPELINE_METRICS.alertsSent), metric(PIPELINE_METRICS.alertsFailed)]),
      ],
      [
        graph(
          'Duration p90 (ms)',
          fns.map(([name, fn]) => fn.function.metricDuration({ statistic: 'p90', label: name })),
          12,
        ),
        graph(
          'Errors',
          fns.map(([name, fn]) => fn.function.metricErrors({ label: name })),
          12,
        ),
      ],
      [
        graph(
          'Queue depth',
          props.queues.map(([name, q]) => q.sqsQueue.metricApproximateNumberOfMessagesVisible({ label: name })),
          8,
        ),
        graph(
          'Oldest message age (s)',
          props.queues.map(([name, q]) => q.sqsQueue.metricApproximateAgeOfOldestMessage({ label: name })),
          8,
        ),
        graph(
          'Dead-letter depth',
          props.queues.flatMap(([name, q]) =>
            q.deadLetterQueue
              ? [q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: `${name} DLQ` })]
              : [],
          ),
          8,
        ),
      ],
    ];
    if (props.api) {
      const api = props.api.httpApi;
      rows.push([
        graph('API requests / 4xx / 5xx', [api.metricCount(), api.metricClientError(), api.metricServerError()], 12),
        graph('API latency p90 (ms)', [api.metricLatency({ statistic: 'p90' })], 12),
      ]);
    }
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      widgets: rows,
    });
  }
}
