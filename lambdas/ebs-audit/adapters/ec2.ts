/**
 * Port adapter: EC2 (regions, volumes, and the actions on them). Pagination and error mapping live here, once; each
 * function takes the client it needs so tests can replace it (aws-sdk-client-mock) and the benchmark can simulate it.
 */
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type EC2Client,
  paginateDescribeVolumes,
  waitUntilSnapshotCompleted,
  type Tag,
  type Volume,
} from '@aws-sdk/client-ec2';
import type { ScannedVolume } from '../types';
import { awsErrorCode } from '../../shared/aws-errors';

/** Regions enabled for the account whose credentials the client carries. */
export async function listEnabledRegions(client: EC2Client): Promise<string[]> {
  const out = await client.send(
    new DescribeRegionsCommand({
      AllRegions: false,
      Filters: [{ Name: 'opt-in-status', Values: ['opt-in-not-required', 'opted-in'] }],
    }),
  );
  return (out.Regions ?? [])
    .map((r) => r.RegionName)
    .filter((r): r is string => !!r)
    .sort();
}

export function tagsToRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export function toScannedVolume(v: Volume): ScannedVolume {
  return {
    volumeId: v.VolumeId ?? '',
    state: v.State,
    volumeType: v.VolumeType,
    sizeGiB: v.Size,
    iops: v.Iops,
    throughputMiBps: v.Throughput,
    createTime: v.CreateTime,
    snapshotId: v.SnapshotId,
    encrypted: v.Encrypted,
    availabilityZone: v.AvailabilityZone,
    tags: tagsToRecord(v.Tags),
  };
}

/** Largest page DescribeVolumes returns. */
export const DESCRIBE_VOLUMES_PAGE_SIZE = 500;

/** Every unattached (`available`) volume in the client's region: server-side filter, 500 per page, all pages. */
export async function listUnattachedVolumes(client: EC2Client): Promise<ScannedVolume[]> {
  return listVolumes(client, [{ Name: 'status', Values: ['available'] }]);
}

/** Every volume carrying the mark tag, whatever its state (to unmark re-attached ones). */
export async function listMarkedVolumes(client: EC2Client, markTagKey: string): Promise<ScannedVolume[]> {
  return listVolumes(client, [{ Name: 'tag-key', Values: [markTagKey] }]);
}

async function listVolumes(client: EC2Client, Filters: { Name: string; Values: string[] }[]): Promise<ScannedVolume[]> {
  const out: ScannedVolume[] = [];
  for await (const page of paginateDescribeVolumes({ client, pageSize: DESCRIBE_VOLUMES_PAGE_SIZE }, { Filters })) {
    for (const v of page.Volumes ?? []) if (v.VolumeId) out.push(toScannedVolume(v));
  }
  return out;
}

/** A fresh look at one volume; undefined when it no longer exists. */
export async function describeVolume(client: EC2Client, volumeId: string): Promise<ScannedVolume | undefined> {
  try {
    const out = await client.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
    const v = out.Volumes?.[0];
    return v ? toScannedVolume(v) : undefined;
  } catch (err) {
    if (awsErrorCode(err) === 'InvalidVolume.NotFound') return undefined;
    throw err;
  }
}

export async function tagVolume(client: EC2Client, volumeId: string, key: string, value: string): Promise<void> {
  await client.send(new CreateTagsCommand({ Resources: [volumeId], Tags: [{ Key: key, Value: value }] }));
}

export async function untagVolume(client: EC2Client, volumeId: string, key: string): Promise<void> {
  await client.send(new DeleteTagsCommand({ Resources: [volumeId], Tags: [{ Key: key }] }));
}

export interface AuditSnapshot {
  readonly snapshotId: string;
  readonly state: string;
}

export interface AuditSnapshotQuery {
  readonly volumeId: string;
  readonly sourceTagKey: string;
  readonly markTagKey: string;
  /** The volume's current mark value; only a snapshot taken for this mark is reused. */
  readonly markValue: string;
  /** Only a snapshot started strictly after this (the mark time, and the detach estimate when known) is reused. */
  readonly startedAfter: Date;
}

