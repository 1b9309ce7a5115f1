/**
 * The audit report: RFC 4180 CSV for people, JSON for machines, and the summary the ops event carries. Pure.
 */
import type { OpsEventInput } from '../shared/ops-event';
import { EBS_PRICE_TABLE, type PriceSource, type RegionPrices } from './pricing';
import { type AuditedVolume, compareByCost } from './volumes';

/** Where in the run an account or region could not be audited. */
export type AuditStage =
  'list-accounts' | 'assume-role' | 'describe-regions' | 'describe-volumes' | 'metrics' | 'time-budget';

export interface CoverageGap {
  readonly account: string;
  /** A region code, or "*" when the whole account could not be audited. */
  readonly region: string;
  readonly stage: AuditStage;
  readonly errorCode: string;
  readonly reason: string;
}

export interface AuditResult {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Account×region pairs whose volumes were listed completely. */
  readonly auditedScopes: readonly { readonly account: string; readonly region: string }[];
  readonly volumes: readonly AuditedVolume[];
  /** Accounts/regions not audited, with the reason. */
  readonly notAudited: readonly CoverageGap[];
  /** Audited, but something is missing (e.g. detach estimates because CloudWatch failed). */
  readonly warnings: readonly CoverageGap[];
  /** The prices used per region with volumes, and where they came from (absent: the built-in table). */
  readonly pricing?: readonly RegionPrices[];
}

/** Where one region's prices came from, as the summary and the ops event show it. */
export interface RegionPriceSourceSummary {
  readonly region: string;
  readonly priceSource: PriceSource;
  readonly asOf: string | null;
  /** Why (e.g. the Price List API failed and the built-in table stood in). */
  readonly note: string | null;
  /** Volume types left unpriced by the source, with the reason. */
  readonly unpricedTypes: Readonly<Record<string, string>>;
}

export interface AccountTotal {
  readonly account: string;
  readonly volumes: number;
  readonly sizeGiB: number;
  readonly monthlyCostUsd: number;
  readonly unpriced: number;
}

export interface TopVolume {
  readonly account: string;
  readonly region: string;
  readonly volumeId: string;
  readonly name: string | null;
  readonly owner: string | null;
  readonly volumeType: string | null;
  readonly sizeGiB: number | null;
  readonly monthlyCostUsd: number;
  readonly detachedSince: string;
}

export interface AuditSummary {
  readonly volumeCount: number;
  readonly excludedCount: number;
  readonly kubernetesCount: number;
  readonly cloudformationCount: number;
  readonly unpricedCount: number;
  readonly totalSizeGiB: number;
  /** Sum of the priced volumes (unpriced ones are counted in unpricedCount, never guessed). */
  readonly totalMonthlyCostUsd: number;
  /** Same, excluding volumes carrying the exclude tag. */
  readonly reviewableMonthlyCostUsd: number;
  readonly top10: readonly TopVolume[];
  readonly perAccount: readonly AccountTotal[];
  readonly auditedScopes: number;
  readonly notAudited: readonly CoverageGap[];
  readonly warnings: number;
  readonly prices: {
    readonly asOf: string;
    readonly note: string;
    /** Regions priced per source (regions with volumes only). */
    readonly sourceCounts: Readonly<Record<PriceSource, number>>;
    readonly regions: readonly RegionPriceSourceSummary[];
  };
}

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

// ---------------------------------------------------------------------------------------------------------------
// CSV (RFC 4180): CRLF line ends, a field is quoted when it holds a comma, quote, CR or LF, and quotes are doubled.

type CsvValue = string | number | boolean | null | undefined;

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab/CR) as a formula; tag values come from anyone who can
 * tag a volume, so such text cells get a leading apostrophe (OWASP "CSV injection"). Numbers are written as is.
 */
function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? neutralizeFormula(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvField(values[i]);
  return line + '\r\n';
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return csvRow(header) + rows.map(csvRow).join('');
}

export const VOLUME_CSV_COLUMNS = [
  'account',
  'region',
  'volume_id',
  'name',
  'owner',
  'owner_tag',
  'type',
  'size_gib',
  'iops',
  'throughput_mibps',
  'monthly_cost_usd',
  'cost_note',
  'price_source',
  'detached_since',
  'detached_days',
  'detached_note',
  'created',
  'snapshot_id',
  'encrypted',
  'availability_zone',
  'kubernetes',
  'cloudformation_stack',
  'excluded',
  'marked_delete_after',
  'tags_json',
] as const;

