/**
 * Where the audit gets one region's prices: the built-in table, or the Price List Query API (fetched at most once per
 * run and cached per warm container) with the built-in table as the fallback. Any API failure (AccessDenied,
 * throttling past retries, network) falls back to the built-in table and says so: pricing never fails the run.
 */
import type { PricingClient } from '@aws-sdk/client-pricing';
import { parseEbsPriceList, PRICE_LIST_API_SOURCE } from '../core/price-list';
import { builtInRegionPrices, EBS_PRICE_TABLE, type PriceTable, type RegionPrices } from '../core/pricing';
import type { RegionPriceResolver } from '../ports';
import { fetchEbsPriceListItems } from './price-list-api';
import { HOUR_MS } from '../../shared/time';

/** How long a warm container reuses a region's answer (list prices change rarely; a weekly run refetches). */
export const CONTAINER_CACHE_TTL_MS = 12 * HOUR_MS;

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
