import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRegionsCommand, DescribeVolumesCommand, EC2Client, type Volume } from '@aws-sdk/client-ec2';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CredentialCache, runAudit, type AuditRunOptions } from '../../../lambdas/ebs-audit/audit-run';
import { sdkClientFactory } from '../../../lambdas/ebs-audit/aws-ports';
import { summarizeAudit } from '../../../lambdas/ebs-audit/report';
import { awsError, whoAndWhere } from './fixtures';

const ec2Mock = mockClient(EC2Client);
const cwMock = mockClient(CloudWatchClient);
const orgMock = mockClient(OrganizationsClient);
const stsMock = mockClient(STSClient);

const HOME = '000000000000';
const M1 = '111111111111';
const M2 = '222222222222';
const MARK = 'platform-ops:ebs-audit:delete-after';
const now = new Date('2026-11-23T06:00:00Z');

const options = (over: Partial<AuditRunOptions> = {}): AuditRunOptions => ({
  runId: 'run-1',
  now,
  homeAccount: HOME,
  homeRegion: 'eu-west-1',
  accounts: [M1, M2],
  regions: ['us-east-1', 'eu-west-1', 'eu-central-1'],
  memberRoleName: 'platform-ops-ebs-audit',
  externalId: 'ext-1',
  rules: { ownerTags: ['owner', 'team'], excludeTag: { key: 'audit:keep', value: 'true' }, markTagKey: MARK },
  concurrency: 4,
  scanMarked: false,
  clock: () => now,
  ...over,
});

/** Volumes per "account/region": each region has one gp2 volume, us-east-1 also an excluded one. */
function volumesFor(account: string, region: string): Volume[] {
  const base: Volume[] = [
    {
      VolumeId: `vol-${account.slice(0, 3)}-${region}`,
      VolumeType: 'gp2',
      Size: 100,
      State: 'available',
      CreateTime: new Date('2025-01-01T00:00:00Z'),
      Tags: [{ Key: 'team', Value: `team-${account.slice(0, 1)}` }],
    },
  ];
  if (region === 'us-east-1')
    base.push({
      VolumeId: `vol-keep-${account.slice(0, 3)}`,
      VolumeType: 'gp3',
      Size: 50,
      Iops: 3000,
      Throughput: 125,
      State: 'available',
      Tags: [{ Key: 'audit:keep', Value: 'true' }],
    });
  return base;
}

beforeEach(() => {
  for (const m of [ec2Mock, cwMock, orgMock, stsMock]) m.reset();
  stsMock.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
    const account = input.RoleArn.split(':')[4];
    if (account === M2)
      throw awsError('AccessDenied', `User is not authorized to perform: sts:AssumeRole on ${input.RoleArn}`);
    return {
      Credentials: {
        AccessKeyId: `ASIA${account}`,
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(now.getTime() + 3600e3),
      },
    };
  });
  ec2Mock.on(DescribeVolumesCommand).callsFake(async (input, getClient) => {
    const { account, region } = await whoAndWhere(getClient, HOME);
    if (account === M1 && region === 'eu-central-1') throw awsError('RequestLimitExceeded', 'Request limit exceeded.');
    if (input.Filters?.[0]?.Name === 'tag-key') return { Volumes: [] };
    return { Volumes: volumesFor(account, region) };
  });
  cwMock.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
    MetricDataResults: input.MetricDataQueries.map((q) => ({
      Id: q.Id,
      Timestamps: q.Id === 'v0' ? [new Date('2026-10-01T12:00:00Z')] : [],
      StatusCode: 'Complete',
    })),
  }));
});

