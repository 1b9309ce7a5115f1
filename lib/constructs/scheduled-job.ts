import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { OpsFunction, type OpsFunctionProps } from './ops-function';

export interface ScheduledJobProps extends OpsFunctionProps {
  /** EventBridge schedule expression, validated in config: `rate(1 day)` or `cron(30 3 * * ? *)`. */
  readonly schedule: string;
}

/**
 * An OpsFunction run on an EventBridge schedule. The rule retries a failed delivery and sends what still fails to
 * the function's dead-letter queue, so the one DLQ-depth alarm covers both the schedule and the function.
 */
export class ScheduledJob extends Construct {
  readonly fn: OpsFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    this.fn = new OpsFunction(this, 'Function', props);
    this.rule = new events.Rule(this, 'Schedule', {
      description: `platform-ops ${props.jobName} schedule`,
      schedule: events.Schedule.expression(props.schedule),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.fn, {
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.fn.deadLetterQueue,
      }),
    );
  }
}
