import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type DescribeVolumesCommandOutput,
  type VolumeState,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { ActionPlan, PlannedAction } from '../../../lambdas/ebs-audit/actions';
import { countOutcomes, executePlan, type ExecuteOptions } from '../../../lambdas/ebs-audit/actions-run';
import { CredentialCache } from '../../../lambdas/ebs-audit/audit-run';
import { findAuditSnapshot, sdkClientFactory } from '../../../lambdas/ebs-audit/aws-ports';
import { awsError } from './fixtures';

const ec2Mock = mockClient(EC2Client);
const cwMock = mockClient(CloudWatchClient);
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
