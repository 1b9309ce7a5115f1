import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type DescribeVolumesCommandOutput,
  type Volume,
  type VolumeState,
} from '@aws-sdk/client-ec2';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { sdkClientFactory } from '../../../lambdas/ebs-audit/adapters/clients';
import { findAuditSnapshot } from '../../../lambdas/ebs-audit/adapters/ec2';
import { PriceListCache, priceListApiResolver } from '../../../lambdas/ebs-audit/adapters/price-resolver';
import { ebsAuditConfig } from '../../../lambdas/ebs-audit/config';
import { countOutcomes } from '../../../lambdas/ebs-audit/core/actions';
import { summarizeAudit } from '../../../lambdas/ebs-audit/core/summary';
import { volumesToCsv } from '../../../lambdas/ebs-audit/core/report';
import {
  CredentialCache,
  executePlan,
  runAudit,
  runEbsAuditJob,
  type AuditRunOptions,
  type ExecuteOptions,
  type JobContext,
} from '../../../lambdas/ebs-audit/job';
import type { ActionPlan, PlannedAction } from '../../../lambdas/ebs-audit/types';
import { awsError, whoAndWhere } from '../../doubles/ebs-audit-clients';
import { ebsRegionProducts, OTHER_REGION, requestedRegion, US_EAST_1 } from '../../doubles/ebs-audit-price-list';

const ec2Mock = mockClient(EC2Client);
const cwMock = mockClient(CloudWatchClient);
const orgMock = mockClient(OrganizationsClient);
const stsMock = mockClient(STSClient);
const s3Mock = mockClient(S3Client);
const pricingMock = mockClient(PricingClient);
beforeEach(() => {
  for (const m of [ec2Mock, cwMock, orgMock, stsMock, s3Mock, pricingMock]) m.reset();
});

describe('runAudit', () => {
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
      if (account === M1 && region === 'eu-central-1')
        throw awsError('RequestLimitExceeded', 'Request limit exceeded.');
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
    const waited: number[] = [];
    const throttleBackoff = { sleep: async (ms: number) => void waited.push(ms), random: () => 0.5 };
    const result = await runAudit(sdkClientFactory('eu-west-1'), options({ throttleBackoff }), credentials);

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
    // No DescribeRegions with explicit regions; three region scans for M1 (none for M2), and the throttled one tried
    // again 3 times after jittered exponential delays (2 s, 4 s, 8 s steps, random 0.5 → 3/4 of each).
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeRegionsCommand, 0);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVolumesCommand, 3 + 3);
    expect(waited).toEqual([1500, 3000, 6000]);
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
    expect(result.auditedScopes.map((s) => `${s.account}/${s.region}`)).toEqual([
      `${HOME}/us-east-1`,
      `${M1}/us-east-1`,
    ]);
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
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeVolumesCommand, {
      Filters: [{ Name: 'tag-key', Values: [MARK] }],
    });
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
});