export function volumesToCsv(volumes: readonly AuditedVolume[]): string {
  // One string per row (no intermediate array of cells per row): reports of tens of thousands of volumes stay small.
  const lines = [csvRow(VOLUME_CSV_COLUMNS)];
  for (const v of [...volumes].sort(compareByCost)) {
    lines.push(
      csvRow([
        v.account,
        v.region,
        v.volumeId,
        v.name,
        v.owner,
        v.ownerTag,
        v.volumeType,
        v.sizeGiB,
        v.iops,
        v.throughputMiBps,
        v.monthlyCostUsd === null ? 'unknown' : v.monthlyCostUsd.toFixed(2),
        v.costNote,
        v.priceSource,
        v.detachedSince,
        v.detachedDays,
        v.detachedNote,
        v.createdAt,
        v.snapshotId,
        v.encrypted,
        v.availabilityZone,
        v.kubernetes,
        v.cloudformationStack,
        v.excluded,
        v.markedDeleteAfter,
        JSON.stringify(v.tags),
      ]),
    );
  }
  return lines.join('');
}

export function coverageGapsToCsv(gaps: readonly CoverageGap[]): string {
  return toCsv(
    ['account', 'region', 'stage', 'error_code', 'reason'],
    gaps.map((g) => [g.account, g.region, g.stage, g.errorCode, g.reason]),
  );
}

// ---------------------------------------------------------------------------------------------------------------

export const REPORT_SCHEMA_VERSION = 1;

export function buildJsonReport(result: AuditResult, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schemaVersion: REPORT_SCHEMA_VERSION,
    runId: result.runId,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    summary: summarizeAudit(result),
    // The built-in table (the fallback), and the prices actually used per region with their source.
    priceTable: EBS_PRICE_TABLE,
    pricing: result.pricing ?? [],
    volumes: [...result.volumes].sort(compareByCost),
    notAudited: result.notAudited,
    warnings: result.warnings,
    auditedScopes: result.auditedScopes,
    ...extra,
  }); // compact: it is for machines, and large organizations make it big
}

/** Dated report keys: `<prefix>YYYY-MM-DD/ebs-audit-YYYYMMDDTHHMMSSZ.{csv,json}`. */
export function reportKeys(prefix: string, startedAt: Date) {
  const iso = startedAt.toISOString();
  const stamp = iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = `${prefix}${iso.slice(0, 10)}/ebs-audit-${stamp}`;
  return {
    csv: `${base}.csv`,
    json: `${base}.json`,
    notAuditedCsv: `${base}-not-audited.csv`,
    actionsJson: `${base}-actions.json`,
  };
}

/** The folder of one UTC day's reports: `<prefix>YYYY-MM-DD/`. */
export function reportDayPrefix(prefix: string, day: Date): string {
  return `${prefix}${day.toISOString().slice(0, 10)}/`;
}

/**
 * The record written right before a run deletes anything: `<prefix>YYYY-MM-DD/ebs-audit-<stamp>-delete-intent-<n>.json`
 * where n is how many volumes the run may delete. The number is in the key, so a listing of the day's folder counts
 * the day's deletes (attempts, not successes: the count errs on the side of deleting less).
 */
export function deleteIntentKey(prefix: string, startedAt: Date, count: number): string {
  return reportKeys(prefix, startedAt).json.replace(/\.json$/, `-delete-intent-${count}.json`);
}

const DELETE_INTENT_KEY = /\/ebs-audit-\d{8}T\d{6}Z-delete-intent-(\d+)\.json$/;

/** The deletes recorded by the intent keys of one day's listing. */
export function countRecordedDeletes(keys: readonly string[]): number {
  let total = 0;
  for (const key of keys) {
    const m = DELETE_INTENT_KEY.exec(key);
    if (m) total += Number(m[1]);
  }
  return total;
}

