import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Stack } from 'aws-cdk-lib';
import { parseConfig, type PlatformOpsConfig } from '../../../lib/config';
import { BackupPrunerStack } from '../../../lib/jobs/backup-pruner';
import { exampleConfig, nagViolations, testApp } from '../infra-helpers';

function build(mutate: (raw: Record<string, unknown>) => void = () => undefined) {
  const raw = JSON.parse(JSON.stringify(exampleConfig())) as Record<string, unknown>;
  mutate(raw);
  const config: PlatformOpsConfig = parseConfig(raw);
  const app = testApp();
  const topicStack = new Stack(app, 'Topics', { env: { region: 'eu-west-1', account: '123456789012' } });
  const opsTopic = new sns.Topic(topicStack, 'Ops', { enforceSSL: true });
  const stack = new BackupPrunerStack(app, 'bp', {
    suite: { name: config.name, env: config.env, defaults: config.defaults },
    job: config.jobs.backupPruner!,
    opsTopic,
    env: { region: 'eu-west-1', account: '123456789012' },
  });
  return { app, stack, template: Template.fromStack(stack), config };
}

type Raw = { jobs: { backupPruner: { targets: Record<string, unknown>[]; vpc?: unknown } } };

describe('BackupPrunerStack', () => {
  it('runs daily on the configured schedule with the validated config in JOB_CONFIG', () => {
    const { template, config } = build();
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(30 3 * * ? *)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          JOB_CONFIG: JSON.stringify(config.jobs.backupPruner),
          POWERTOOLS_SERVICE_NAME: 'backup-pruner',
        }),
      },
      Timeout: 900,
    });
  });

  it('grants S3 rights per target on exactly its bucket and prefix, and nothing wider', () => {
    const { template } = build();
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument
          .Statement,
    );
    const s3 = statements.filter((s) => JSON.stringify(s.Action).includes('s3:'));
    // cdk.json's flags: enablePartitionLiterals writes eu-west-1's partition as a literal; minimizePolicies sorts actions.
    const arn = (rest: string) => `arn:aws:s3:::${rest}`;
    expect(s3).toEqual([
      {
        Sid: 'Listordersdb',
        Action: 's3:ListBucket',
        Effect: 'Allow',
        Resource: arn('example-cnpg-backups'),
        Condition: { StringLike: { 's3:prefix': ['orders/orders-db/', 'orders/orders-db/*'] } },
      },
      {
        Sid: 'Deleteordersdb',
        Action: 's3:DeleteObject',
        Effect: 'Allow',
        Resource: arn('example-cnpg-backups/orders/orders-db/*'),
      },
      // Reads: only the manifests the planner reads (keep annotations and backup.info; minimizePolicies sorts them).
      {
        Sid: 'ReadManifestsordersdb',
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: [
          arn('example-cnpg-backups/orders/orders-db/base/*/annotations/keep'),
          arn('example-cnpg-backups/orders/orders-db/base/*/backup.info'),
        ],
      },
      // Velero: confined to backups/, so kopia/ and restic/ are out of reach even by mistake.
      {
        Sid: 'Listveleroprod',
        Action: 's3:ListBucket',
        Effect: 'Allow',
        Resource: arn('example-velero'),
        Condition: { StringLike: { 's3:prefix': ['prod/backups/', 'prod/backups/*'] } },
      },
      {
        Sid: 'Deleteveleroprod',
        Action: 's3:DeleteObject',
        Effect: 'Allow',
        Resource: arn('example-velero/prod/backups/*'),
      },
      {
        Sid: 'ReadManifestsveleroprod',
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: arn('example-velero/prod/backups/*/velero-backup.json'),
      },
      {
        Sid: 'Listnightlydumps',
        Action: 's3:ListBucket',
        Effect: 'Allow',
        Resource: arn('example-db-dumps'),
        Condition: { StringLike: { 's3:prefix': ['pg_dump/', 'pg_dump/*'] } },
      },
      // The prefix layout decides from the listing alone: no s3:GetObject at all.
      {
        Sid: 'Deletenightlydumps',
        Action: 's3:DeleteObject',
        Effect: 'Allow',
        Resource: arn('example-db-dumps/pg_dump/*'),
      },
    ]);
    expect(statements.some((s) => s.Resource === '*')).toBe(false);
  });

  it('adds version rights only for a target that purges versions', () => {
    const { template } = build((raw) => {
      (raw as unknown as Raw).jobs.backupPruner.targets[0].purgeVersions = true;
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'Listordersdb', Action: ['s3:ListBucket', 's3:ListBucketVersions'] }),
          Match.objectLike({
            Sid: 'Deleteordersdb',
            Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
          }),
          Match.objectLike({ Sid: 'ReadManifestsordersdb', Action: 's3:GetObject' }),
          Match.objectLike({ Sid: 'Deleteveleroprod', Action: 's3:DeleteObject' }),
        ]),
      },
    });
    // s3:GetObjectVersion is never used (the pruner reads current manifests only).
    const text = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(text).not.toContain('s3:GetObjectVersion');
  });

  it('acknowledges each S3 wildcard with a specific reason and still has no cdk-nag finding when purging', () => {
    const { stack } = build((raw) => {
      (raw as unknown as Raw).jobs.backupPruner.targets[0].purgeVersions = true;
    });
    expect(nagViolations(stack)).toEqual([]);
  });

  it('alarms on backup age, WAL age and FAILED backups per barman server, treating missing data as breaching', () => {
    const { template, stack } = build();
    expect(stack.freshnessAlarms).toHaveLength(3);
    const dims = Match.arrayEquals([
      { Name: 'Target', Value: 'orders-db' },
      { Name: 'service', Value: 'backup-pruner' },
    ]);
    for (const [metric, threshold] of [
      ['NewestBackupAgeSeconds', 26 * 3600],
      ['NewestWalAgeSeconds', 15 * 60],
      ['FailedBackupsSinceLastDone', 1],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'PlatformOps',
        MetricName: metric,
        Dimensions: dims,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
        Period: 86400,
        AlarmActions: [Match.anyValue()],
        OKActions: [Match.anyValue()],
      });
    }
  });

  it('places the function in the configured VPC without lookups, with explicit ENI rights and no managed policy', () => {
    const { template, stack } = build((raw) => {
      (raw as unknown as Raw).jobs.backupPruner.vpc = {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        subnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'],
        securityGroupIds: ['sg-0123456789abcdef3'],
      };
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'],
        SecurityGroupIds: ['sg-0123456789abcdef3'],
      },
    });
    const roles = template.findResources('AWS::IAM::Role');
    for (const role of Object.values(roles))
      expect((role as { Properties: { ManagedPolicyArns?: unknown } }).Properties.ManagedPolicyArns).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Sid: 'LambdaVpcNetworkInterfaces', Resource: '*' })]),
      },
    });
    expect(nagViolations(stack)).toEqual([]);
  });

  it('grants read on the MinIO credentials secret only when a target names one', () => {
    const { template, stack } = build((raw) => {
      Object.assign((raw as unknown as Raw).jobs.backupPruner.targets[0], {
        endpointUrl: 'https://minio.internal:9000',
        credentialsSecretName: 'platform-ops/minio',
      });
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-ops/minio-??????',
          }),
        ]),
      },
    });
    expect(nagViolations(stack)).toEqual([]);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const { stack } = build();
    expect(nagViolations(stack)).toEqual([]);
  });
});
