import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parseConfig, type PlatformOpsConfig } from '../../../lib/config';
import { SecretRotatorStack } from '../../../lib/jobs/secret-rotator';
import { exampleConfig, nagViolations, testApp } from '../infra-helpers';

type Raw = { jobs: { secretRotator: Record<string, any> } };

function build(mutate: (raw: Raw) => void = () => undefined) {
  const raw = JSON.parse(JSON.stringify(exampleConfig())) as Raw;
  mutate(raw);
  const config: PlatformOpsConfig = parseConfig(raw);
  const app = testApp();
  const topicStack = new Stack(app, 'Topics', { env: { region: 'eu-west-1', account: '123456789012' } });
  const opsTopic = new sns.Topic(topicStack, 'Ops', { enforceSSL: true });
  const stack = new SecretRotatorStack(app, 'rot', {
    suite: { name: config.name, env: config.env, defaults: config.defaults },
    job: config.jobs.secretRotator!,
    opsTopic,
    env: { region: 'eu-west-1', account: '123456789012' },
  });
  return { app, stack, template: Template.fromStack(stack), config };
}

const statements = (template: Template) =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p as any).Properties.PolicyDocument.Statement as Record<string, unknown>[],
  );

describe('SecretRotatorStack', () => {
  it('runs daily with reserved concurrency 1 and the validated section in JOB_CONFIG (no token anywhere)', () => {
    const { template, config } = build();
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Timeout: 300,
      MemorySize: 512,
      Environment: {
        Variables: Match.objectLike({
          JOB_CONFIG: JSON.stringify(config.jobs.secretRotator),
          POWERTOOLS_SERVICE_NAME: 'secret-rotator',
        }),
      },
    });
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/VAULT_TOKEN|hvs\.|PRIVATE KEY/);
  });

  it('keeps reserved concurrency at 1 even when the config asks for more', () => {
    const { template } = build((raw) => (raw.jobs.secretRotator.function = { reservedConcurrency: 5 }));
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1 });
  });

  it('grants only the house rights: no Secrets Manager, KMS, STS or EC2 (Vault IAM auth needs none)', () => {
    const { template } = build();
    const actions = statements(template).flatMap((s) => [s.Action].flat() as string[]);
    expect(actions.filter((a) => /secretsmanager|sts:|ec2:|ssm:/.test(a))).toEqual([]);
    // Only the house rights: its log group, the ops topic (no KMS key on this test topic), its own DLQ.
    expect([...new Set(actions)].sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sns:Publish',
      'sqs:SendMessage',
    ]);
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'platform-ops-secret-rotator-function' });
    template.hasOutput('FunctionRoleArn', {});
  });

  it('alarms per managed and watched secret on days left, and on rotation failures, to the ops topic', () => {
    const { template, config } = build();
    const cfg = config.jobs.secretRotator!;
    for (const name of ['payments-mtls', 'linkerd-identity-issuer', 'mesh-trust-anchor']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'CertificateDaysLeft',
        Namespace: 'PlatformOps',
        Dimensions: Match.arrayWith([
          { Name: 'Secret', Value: name },
          { Name: 'service', Value: 'secret-rotator' },
        ]),
        Statistic: 'Minimum',
        Period: 86400,
        Threshold: cfg.alarmDaysLeft,
        ComparisonOperator: 'LessThanThreshold',
        AlarmActions: [Match.anyValue()],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RotationFailures',
      Dimensions: [{ Name: 'service', Value: 'secret-rotator' }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    // 3 house alarms (errors, throttles, DLQ) + 3 expiry alarms + 1 failure alarm.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
  });

  it('places the function in the configured VPC with explicit ENI rights, and stays cdk-nag clean', () => {
    const { stack, template } = build((raw) => {
      raw.jobs.secretRotator.vpc = {
        vpcId: 'vpc-0123abcd',
        availabilityZones: ['eu-west-1a'],
        subnetIds: ['subnet-0123abcd'],
        securityGroupIds: ['sg-0123abcd'],
      };
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-0123abcd'], SecurityGroupIds: ['sg-0123abcd'] },
    });
    expect(statements(template).some((s) => s.Sid === 'LambdaVpcNetworkInterfaces')).toBe(true);
    expect(nagViolations(stack)).toEqual([]);
  });

  it('is cdk-nag clean without a VPC', () => {
    const { stack } = build();
    expect(nagViolations(stack)).toEqual([]);
  });

  it('warns at synth about a plain-http Vault address', () => {
    const { stack } = build((raw) => (raw.jobs.secretRotator.secrets[0].vault.address = 'http://10.0.0.5:8200'));
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('plain http'));
  });
});
