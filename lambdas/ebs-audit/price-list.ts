/**
 * Live EBS list prices from the AWS Price List Query API (`pricing:GetProducts`), with the built-in table as the
 * fallback. Three parts:
 * - `fetchEbsPriceListItems` (port): one region's EBS volume products, all pages, through one query.
 * - `parseEbsPriceList` (pure): the products → the `RegionPriceList` model of pricing.ts. Anything ambiguous (two
 *   different prices for one dimension, a missing io2 tier, an unexpected unit) leaves that volume type unpriced for
 *   the region with the reason; nothing is guessed.
 * - `priceListApiResolver`: prices per region, fetched at most once per run and cached per warm container; any API
 *   failure (AccessDenied, throttling past retries, network) falls back to the built-in table and says so. Pricing
 *   never fails the run.
 *
 * The Query API has endpoints in us-east-1, eu-central-1 and ap-south-1 only; the endpoint region has nothing to do
 * with the priced region (that is the `regionCode` filter). Product shape (FormatVersion aws_v1): `PriceList` is an
 * array of JSON strings, each `{ product: { productFamily, attributes: { usagetype, regionCode, locationType,
 * volumeApiName, ... } }, terms: { OnDemand: { <offer>: { priceDimensions: { <rate>: { unit, pricePerUnit: { USD }
 * } } } } }, publicationDate }`. Usage types carry a region prefix outside us-east-1 (`EUW2-EBS:VolumeUsage.gp3`).
 */
import { paginateGetProducts, type Filter, type PricingClient } from '@aws-sdk/client-pricing';
import {
  builtInRegionPrices,
  EBS_PRICE_TABLE,
  VOLUME_TYPES,
  type PriceTable,
  type RegionPriceList,
  type RegionPrices,
  type VolumeType,
  type VolumeTypePrice,
} from './pricing';

export const PRICE_LIST_API_SOURCE = 'AWS Price List Query API';
/** The Query API endpoint the audit calls (its account's own credentials); any of the three would do. */
export const PRICE_LIST_ENDPOINT_REGION = 'us-east-1';
/** Largest page GetProducts returns. */
export const GET_PRODUCTS_PAGE_SIZE = 100;
/** Every usage type the audit prices contains this text (storage, provisioned IOPS, provisioned throughput). */
export const EBS_VOLUME_USAGETYPE_MARKER = 'EBS:Volume';
/** How long a warm container reuses a region's answer (list prices change rarely; a weekly run refetches). */
export const CONTAINER_CACHE_TTL_MS = 12 * 3_600_000;

/** The filters of the one GetProducts query per region: the region's EBS volume products (a few dozen). */
export function ebsProductFilters(region: string): Filter[] {
  return [
    { Type: 'TERM_MATCH', Field: 'regionCode', Value: region },
    { Type: 'CONTAINS', Field: 'usagetype', Value: EBS_VOLUME_USAGETYPE_MARKER },
  ];
}

/** Every product GetProducts returns for the region's EBS volumes, all pages; each item is still a JSON string. */
export async function fetchEbsPriceListItems(client: PricingClient, region: string): Promise<unknown[]> {
  const items: unknown[] = [];
  const pages = paginateGetProducts(
    { client, pageSize: GET_PRODUCTS_PAGE_SIZE },
    { ServiceCode: 'AmazonEC2', FormatVersion: 'aws_v1', Filters: ebsProductFilters(region) },
  );
  for await (const page of pages) {
    const list: unknown = page.PriceList;
    if (Array.isArray(list)) items.push(...(list as unknown[]));
  }
  return items;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing (pure)

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

// ---------------------------------------------------------------------------------------------------------------
// Resolvers: where the audit gets one region's prices

/** Prices for a region; never throws. */
export interface RegionPriceResolver {
  pricesFor(region: string): Promise<RegionPrices>;
  /** Every region resolved so far (for the report), sorted by region. */
  resolved(): RegionPrices[];
}

/** The built-in table only (`pricing.source: built-in`). */
export function builtInPriceResolver(table: PriceTable = EBS_PRICE_TABLE): RegionPriceResolver {
  const seen = new Map<string, RegionPrices>();
  return {
    pricesFor: (region) => {
      const prices = seen.get(region) ?? builtInRegionPrices(region, table);
      seen.set(region, prices);
      return Promise.resolve(prices);
    },
    resolved: () => [...seen.values()].sort((a, b) => a.region.localeCompare(b.region)),
  };
}

/** Answers kept across runs of a warm container (successful answers only, for CONTAINER_CACHE_TTL_MS). */
export class PriceListCache {
  private readonly entries = new Map<string, { readonly expiresAt: number; readonly prices: RegionPrices }>();
  constructor(private readonly ttlMs: number = CONTAINER_CACHE_TTL_MS) {}
  get(region: string, nowMs: number): RegionPrices | undefined {
    const hit = this.entries.get(region);
    if (hit && hit.expiresAt > nowMs) return hit.prices;
    this.entries.delete(region);
    return undefined;
  }
  set(region: string, prices: RegionPrices, nowMs: number): void {
    this.entries.set(region, { expiresAt: nowMs + this.ttlMs, prices });
  }
  clear(): void {
    this.entries.clear();
  }
}

/** The cache of this container (module scope: it survives between invocations of a warm Lambda). */
export const containerPriceCache = new PriceListCache();

function errorText(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown } | undefined;
  const name = typeof e?.name === 'string' && e.name !== '' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return `${name}: ${message}`.replace(/\s+/g, ' ').slice(0, 300);
}

