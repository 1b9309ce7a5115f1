/**
 * Classification of one unattached volume: owner, flags, exclusion, cost and the detached-since estimate.
 * Pure: every input (tags, last metric datapoint, the time) is passed in.
 */
import { DAY_MS } from '../../shared/time';
import type { AuditedVolume, ClassificationRules, ScannedVolume } from '../types';
import { builtInRegionPrices, estimateRegionalCost, type RegionPrices } from './pricing';

/** Tags the EBS CSI driver and the in-tree provisioner put on volumes they create. */
export const KUBERNETES_TAG_KEYS = ['kubernetes.io/created-for/pvc/name', 'ebs.csi.aws.com/cluster', 'CSIVolumeName'];
export const CLOUDFORMATION_STACK_TAG = 'aws:cloudformation:stack-name';

/** CloudWatch keeps hourly datapoints for 455 days; that is how far back the detach estimate can see. */
export const METRIC_LOOKBACK_DAYS = 455;
export const METRIC_PERIOD_SECONDS = 3600;

export function ownerOf(
  tags: Readonly<Record<string, string>>,
  ownerTags: readonly string[],
): { owner: string; tag: string } | null {
  const byLowerKey = new Map<string, [string, string]>();
  for (const [k, v] of Object.entries(tags))
    if (!byLowerKey.has(k.toLowerCase())) byLowerKey.set(k.toLowerCase(), [k, v]);
  for (const wanted of ownerTags) {
    const hit = byLowerKey.get(wanted.toLowerCase());
    if (hit && hit[1].trim() !== '') return { owner: hit[1].trim(), tag: hit[0] };
  }
  return null;
}

/**
 * Whether the volume carries the exclude tag. The key is matched case-insensitively (`Audit:Keep` is `audit:keep`), as
 * owner tags are; the value too, after trimming. EC2 tag keys are case-sensitive, so a volume may carry the key in
 * several spellings: any one with the value excludes it (the safe direction).
 */
export function isExcluded(tags: Readonly<Record<string, string>>, rule: ClassificationRules['excludeTag']): boolean {
  const key = rule.key.toLowerCase();
  const value = rule.value.trim().toLowerCase();
  for (const [k, v] of Object.entries(tags))
    if (k.toLowerCase() === key && v.trim().toLowerCase() === value) return true;
  return false;
}

export function isKubernetesVolume(tags: Readonly<Record<string, string>>): boolean {
  return KUBERNETES_TAG_KEYS.some((k) => Object.hasOwn(tags, k));
}

export interface DetachedEstimate {
  readonly detachedSince: Date | 'unknown';
  readonly note: string;
}

/**
 * EBS publishes VolumeIdleTime only while a volume is attached, so the end of the hour of its last datapoint is the
 * latest time the volume is known to have been attached. No datapoint in the look-back window → "unknown".
 */
export function estimateDetachedSince(lastDatapoint: Date | undefined, now: Date, createTime?: Date): DetachedEstimate {
  if (!lastDatapoint) {
    const windowStart = now.getTime() - METRIC_LOOKBACK_DAYS * DAY_MS;
    const note =
      createTime && createTime.getTime() >= windowStart
        ? `no VolumeIdleTime datapoint since creation on ${createTime.toISOString().slice(0, 10)}: possibly never attached`
        : `no VolumeIdleTime datapoint in the last ${METRIC_LOOKBACK_DAYS} days`;
    return { detachedSince: 'unknown', note };
  }
  const end = Math.min(lastDatapoint.getTime() + METRIC_PERIOD_SECONDS * 1000, now.getTime());
  return { detachedSince: new Date(end), note: 'end of the hour of the last VolumeIdleTime datapoint' };
}

/** Notes repeat across thousands of volumes; share one string per distinct text. */
const internedNotes = new Map<string, string>();
function intern(text: string): string {
  const known = internedNotes.get(text);
  if (known !== undefined) return known;
  if (internedNotes.size < 10_000) internedNotes.set(text, text);
  return text;
}

export function classifyVolume(
  volume: ScannedVolume,
  where: { readonly account: string; readonly region: string },
  lastIdleDatapoint: Date | undefined,
  rules: ClassificationRules,
  now: Date,
  /** The prices resolved for the volume's region; the built-in table when absent. */
  prices: RegionPrices = builtInRegionPrices(where.region),
): AuditedVolume {
  const { tags } = volume;
  const owner = ownerOf(tags, rules.ownerTags);
  const cost = estimateRegionalCost(
    {
      volumeType: volume.volumeType,
      sizeGiB: volume.sizeGiB,
      iops: volume.iops,
      throughputMiBps: volume.throughputMiBps,
    },
    prices,
  );
  const detached = estimateDetachedSince(lastIdleDatapoint, now, volume.createTime);
  const tagOrNull = (key: string) => (Object.hasOwn(tags, key) ? tags[key] : null);
  return {
    account: where.account,
    region: where.region,
    volumeId: volume.volumeId,
    name: tagOrNull('Name'),
    volumeType: volume.volumeType ?? null,
    sizeGiB: volume.sizeGiB ?? null,
    iops: volume.iops ?? null,
    throughputMiBps: volume.throughputMiBps ?? null,
    createdAt: volume.createTime ? volume.createTime.toISOString() : null,
    snapshotId: volume.snapshotId || null,
    encrypted: volume.encrypted ?? null,
    availabilityZone: volume.availabilityZone ?? null,
    owner: owner?.owner ?? null,
    ownerTag: owner?.tag ?? null,
    monthlyCostUsd: cost.status === 'priced' ? cost.usd : null,
    costNote: cost.status === 'priced' ? '' : intern(`unknown: ${cost.reason}`),
    priceSource: cost.status === 'priced' ? cost.priceSource : 'none',
    detachedSince: detached.detachedSince === 'unknown' ? 'unknown' : detached.detachedSince.toISOString(),
    detachedDays:
      detached.detachedSince === 'unknown'
        ? null
        : Math.floor((now.getTime() - detached.detachedSince.getTime()) / DAY_MS),
    detachedNote: intern(detached.note),
    kubernetes: isKubernetesVolume(tags),
    cloudformationStack: tagOrNull(CLOUDFORMATION_STACK_TAG),
    excluded: isExcluded(tags, rules.excludeTag),
    markedDeleteAfter: tagOrNull(rules.markTagKey),
    tags,
  };
}

/** Highest cost first; unpriced volumes after priced ones; then account, region, id for a stable order. */
export function compareByCost(a: AuditedVolume, b: AuditedVolume): number {
  const ca = a.monthlyCostUsd ?? -1;
  const cb = b.monthlyCostUsd ?? -1;
  if (ca !== cb) return cb - ca;
  return a.account.localeCompare(b.account) || a.region.localeCompare(b.region) || a.volumeId.localeCompare(b.volumeId);
}
