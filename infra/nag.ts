import type { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions, type NagPackSuppression } from 'cdk-nag';
import { AuthorizedHttpApi } from './constructs/authorized-http-api.ts';
import { PipelineFunction } from './constructs/pipeline-function.ts';
import { QueueToFunction } from './constructs/queue-to-function.ts';

/** Why each pipeline function is exempt from the rules it fails; one reason per rule (cdk-nag requires ≥ 10 chars). */
const FUNCTION_SUPPRESSIONS: NagPackSuppression[] = [
  {
    id: 'AwsSolutions-L1',
    reason:
      'Pinned to nodejs22.x on purpose: the bundles are built for it (esbuild target node22) and the dependency pins in DEVELOPERS.md are chosen for it; move the runtime and the esbuild target together.',
  },
  {
    id: 'Serverless-LambdaLatestVersion',
    reason: 'Pinned to nodejs22.x on purpose (see AwsSolutions-L1).',
  },
  {
    id: 'Serverless-LambdaDLQ',
    reason:
      'No function is invoked asynchronously with data worth keeping: SQS-driven functions park failures in the source queue DLQ, ' +
      'scheduled ones have an EventBridge target DLQ (a missed tick is redone by the next), api/authorizer are synchronous.',
  },
];

/** Reasons for the IAM5 wildcards the grants produce. */
const ROLE_SUPPRESSIONS: NagPackSuppression[] = [
  {
    id: 'AwsSolutions-IAM5',
    reason: 'xray:PutTraceSegments/PutTelemetryRecords (active tracing) do not support resource-level permissions.',
    appliesTo: ['Resource::*'],
  },
  {
    id: 'AwsSolutions-IAM5',
    reason:
      'table.grantRead(Write)Data covers the table GSIs (<table arn>/index/*), which the store queries; actions are explicit.',
    appliesTo: [{ regex: '/^Resource::<Table[A-Za-z0-9]*\\.Arn>\\/index\\/\\*$/' }],
  },
];

/**
 * Adds the stack's cdk-nag suppressions (AwsSolutions and Serverless packs), each with its reason, by construct
 * type so new functions/queues inherit them. Everything not listed here must pass the packs.
 * @param stack the wirewatch stack (call at the end of its constructor)
 */
export function applyNagSuppressions(stack: Stack): void {
  const dlqs = new Set<sqs.IQueue>();
  for (const c of stack.node.findAll()) {
    if (c instanceof PipelineFunction) {
      NagSuppressions.addResourceSuppressions(c.function, FUNCTION_SUPPRESSIONS);
      NagSuppressions.addResourceSuppressions(c.role, ROLE_SUPPRESSIONS, true);
    } else if (c instanceof AuthorizedHttpApi) {
      for (const route of c.publicRoutes) {
        NagSuppressions.addResourceSuppressions(route, [
          {
            id: 'AwsSolutions-APIG4',
            reason:
              "Open routes expose no data: the health check (GET /healthz) for uptime probes, and the web dashboard's static files (GET /, GET /assets/{file}), whose data requests go through the token authorizer like every other route.",
          },
        ]);
      }
    } else if (c instanceof QueueToFunction) {
      NagSuppressions.addResourceSuppressions(
        c.lambdaFunction.function.node.findAll().filter((x) => x.node.id.startsWith('SqsEventSource:')),
        [
          {
            id: 'Serverless-LambdaEventSourceMappingDestination',
            reason:
              'SQS event sources do not support on-failure destinations; failed records go to the queue redrive DLQ (maxReceiveCount).',
          },
        ],
        true,
      );
      if (c.deadLetterQueue) dlqs.add(c.deadLetterQueue);
    }
  }
  for (const c of stack.node.findAll()) {
    if (c instanceof sqs.Queue && (dlqs.has(c) || c.node.id.endsWith('DeadLetterQueue'))) {
      NagSuppressions.addResourceSuppressions(c, [
        {
          id: 'AwsSolutions-SQS3',
          reason: 'This queue is itself a dead-letter queue (SQS redrive or EventBridge target DLQ).',
        },
        {
          id: 'Serverless-SQSRedrivePolicy',
          reason: 'This queue is itself a dead-letter queue; messages are inspected and redriven by an operator.',
        },
      ]);
    } else if (c instanceof sns.Subscription) {
      NagSuppressions.addResourceSuppressions(c, [
        {
          id: 'Serverless-SNSRedrivePolicy',
          reason:
            'Email subscriptions: SNS retries delivery itself and the alert record stays in the table (API/digest), so there is nothing to replay.',
        },
      ]);
    } else if (c instanceof secretsmanager.Secret) {
      NagSuppressions.addResourceSuppressions(c, [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'Not a credential with a rotation target: API token hashes are rotated by editing the list; the cursor HMAC key only signs pagination cursors.',
        },
      ]);
    }
  }
}