describe('executePlan', () => {
  const MARK = 'platform-ops:ebs-audit:delete-after';
  /** The mark of the planned deletes: marked 2026-11-06, due 2026-11-20. */
  const MARKED = '2026-11-06T00:00:00Z/2026-11-20';
  const SOURCE = 'platform-ops:ebs-audit:source-volume';
  const SNAPSHOT_MARK = 'platform-ops:ebs-audit:volume-mark';
  const A = '111111111111';
  const now = new Date('2026-11-23T06:00:00Z');

  const options = (over: Partial<ExecuteOptions> = {}): ExecuteOptions => ({
    markTagKey: MARK,
    excludeTag: { key: 'audit:keep', value: 'true' },
    graceDays: 14,
    runId: 'run-1',
    clock: () => now,
    secondsLeft: () => 30,
    snapshotDelays: { minDelay: 1, maxDelay: 1 },
    ...over,
  });
  const credentials = () => {
    const c = new CredentialCache();
    c.set(A, undefined); // home account: own credentials
    return c;
  };
  const del = (volumeId: string, snapshot = true): PlannedAction => ({
    action: 'delete',
    account: A,
    region: 'us-east-1',
    volumeId,
    deleteAfter: '2026-11-20',
    markValue: MARKED,
    markedAt: '2026-11-06T00:00:00Z',
    detachedSince: 'unknown',
    snapshot,
    reason: 'due',
  });
  const plan = (over: Partial<ActionPlan>): ActionPlan => ({
    dryRun: false,
    mark: [],
    unmark: [],
    delete: [],
    skipped: [],
    pendingCount: 0,
    ...over,
  });
  const volume = (
    id: string,
    state: VolumeState,
    tags: Record<string, string> = { [MARK]: MARKED, owner: 'x' },
  ): DescribeVolumesCommandOutput => ({
    $metadata: {},
    Volumes: [{ VolumeId: id, State: state, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
  });

  beforeEach(() => {
    ec2Mock.reset();
    cwMock.reset();
    // Right before a delete the executor asks CloudWatch again; by default the volume has never been attached.
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  });

  test('dry-run: the plan comes back as "planned" and nothing is called', async () => {
    const results = await executePlan(
      plan({
        dryRun: true,
        mark: [
          { action: 'mark', account: A, region: 'us-east-1', volumeId: 'vol-m', deleteAfter: '2026-12-08', reason: '' },
        ],
        delete: [del('vol-d')],
      }),
      sdkClientFactory('us-east-1'),
      credentials(),
      options(),
    );
    expect(results.map((r) => [r.volumeId, r.outcome])).toEqual([
      ['vol-m', 'planned'],
      ['vol-d', 'planned'],
    ]);
    expect(results[1].detail).toBe('DRY RUN: would delete vol-d after a completed snapshot');
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  test('mark writes the date tag; unmark removes it', async () => {
    ec2Mock.on(CreateTagsCommand).resolves({});
    ec2Mock.on(DeleteTagsCommand).resolves({});
    const results = await executePlan(
      plan({
        mark: [
          {
            action: 'mark',
            account: A,
            region: 'us-east-1',
            volumeId: 'vol-m',
            deleteAfter: '2026-12-08',
            markValue: '2026-11-23T06:00:00Z/2026-12-08',
            reason: '',
          },
        ],
        unmark: [
          { action: 'unmark', account: A, region: 'us-east-1', volumeId: 'vol-u', reason: 're-attached since marking' },
        ],
      }),
      sdkClientFactory('us-east-1'),
      credentials(),
      options(),
    );
    expect(countOutcomes(results)).toEqual({ 'unmark.done': 1, 'mark.done': 1 });
    expect(ec2Mock).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: ['vol-m'],
      Tags: [{ Key: MARK, Value: '2026-11-23T06:00:00Z/2026-12-08' }],
    });
    expect(ec2Mock).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: ['vol-u'], Tags: [{ Key: MARK }] });
  });

  test('delete: re-check, snapshot (copying user tags), wait until completed, re-check again, delete', async () => {
    ec2Mock
      .on(DescribeVolumesCommand)
      .resolves(volume('vol-d', 'available', { [MARK]: MARKED, owner: 'x', 'aws:cloudformation:stack-name': 's' }));
    ec2Mock.on(DescribeSnapshotsCommand, { OwnerIds: ['self'] }).resolves({ Snapshots: [] });
    ec2Mock.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1' });
    ec2Mock
      .on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-1'] })
      .resolvesOnce({ Snapshots: [{ SnapshotId: 'snap-1', State: 'pending' }] })
      .resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'completed' }] });
    ec2Mock.on(DeleteVolumeCommand).resolves({});

    const results = await executePlan(
      plan({ delete: [del('vol-d')] }),
      sdkClientFactory('us-east-1'),
      credentials(),
      options(),
    );

    expect(results).toEqual([
      expect.objectContaining({
        volumeId: 'vol-d',
        outcome: 'done',
        snapshotId: 'snap-1',
        detail: 'deleted after snapshot snap-1',
      }),
    ]);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVolumesCommand, 2); // before the snapshot and right before the delete
    expect(ec2Mock).toHaveReceivedCommandWith(CreateSnapshotCommand, {
      VolumeId: 'vol-d',
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [
            { Key: 'owner', Value: 'x' }, // not the deletion mark, not aws: tags
            { Key: SOURCE, Value: 'vol-d' },
            { Key: SNAPSHOT_MARK, Value: MARKED }, // the mark this snapshot belongs to
          ],
        },
      ],
    });
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { SnapshotIds: ['snap-1'] });
    expect(ec2Mock).toHaveReceivedCommandWith(DeleteVolumeCommand, { VolumeId: 'vol-d' });
    // Order: the delete came after the snapshot completed.
    const names = ec2Mock.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
    expect(names.indexOf('DeleteVolumeCommand')).toBeGreaterThan(names.lastIndexOf('DescribeSnapshotsCommand'));
  });

  test('re-attached since marking → not deleted, no snapshot, mark removed', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves(volume('vol-r', 'in-use'));
    ec2Mock.on(DeleteTagsCommand).resolves({});
    const results = await executePlan(
      plan({ delete: [del('vol-r')] }),
      sdkClientFactory('us-east-1'),
      credentials(),
      options(),
    );
    expect(results).toEqual([
      expect.objectContaining({ outcome: 'skipped', detail: 're-attached since marking: not deleted, mark removed' }),
    ]);
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateSnapshotCommand, 0);
    expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);
    expect(ec2Mock).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: ['vol-r'], Tags: [{ Key: MARK }] });
  });

  test('re-attached while the snapshot was running → not deleted', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolvesOnce(volume('vol-r', 'available')).resolves(volume('vol-r', 'in-use'));
    ec2Mock.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        {
          SnapshotId: 'snap-old',
          VolumeId: 'vol-r',
          State: 'completed',
          StartTime: now,
          Tags: [
            { Key: SOURCE, Value: 'vol-r' },
            { Key: SNAPSHOT_MARK, Value: MARKED },
          ],
        },
      ],
    });
    ec2Mock.on(DeleteTagsCommand).resolves({});
    const results = await executePlan(
      plan({ delete: [del('vol-r')] }),
      sdkClientFactory('us-east-1'),
      credentials(),
      options(),
    );
    expect(results[0]).toMatchObject({ outcome: 'skipped', snapshotId: 'snap-old' });
    expect(results[0].detail).toMatch(/^re-attached since marking/);
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateSnapshotCommand, 0); // an existing audit snapshot is reused
    expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);
  });

  test('snapshot still pending when the time budget ends → not deleted this run', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves(volume('vol-p', 'available'));
    ec2Mock.on(DescribeSnapshotsCommand, { OwnerIds: ['self'] }).resolves({ Snapshots: [] });
    ec2Mock.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-2' });
    ec2Mock
      .on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-2'] })
      .resolves({ Snapshots: [{ SnapshotId: 'snap-2', State: 'pending' }] });
    const results = await executePlan(
      plan({ delete: [del('vol-p')] }),
      sdkClientFactory('us-east-1'),
      credentials(),
      options({ secondsLeft: () => 2 }),
    );
    expect(results[0]).toMatchObject({ outcome: 'skipped', snapshotId: 'snap-2' });
    expect(results[0].detail).toMatch(/still pending/);
    expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);
  });

  test('snapshot off: no snapshot; a failed delete does not stop the next one; unknown account skipped', async () => {
    ec2Mock
      .on(DescribeVolumesCommand)
      .callsFake((input: { VolumeIds: string[] }) => volume(input.VolumeIds[0], 'available'));
    ec2Mock.on(DeleteVolumeCommand, { VolumeId: 'vol-1' }).rejects(awsError('VolumeInUse', 'vol-1 is in use'));
    ec2Mock.on(DeleteVolumeCommand, { VolumeId: 'vol-2' }).resolves({});
    ec2Mock.on(DeleteVolumeCommand, { VolumeId: 'vol-3' }).rejects(awsError('InvalidVolume.NotFound', 'gone'));
    const results = await executePlan(
      plan({
        delete: [
          del('vol-1', false),
          del('vol-2', false),
          del('vol-3', false),
          { ...del('vol-9', false), account: '999999999999' },
        ],
      }),
      sdkClientFactory('us-east-1'),
      credentials(),
      options(),
    );
    expect(results.map((r) => [r.volumeId, r.outcome, r.detail])).toEqual([
      ['vol-9', 'skipped', 'no credentials for the account in this run'],
      ['vol-1', 'failed', 'VolumeInUse: vol-1 is in use'],
      ['vol-2', 'done', 'deleted (no snapshot: configured off)'],
      ['vol-3', 'done', 'already gone'],
    ]);
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateSnapshotCommand, 0);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
  });

  test('a snapshot that fails (state error) stops that delete', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves(volume('vol-e', 'available'));
    ec2Mock.on(DescribeSnapshotsCommand, { OwnerIds: ['self'] }).resolves({ Snapshots: [] });
    ec2Mock.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-e' });
    ec2Mock
      .on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-e'] })
      .resolves({ Snapshots: [{ SnapshotId: 'snap-e', State: 'error' }] });
    const results = await executePlan(
      plan({ delete: [del('vol-e')] }),
      sdkClientFactory('us-east-1'),
      credentials(),
      options(),
    );
    expect(results[0]).toMatchObject({ outcome: 'failed', snapshotId: 'snap-e' });
    expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);
  });

  describe('A1: the re-check right before DeleteVolume asks CloudWatch again', () => {
    const setUp = () => {
      ec2Mock.on(DescribeVolumesCommand).resolves(volume('vol-r', 'available'));
      ec2Mock.on(CreateTagsCommand).resolves({});
      ec2Mock.on(DeleteVolumeCommand).resolves({});
    };

    test("attached and detached again after the scan's estimate (datapoint after the mark) → not deleted, re-marked", async () => {
      setUp();
      cwMock.on(GetMetricDataCommand).resolves({
        MetricDataResults: [{ Id: 'v0', StatusCode: 'Complete', Timestamps: [new Date('2026-11-20T10:00:00Z')] }],
      });
      const results = await executePlan(
        plan({ delete: [del('vol-r', false)] }),
        sdkClientFactory('us-east-1'),
        credentials(),
        options(),
      );
      expect(results).toEqual([
        expect.objectContaining({
          outcome: 'skipped',
          detail:
            'attached after it was marked (last attached until 2026-11-20T11:00:00.000Z, marked 2026-11-06T00:00:00Z):' +
            ' not deleted, re-marked 2026-11-23T06:00:00Z/2026-12-08',
        }),
      ]);
      expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);
      expect(ec2Mock).toHaveReceivedCommandWith(CreateTagsCommand, {
        Resources: ['vol-r'],
        Tags: [{ Key: MARK, Value: '2026-11-23T06:00:00Z/2026-12-08' }],
      });
      expect(cwMock).toHaveReceivedCommandWith(GetMetricDataCommand, {
        MetricDataQueries: [
          expect.objectContaining({
            MetricStat: expect.objectContaining({
              Metric: expect.objectContaining({ Dimensions: [{ Name: 'VolumeId', Value: 'vol-r' }] }),
            }),
          }),
        ],
      });
    });

    test('CloudWatch cannot be read right before the delete → not deleted (doubt means do nothing)', async () => {
      setUp();
      cwMock.on(GetMetricDataCommand).rejects(awsError('AccessDenied', 'no metrics'));
      const results = await executePlan(
        plan({ delete: [del('vol-r', false)] }),
        sdkClientFactory('us-east-1'),
        credentials(),
        options(),
      );
      expect(results[0]).toMatchObject({ outcome: 'skipped' });
      expect(results[0].detail).toMatch(/^CloudWatch metrics could not be read right before the delete/);
      expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);
    });

    test('last attached before the mark → deleted', async () => {
      setUp();
      cwMock.on(GetMetricDataCommand).resolves({
        MetricDataResults: [{ Id: 'v0', StatusCode: 'Complete', Timestamps: [new Date('2026-11-01T10:00:00Z')] }],
      });
      const results = await executePlan(
        plan({ delete: [del('vol-r', false)] }),
        sdkClientFactory('us-east-1'),
        credentials(),
        options(),
      );
      expect(results[0]).toMatchObject({ outcome: 'done', detail: 'deleted (no snapshot: configured off)' });
      expect(ec2Mock).toHaveReceivedCommandWith(DeleteVolumeCommand, { VolumeId: 'vol-r' });
    });
  });

  describe('A2: which snapshot is reused as the snapshot before delete', () => {
    const tagged = (mark: string, volumeId = 'vol-s') => [
      { Key: SOURCE, Value: volumeId },
      { Key: SNAPSHOT_MARK, Value: mark },
    ];
    test.each([
      [
        'an old snapshot with the source tag, taken before the mark → not reused',
        { VolumeId: 'vol-s', StartTime: new Date('2026-10-01T00:00:00Z'), Tags: tagged(MARKED) },
        false,
      ],
      [
        'a snapshot of another volume → not reused',
        { VolumeId: 'vol-other', StartTime: new Date('2026-11-22T00:00:00Z'), Tags: tagged(MARKED) },
        false,
      ],
      [
        'a snapshot for an earlier mark of the volume → not reused',
        {
          VolumeId: 'vol-s',
          StartTime: new Date('2026-11-22T00:00:00Z'),
          Tags: tagged('2026-10-01T00:00:00Z/2026-10-15'),
        },
        false,
      ],
      [
        'a snapshot without the mark tag (taken before marks were recorded) → not reused',
        { VolumeId: 'vol-s', StartTime: new Date('2026-11-22T00:00:00Z'), Tags: [{ Key: SOURCE, Value: 'vol-s' }] },
        false,
      ],
      [
        'this volume, this mark, started after the mark → reused',
        { VolumeId: 'vol-s', StartTime: new Date('2026-11-22T00:00:00Z'), Tags: tagged(MARKED) },
        true,
      ],
    ])('%s', async (_n, snapshot, reused) => {
      ec2Mock.on(DescribeVolumesCommand).resolves(volume('vol-s', 'available'));
      ec2Mock
        .on(DescribeSnapshotsCommand, { OwnerIds: ['self'] })
        .resolves({ Snapshots: [{ SnapshotId: 'snap-found', State: 'completed', ...snapshot }] });
      ec2Mock.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-new' });
      ec2Mock
        .on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-new'] })
        .resolves({ Snapshots: [{ SnapshotId: 'snap-new', State: 'completed' }] });
      ec2Mock
        .on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-found'] })
        .resolves({ Snapshots: [{ SnapshotId: 'snap-found', State: 'completed' }] });
      ec2Mock.on(DeleteVolumeCommand).resolves({});

      const results = await executePlan(
        plan({ delete: [del('vol-s')] }),
        sdkClientFactory('us-east-1'),
        credentials(),
        options(),
      );

      expect(results[0]).toMatchObject({ outcome: 'done', snapshotId: reused ? 'snap-found' : 'snap-new' });
      expect(ec2Mock).toHaveReceivedCommandTimes(CreateSnapshotCommand, reused ? 0 : 1);
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
        OwnerIds: ['self'],
        Filters: [
          { Name: 'volume-id', Values: ['vol-s'] },
          { Name: `tag:${SOURCE}`, Values: ['vol-s'] },
          { Name: `tag:${SNAPSHOT_MARK}`, Values: [MARKED] },
          { Name: 'status', Values: ['pending', 'completed'] },
        ],
      });
    });

    test('findAuditSnapshot: only a snapshot started after startedAfter (the later of mark and detach) qualifies', async () => {
      const snapshot = (StartTime: Date) => ({
        SnapshotId: 'snap-found',
        State: 'completed' as const,
        VolumeId: 'vol-s',
        StartTime,
        Tags: tagged(MARKED),
      });
      const query = {
        volumeId: 'vol-s',
        sourceTagKey: SOURCE,
        markTagKey: SNAPSHOT_MARK,
        markValue: MARKED,
        startedAfter: new Date('2026-11-08T00:00:00Z'),
      };
      const ec2 = new EC2Client({ region: 'us-east-1' });
      ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(new Date('2026-11-07T00:00:00Z'))] });
      await expect(findAuditSnapshot(ec2, query)).resolves.toBeUndefined();
      ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(new Date('2026-11-08T00:00:00Z'))] });
      await expect(findAuditSnapshot(ec2, query)).resolves.toBeUndefined();
      ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(new Date('2026-11-09T00:00:00Z'))] });
      await expect(findAuditSnapshot(ec2, query)).resolves.toEqual({ snapshotId: 'snap-found', state: 'completed' });
    });
  });
});