export interface PriceListApiResolverOptions {
  /** The run's date: the asOf of prices whose answer has no publicationDate, and the cache clock. */
  readonly now: Date;
  /** The fallback table. */
  readonly builtIn?: PriceTable;
  readonly cache?: PriceListCache;
}

/**
 * Prices from the Price List Query API, one query (all pages) per region, each region at most once per run (callers
 * share the in-flight request) and reused by a warm container. On the first API failure the run stops calling the
 * API and every region it still needs uses the built-in table, with the failure in the region's note.
 */
export function priceListApiResolver(
  /** The client, created on first use (a run whose regions have no volumes never builds it). */
  pricingClient: () => PricingClient,
  options: PriceListApiResolverOptions,
): RegionPriceResolver {
  const table = options.builtIn ?? EBS_PRICE_TABLE;
  const cache = options.cache ?? containerPriceCache;
  const nowMs = options.now.getTime();
  const runDate = options.now.toISOString().slice(0, 10);
  const perRun = new Map<string, Promise<RegionPrices>>();
  const done = new Map<string, RegionPrices>();
  let failure: string | undefined;

  const fallback = (region: string, why: string): RegionPrices => {
    const builtIn = builtInRegionPrices(region, table);
    const note = `${PRICE_LIST_API_SOURCE} unavailable (${why}); ${
      builtIn.priceSource === 'built-in'
        ? 'using the built-in table'
        : 'the built-in table has no prices for this region'
    }`;
    return { ...builtIn, note };
  };

  const resolve = async (region: string): Promise<RegionPrices> => {
    const cached = cache.get(region, nowMs);
    if (cached) return cached;
    if (failure) return fallback(region, failure);
    let items: unknown[];
    try {
      items = await fetchEbsPriceListItems(pricingClient(), region);
    } catch (err) {
      failure ??= errorText(err);
      return fallback(region, errorText(err));
    }
    const parsed = parseEbsPriceList(region, items, runDate);
    const prices: RegionPrices =
      parsed.matchedProducts === 0
        ? {
            region,
            priceSource: 'none',
            note: `the ${PRICE_LIST_API_SOURCE} returned no EBS volume prices for ${region}`,
          }
        : {
            region,
            priceSource: 'price-list-api',
            priceList: parsed.priceList,
            ...(Object.keys(parsed.unpriced).length > 0 ? { unpriced: parsed.unpriced } : {}),
          };
    cache.set(region, prices, nowMs);
    return prices;
  };

  return {
    pricesFor: (region) => {
      let pending = perRun.get(region);
      if (!pending) {
        pending = resolve(region)
          .catch((err: unknown) => fallback(region, errorText(err))) // pricing never fails the run
          .then((prices) => {
            done.set(region, prices);
            return prices;
          });
        perRun.set(region, pending);
      }
      return pending;
    },
    resolved: () => [...done.values()].sort((a, b) => a.region.localeCompare(b.region)),
  };
}

/**
 * The resolver for the configured source (`pricing.source`), and `close` to release the Price List client after the
 * run. The client is built on first use only: a run whose regions have no unattached volumes never calls the API.
 */
export function priceResolverFor(
  source: 'price-list-api' | 'built-in',
  createClient: () => PricingClient,
  now: Date,
): { readonly resolver: RegionPriceResolver; readonly close: () => void } {
  if (source === 'built-in') return { resolver: builtInPriceResolver(), close: () => undefined };
  let client: PricingClient | undefined;
  const resolver = priceListApiResolver(() => (client ??= createClient()), { now });
  return { resolver, close: () => client?.destroy() };
}