export const usd = (n: number) =>
  `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

const EVENT_LIST_LIMIT = 50;
/** Not-audited scopes named in the one-line summary (the rest as "and N more"). */
const SUMMARY_GAP_LIMIT = 5;
/** Failed actions listed in the event details (all of them are in the actions report). */
const EVENT_FAILED_LIMIT = 10;
/** The ops-event contract's summary limit (lambdas/shared/ops-event.ts cuts longer ones). */
export const SUMMARY_MAX_CHARS = 500;

/** What the event says about this run's actions (counts; the failures are listed first in the details). */
export interface ActionsEventDetail {
  readonly dryRun: boolean;
  readonly planned: { readonly mark: number; readonly unmark: number; readonly delete: number };
  readonly skipped: number;
  readonly pendingMarks: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly failed: readonly {
    readonly action: string;
    readonly account: string;
    readonly region: string;
    readonly volumeId: string;
    readonly detail: string;
  }[];
  readonly report: string;
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The one-line summary, at most SUMMARY_MAX_CHARS: counts and cost, the not-audited scopes by name (as many of the
 * first five as fit, then "and N more"), failed actions by kind, and the report location.
 */
export function auditEventSummary(
  summary: AuditSummary,
  location: { readonly bucket: string; readonly csvKey: string },
  actions?: ActionsEventDetail,
): string {
  const unpriced = summary.unpricedCount > 0 ? ` (+${summary.unpricedCount} unpriced)` : '';
  const head =
    `${summary.volumeCount} unattached EBS volume(s), ${usd(summary.totalMonthlyCostUsd)}/month${unpriced}` +
    ` across ${summary.perAccount.length} account(s)`;
  let actionText = '';
  if (actions && actions.failed.length > 0) {
    const byKind = new Map<string, number>();
    for (const [key, n] of Object.entries(actions.outcomes))
      if (key.endsWith('.failed')) byKind.set(key.slice(0, -'.failed'.length), n);
    const total = [...byKind.values()].reduce((a, b) => a + b, 0);
    actionText = `; ${total} action(s) FAILED (${[...byKind.entries()].map(([k, n]) => `${k} ${n}`).join(', ')})`;
  }
  const tails = [`. Report: s3://${location.bucket}/${location.csvKey}`, '. Report: see details.report'];
  const gaps = summary.notAudited;
  if (gaps.length === 0) return cut(head + actionText + tails[0], SUMMARY_MAX_CHARS);
  const named = gaps.slice(0, SUMMARY_GAP_LIMIT).map((g) => `${g.account}/${g.region} (${g.stage}: ${g.errorCode})`);
  // Name as many as fit: the full report link gives way first (it is in details.report too), then names.
  for (let n = named.length; n >= 0; n--) {
    const more = gaps.length - n;
    const list = n > 0 ? `: ${named.slice(0, n).join(', ')}${more > 0 ? ` and ${more} more` : ''}` : '';
    for (const tail of tails) {
      const text = `${head}; ${gaps.length} account/region(s) NOT audited${list}${actionText}${tail}`;
      if (text.length <= SUMMARY_MAX_CHARS || n === 0) return cut(text, SUMMARY_MAX_CHARS);
    }
  }
  return cut(head, SUMMARY_MAX_CHARS); // not reached
}

/**
 * The ops event for one audit run: what the alert-notifier shows in Slack. It renders only the first 8 keys of
 * `details` as fields, so the keys come in order of importance: failed actions, the not-audited scopes, the totals,
 * the actions' counts, the top 10 and per-account totals; the rest after.
 */
export function buildAuditOpsEvent(
  summary: AuditSummary,
  location: { readonly bucket: string; readonly csvKey: string; readonly jsonKey: string },
  actions?: ActionsEventDetail,
): OpsEventInput {
  const gaps = summary.notAudited.length;
  const failed = actions?.failed ?? [];
  const actionCounts = actions
    ? {
        dryRun: actions.dryRun,
        planned: actions.planned,
        skipped: actions.skipped,
        pendingMarks: actions.pendingMarks,
        outcomes: actions.outcomes,
        report: actions.report,
      }
    : undefined;
  return {
    source: 'ebs-audit',
    kind: 'audit-report',
    severity: gaps > 0 || failed.length > 0 ? 'warning' : 'info',
    summary: auditEventSummary(summary, location, actions),
    details: {
      ...(failed.length > 0
        ? {
            failedActions: failed.slice(0, EVENT_FAILED_LIMIT).map((f) => ({ ...f, detail: cut(f.detail, 160) })),
          }
        : {}),
      notAudited: summary.notAudited.slice(0, EVENT_LIST_LIMIT).map((g) => ({ ...g, reason: cut(g.reason, 200) })),
      volumeCount: summary.volumeCount,
      totalMonthlyCostUsd: summary.totalMonthlyCostUsd,
      ...(actionCounts ? { actions: actionCounts } : {}),
      top10: summary.top10,
      perAccount: summary.perAccount.slice(0, EVENT_LIST_LIMIT),
      notAuditedOmitted: Math.max(gaps - EVENT_LIST_LIMIT, 0),
      ...(failed.length > 0 ? { failedActionsOmitted: Math.max(failed.length - EVENT_FAILED_LIMIT, 0) } : {}),
      excludedCount: summary.excludedCount,
      unpricedCount: summary.unpricedCount,
      totalSizeGiB: summary.totalSizeGiB,
      reviewableMonthlyCostUsd: summary.reviewableMonthlyCostUsd,
      perAccountOmitted: Math.max(summary.perAccount.length - EVENT_LIST_LIMIT, 0),
      auditedScopes: summary.auditedScopes,
      warnings: summary.warnings,
      pricesAsOf: summary.prices.asOf,
      priceSources: summary.prices.sourceCounts,
      // Regions not priced live (fallback or none), with the reason: the reader should know which figures are stale.
      pricesNotLive: summary.prices.regions
        .filter((r) => r.priceSource !== 'price-list-api')
        .slice(0, EVENT_LIST_LIMIT)
        .map((r) => ({ region: r.region, priceSource: r.priceSource, note: r.note })),
      report: { bucket: location.bucket, csv: location.csvKey, json: location.jsonKey },
    },
  };
}