describe('runEbsAuditJob', () => {
  const HOME = '123456789012';
  const MARK = 'platform-ops:ebs-audit:delete-after';
  const now = new Date('2026-11-23T06:00:00Z');
  const config = ebsAuditConfig.parse({
    enabled: true,
    accounts: [HOME],
    regions: ['us-east-1'],
    pricing: { source: 'built-in' },
    actions: { mark: true, delete: true, dryRun: false, snapshotBeforeDelete: false, maxDeletesPerRun: 2 },
  });
  const ctx = (over: Partial<JobContext> = {}): JobContext => ({
    runId: 'run-1',
    now,
    clock: () => now,
    homeAccount: HOME,
    homeRegion: 'us-east-1',
    reportBucket: 'reports',
    remainingMs: () => 600_000,
    ...over,
  });
  const DUE = ['vol-1', 'vol-2', 'vol-3'];
  const dueVolume = (VolumeId: string) => ({
    VolumeId,
    VolumeType: 'gp2' as const,
    Size: 10,
    State: 'available' as const,
    Tags: [{ Key: MARK, Value: '2026-11-06T00:00:00Z/2026-11-20' }],
  });

  /** An in-memory report bucket: what one invocation writes, the next one lists. */
  let stored: string[];
  beforeEach(() => {
    for (const m of [ec2Mock, cwMock, s3Mock]) m.reset();
    stored = [];
    ec2Mock.on(DescribeVolumesCommand).callsFake((input: { Filters?: { Name: string }[]; VolumeIds?: string[] }) => {
      if (input.VolumeIds) return { Volumes: [dueVolume(input.VolumeIds[0])] };
      return { Volumes: input.Filters?.[0]?.Name === 'tag-key' ? [] : DUE.map(dueVolume) };
    });
    ec2Mock.on(DeleteVolumeCommand).resolves({});
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    s3Mock.on(PutObjectCommand).callsFake((input: { Key: string }) => {
      stored.push(input.Key);
      return {};
    });
    s3Mock.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
      Contents: stored.filter((k) => k.startsWith(input.Prefix)).map((Key) => ({ Key })),
    }));
  });

  const run = (over: Partial<JobContext> = {}) =>
    runEbsAuditJob(
      config,
      { factory: sdkClientFactory('us-east-1'), s3: new S3Client({ region: 'us-east-1' }) },
      ctx(over),
    );

  describe('A3: the delete cap holds per UTC day across invocations', () => {
    test('a second invocation the same day (e.g. a retry after the event failed) deletes nothing more', async () => {
      const first = await run();
      expect(first.actionResults?.filter((r) => r.action === 'delete').map((r) => [r.volumeId, r.outcome])).toEqual([
        ['vol-1', 'done'],
        ['vol-2', 'done'],
      ]);
      // The record is written before the first DeleteVolume, under the day's folder, with the count in its key.
      expect(stored).toContain('ebs-audit/2026-11-23/ebs-audit-20261123T060000Z-delete-intent-2.json');
      expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 2);
      expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, {
        Bucket: 'reports',
        Prefix: 'ebs-audit/2026-11-23/',
      });

      const later = new Date('2026-11-23T06:05:00Z');
      const second = await run({ runId: 'run-2', now: later, clock: () => later });
      expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 2); // still 2: none in the second invocation
      expect(second.plan?.delete).toEqual([]);
      expect(second.plan?.skipped.filter((s) => s.action === 'delete').map((s) => [s.volumeId, s.reason])).toEqual([
        ['vol-3', 'cap of 2 deletes per run reached'],
        ['vol-1', 'daily cap of 2 deletes reached (2 already recorded today)'],
        ['vol-2', 'daily cap of 2 deletes reached (2 already recorded today)'],
      ]);
    });

    test('deletes recorded earlier today leave only the rest of the cap; other days do not count', async () => {
      stored.push(
        'ebs-audit/2026-11-23/ebs-audit-20261123T010000Z-delete-intent-1.json',
        'ebs-audit/2026-11-22/ebs-audit-20261122T060000Z-delete-intent-2.json',
      );
      const out = await run();
      expect(out.plan?.delete.map((a) => a.volumeId)).toEqual(['vol-1']);
      expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 1);
    });

    test("today's deletes cannot be counted (ListObjectsV2 denied) → nothing is deleted", async () => {
      s3Mock.on(ListObjectsV2Command).rejects(awsError('AccessDenied', 'denied'));
      const out = await run();
      expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);
      expect(out.plan?.skipped.filter((s) => s.action === 'delete')).toHaveLength(3);
      expect(out.plan?.skipped.find((s) => s.volumeId === 'vol-1')?.reason).toBe(
        "today's deletes could not be counted (AccessDenied: denied): no deletes this run",
      );
    });

    test('the delete record cannot be written → nothing is deleted', async () => {
      s3Mock.on(PutObjectCommand).callsFake((input: { Key: string }) => {
        if (input.Key.includes('delete-intent')) throw awsError('AccessDenied', 'denied');
        stored.push(input.Key);
        return {};
      });
      const out = await run();
      expect(ec2Mock).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);
      expect(out.actionResults?.filter((r) => r.action === 'delete')).toEqual([]);
    });
  });
});