/**
 * The newest snapshot this suite already took of the volume for its current mark (so a repeated run does not snapshot
 * twice): its VolumeId is the volume, it carries the source-volume tag and the same mark value, and it started after
 * the volume was marked and last detached. Any other snapshot (older, another mark, another volume) is not reused.
 */
export async function findAuditSnapshot(
  client: EC2Client,
  query: AuditSnapshotQuery,
): Promise<AuditSnapshot | undefined> {
  const out = await client.send(
    new DescribeSnapshotsCommand({
      OwnerIds: ['self'],
      Filters: [
        { Name: 'volume-id', Values: [query.volumeId] },
        { Name: `tag:${query.sourceTagKey}`, Values: [query.volumeId] },
        { Name: `tag:${query.markTagKey}`, Values: [query.markValue] },
        { Name: 'status', Values: ['pending', 'completed'] },
      ],
    }),
  );
  const newest = (out.Snapshots ?? [])
    .filter(
      (s) =>
        s.VolumeId === query.volumeId &&
        s.StartTime !== undefined &&
        s.StartTime.getTime() > query.startedAfter.getTime() &&
        tagsToRecord(s.Tags)[query.markTagKey] === query.markValue,
    )
    .sort((a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0))[0];
  return newest?.SnapshotId ? { snapshotId: newest.SnapshotId, state: newest.State ?? 'unknown' } : undefined;
}

/** Tags of this suite (the deletion mark, the source-volume tag) are not copied onto snapshots. */
const SUITE_TAG_PREFIX = 'platform-ops:ebs-audit:';

/** Snapshots a volume, copying its user tags (not `aws:` ones, not this suite's) and naming the source volume in a tag. */
export async function createAuditSnapshot(
  client: EC2Client,
  volume: { readonly volumeId: string; readonly tags: Readonly<Record<string, string>> },
  sourceTagKey: string,
  description: string,
  /** The mark tag for the snapshot: the volume's mark value, so only this mark's delete reuses the snapshot. */
  mark: { readonly key: string; readonly value: string },
): Promise<string> {
  const tags = Object.entries(volume.tags)
    .filter(([k]) => !k.startsWith('aws:') && !k.startsWith(SUITE_TAG_PREFIX))
    .slice(0, 48)
    .map(([Key, Value]) => ({ Key, Value }));
  const out = await client.send(
    new CreateSnapshotCommand({
      VolumeId: volume.volumeId,
      Description: description.slice(0, 255),
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [...tags, { Key: sourceTagKey, Value: volume.volumeId }, { Key: mark.key, Value: mark.value }],
        },
      ],
    }),
  );
  if (!out.SnapshotId) throw new Error('CreateSnapshot returned no SnapshotId');
  return out.SnapshotId;
}

/** Waits for a snapshot to complete; false when it is still pending after maxWaitSeconds. Throws if it failed. */
export async function waitForSnapshot(
  client: EC2Client,
  snapshotId: string,
  maxWaitSeconds: number,
  delays: { readonly minDelay?: number; readonly maxDelay?: number } = {},
): Promise<boolean> {
  const minDelay = delays.minDelay ?? 15;
  const maxDelay = Math.max(delays.maxDelay ?? 60, minDelay);
  if (maxWaitSeconds <= minDelay) return false; // the waiter needs room for at least one delay
  try {
    await waitUntilSnapshotCompleted(
      { client, maxWaitTime: maxWaitSeconds, minDelay, maxDelay },
      { SnapshotIds: [snapshotId] },
    );
    return true;
  } catch (err) {
    // Still pending when the time ran out: not an error, the next run picks the snapshot up again.
    if ((err as Error)?.name === 'TimeoutError') return false;
    throw err; // the snapshot reached `error`, or the API failed
  }
}

/** Deletes a volume: 'deleted', or 'not-found' if it is already gone. VolumeInUse and others are thrown. */
export async function deleteVolume(client: EC2Client, volumeId: string): Promise<'deleted' | 'not-found'> {
  try {
    await client.send(new DeleteVolumeCommand({ VolumeId: volumeId }));
    return 'deleted';
  } catch (err) {
    if (awsErrorCode(err) === 'InvalidVolume.NotFound') return 'not-found';
    throw err;
  }
}
