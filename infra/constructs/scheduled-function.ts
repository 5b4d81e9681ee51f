import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PipelineFunction } from './pipeline-function.ts';

/** Props of {@link ScheduledFunction}. */
export interface ScheduledFunctionProps {
  /** The function to invoke. */
  readonly target: PipelineFunction;
  /** EventBridge schedule expression, e.g. `cron(0/5 * * * ? *)` (see `toEventBridgeSchedule`). */
  readonly schedule: string;
  /** @default - none */
  readonly description?: string;
  /** Where events that could not be delivered after retries go (EventBridge target DLQ). */
  readonly deadLetterQueue: IQueue;
  /** EventBridge delivery retries. @default 2 */
  readonly retryAttempts?: number;
  /** Drop an undelivered event after this long (a later tick replaces it). @default Duration.minutes(15) */
  readonly maxEventAge?: Duration;
}

/**
 * An EventBridge schedule rule invoking a {@link PipelineFunction} (AWS EventBridge User Guide, "Creating a rule
 * that runs on a schedule"). Delivery failures are retried, then land in `deadLetterQueue`; invoke permission is
 * added by the target (resource policy on the function, scoped to this rule).
 */
export class ScheduledFunction extends Construct {
  /** The schedule rule. */
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ScheduledFunctionProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      schedule: events.Schedule.expression(props.schedule),
      description: props.description,
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.target.function, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 2,
        maxEventAge: props.maxEventAge ?? Duration.minutes(15),
      }),
    );
  }
}
