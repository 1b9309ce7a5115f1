import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { join } from 'node:path';
import { functionSettings, parseConfig } from '../../../lib/config';
import { ScheduledJob } from '../../../lib/constructs/scheduled-job';
import { testApp } from '../infra-helpers';

export const entry = join(__dirname, '../../fixtures/handlers/noop.ts');

/** A stack holding one ScheduledJob (and so one OpsFunction) of a no-op handler. */
export function stackWithJob(overrides = {}) {
  const app = testApp();
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const topic = new sns.Topic(stack, 'Ops', { enforceSSL: true });
  const settings = functionSettings(parseConfig({ defaults: { logRetentionDays: 14 } }).defaults, overrides);
  const job = new ScheduledJob(stack, 'Job', {
    jobName: 'test-job',
    entry,
    opsTopic: topic,
    settings,
    schedule: 'rate(1 day)',
  });
  return { app, stack, topic, job, template: Template.fromStack(stack) };
}
