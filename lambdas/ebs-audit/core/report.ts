/**
 * The audit report files: RFC 4180 CSV for people, JSON for machines, and their dated keys. Pure.
 */
import type { AuditResult, AuditSummary, AuditedVolume, CoverageGap } from '../types';
import { EBS_PRICE_TABLE } from './pricing';
import { summarizeAudit } from './summary';
import { compareByCost } from './volumes';

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

/** One CSV row of the volume report (CRLF-terminated). */
export function volumeCsvRow(v: AuditedVolume): string {
  return csvRow([
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
  ]);
}

/** The whole volume report, most expensive first (the CLI; the Lambda streams rows per scope instead). */
export function volumesToCsv(volumes: readonly AuditedVolume[]): string {
  const lines = [csvRow(VOLUME_CSV_COLUMNS)];
  for (const v of [...volumes].sort(compareByCost)) lines.push(volumeCsvRow(v));
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

/**
 * The JSON report written as a stream (the Lambda): the head before the scan, the volumes as each account×region is
 * done (most expensive first within it), the rest (summary, prices, gaps, plan) once known. Same fields as
 * buildJsonReport; `volumes` comes before `summary`.
 */
export const jsonReportStream = {
  head: (runId: string, startedAt: string): string =>
    `{"schemaVersion":${REPORT_SCHEMA_VERSION},"runId":${JSON.stringify(runId)},"startedAt":${JSON.stringify(startedAt)},"volumes":[`,
  volumes: (volumes: readonly AuditedVolume[], first: boolean): string =>
    volumes.map((v, i) => `${first && i === 0 ? '' : ','}${JSON.stringify(v)}`).join(''),
  tail: (result: Omit<AuditResult, 'volumes'>, summary: AuditSummary, extra: Record<string, unknown> = {}): string =>
    `],${JSON.stringify({
      finishedAt: result.finishedAt,
      summary,
      priceTable: EBS_PRICE_TABLE,
      pricing: result.pricing ?? [],
      notAudited: result.notAudited,
      warnings: result.warnings,
      auditedScopes: result.auditedScopes,
      ...extra,
    }).slice(1)}`,
};

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
