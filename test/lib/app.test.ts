import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { parseConfig } from '../../lib/config';
import { buildExampleApp, exampleConfig, nagViolations, testApp } from './infra-helpers';
import { buildPlatformOps } from '../../lib/app';
import { JOBS } from '../../lib/jobs';

const JOB_NAMES: Record<string, string> = Object.fromEntries(JOBS.map((job) => [job.key, job.name]));

type Resource = { Type: string; Properties: Record<string, any> };

describe('the example app', () => {
  const { app, stacks, config } = buildExampleApp();
  const allStacks = app.node.children.filter((c): c is Stack => c instanceof Stack);
  const templates = allStacks.map((s) => ({ stack: s, template: Template.fromStack(s) }));
  const jobFunctions = templates.flatMap(({ stack, template }) =>
    Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>)
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.PLATFORM_OPS_JOB)
      .map(([id, fn]) => ({ stack, template, id, fn })),
  );

  it('creates a stack with a function for every enabled job', () => {
    const enabled = Object.entries(config.jobs)
      .filter(([, job]) => job?.enabled)
      .map(([key]) => JOB_NAMES[key]);
    expect(enabled).toHaveLength(JOBS.length);
    const deployed = new Set(jobFunctions.map((f) => f.fn.Properties.Environment.Variables.PLATFORM_OPS_JOB));
    for (const job of enabled) expect(deployed).toContain(job);
  });

  it('runs every function on nodejs24.x and arm64', () => {
    expect(jobFunctions.length).toBeGreaterThanOrEqual(3);
    for (const { fn } of jobFunctions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('gives every function a log group with retention, a DLQ and alarms to the ops-events topic', () => {
    for (const { template, fn, id } of jobFunctions) {
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
      const logGroups = template.findResources('AWS::Logs::LogGroup') as Record<string, Resource>;
      expect(logGroups[logGroupId]?.Properties.RetentionInDays).toBeGreaterThan(0);

      const dlqId = fn.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0];
      expect((template.findResources('AWS::SQS::Queue') as Record<string, Resource>)[dlqId]).toBeDefined();

      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>);
      const mine = alarms.filter((a) =>
        JSON.stringify(a.Properties.Dimensions ?? []).match(new RegExp(`"(${id}|${dlqId})"`)),
      );
      expect(mine.map((a) => a.Properties.MetricName).sort()).toEqual(
        expect.arrayContaining(['ApproximateNumberOfMessagesVisible', 'Errors', 'Throttles']),
      );
      for (const alarm of mine) {
        expect(alarm.Properties.AlarmActions).toHaveLength(1);
        expect(JSON.stringify(alarm.Properties.AlarmActions)).toMatch(/OpsEvents/);
      }
    }
  });

  it('encrypts the ops-events topic with a rotating key and refuses plain HTTP', () => {
    const template = Template.fromStack(stacks.alerting);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(nagViolations(app)).toEqual([]);
  });

  it('puts no secret-looking value in any template', () => {
    for (const { template } of templates) {
      const text = JSON.stringify(template.toJSON());
      expect(text).not.toMatch(/hooks\.slack\.com\/services/);
      expect(text).not.toMatch(/hvs\.[A-Za-z0-9]{20,}/);
    }
  });
});

describe('stack selection', () => {
  it('creates only the alerting stack when no job is enabled', () => {
    const raw = JSON.parse(JSON.stringify(require('../../config/example.json')));
    for (const job of Object.values(raw.jobs) as { enabled: boolean }[]) job.enabled = false;
    const app = testApp();
    buildPlatformOps(app, parseConfig(raw));
    expect(app.node.children.filter((c) => c instanceof Stack).map((s) => s.node.id)).toEqual([
      'platform-ops-alerting',
    ]);
  });

  it('prefixes stack names with the config name', () => {
    const app = testApp();
    buildPlatformOps(app, { ...exampleConfig(), name: 'staging-ops' });
    const names = app.node.children.filter((c) => c instanceof Stack).map((s) => s.node.id);
    expect(names.length).toBeGreaterThan(1);
    for (const name of names) expect(name).toMatch(/^staging-ops-/);
  });
});

describe('the cdk-nag check itself', () => {
  it('reports a finding it should (so a clean result means something)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bad');
    new sqs.Queue(stack, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(nagViolations(app).join('\n')).toMatch(/AwsSolutions-SQS/);
  });
});
