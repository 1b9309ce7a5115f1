import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseConfig, type PlatformOpsConfig } from '../../../lib/config';
import { buildExampleApp, exampleConfig, nagViolations } from '../infra-helpers';

function withNotifier(patch: Record<string, unknown>): PlatformOpsConfig {
  const raw = JSON.parse(JSON.stringify(require('../../../config/example.json')));
  raw.jobs.alertNotifier = { ...raw.jobs.alertNotifier, ...patch };
  return parseConfig(raw);
}

// The region (eu-west-1) is known at synth time, the account is not: with @aws-cdk/core:enablePartitionLiterals the
// partition and region are literals and only the account stays a token.
const secretArn = {
  'Fn::Join': [
    '',
    ['arn:aws:secretsmanager:eu-west-1:', { Ref: 'AWS::AccountId' }, ':secret:platform-ops/slack-webhooks-??????'],
  ],
};

describe('alert-notifier in the alerting stack (example config)', () => {
  const { app, stacks } = buildExampleApp();
  const template = Template.fromStack(stacks.alerting);
  const functionId = () => {
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { PLATFORM_OPS_JOB: 'alert-notifier' } } },
    });
    expect(Object.keys(fns)).toHaveLength(1);
    return Object.keys(fns)[0];
  };

  it('is one function that gets its validated config (secret NAME, no URL) as JOB_CONFIG', () => {
    const fn = template.findResources('AWS::Lambda::Function')[functionId()];
    const jobConfig = JSON.parse(fn.Properties.Environment.Variables.JOB_CONFIG);
    expect(jobConfig).toMatchObject({ webhookSecretName: 'platform-ops/slack-webhooks', defaultRoute: 'platform' });
    expect(JSON.stringify(fn.Properties)).not.toMatch(/hooks\.slack\.com/);
  });

  it('subscribes to the ops-events topic and to the alarms topic, SNS failures to the function DLQ', () => {
    const id = functionId();
    const topics = Object.values(
      template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'lambda' } }),
    ).map((s) => s.Properties.TopicArn.Ref);
    expect(topics).toHaveLength(2);
    expect(topics.some((t: string) => t.startsWith('OpsEvents'))).toBe(true);
    expect(topics.some((t: string) => t.startsWith('AlertNotifierAlarmsTopic'))).toBe(true);
    template.allResourcesProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [id, 'Arn'] },
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertNotifierFunctionDlq'), 'Arn'] },
      },
    });
  });

  it('the alarms topic is KMS-encrypted, TLS-only, and open to CloudWatch alarms and AMP of this account and region only', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'platform-ops alarms (CloudWatch, Prometheus) to Slack',
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('TopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: Match.stringLikeRegexp('AlertNotifierAlarmsTopic') }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'AllowCloudWatchAlarmsOfThisAccount',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: Match.stringLikeRegexp('AlertNotifierAlarmsTopic') },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', ['arn:aws:cloudwatch:eu-west-1:', { Ref: 'AWS::AccountId' }, ':alarm:*']],
                },
              },
            },
          },
          {
            Sid: 'AllowManagedPrometheusAlertmanager',
            Effect: 'Allow',
            Principal: { Service: 'aps.amazonaws.com' },
            // @aws-cdk/aws-iam:minimizePolicies sorts a statement's actions.
            Action: ['sns:GetTopicAttributes', 'sns:Publish'],
            Resource: { Ref: Match.stringLikeRegexp('AlertNotifierAlarmsTopic') },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', ['arn:aws:aps:eu-west-1:', { Ref: 'AWS::AccountId' }, ':workspace/*']],
                },
              },
            },
          },
        ],
      },
    });
  });

  it('the key lets AMP encrypt for the topic, scoped to this account', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowManagedPrometheusToPublishToEncryptedTopics',
            Effect: 'Allow',
            Principal: { Service: 'aps.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ]),
      },
    });
  });

  it('reads exactly one secret: GetSecretValue on the webhook secret name plus the 6-character suffix', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const secretStatements = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toEqual([
      { Sid: 'ReadSlackWebhookSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArn },
    ]);
    expect(statements.map((s) => s.Resource)).not.toContain('*');
  });

  it('routes CloudWatch alarm state changes and AWS Backup job problems to the function, with retries and the DLQ', () => {
    const id = functionId();
    const target = {
      Arn: { 'Fn::GetAtt': [id, 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertNotifierFunctionDlq'), 'Arn'] } },
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 },
    };
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
      Targets: [Match.objectLike(target)],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.backup'],
        'detail-type': ['Backup Job State Change'],
        detail: {
          $or: [
            { state: ['FAILED', 'ABORTED', 'EXPIRED'] },
            { state: ['COMPLETED'], statusMessage: [{ exists: true }] },
          ],
        },
      },
      Targets: [Match.objectLike(target)],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [id, 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'sns.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [id, 'Arn'] },
    });
  });

  it('exports the alarms topic ARN', () => {
    template.hasOutput('AlarmsTopicArn', { Value: { Ref: Match.stringLikeRegexp('AlertNotifierAlarmsTopic') } });
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    expect(nagViolations(app)).toEqual([]);
  });
});

describe('alert-notifier options', () => {
  it('each EventBridge rule is optional', () => {
    const { stacks } = buildExampleApp(withNotifier({ cloudwatchAlarmEvents: false, backupJobEvents: false }));
    Template.fromStack(stacks.alerting).resourceCountIs('AWS::Events::Rule', 0);
    const { stacks: onlyBackup } = buildExampleApp(withNotifier({ cloudwatchAlarmEvents: false }));
    const rules = Template.fromStack(onlyBackup.alerting).findResources('AWS::Events::Rule');
    expect(Object.values(rules).map((r) => r.Properties.EventPattern.source)).toEqual([['aws.backup']]);
  });

  it('disabled: no function, no alarms topic', () => {
    const { stacks } = buildExampleApp(withNotifier({ enabled: false }));
    const template = Template.fromStack(stacks.alerting);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(stacks.alerting.node.tryFindChild('AlertNotifier')).toBeUndefined();
  });

  it.each([
    [{ webhookSecretName: 'https://hooks.slack.com/services/T/B/X' }, 'jobs.alertNotifier.webhookSecretName'],
    [{ defaultRoute: 'nope' }, 'jobs.alertNotifier.defaultRoute'],
    [{ runbooks: { failovr: 'https://x.example' } }, 'jobs.alertNotifier.runbooks'],
    [
      { routes: [{ name: 'a', match: { topics: ['arn:aws:sns:eu-west-1:1:x'] } }], defaultRoute: 'a' },
      'jobs.alertNotifier.routes[0].match.topics[0]',
    ],
    [{ slackTimeoutMs: 40_000 }, 'jobs.alertNotifier.slackTimeoutMs'],
  ])('config %j is rejected at %s', (patch, path) => {
    expect(() => withNotifier(patch)).toThrow(path);
  });

  it('the example config keeps the alert-notifier enabled and valid', () => {
    expect(exampleConfig().jobs.alertNotifier?.enabled).toBe(true);
  });
});
