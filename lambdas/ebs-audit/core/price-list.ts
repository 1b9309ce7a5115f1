/**
 * Parses the AWS Price List Query API's answer for one region's EBS volumes into the price model of pricing.ts. Pure.
 * Anything ambiguous (two different prices for one dimension, a missing io2 tier, an unexpected unit) leaves that
 * volume type unpriced for the region with the reason; nothing is guessed.
 *
 * Product shape (FormatVersion aws_v1): `PriceList` is an array of JSON strings, each `{ product: { productFamily,
 * attributes: { usagetype, regionCode, locationType, volumeApiName, ... } }, terms: { OnDemand: { <offer>: {
 * priceDimensions: { <rate>: { unit, pricePerUnit: { USD } } } } } }, publicationDate }`. Usage types carry a region
 * prefix outside us-east-1 (`EUW2-EBS:VolumeUsage.gp3`).
 */
import { VOLUME_TYPES, type RegionPriceList, type VolumeType, type VolumeTypePrice } from './pricing';

export const PRICE_LIST_API_SOURCE = 'AWS Price List Query API';
/** Every usage type the audit prices contains this text (storage, provisioned IOPS, provisioned throughput). */
export const EBS_VOLUME_USAGETYPE_MARKER = 'EBS:Volume';

type Dimension =
  | { readonly kind: 'storage'; readonly type: VolumeType }
  | { readonly kind: 'iops'; readonly type: 'gp3' | 'io1' | 'io2'; readonly tier: 1 | 2 | 3 }
  | { readonly kind: 'throughput'; readonly type: 'gp3' };

/** Usage-type suffixes (after the region prefix) of the dimensions the audit prices, per product family. */
const DIMENSIONS: Readonly<Record<string, Readonly<Record<string, Dimension>>>> = {
  Storage: {
    'EBS:VolumeUsage': { kind: 'storage', type: 'standard' },
    'EBS:VolumeUsage.gp2': { kind: 'storage', type: 'gp2' },
    'EBS:VolumeUsage.gp3': { kind: 'storage', type: 'gp3' },
    'EBS:VolumeUsage.piops': { kind: 'storage', type: 'io1' },
    'EBS:VolumeUsage.io2': { kind: 'storage', type: 'io2' },
    'EBS:VolumeUsage.st1': { kind: 'storage', type: 'st1' },
    'EBS:VolumeUsage.sc1': { kind: 'storage', type: 'sc1' },
  },
  'System Operation': {
    'EBS:VolumeP-IOPS.gp3': { kind: 'iops', type: 'gp3', tier: 1 },
    'EBS:VolumeP-IOPS.piops': { kind: 'iops', type: 'io1', tier: 1 },
    'EBS:VolumeP-IOPS.io2': { kind: 'iops', type: 'io2', tier: 1 },
    'EBS:VolumeP-IOPS.io2.tier2': { kind: 'iops', type: 'io2', tier: 2 },
    'EBS:VolumeP-IOPS.io2.tier3': { kind: 'iops', type: 'io2', tier: 3 },
  },
  'Provisioned Throughput': {
    'EBS:VolumeP-Throughput.gp3': { kind: 'throughput', type: 'gp3' },
  },
};

/** The unit each dimension must be published in; anything else leaves the type unpriced. */
const EXPECTED_UNIT: Readonly<Record<Dimension['kind'], string>> = {
  storage: 'GB-Mo',
  iops: 'IOPS-Mo',
  throughput: 'GiBps-mo',
};
/** gp3 throughput is published per GiBps-month; the model (and DescribeVolumes) use MiB/s. */
const MIB_PER_GIB = 1024;

const dimensionKey = (d: Dimension) =>
  d.kind === 'storage' ? `storage:${d.type}` : d.kind === 'iops' ? `iops:${d.type}:${d.tier}` : `throughput:${d.type}`;