describe('runAudit with live prices (Price List API)', () => {
  const now = new Date('2026-11-23T06:00:00Z');
  const client = () => new PricingClient({ region: 'us-east-1', maxAttempts: 1 });
  /** A Price List answer per region: us-east-1 (no prefix) and eu-west-2 (EUW2- prefix, other figures). */
  function answerByRegion(regions: Record<string, string[]>) {
    pricingMock
      .on(GetProductsCommand)
      .callsFake((input) => ({ FormatVersion: 'aws_v1', PriceList: regions[requestedRegion(input) ?? ''] ?? [] }));
  }

  describe('the audit with live prices', () => {
    const HOME = '000000000000';
    const M1 = '111111111111';

    beforeEach(() => {
      stsMock.on(AssumeRoleCommand).resolves({
        Credentials: { AccessKeyId: `ASIA${M1}`, SecretAccessKey: 's', SessionToken: 't', Expiration: now },
      });
      ec2Mock.on(DescribeVolumesCommand).callsFake(async (_input, getClient) => {
        const region = await (getClient() as EC2Client).config.region();
        return {
          Volumes: [
            { VolumeId: `vol-gp2-${region}`, VolumeType: 'gp2', Size: 100, State: 'available' },
            { VolumeId: `vol-io2-${region}`, VolumeType: 'io2', Size: 10, Iops: 1000, State: 'available' },
          ],
        };
      });
      cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    });

    const audit = (pricing: ReturnType<typeof priceListApiResolver>) =>
      runAudit(sdkClientFactory('us-east-1'), {
        runId: 'r',
        now,
        clock: () => now,
        homeAccount: HOME,
        homeRegion: 'us-east-1',
        accounts: [HOME, M1],
        regions: ['us-east-1', 'eu-west-2', 'ap-east-2'],
        memberRoleName: 'audit',
        rules: { ownerTags: [], excludeTag: { key: 'k', value: 'v' }, markTagKey: 'm' },
        concurrency: 4,
        scanMarked: false,
        pricing,
      });

    test('each region priced once for all accounts; every volume says which source priced it', async () => {
      answerByRegion({
        'us-east-1': ebsRegionProducts('us-east-1', '', US_EAST_1),
        'eu-west-2': [...ebsRegionProducts('eu-west-2', 'EUW2-', OTHER_REGION).filter((i) => !i.includes('io2.tier2'))],
      });
      const result = await audit(priceListApiResolver(client, { now, cache: new PriceListCache() }));
      expect(pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 3); // 3 regions, 2 accounts
      const by = (id: string, account = HOME) => result.volumes.find((v) => v.volumeId === id && v.account === account);
      expect(by('vol-gp2-us-east-1')).toMatchObject({ monthlyCostUsd: 10, priceSource: 'price-list-api' });
      expect(by('vol-gp2-eu-west-2', M1)).toMatchObject({ monthlyCostUsd: 11.6, priceSource: 'price-list-api' });
      expect(by('vol-io2-eu-west-2')).toMatchObject({
        monthlyCostUsd: null,
        priceSource: 'none',
        costNote: expect.stringContaining('io2 provisioned IOPS tier 2: not in the Price List API answer'),
      });
      expect(by('vol-gp2-ap-east-2')).toMatchObject({
        monthlyCostUsd: null,
        priceSource: 'none',
        costNote: 'unknown: the AWS Price List Query API returned no EBS volume prices for ap-east-2',
      });
      const summary = summarizeAudit(result);
      expect(summary.prices.sourceCounts).toEqual({ 'price-list-api': 2, 'built-in': 0, none: 1 });
      expect(summary.prices.regions.find((r) => r.region === 'eu-west-2')).toMatchObject({
        priceSource: 'price-list-api',
        asOf: '2026-11-01',
        unpricedTypes: { io2: expect.stringContaining('tier 2') },
      });
      const csv = volumesToCsv(result.volumes).split('\r\n');
      expect(csv[0]).toContain(',cost_note,price_source,');
      expect(csv.find((l) => l.includes('vol-gp2-us-east-1'))).toContain(',price-list-api,');
    });

    test('API denied: the run still completes, priced from the built-in table where it can, and says so', async () => {
      pricingMock.on(GetProductsCommand).rejects(awsError('AccessDeniedException', 'denied'));
      const result = await audit(priceListApiResolver(client, { now, cache: new PriceListCache() }));
      expect(result.notAudited).toEqual([]);
      expect(result.volumes).toHaveLength(12);
      expect(result.volumes.find((v) => v.volumeId === 'vol-gp2-us-east-1')).toMatchObject({
        monthlyCostUsd: 10,
        priceSource: 'built-in',
      });
      expect(result.volumes.find((v) => v.volumeId === 'vol-gp2-eu-west-2')).toMatchObject({
        monthlyCostUsd: null,
        priceSource: 'none',
      });
      const summary = summarizeAudit(result);
      expect(summary.prices.sourceCounts).toEqual({ 'price-list-api': 0, 'built-in': 1, none: 2 });
      expect(
        summary.prices.regions.every((r) => /unavailable \(AccessDeniedException: denied\)/.test(r.note ?? '')),
      ).toBe(true);
    });
  });
});

