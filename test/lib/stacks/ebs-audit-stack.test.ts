import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildPlatformOps } from '../../../lib/app';
import { parseConfig, type PlatformOpsConfig } from '../../../lib/config';
import type { EbsAuditMemberRoleStack } from '../../../lib/stacks/ebs-audit-member-role-stack';
import type { EbsAuditStack } from '../../../lib/stacks/ebs-audit-stack';
import { exampleConfig, nagViolations, testApp } from '../infra-helpers';

const MARK = 'platform-ops:ebs-audit:delete-after';
const SOURCE = 'platform-ops:ebs-audit:source-volume';
const ACCOUNT = '123456789012';

type Json = Record<string, unknown>;

/** An app with the feature flags of cdk.json, as `cdk synth` sees them (the shared testApp() has none). */
function cdkJsonApp(): App {
  const { context } = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Json };
  return new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
}

function build(ebsAudit: Json = {}, env: Json = { region: 'eu-west-1' }, app: App = testApp()) {
  const base = exampleConfig();
  const config: PlatformOpsConfig = parseConfig({
    name: 'platform-ops',
    env,
    jobs: {
      ebsAudit: {
        enabled: true,
        accounts: ['111111111111', '222222222222'],
        regions: ['eu-west-1', 'us-east-1'],
        externalId: 'platform-ops-ebs-audit',
        function: base.jobs.ebsAudit?.function,
        ...ebsAudit,
      },
    },
  });
  buildPlatformOps(app, config);
  const audit = app.node.findChild('platform-ops-ebs-audit') as EbsAuditStack;
  const member = app.node.findChild('platform-ops-ebs-audit-member-role') as EbsAuditMemberRoleStack;
  return { app, audit, member, auditT: Template.fromStack(audit), memberT: Template.fromStack(member) };
}

const partitionArn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

/** The statements of the function role's policy, without the house ones OpsFunction adds (DLQ, logs, topic). */
function jobStatements(t: Template): Json[] {
  const policies = Object.values(t.findResources('AWS::IAM::Policy')) as {
    Properties: { PolicyDocument: { Statement: Json[] } };
  }[];
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement.filter((s) => typeof s.Sid === 'string');
}

