/**
 * The audit's summary: totals, per-account totals, the ten most expensive volumes, coverage and price sources. Pure.
 */
import type { AuditResult, AuditSummary } from '../types';
import { EBS_PRICE_TABLE, type PriceSource, type RegionPrices } from './pricing';
import { compareByCost } from './volumes';

export function summarizePriceSources(pricing: readonly RegionPrices[] = []): AuditSummary['prices'] {
  const regions = pricing.map((p) => ({
    region: p.region,
    priceSource: p.priceSource,
    asOf: p.priceList?.asOf ?? null,
    note: p.note ?? null,
    unpricedTypes: { ...(p.unpriced ?? {}) },
  }));
  const sourceCounts: Record<PriceSource, number> = { 'price-list-api': 0, 'built-in': 0, none: 0 };
  for (const r of regions) sourceCounts[r.priceSource] += 1;
  return { asOf: EBS_PRICE_TABLE.asOf, note: EBS_PRICE_TABLE.note, sourceCounts, regions };
}

const cents = (n: number) => Math.round(n * 100) / 100;

export function summarizeAudit(result: AuditResult): AuditSummary {
  const sorted = [...result.volumes].sort(compareByCost);
  const perAccount = new Map<string, { volumes: number; sizeGiB: number; cost: number; unpriced: number }>();
  let total = 0;
  let reviewable = 0;
  let size = 0;
  for (const v of sorted) {
    const acc = perAccount.get(v.account) ?? { volumes: 0, sizeGiB: 0, cost: 0, unpriced: 0 };
    acc.volumes += 1;
    acc.sizeGiB += v.sizeGiB ?? 0;
    size += v.sizeGiB ?? 0;
    if (v.monthlyCostUsd === null) acc.unpriced += 1;
    else {
      acc.cost += v.monthlyCostUsd;
      total += v.monthlyCostUsd;
      if (!v.excluded) reviewable += v.monthlyCostUsd;
    }
    perAccount.set(v.account, acc);
  }
  return {
    volumeCount: sorted.length,
    excludedCount: sorted.filter((v) => v.excluded).length,
    kubernetesCount: sorted.filter((v) => v.kubernetes).length,
    cloudformationCount: sorted.filter((v) => v.cloudformationStack !== null).length,
    unpricedCount: sorted.filter((v) => v.monthlyCostUsd === null).length,
    totalSizeGiB: size,
    totalMonthlyCostUsd: cents(total),
    reviewableMonthlyCostUsd: cents(reviewable),
    top10: sorted
      .filter((v) => v.monthlyCostUsd !== null)
      .slice(0, 10)
      .map((v) => ({
        account: v.account,
        region: v.region,
        volumeId: v.volumeId,
        name: v.name,
        owner: v.owner,
        volumeType: v.volumeType,
        sizeGiB: v.sizeGiB,
        monthlyCostUsd: v.monthlyCostUsd ?? 0,
        detachedSince: v.detachedSince,
      })),
    perAccount: [...perAccount.entries()]
      .map(([account, a]) => ({
        account,
        volumes: a.volumes,
        sizeGiB: a.sizeGiB,
        monthlyCostUsd: cents(a.cost),
        unpriced: a.unpriced,
      }))
      .sort((a, b) => b.monthlyCostUsd - a.monthlyCostUsd || a.account.localeCompare(b.account)),
    auditedScopes: result.auditedScopes.length,
    notAudited: result.notAudited,
    warnings: result.warnings.length,
    prices: summarizePriceSources(result.pricing),
  };
}
