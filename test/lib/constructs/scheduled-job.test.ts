import { Match } from 'aws-cdk-lib/assertions';
import { nagViolations } from '../infra-helpers';

import { stackWithJob } from './job-stack';

describe('ScheduledJob', () => {
  it('invokes the function on the schedule with retries and the DLQ on the target', () => {
    const { template } = stackWithJob();
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('JobFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('JobFunctionDlq'), 'Arn'] } },
        }),
      ],
    });
    // EventBridge may write to the DLQ only for this rule.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: Match.anyValue() },
          }),
        ]),
      },
    });
  });

  it('passes cdk-nag with no acknowledgment outside the house construct', () => {
    const { stack } = stackWithJob();
    expect(nagViolations(stack)).toEqual([]);
  });
});