const describeDimension = (d: Dimension) =>
  d.kind === 'storage'
    ? `${d.type} storage (GB-month)`
    : d.kind === 'iops'
      ? `${d.type} provisioned IOPS${d.type === 'io2' ? ` tier ${d.tier}` : ''}`
      : `${d.type} throughput`;

interface Collected {
  readonly dimension: Dimension;
  readonly prices: Set<number>;
  readonly problems: string[];
}

export interface ParsedEbsPrices {
  readonly priceList: RegionPriceList;
  /** Volume types the answer could not price, with the reason. */
  readonly unpriced: Partial<Record<VolumeType, string>>;
  /** Products that were the region's EBS volume products (after skipping other variants). */
  readonly matchedProducts: number;
  /** Products skipped: other locations (Local Zones, Outposts), other usage types, unreadable items. */
  readonly skippedProducts: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function parseItem(item: unknown): Json | undefined {
  if (isObject(item) && !(item instanceof String)) return item;
  if (typeof item === 'string' || item instanceof String) {
    try {
      const parsed: unknown = JSON.parse(String(item));
      return isObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `EUW2-EBS:VolumeUsage.gp3` → `EBS:VolumeUsage.gp3`; undefined when the prefix is not one region code. */
export function usageTypeSuffix(usagetype: string): string | undefined {
  const at = usagetype.indexOf('EBS:');
  if (at < 0) return undefined;
  const prefix = usagetype.slice(0, at);
  if (prefix !== '' && !/^[A-Z0-9]+-$/.test(prefix)) return undefined; // e.g. a Local Zone's `USE1-BOS1-`
  return usagetype.slice(at);
}

/** The USD prices and units of a product's OnDemand term(s). */
function onDemandDimensions(doc: Json): { unit: string | undefined; usd: string | undefined }[] {
  const terms = isObject(doc.terms) ? doc.terms : undefined;
  const onDemand = terms && isObject(terms.OnDemand) ? terms.OnDemand : undefined;
  const out: { unit: string | undefined; usd: string | undefined }[] = [];
  for (const offer of Object.values(onDemand ?? {})) {
    if (!isObject(offer) || !isObject(offer.priceDimensions)) continue;
    for (const dim of Object.values(offer.priceDimensions)) {
      if (!isObject(dim)) continue;
      const perUnit = isObject(dim.pricePerUnit) ? dim.pricePerUnit : {};
      out.push({ unit: text(dim.unit), usd: text(perUnit.USD) });
    }
  }
  return out;
}

/**
 * Parses one region's GetProducts answer into a price list. `runDate` (YYYY-MM-DD) is the asOf when the answer
 * carries no publicationDate.
 */
export function parseEbsPriceList(region: string, items: readonly unknown[], runDate: string): ParsedEbsPrices {
  const collected = new Map<string, Collected>();
  let matched = 0;
  let skipped = 0;
  let published: string | undefined;
  for (const item of items) {
    const doc = parseItem(item);
    const product = doc && isObject(doc.product) ? doc.product : undefined;
    const attributes = product && isObject(product.attributes) ? product.attributes : undefined;
    const family = product ? text(product.productFamily) : undefined;
    const usagetype = attributes ? text(attributes.usagetype) : undefined;
    const suffix = usagetype ? usageTypeSuffix(usagetype) : undefined;
    const dimension = family && suffix ? DIMENSIONS[family]?.[suffix] : undefined;
    const regionCode = attributes ? text(attributes.regionCode) : undefined;
    const locationType = attributes ? text(attributes.locationType) : undefined;
    if (
      !doc ||
      !attributes ||
      !dimension ||
      (regionCode !== undefined && regionCode !== region) ||
      (locationType !== undefined && locationType !== 'AWS Region')
    ) {
      skipped += 1;
      continue;
    }
    matched += 1;
    const date = text(doc.publicationDate);
    if (date && /^\d{4}-\d{2}-\d{2}/.test(date) && (!published || date > published)) published = date;

    const key = dimensionKey(dimension);
    const entry = collected.get(key) ?? { dimension, prices: new Set<number>(), problems: [] };
    collected.set(key, entry);
    const apiName = text(attributes.volumeApiName);
    if (dimension.kind === 'storage' && apiName !== undefined && apiName !== dimension.type) {
      entry.problems.push(`usage type ${usagetype} is labelled volumeApiName ${apiName}`);
      continue;
    }
    const dims = onDemandDimensions(doc);
    if (dims.length === 0) entry.problems.push(`no OnDemand price for ${usagetype}`);
    for (const d of dims) {
      const expected = EXPECTED_UNIT[dimension.kind];
      if (d.unit?.toLowerCase() !== expected.toLowerCase()) {
        entry.problems.push(`unexpected unit "${d.unit ?? '(none)'}" (expected ${expected})`);
        continue;
      }
      const usd = d.usd === undefined || d.usd.trim() === '' ? NaN : Number(d.usd);
      if (!Number.isFinite(usd) || usd < 0) {
        entry.problems.push(`no usable USD price ("${d.usd ?? '(none)'}")`);
        continue;
      }
      entry.prices.add(dimension.kind === 'throughput' ? usd / MIB_PER_GIB : usd);
    }
  }

  /** The one price of a dimension, or the reason there is none. */
  const single = (d: Dimension): number | string => {
    const entry = collected.get(dimensionKey(d));
    const label = describeDimension(d);
    if (!entry) return `${label}: not in the Price List API answer for ${region}`;
    if (entry.problems.length > 0) return `${label}: ${entry.problems[0]}`;
    if (entry.prices.size > 1)
      return `${label}: several different prices (${[...entry.prices].sort((a, b) => a - b).join(', ')})`;
    const [only] = [...entry.prices];
    return only ?? `${label}: no price`;
  };

  const prices: Partial<Record<VolumeType, VolumeTypePrice>> = {};
  const unpriced: Partial<Record<VolumeType, string>> = {};
  for (const type of VOLUME_TYPES) {
    const storage = single({ kind: 'storage', type });
    const parts: (number | string)[] = [storage];
    let price: VolumeTypePrice | undefined;
    if (type === 'gp3') {
      const iops = single({ kind: 'iops', type: 'gp3', tier: 1 });
      const throughput = single({ kind: 'throughput', type: 'gp3' });
      parts.push(iops, throughput);
      if (typeof storage === 'number' && typeof iops === 'number' && typeof throughput === 'number')
        price = {
          kind: 'gp3',
          perGbMonth: storage,
          perIopsMonthAboveBaseline: iops,
          perMiBpsMonthAboveBaseline: throughput,
        };
    } else if (type === 'io1') {
      const iops = single({ kind: 'iops', type: 'io1', tier: 1 });
      parts.push(iops);
      if (typeof storage === 'number' && typeof iops === 'number')
        price = { kind: 'io1', perGbMonth: storage, perIopsMonth: iops };
    } else if (type === 'io2') {
      const tiers = ([1, 2, 3] as const).map((tier) => single({ kind: 'iops', type: 'io2', tier }));
      parts.push(...tiers);
      const [t1, t2, t3] = tiers;
      if (typeof storage === 'number' && typeof t1 === 'number' && typeof t2 === 'number' && typeof t3 === 'number')
        price = { kind: 'io2', perGbMonth: storage, perIopsMonthTiers: [t1, t2, t3] };
    } else if (typeof storage === 'number') {
      price = { kind: 'storage-only', perGbMonth: storage };
    }
    if (price) prices[type] = price;
    else {
      const reasons = parts.filter((p): p is string => typeof p === 'string');
      unpriced[type] = `${PRICE_LIST_API_SOURCE}: ${reasons.join('; ')}`;
    }
  }
  return {
    priceList: { source: PRICE_LIST_API_SOURCE, asOf: published ? published.slice(0, 10) : runDate, prices },
    unpriced,
    matchedProducts: matched,
    skippedProducts: skipped,
  };
}
