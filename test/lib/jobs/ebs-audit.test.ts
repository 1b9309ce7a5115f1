import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { buildPlatformOps } from '../../../lib/app';
import { parseConfig, type PlatformOpsConfig } from '../../../lib/config';
import type { EbsAuditMemberRoleStack, EbsAuditStack } from '../../../lib/jobs/ebs-audit';
import { exampleConfig, nagViolations, testApp } from '../infra-helpers';

const MARK = 'platform-ops:ebs-audit:delete-after';
const SOURCE = 'platform-ops:ebs-audit:source-volume';
const SNAPSHOT_MARK = 'platform-ops:ebs-audit:volume-mark';
const ACCOUNT = '123456789012';
/** A5: write statements refuse volumes carrying the exclude tag (default audit:keep=true; key case-insensitive in IAM). */
const NOT_EXCLUDED = { 'aws:ResourceTag/audit:keep': 'true' };

type Json = Record<string, unknown>;

/** An app without cdk.json's feature flags (the shared testApp() has them, as `cdk synth` does). */
function bareApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
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

/**
 * How a template differs with and without cdk.json's feature flags. With them (as `cdk synth` runs),
 * @aws-cdk/core:enablePartitionLiterals renders `arn:aws:...` literally in a stack whose region is known, and
 * @aws-cdk/aws-iam:minimizePolicies sorts each statement's actions (statements with a Sid are never merged, and all
 * ebs-audit statements have one). Without them the partition is `Ref AWS::Partition` and actions keep their order.
 * The member-role stack has no env, so its partition is a token either way.
 */
interface FlagVariant {
  readonly flags: string;
  readonly app: () => App;
  /** An ARN in the audit stack, whose region is known in these tests; `rest` starts with `:`. */
  readonly homeArn: (rest: string) => string | Json;
  readonly readActions: string[];
  readonly readWithSnapshotsActions: string[];
}

const WITH_FLAGS: FlagVariant = {
  flags: 'cdk.json feature flags',
  app: testApp,
  homeArn: (rest) => `arn:aws${rest}`,
  readActions: ['cloudwatch:GetMetricData', 'ec2:DescribeRegions', 'ec2:DescribeVolumes'],
  readWithSnapshotsActions: [
    'cloudwatch:GetMetricData',
    'ec2:DescribeRegions',
    'ec2:DescribeSnapshots',
    'ec2:DescribeVolumes',
  ],
};

const WITHOUT_FLAGS: FlagVariant = {
  flags: 'no feature flags',
  app: bareApp,
  homeArn: partitionArn,
  readActions: ['ec2:DescribeRegions', 'ec2:DescribeVolumes', 'cloudwatch:GetMetricData'],
  readWithSnapshotsActions: [
    'ec2:DescribeRegions',
    'ec2:DescribeVolumes',
    'ec2:DescribeSnapshots',
    'cloudwatch:GetMetricData',
  ],
};

const VARIANTS = [WITH_FLAGS, WITHOUT_FLAGS];

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

const readOnly = (v: FlagVariant) => ({
  Sid: 'DescribeVolumesRegionsAndIdleMetrics',
  Effect: 'Allow',
  Action: v.readActions,
  Resource: '*',
});

/** Live prices (the default pricing.source): the Price List Query API has no resource-level permissions. */
const readPrices = { Sid: 'ReadEbsListPrices', Effect: 'Allow', Action: 'pricing:GetProducts', Resource: '*' };

