import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DeleteVolumeCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ebsAuditConfig } from '../../../lambdas/ebs-audit/config';
import { sdkClientFactory } from '../../../lambdas/ebs-audit/aws-ports';
import { runEbsAuditJob, type JobContext } from '../../../lambdas/ebs-audit/job';
import { awsError } from './fixtures';

const ec2Mock = mockClient(EC2Client);
const cwMock = mockClient(CloudWatchClient);
const s3Mock = mockClient(S3Client);

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
