/**
 * The audit's summary: totals, per-account totals, the ten most expensive volumes, coverage and price sources. Pure.
 */
import type { AuditedVolume, AuditResult, AuditSummary } from '../types';
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

/**
 * The summary built one volume at a time, in memory bounded by the accounts (per-account totals) and a top-10 kept
 * as a small sorted list: the Lambda never holds every volume just to summarise them.
 */
export class SummaryAccumulator {
  private readonly perAccount = new Map<string, { volumes: number; sizeGiB: number; cost: number; unpriced: number }>();
  private readonly top: AuditedVolume[] = [];
  private count = 0;
  private excluded = 0;
  private kubernetes = 0;
  private cloudformation = 0;
  private unpriced = 0;
  private size = 0;
  private total = 0;
  private reviewable = 0;

  constructor(private readonly topN = 10) {}

  add(v: AuditedVolume): void {
    const acc = this.perAccount.get(v.account) ?? { volumes: 0, sizeGiB: 0, cost: 0, unpriced: 0 };
    this.perAccount.set(v.account, acc);
    acc.volumes += 1;
    acc.sizeGiB += v.sizeGiB ?? 0;
    this.size += v.sizeGiB ?? 0;
    this.count += 1;
    if (v.excluded) this.excluded += 1;
    if (v.kubernetes) this.kubernetes += 1;
    if (v.cloudformationStack !== null) this.cloudformation += 1;
    if (v.monthlyCostUsd === null) {
      acc.unpriced += 1;
      this.unpriced += 1;
      return;
    }
    acc.cost += v.monthlyCostUsd;
    this.total += v.monthlyCostUsd;
    if (!v.excluded) this.reviewable += v.monthlyCostUsd;
    // Top N by cost: insert in order, drop the cheapest beyond N.
    if (this.top.length === this.topN && compareByCost(v, this.top[this.topN - 1]) >= 0) return;
    let i = this.top.length;
    while (i > 0 && compareByCost(v, this.top[i - 1]) < 0) i--;
    this.top.splice(i, 0, v);
    if (this.top.length > this.topN) this.top.pop();
  }

  summary(result: Omit<AuditResult, 'volumes' | 'runId' | 'startedAt' | 'finishedAt'>): AuditSummary {
    return {
      volumeCount: this.count,
      excludedCount: this.excluded,
      kubernetesCount: this.kubernetes,
      cloudformationCount: this.cloudformation,
      unpricedCount: this.unpriced,
      totalSizeGiB: this.size,
      totalMonthlyCostUsd: cents(this.total),
      reviewableMonthlyCostUsd: cents(this.reviewable),
      top10: this.top.map((v) => ({
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
      perAccount: [...this.perAccount.entries()]
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
}

export function summarizeAudit(result: AuditResult): AuditSummary {
  const acc = new SummaryAccumulator();
  for (const v of result.volumes) acc.add(v);
  return acc.summary(result);
}
