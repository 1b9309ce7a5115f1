/**
 * Ports: the only code here that talks to AWS. Pagination, batching and error mapping live here, once; each function
 * takes the SDK client it needs so tests can replace it (aws-sdk-client-mock) and the benchmark can simulate it.
 */
import { CloudWatchClient, paginateGetMetricData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  paginateDescribeVolumes,
  waitUntilSnapshotCompleted,
  type Tag,
  type Volume,
} from '@aws-sdk/client-ec2';
import { OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import { PricingClient } from '@aws-sdk/client-pricing';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { createAwsClient } from '../shared/aws-clients';
import { PRICE_LIST_ENDPOINT_REGION } from './price-list';
import { METRIC_LOOKBACK_DAYS, METRIC_PERIOD_SECONDS, type ScannedVolume } from './volumes';
import { awsErrorCode, awsErrorMessage } from '../shared/aws-errors';
import { HOUR_MS } from '../shared/time';

// ---------------------------------------------------------------------------------------------------------------
// Clients

/** Builds the clients the audit needs. `credentials` undefined = the caller's own (the home account). */
export interface AuditClientFactory {
  organizations(): OrganizationsClient;
  /** STS in `region` through its regional endpoint, with the caller's own credentials. */
  sts(region: string): STSClient;
  ec2(region: string, credentials?: AwsCredentialIdentity): EC2Client;
  cloudwatch(region: string, credentials?: AwsCredentialIdentity): CloudWatchClient;
  /** The Price List Query API (us-east-1 endpoint) with the caller's own credentials; prices any region. */
  pricing(): PricingClient;
}

/** The regional STS endpoint; tokens it issues are valid in opt-in regions too (global-endpoint ones may not be). */
export function regionalStsEndpoint(region: string): string {
  return `https://sts.${region}.amazonaws.com`;
}

export function sdkClientFactory(homeRegion: string): AuditClientFactory {
  return {
    organizations: () => createAwsClient(OrganizationsClient, { region: homeRegion }),
    sts: (region) => createAwsClient(STSClient, { region, endpoint: regionalStsEndpoint(region) }),
    ec2: (region, credentials) => createAwsClient(EC2Client, { region, credentials }),
    cloudwatch: (region, credentials) => createAwsClient(CloudWatchClient, { region, credentials }),
    pricing: () => createAwsClient(PricingClient, { region: PRICE_LIST_ENDPOINT_REGION }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'ThrottledException',
]);
const OPT_IN = new Set(['AuthFailure', 'OptInRequired', 'UnrecognizedClientException', 'InvalidClientTokenId']);

/** A short human explanation of why an account or region could not be audited. */
export function explainAuditFailure(stage: string, err: unknown): { errorCode: string; reason: string } {
  const errorCode = awsErrorCode(err);
  const message = awsErrorMessage(err);
  let hint = '';
  if (stage === 'assume-role' && /AccessDenied/.test(errorCode))
    hint = 'member role missing or its trust policy does not allow the audit role/ExternalId; ';
  else if (OPT_IN.has(errorCode)) hint = 'region not enabled (opt-in) for the account, or credentials rejected; ';
  else if (THROTTLING.has(errorCode)) hint = 'throttled past retries; ';
  else if (/AccessDenied|UnauthorizedOperation/.test(errorCode)) hint = 'permission denied (role policy or SCP); ';
  else if (errorCode === 'RegionDisabledException') hint = 'STS is not activated in this region for the account; ';
  return { errorCode, reason: `${stage}: ${hint}${errorCode}: ${message}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Discovery

export interface OrgAccount {
  readonly id: string;
  readonly name: string;
}

/** Every ACTIVE account of the organization (all pages; `State`, not the retired `Status`). */
export async function listActiveAccounts(client: OrganizationsClient): Promise<OrgAccount[]> {
  const out: OrgAccount[] = [];
  for await (const page of paginateListAccounts({ client, pageSize: 20 }, {})) {
    for (const a of page.Accounts ?? []) if (a.Id && a.State === 'ACTIVE') out.push({ id: a.Id, name: a.Name ?? '' });
  }
  return out;
}

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

export interface AssumeRoleInput {
  readonly account: string;
  readonly roleName: string;
  readonly externalId?: string;
  readonly sessionName: string;
  readonly partition?: string;
}

/** RoleSessionName: 2-64 of [\w+=,.@-]; the run id is cut so the name always fits. */
export function auditSessionName(runId: string): string {
  const prefix = 'platform-ops-ebs-audit-';
  return (prefix + runId.replace(/[^\w+=,.@-]/g, '')).slice(0, 64);
}

/** Enters a member account. Called once per account; the credentials serve every region (regional-STS tokens). */
export async function assumeMemberRole(client: STSClient, input: AssumeRoleInput): Promise<AwsCredentialIdentity> {
  const out = await client.send(
    new AssumeRoleCommand({
      RoleArn: `arn:${input.partition ?? 'aws'}:iam::${input.account}:role/${input.roleName}`,
      RoleSessionName: input.sessionName,
      ...(input.externalId ? { ExternalId: input.externalId } : {}),
      DurationSeconds: 3600,
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Volumes

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

// ---------------------------------------------------------------------------------------------------------------
// CloudWatch: last VolumeIdleTime datapoint per volume

/** GetMetricData accepts at most 500 queries per call. */
export const METRIC_QUERIES_PER_CALL = 500;

export function idleTimeQuery(id: string, volumeId: string): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/EBS',
        MetricName: 'VolumeIdleTime',
        Dimensions: [{ Name: 'VolumeId', Value: volumeId }],
      },
      Period: METRIC_PERIOD_SECONDS,
      Stat: 'Maximum',
    },
    ReturnData: true,
  };
}

/**
 * The timestamp of the newest hourly VolumeIdleTime datapoint of each volume over the last 455 days, in batches of
 * at most 500 volumes per GetMetricData call (following NextToken). Volumes with no datapoint are absent from the map.
 * A query CloudWatch answers with `Forbidden` or `InternalError` fails the batch rather than passing as "no data".
 */
export async function lastIdleDatapoints(
  client: CloudWatchClient,
  volumeIds: readonly string[],
  now: Date,
): Promise<Map<string, Date>> {
  const last = new Map<string, Date>();
  const end = new Date(Math.ceil(now.getTime() / HOUR_MS) * HOUR_MS);
  const start = new Date(Math.floor((now.getTime() - METRIC_LOOKBACK_DAYS * 24 * HOUR_MS) / HOUR_MS) * HOUR_MS);
  for (let offset = 0; offset < volumeIds.length; offset += METRIC_QUERIES_PER_CALL) {
    const batch = volumeIds.slice(offset, offset + METRIC_QUERIES_PER_CALL);
    const queries = batch.map((volumeId, i) => idleTimeQuery(`v${i}`, volumeId));
    const pages = paginateGetMetricData(
      { client },
      { MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending' },
    );
    for await (const page of pages) {
      for (const r of page.MetricDataResults ?? []) {
        if (r.StatusCode === 'Forbidden' || r.StatusCode === 'InternalError') {
          const why = (page.Messages ?? r.Messages ?? []).map((m) => `${m.Code}: ${m.Value}`).join('; ');
          throw Object.assign(new Error(`GetMetricData ${r.StatusCode}${why ? `: ${why}` : ''}`), {
            name: `GetMetricData${r.StatusCode}`,
          });
        }
        const index = Number(r.Id?.slice(1));
        const volumeId = Number.isInteger(index) ? batch[index] : undefined;
        if (!volumeId) continue;
        for (const t of r.Timestamps ?? []) {
          const previous = last.get(volumeId);
          if (!previous || t.getTime() > previous.getTime()) last.set(volumeId, t);
        }
      }
    }
  }
  return last;
}

// ---------------------------------------------------------------------------------------------------------------
// Actions (used only when actions are enabled and not in dry-run)

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