describe('issue 12: the report is streamed; the Lambda keeps totals and the top 10, not every volume', () => {
  const HOME = '123456789012';
  const now = new Date('2026-11-23T06:00:00Z');
  const PAGES = 24;
  const PER_PAGE = 500;

  test('12,000 volumes: CSV and JSON go up in 5 MiB parts (multipart), the run holds none of the volumes', async () => {
    const longName = 'n'.repeat(400);
    ec2Mock.on(DescribeVolumesCommand).callsFake((input: { NextToken?: string }) => {
      const page = Number(input.NextToken ?? 0);
      return {
        Volumes: Array.from({ length: PER_PAGE }, (_, i) => ({
          VolumeId: `vol-${page}-${i}`,
          VolumeType: 'gp2',
          Size: 1 + ((page * PER_PAGE + i) % 1000),
          State: 'available',
          Tags: [{ Key: 'Name', Value: `${longName}-${i}` }],
        })),
        NextToken: page + 1 < PAGES ? String(page + 1) : undefined,
      };
    });
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const parts = new Map<string, Buffer[]>();
    s3Mock
      .on(CreateMultipartUploadCommand)
      .callsFake(async (input: { Key: string }) => ({ UploadId: `up-${input.Key}` }));
    s3Mock.on(UploadPartCommand).callsFake(async (input: { Key: string; Body: Uint8Array }) => {
      parts.set(input.Key, [...(parts.get(input.Key) ?? []), Buffer.from(input.Body)]);
      return { ETag: `"${parts.get(input.Key)?.length}"` };
    });
    s3Mock.on(CompleteMultipartUploadCommand).resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
    const config = ebsAuditConfig.parse({
      enabled: true,
      accounts: [HOME],
      regions: ['us-east-1'],
      pricing: { source: 'built-in' },
    });
    const outcome = await runEbsAuditJob(
      config,
      { factory: sdkClientFactory('us-east-1'), s3: new S3Client({ region: 'us-east-1' }) },
      {
        runId: 'run-big',
        now,
        clock: () => now,
        homeAccount: HOME,
        homeRegion: 'us-east-1',
        reportBucket: 'reports',
        remainingMs: () => 600_000,
      },
    );
    expect(outcome.audit.volumes).toHaveLength(0); // nothing held beyond the scope in flight
    expect(outcome.summary.volumeCount).toBe(PAGES * PER_PAGE);
    expect(outcome.summary.top10.map((t) => t.sizeGiB)).toEqual(Array(10).fill(1000));
    const csv = Buffer.concat(parts.get(outcome.keys.csv) ?? []).toString('utf8');
    expect(parts.get(outcome.keys.csv)?.length).toBeGreaterThanOrEqual(2);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(PAGES * PER_PAGE + 1);
    const json = JSON.parse(Buffer.concat(parts.get(outcome.keys.json) ?? []).toString('utf8'));
    expect(json.volumes).toHaveLength(PAGES * PER_PAGE);
    expect(json.summary.volumeCount).toBe(PAGES * PER_PAGE);
    expect(s3Mock).toHaveReceivedCommandTimes(CompleteMultipartUploadCommand, 2);
  });
});