function memberStatements(t: Template): Json[] {
  const policies = Object.values(t.findResources('AWS::IAM::Policy')) as {
    Properties: { PolicyDocument: { Statement: Json[] } };
  }[];
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

const READ_ONLY = {
  Sid: 'DescribeVolumesRegionsAndIdleMetrics',
  Effect: 'Allow',
  Action: ['ec2:DescribeRegions', 'ec2:DescribeVolumes', 'cloudwatch:GetMetricData'],
  Resource: '*',
};

describe('EbsAuditStack, actions off (default)', () => {
  const { auditT, audit } = build();

  test('function role: exactly AssumeRole on the member role name, reads, and PutObject under the report prefix', () => {
    const bucketId = audit.getLogicalId(audit.reportBucket.node.defaultChild as never);
    expect(jobStatements(auditT)).toEqual([
      {
        Sid: 'AssumeTheMemberRole',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: partitionArn(':iam::*:role/platform-ops-ebs-audit'),
      },
      READ_ONLY,
      {
        Sid: 'WriteReports',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/ebs-audit/*']] },
      },
    ]);
    // No EC2 write action and no Organizations access anywhere in the stack.
    const text = JSON.stringify(auditT.toJSON());
    for (const action of [
      'ec2:CreateTags',
      'ec2:DeleteTags',
      'ec2:DeleteVolume',
      'ec2:CreateSnapshot',
      'organizations:',
    ])
      expect(text).not.toContain(action);
  });

  test('the function role has the deterministic name the member trust policy names', () => {
    auditT.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'platform-ops-ebs-audit-function',
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
    });
  });

  test('report bucket: S3-managed encryption, public access blocked, TLS only, expiry, access logs', () => {
    const bucketId = audit.getLogicalId(audit.reportBucket.node.defaultChild as never);
    const logsId = audit.getLogicalId(audit.accessLogBucket.node.defaultChild as never);
    const buckets = auditT.findResources('AWS::S3::Bucket');
    expect(buckets[bucketId].Properties).toEqual(
      expect.objectContaining({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [{ Id: 'expire-old-reports', Prefix: 'ebs-audit/', ExpirationInDays: 400, Status: 'Enabled' }],
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'reports/' },
      }),
    );
    expect(buckets[bucketId].DeletionPolicy).toBe('Retain');
    auditT.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    // The access-log bucket is locked down the same way and also TLS-only.
    expect(buckets[logsId].Properties.PublicAccessBlockConfiguration.BlockPublicPolicy).toBe(true);
    auditT.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
  });

  test('weekly schedule and the job config passed as JOB_CONFIG', () => {
    auditT.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 6 ? * MON *)' });
    const fns = Object.values(auditT.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment: { Variables: Json } };
    }[];
    const vars = fns.map((f) => f.Properties.Environment?.Variables).find((v) => v?.PLATFORM_OPS_JOB === 'ebs-audit');
    expect(vars).toBeDefined();
    expect(JSON.parse(String(vars?.JOB_CONFIG))).toMatchObject({
      memberRoleName: 'platform-ops-ebs-audit',
      actions: { mark: false },
    });
    expect(vars?.REPORT_BUCKET).toEqual({ Ref: audit.getLogicalId(audit.reportBucket.node.defaultChild as never) });
  });
});

describe('EbsAuditMemberRoleStack', () => {
  test('read-only by default, trusted only by the audit function role with the ExternalId', () => {
    const { memberT } = build({}, { account: ACCOUNT, region: 'eu-west-1' });
    memberT.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'platform-ops-ebs-audit',
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: partitionArn(`:iam::${ACCOUNT}:role/platform-ops-ebs-audit-function`) },
            Condition: { StringEquals: { 'sts:ExternalId': 'platform-ops-ebs-audit' } },
          },
        ],
      },
    });
    expect(memberStatements(memberT)).toEqual([READ_ONLY]);
    expect(memberT.toJSON().Parameters ?? {}).not.toHaveProperty('AuditAccountId');
  });

  test('without a known audit account it takes one as a validated parameter; without ExternalId, no condition', () => {
    const { memberT } = build({ externalId: undefined });
    memberT.hasParameter('AuditAccountId', { Type: 'String', AllowedPattern: '^\\d{12}$' });
    const role = Object.values(memberT.findResources('AWS::IAM::Role'))[0] as {
      Properties: { AssumeRolePolicyDocument: { Statement: Json[] } };
    };
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: {
          AWS: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':iam::',
                { Ref: 'AuditAccountId' },
                ':role/platform-ops-ebs-audit-function',
              ],
            ],
          },
        },
      },
    ]);
  });
});

describe('actions enabled', () => {
  const markOnly = build({ actions: { mark: true } }, { account: ACCOUNT, region: 'eu-west-1' });
  const full = build(
    { accounts: 'organization', actions: { mark: true, delete: true } },
    { account: ACCOUNT, region: 'eu-west-1' },
  );
  const volumes = (account: string | Json) =>
    typeof account === 'string'
      ? partitionArn(`:ec2:*:${account}:volume/*`)
      : { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:*:', account, ':volume/*']] };
  const markStatement = (account: string | Json) => ({
    Sid: 'MarkAndUnmarkVolumes',
    Effect: 'Allow',
    Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
    Resource: volumes(account),
    Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [MARK] }, Null: { 'aws:TagKeys': 'false' } },
  });
  const deleteStatements = (account: string | Json) => [
    {
      Sid: 'DeleteMarkedVolumes',
      Effect: 'Allow',
      Action: 'ec2:DeleteVolume',
      Resource: volumes(account),
      Condition: { Null: { [`aws:ResourceTag/${MARK}`]: 'false' } },
    },
    {
      Sid: 'SnapshotMarkedVolumes',
      Effect: 'Allow',
      Action: 'ec2:CreateSnapshot',
      Resource: volumes(account),
      Condition: { Null: { [`aws:ResourceTag/${MARK}`]: 'false' } },
    },
    {
      Sid: 'CreateSnapshotsTaggedWithTheirSource',
      Effect: 'Allow',
      Action: 'ec2:CreateSnapshot',
      Resource: partitionArn(':ec2:*::snapshot/*'),
      Condition: { Null: { [`aws:RequestTag/${SOURCE}`]: 'false' } },
    },
    {
      Sid: 'TagSnapshotsOnCreation',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: partitionArn(':ec2:*::snapshot/*'),
      Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshot' } },
    },
  ];
  const readWithSnapshots = {
    ...READ_ONLY,
    Action: ['ec2:DescribeRegions', 'ec2:DescribeVolumes', 'ec2:DescribeSnapshots', 'cloudwatch:GetMetricData'],
  };

  test('mark only: the home account may write only the mark tag on its volumes; member role likewise', () => {
    const statements = jobStatements(markOnly.auditT);
    expect(statements.slice(3)).toEqual([markStatement(ACCOUNT)]);
    expect(memberStatements(markOnly.memberT)).toEqual([READ_ONLY, markStatement({ Ref: 'AWS::AccountId' })]);
  });

  test('mark + delete + organization: ListAccounts, snapshot and delete statements, all conditioned on the mark', () => {
    const statements = jobStatements(full.auditT);
    expect(statements[1]).toEqual(readWithSnapshots);
    expect(statements[2]).toEqual({
      Sid: 'ListOrganizationAccounts',
      Effect: 'Allow',
      Action: 'organizations:ListAccounts',
      Resource: '*',
    });
    expect(statements.slice(4)).toEqual([markStatement(ACCOUNT), ...deleteStatements(ACCOUNT)]);
    expect(memberStatements(full.memberT)).toEqual([
      readWithSnapshots,
      markStatement({ Ref: 'AWS::AccountId' }),
      ...deleteStatements({ Ref: 'AWS::AccountId' }),
    ]);
  });

  test('snapshotBeforeDelete off: no snapshot statements', () => {
    const { memberT } = build({ actions: { mark: true, delete: true, snapshotBeforeDelete: false } });
    expect(memberStatements(memberT).map((s) => s.Sid)).toEqual([
      'DescribeVolumesRegionsAndIdleMetrics',
      'MarkAndUnmarkVolumes',
      'DeleteMarkedVolumes',
    ]);
  });
});

describe('cdk-nag', () => {
  const nagCases: [string, (app: App) => App][] = [
    [
      'example config',
      (app) => {
        buildPlatformOps(app, exampleConfig());
        return app;
      },
    ],
    [
      'org + actions, account known',
      (app) =>
        build(
          { accounts: 'organization', regions: 'enabled', actions: { mark: true, delete: true } },
          { account: ACCOUNT, region: 'eu-west-1' },
          app,
        ).app,
    ],
    ['mark only, environment-agnostic', (app) => build({ actions: { mark: true } }, {}, app).app],
  ];
  test.each(
    nagCases.flatMap(([name, make]) => [
      [`${name} (no feature flags)`, () => make(testApp())] as const,
      [`${name} (cdk.json feature flags)`, () => make(cdkJsonApp())] as const,
    ]),
  )('%s: no unacknowledged finding in the ebs-audit stacks', (_n, makeApp) => {
    const app = makeApp();
    const stacks = app.node.children.filter((c): c is Stack => c instanceof Stack && c.stackName.includes('ebs-audit'));
    expect(stacks).toHaveLength(2);
    for (const stack of stacks) expect(nagViolations(stack)).toEqual([]);
  });

  test('with cdk.json flags and a known region the partition is literal, and still scoped to the member role', () => {
    const { auditT } = build({}, { account: ACCOUNT, region: 'eu-west-1' }, cdkJsonApp());
    expect(jobStatements(auditT)[0]).toEqual({
      Sid: 'AssumeTheMemberRole',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: 'arn:aws:iam::*:role/platform-ops-ebs-audit',
    });
  });
});
