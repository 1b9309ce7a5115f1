/**
 * The ops event and the one-line summary of an audit run, built from the job's result: one projection shared by the
 * handler (Slack via the ops-events topic) and the CLI.
 */
import type { OpsEventInput } from '../shared/ops-event';
import { sanitizeText } from '../shared/text';
import { countOutcomes } from './core/actions';
import { usd } from './core/report';
import type { ActionPlan, ActionResult, ActionsEventDetail, AuditSummary } from './types';

const EVENT_LIST_LIMIT = 50;
/** Not-audited scopes named in the one-line summary (the rest as "and N more"). */
const SUMMARY_GAP_LIMIT = 5;
/** Failed actions listed in the event details (all of them are in the actions report). */
const EVENT_FAILED_LIMIT = 10;
/** The ops-event contract's summary limit (lambdas/shared/ops-event.ts cuts longer ones). */
export const SUMMARY_MAX_CHARS = 500;

/** Every text of the event is outside data (tags, AWS error messages): one printable line, bounded. */
const cut = (text: string, max: number) => sanitizeText(text, { max });
const cutOrNull = (text: string | null, max: number) => (text === null ? null : cut(text, max));

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
      notAudited: summary.notAudited
        .slice(0, EVENT_LIST_LIMIT)
        .map((g) => ({ ...g, errorCode: cut(g.errorCode, 100), reason: cut(g.reason, 200) })),
      volumeCount: summary.volumeCount,
      totalMonthlyCostUsd: summary.totalMonthlyCostUsd,
      ...(actionCounts ? { actions: actionCounts } : {}),
      top10: summary.top10.map((t) => ({ ...t, name: cutOrNull(t.name, 128), owner: cutOrNull(t.owner, 128) })),
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

/** What the event says about the run's actions: counts, and the failed ones listed. */
export function actionsEventDetail(
  plan: ActionPlan,
  results: readonly ActionResult[],
  reportKey: string,
): ActionsEventDetail {
  return {
    dryRun: plan.dryRun,
    planned: { mark: plan.mark.length, unmark: plan.unmark.length, delete: plan.delete.length },
    skipped: plan.skipped.length,
    pendingMarks: plan.pendingCount,
    outcomes: countOutcomes(results),
    failed: results
      .filter((r) => r.outcome === 'failed')
      .map((r) => ({ action: r.action, account: r.account, region: r.region, volumeId: r.volumeId, detail: r.detail })),
    report: reportKey,
  };
}

/** The audit's figures as the handler logs them (before the report is written) and the CLI shows them. */
export function auditLogSummary(summary: AuditSummary) {
  return {
    volumes: summary.volumeCount,
    monthlyCostUsd: summary.totalMonthlyCostUsd,
    unpriced: summary.unpricedCount,
    auditedScopes: summary.auditedScopes,
    notAudited: summary.notAudited.length,
    warnings: summary.warnings,
  };
}