describe('EbsAuditStack, actions off (default)', () => {
  const { auditT, audit } = build();

  test.each(VARIANTS)(
    'function role ($flags): exactly AssumeRole on the member role name, reads, and PutObject under the report prefix',
    (v) => {
      const built = build({}, { region: 'eu-west-1' }, v.app());
      const bucketId = built.audit.getLogicalId(built.audit.reportBucket.node.defaultChild as never);
      expect(jobStatements(built.auditT)).toEqual([
        {
          Sid: 'AssumeTheMemberRole',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: v.homeArn(':iam::*:role/platform-ops-ebs-audit'),
        },
        readOnly(v),
        readPrices,
        {
          Sid: 'WriteReports',
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/ebs-audit/*']] },
        },
      ]);
      // No EC2 write action and no Organizations access anywhere in the stack.
      const text = JSON.stringify(built.auditT.toJSON());
      for (const action of [
        'ec2:CreateTags',
        'ec2:DeleteTags',
        'ec2:DeleteVolume',
        'ec2:CreateSnapshot',
        'organizations:',
      ])
        expect(text).not.toContain(action);
    },
  );

  test('read-only, the suite default retries apply (2)', () => {
    const { auditT } = build();
    auditT.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
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
    expect(memberStatements(memberT)).toEqual([readOnly(WITH_FLAGS)]);
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

describe.each(VARIANTS)('actions enabled ($flags)', (v) => {
  const markOnly = build({ actions: { mark: true } }, { account: ACCOUNT, region: 'eu-west-1' }, v.app());
  const full = build(
    { accounts: 'organization', actions: { mark: true, delete: true } },
    { account: ACCOUNT, region: 'eu-west-1' },
    v.app(),
  );
  // The home account's volumes/snapshots are ARNs of the audit stack (region known: literal partition with the
  // flags); the member stack's (no env) always join `Ref AWS::Partition` with `Ref AWS::AccountId`.
  type Where = 'home' | 'member';
  const volumes = (where: Where) =>
    where === 'home'
      ? v.homeArn(`:ec2:*:${ACCOUNT}:volume/*`)
      : { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:*:', { Ref: 'AWS::AccountId' }, ':volume/*']] };
  const snapshots = (where: Where) =>
    where === 'home' ? v.homeArn(':ec2:*::snapshot/*') : partitionArn(':ec2:*::snapshot/*');
  const markStatement = (account: Where) => ({
    Sid: 'MarkAndUnmarkVolumes',
    Effect: 'Allow',
    Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
    Resource: volumes(account),
    Condition: {
      'ForAllValues:StringEquals': { 'aws:TagKeys': [MARK] },
      Null: { 'aws:TagKeys': 'false' },
      StringNotEqualsIgnoreCase: NOT_EXCLUDED,
    },
  });
  const deleteStatements = (account: Where) => [
    {
      Sid: 'DeleteMarkedVolumes',
      Effect: 'Allow',
      Action: 'ec2:DeleteVolume',
      Resource: volumes(account),
      Condition: { Null: { [`aws:ResourceTag/${MARK}`]: 'false' }, StringNotEqualsIgnoreCase: NOT_EXCLUDED },
    },
    {
      Sid: 'SnapshotMarkedVolumes',
      Effect: 'Allow',
      Action: 'ec2:CreateSnapshot',
      Resource: volumes(account),
      Condition: { Null: { [`aws:ResourceTag/${MARK}`]: 'false' }, StringNotEqualsIgnoreCase: NOT_EXCLUDED },
    },
    {
      Sid: 'CreateSnapshotsTaggedWithTheirSource',
      Effect: 'Allow',
      Action: 'ec2:CreateSnapshot',
      Resource: snapshots(account),
      // A2: the snapshot names its source volume and the mark it was taken for.
      Condition: { Null: { [`aws:RequestTag/${SOURCE}`]: 'false', [`aws:RequestTag/${SNAPSHOT_MARK}`]: 'false' } },
    },
    {
      Sid: 'TagSnapshotsOnCreation',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: snapshots(account),
      Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshot' } },
    },
  ];
  const readWithSnapshots = { ...readOnly(v), Action: v.readWithSnapshotsActions };

  test('mark only: the home account may write only the mark tag on its volumes; member role likewise', () => {
    const statements = jobStatements(markOnly.auditT);
    expect(statements.slice(4)).toEqual([markStatement('home')]);
    expect(memberStatements(markOnly.memberT)).toEqual([readOnly(v), markStatement('member')]);
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
    expect(statements[3]).toEqual(readPrices);
    const bucket = full.audit.getLogicalId(full.audit.reportBucket.node.defaultChild as CfnBucket);
    expect(statements.slice(5)).toEqual([
      markStatement('home'),
      ...deleteStatements('home'),
      {
        // The per-day delete cap: today's delete records are counted by listing the day's folder of reports only.
        Sid: 'CountTodaysDeletes',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': 'ebs-audit/*' } },
      },
    ]);
    expect(memberStatements(full.memberT)).toEqual([
      readWithSnapshots,
      markStatement('member'),
      ...deleteStatements('member'),
    ]);
  });

  test('A3: with actions on, Lambda never retries a failed invocation (a retry would act again)', () => {
    for (const t of [markOnly.auditT, full.auditT]) {
      t.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
      t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    }
    expect(jobStatements(markOnly.auditT).map((s) => s.Sid)).not.toContain('CountTodaysDeletes');
  });

  test('A5: a configured exclude tag is the one the write statements refuse', () => {
    const { auditT, memberT } = build(
      { excludeTag: { key: 'Retain', value: ' Yes ' }, actions: { mark: true, delete: true } },
      { account: ACCOUNT, region: 'eu-west-1' },
      v.app(),
    );
    for (const statements of [jobStatements(auditT), memberStatements(memberT)]) {
      const onVolumes = statements.filter((s) =>
        ['MarkAndUnmarkVolumes', 'DeleteMarkedVolumes', 'SnapshotMarkedVolumes'].includes(String(s.Sid)),
      );
      expect(onVolumes).toHaveLength(3);
      for (const s of onVolumes)
        expect((s.Condition as Json).StringNotEqualsIgnoreCase).toEqual({ 'aws:ResourceTag/Retain': 'Yes' });
    }
  });

  test('snapshotBeforeDelete off: no snapshot statements', () => {
    const { memberT } = build(
      { actions: { mark: true, delete: true, snapshotBeforeDelete: false } },
      { region: 'eu-west-1' },
      v.app(),
    );
    expect(memberStatements(memberT).map((s) => s.Sid)).toEqual([
      'DescribeVolumesRegionsAndIdleMetrics',
      'MarkAndUnmarkVolumes',
      'DeleteMarkedVolumes',
    ]);
  });
});

describe('pricing source', () => {
  test('price-list-api (default): exactly pricing:GetProducts on *, in the audit role only; the member role has none', () => {
    const { auditT, memberT, audit } = build();
    expect(audit.jobConfig.pricing).toEqual({ source: 'price-list-api' });
    expect(jobStatements(auditT).filter((st) => JSON.stringify(st).includes('pricing:'))).toEqual([readPrices]);
    expect(JSON.stringify(memberT.toJSON())).not.toContain('pricing:');
  });

  test('built-in: no pricing permission anywhere', () => {
    const { auditT, memberT } = build({ pricing: { source: 'built-in' } });
    expect(jobStatements(auditT).map((st) => st.Sid)).toEqual([
      'AssumeTheMemberRole',
      'DescribeVolumesRegionsAndIdleMetrics',
      'WriteReports',
    ]);
    expect(JSON.stringify(auditT.toJSON())).not.toContain('pricing:');
    expect(JSON.stringify(memberT.toJSON())).not.toContain('pricing:');
  });

  test('an unknown source is a config error naming the field', () => {
    expect(() => build({ pricing: { source: 'guess' } })).toThrow(/jobs\.ebsAudit\.pricing\.source/);
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
    ['built-in pricing', (app) => build({ pricing: { source: 'built-in' } }, { region: 'eu-west-1' }, app).app],
  ];
  test.each(
    nagCases.flatMap(([name, make]) => [
      [`${name} (no feature flags)`, () => make(bareApp())] as const,
      [`${name} (cdk.json feature flags)`, () => make(testApp())] as const,
    ]),
  )('%s: no unacknowledged finding in the ebs-audit stacks', (_n, makeApp) => {
    const app = makeApp();
    const stacks = app.node.children.filter((c): c is Stack => c instanceof Stack && c.stackName.includes('ebs-audit'));
    expect(stacks).toHaveLength(2);
    for (const stack of stacks) expect(nagViolations(stack)).toEqual([]);
  });

  const partitionCases: [string, App, Json, string | Json][] = [
    [
      'with cdk.json flags and a known region the partition is literal',
      testApp(),
      { account: ACCOUNT, region: 'eu-west-1' },
      'arn:aws:iam::*:role/platform-ops-ebs-audit',
    ],
    [
      'without feature flags the partition stays a token',
      bareApp(),
      { account: ACCOUNT, region: 'eu-west-1' },
      partitionArn(':iam::*:role/platform-ops-ebs-audit'),
    ],
    [
      'with cdk.json flags but no known region the partition stays a token',
      testApp(),
      {},
      partitionArn(':iam::*:role/platform-ops-ebs-audit'),
    ],
  ];
  test.each(partitionCases)('%s, and still scoped to the member role', (_n, app, env, resource) => {
    const { auditT } = build({}, env, app);
    expect(jobStatements(auditT)[0]).toEqual({
      Sid: 'AssumeTheMemberRole',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: resource,
    });
  });
});