test('two accounts × three regions: one AssumeRole refused, one region throttled, the rest audited', async () => {
  const credentials = new CredentialCache();
  const result = await runAudit(sdkClientFactory('eu-west-1'), options(), credentials);

  expect(result.auditedScopes).toEqual([
    { account: M1, region: 'eu-west-1' },
    { account: M1, region: 'us-east-1' },
  ]);
  expect(result.notAudited).toEqual([
    {
      account: M1,
      region: 'eu-central-1',
      stage: 'describe-volumes',
      errorCode: 'RequestLimitExceeded',
      reason: 'describe-volumes: throttled past retries; RequestLimitExceeded: Request limit exceeded.',
    },
    expect.objectContaining({ account: M2, region: '*', stage: 'assume-role', errorCode: 'AccessDenied' }),
  ]);
  expect(result.notAudited[1].reason).toMatch(/member role missing or its trust policy/);
  expect(result.volumes.map((v) => v.volumeId).sort()).toEqual([
    'vol-111-eu-west-1',
    'vol-111-us-east-1',
    'vol-keep-111',
  ]);

  // Entered each member account once, through STS in the home region, with the ExternalId and the suite's session name.
  expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
    RoleArn: `arn:aws:iam::${M1}:role/platform-ops-ebs-audit`,
    RoleSessionName: 'platform-ops-ebs-audit-run-1',
    ExternalId: 'ext-1',
  });
  // No DescribeRegions with explicit regions; three region scans for M1 (none for M2).
  expect(ec2Mock).toHaveReceivedCommandTimes(DescribeRegionsCommand, 0);
  expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVolumesCommand, 3);
  // One GetMetricData per audited region with volumes.
  expect(cwMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
  expect(credentials.has(M1)).toBe(true);
  expect(credentials.has(M2)).toBe(false);

  // Classification went through: excluded volume reported as such, owner from tags, costs, detach estimate.
  const byId = Object.fromEntries(result.volumes.map((v) => [v.volumeId, v]));
  expect(byId['vol-keep-111']).toMatchObject({ excluded: true, monthlyCostUsd: 4 });
  expect(byId['vol-111-us-east-1']).toMatchObject({ owner: 'team-1', ownerTag: 'team', monthlyCostUsd: 10 });
  expect(byId['vol-111-eu-west-1']).toMatchObject({
    monthlyCostUsd: null,
    costNote: 'unknown: no price list for region eu-west-1',
  });
  expect(byId['vol-111-us-east-1'].detachedSince).toBe('2026-10-01T13:00:00.000Z');
  expect(byId['vol-keep-111'].detachedSince).toBe('unknown');

  const summary = summarizeAudit(result);
  expect(summary).toMatchObject({
    volumeCount: 3,
    excludedCount: 1,
    totalMonthlyCostUsd: 14,
    reviewableMonthlyCostUsd: 10,
    unpricedCount: 1,
  });
  expect(summary.notAudited).toHaveLength(2);
});

test('the home account is audited with its own credentials; enabled regions come from DescribeRegions', async () => {
  ec2Mock
    .on(DescribeRegionsCommand)
    .resolves({ Regions: [{ RegionName: 'us-east-1' }, { RegionName: 'ap-northeast-1' }] });
  const result = await runAudit(sdkClientFactory('eu-west-1'), options({ accounts: [HOME], regions: 'enabled' }));
  expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  expect(ec2Mock).toHaveReceivedCommandTimes(DescribeRegionsCommand, 1);
  expect(result.auditedScopes).toEqual([
    { account: HOME, region: 'ap-northeast-1' },
    { account: HOME, region: 'us-east-1' },
  ]);
  expect(result.notAudited).toEqual([]);
});

