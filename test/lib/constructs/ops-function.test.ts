import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { functionSettings, parseConfig } from '../../../lib/config';
import { OpsFunction, checkEnvironmentSize, handlerCode, OPS_RUNTIME } from '../../../lib/constructs/ops-function';
import { testApp } from '../infra-helpers';

import { entry, stackWithJob } from './job-stack';

describe('OpsFunction', () => {
  it('runs nodejs24.x on arm64 with JSON logs, source maps and Powertools env', () => {
    const { template } = stackWithJob();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 60,
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
        LogGroup: { Ref: Match.anyValue() },
      },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('JobFunctionDlq'), 'Arn'] } },
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'test-job',
          POWERTOOLS_METRICS_NAMESPACE: 'PlatformOps',
          OPS_TOPIC_ARN: { Ref: Match.stringLikeRegexp('Ops') },
        }),
      },
    });
  });

  it('keeps its logs in its own log group with the configured retention', () => {
    const { template } = stackWithJob();
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });

  it('has its own role with no AWS-managed policy and log rights on its own log group only', () => {
    const { template } = stackWithJob();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogGroup'), 'Arn'] },
          },
          { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('Ops') } },
        ]),
      },
    });
    const policies = template.findResources('AWS::IAM::Policy');
    const resources = Object.values(policies).flatMap((p) =>
      p.Properties.PolicyDocument.Statement.map((s: { Resource: unknown }) => s.Resource),
    );
    expect(resources).not.toContain('*');
  });

  it('has an encrypted, TLS-only dead-letter queue and bounded async retries', () => {
    const { template } = stackWithJob();
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
    });
  });

  it('alarms on errors, throttles and DLQ depth to the ops-events topic, on ALARM and on OK', () => {
    const { template } = stackWithJob();
    const topicRef = { Ref: Match.stringLikeRegexp('Ops') };
    for (const [metric, namespace] of [
      ['Errors', 'AWS/Lambda'],
      ['Throttles', 'AWS/Lambda'],
      ['ApproximateNumberOfMessagesVisible', 'AWS/SQS'],
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: namespace,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topicRef],
        OKActions: [topicRef],
      });
    }
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  it('sets reserved concurrency only when configured', () => {
    expect(JSON.stringify(stackWithJob().template.toJSON())).not.toContain('ReservedConcurrentExecutions');
    stackWithJob({ reservedConcurrency: 2 }).template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 2,
    });
  });

  it('fails synth, naming the job, when the environment would pass the 4 KB limit', () => {
    const app = testApp();
    const stack = new Stack(app, 'Big');
    const topic = new sns.Topic(stack, 'Ops', { enforceSSL: true });
    const settings = functionSettings(parseConfig({}).defaults);
    const environment = { JOB_CONFIG: JSON.stringify({ targets: 'x'.repeat(4000) }) };
    expect(
      () => new OpsFunction(stack, 'Fn', { jobName: 'big-job', entry, opsTopic: topic, settings, environment }),
    ).toThrow(/big-job: the function environment would take about \d+ bytes, over Lambda's 4096-byte limit/);
    expect(checkEnvironmentSize('small', { A: 'b', T: topic.topicArn })).toBe(1 + 1 + 1 + 256);
  });

  it('exposes role, log group, queue and alarms to the job stacks', () => {
    const { job } = stackWithJob();
    expect(job.fn).toBeInstanceOf(OpsFunction);
    expect(job.fn.alarms).toHaveLength(3);
    expect(job.fn.deadLetterQueue).toBeDefined();
    expect(job.fn.logGroup).toBeDefined();
  });

  it('bundles each handler on its own, also two handlers of one folder', () => {
    // A real bundling synth (testApp skips bundling): both fixtures live in test/fixtures/handlers/.
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'ops-bundle-')) });
    const stack = new Stack(app, 'Bundles');
    const second = join(entry, '..', 'second.ts');
    for (const [id, file] of [
      ['Noop', entry],
      ['Second', second],
    ] as const)
      new lambda.Function(stack, id, { runtime: OPS_RUNTIME, handler: 'index.handler', code: handlerCode(file) });
    const assembly = app.synth();
    const template = assembly.getStackArtifact('Bundles').template as {
      Resources: Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>;
    };
    const keys = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Code.S3Key.replace(/\.zip$/, ''));
    const bundles = keys.map((k) => readFileSync(join(assembly.directory, `asset.${k}`, 'index.mjs'), 'utf8'));
    expect(new Set(keys).size).toBe(2);
    expect(bundles.filter((b) => b.includes('second:!0') || b.includes('second: true'))).toHaveLength(1);
    expect(bundles.filter((b) => b.includes('ok:!0') || b.includes('ok: true'))).toHaveLength(1);
  }, 60_000);
});