test('organization mode audits every ACTIVE account; opt-in region failure is recorded per region', async () => {
  orgMock
    .on(ListAccountsCommand)
    .resolvesOnce({
      Accounts: [
        { Id: HOME, State: 'ACTIVE' },
        { Id: M2, State: 'SUSPENDED' },
      ],
      NextToken: 'x',
    })
    .resolvesOnce({ Accounts: [{ Id: M1, State: 'ACTIVE' }] });
  ec2Mock.on(DescribeVolumesCommand).callsFake(async (_input, getClient) => {
    const { account, region } = await whoAndWhere(getClient, HOME);
    if (region === 'af-south-1')
      throw awsError('AuthFailure', 'AWS was not able to validate the provided access credentials');
    return { Volumes: volumesFor(account, region) };
  });
  const result = await runAudit(
    sdkClientFactory('eu-west-1'),
    options({ accounts: 'organization', regions: ['us-east-1', 'af-south-1'] }),
  );
  expect(result.accounts).toEqual([HOME, M1]);
  expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  expect(result.auditedScopes.map((s) => `${s.account}/${s.region}`)).toEqual([`${HOME}/us-east-1`, `${M1}/us-east-1`]);
  expect(result.notAudited.map((g) => [g.account, g.region, g.errorCode])).toEqual([
    [HOME, 'af-south-1', 'AuthFailure'],
    [M1, 'af-south-1', 'AuthFailure'],
  ]);
  expect(result.notAudited[0].reason).toMatch(/region not enabled \(opt-in\)/);
});

test('ListAccounts failing → nothing audited, and the report says why', async () => {
  orgMock
    .on(ListAccountsCommand)
    .rejects(awsError('AccessDeniedException', 'You don’t have permissions to access this resource.'));
  const result = await runAudit(sdkClientFactory('eu-west-1'), options({ accounts: 'organization' }));
  expect(result.volumes).toEqual([]);
  expect(result.notAudited).toEqual([expect.objectContaining({ account: '*', region: '*', stage: 'list-accounts' })]);
});

test('CloudWatch failing keeps the volumes, with an unknown estimate and a warning', async () => {
  cwMock.on(GetMetricDataCommand).rejects(awsError('AccessDenied', 'no metrics for you'));
  const result = await runAudit(sdkClientFactory('eu-west-1'), options({ accounts: [HOME], regions: ['us-east-1'] }));
  expect(result.volumes).toHaveLength(2);
  expect(result.volumes.every((v) => v.detachedSince === 'unknown')).toBe(true);
  expect(result.warnings).toEqual([expect.objectContaining({ stage: 'metrics', errorCode: 'AccessDenied' })]);
  expect(result.notAudited).toEqual([]);
});

test('marked volumes in other states are collected when asked', async () => {
  ec2Mock.on(DescribeVolumesCommand).callsFake((input) =>
    input.Filters?.[0]?.Name === 'tag-key'
      ? {
          Volumes: [
            { VolumeId: 'vol-back', State: 'in-use', Tags: [{ Key: MARK, Value: '2026-12-01' }] },
            { VolumeId: 'vol-still', State: 'available', Tags: [{ Key: MARK, Value: '2026-12-01' }] },
          ],
        }
      : { Volumes: [{ VolumeId: 'vol-still', State: 'available', Tags: [{ Key: MARK, Value: '2026-12-01' }] }] },
  );
  const result = await runAudit(
    sdkClientFactory('eu-west-1'),
    options({ accounts: [HOME], regions: ['us-east-1'], scanMarked: true }),
  );
  expect(result.markedElsewhere).toEqual([
    { account: HOME, region: 'us-east-1', volumeId: 'vol-back', state: 'in-use', markedDeleteAfter: '2026-12-01' },
  ]);
  expect(ec2Mock).toHaveReceivedCommandWith(DescribeVolumesCommand, { Filters: [{ Name: 'tag-key', Values: [MARK] }] });
});

test('time budget: regions not started are listed as not audited', async () => {
  let calls = 0;
  const result = await runAudit(
    sdkClientFactory('eu-west-1'),
    options({ accounts: [HOME], regions: ['us-east-1', 'eu-west-1'], concurrency: 1, shouldStop: () => ++calls > 2 }),
  );
  expect(result.auditedScopes).toEqual([{ account: HOME, region: 'us-east-1' }]);
  expect(result.notAudited).toEqual([expect.objectContaining({ region: 'eu-west-1', stage: 'time-budget' })]);
});
