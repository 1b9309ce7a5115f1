/**
 * The ops event and the summaries built from a run's report, once: the handler publishes `buildPrunerEvent`, the CLI
 * prints `reportJson` (--json) and both use `summarizeRun` and `targetSummary`.
 */
import { buildOpsEvent, type OpsEvent, type OpsEventContext } from '../shared/ops-event';
import { formatBytes } from './core/format';
import type { RunReport, TargetReport } from './types';

/** Most backup ids, errors and warnings one target carries in the event (the full report is in the log). */
const EVENT_BACKUP_IDS = 50;
const EVENT_ERRORS = 20;
const EVENT_WARNINGS = 20;

/** One target's outcome as the ops event carries it: where, what was planned and done, and why not. */
export function targetSummary(t: TargetReport) {
  return {
    target: t.target,
    layout: t.layout,
    location: `s3://${t.bucket}/${t.prefix}`,
    refused: t.refused,
    backupsToDelete: t.backups
      .filter((b) => b.action === 'delete')
      .map((b) => b.id)
      .slice(0, EVENT_BACKUP_IDS),
    objectsToDelete: t.objectsToDelete,
    bytesToFree: t.bytesToFree,
    deleted: t.deleted,
    errors: t.errors.slice(0, EVENT_ERRORS),
    warnings: t.warnings.slice(0, EVENT_WARNINGS),
    resume: t.resume,
    failed: t.failed,
  };
}

/** The run's ops event: kind and severity from `summarizeRun`, the run totals and one summary per target. */
export function buildPrunerEvent(report: RunReport, context: OpsEventContext): OpsEvent {
  const { kind, severity, summary } = summarizeRun(report);
  return buildOpsEvent(
    {
      source: 'backup-pruner',
      kind,
      severity,
      summary,
      details: {
        dryRun: report.dryRun,
        objectsToDelete: report.objectsToDelete,
        bytesToFree: report.bytesToFree,
        deleted: report.deleted,
        errors: report.errors,
        capExceeded: report.capExceeded,
        notStarted: report.notStarted,
        targets: report.targets.map(targetSummary),
      },
    },
    context,
  );
}

/** The CLI's --json shape: one object for the one target (the plan's fields first, then the rest of the report). */
export function reportJson(report: RunReport) {
  const t = report.targets[0];
  return {
    dryRun: report.dryRun,
    layout: t?.layout,
    backups: (t?.backups ?? []).map((b) => ({
      id: b.id,
      action: b.action,
      reason: b.reason,
      status: b.status,
      time: b.time,
      objects: b.objects,
      bytes: b.bytes,
    })),
    objectsToDelete: t?.objectsToDelete ?? 0,
    bytesToFree: t?.bytesToFree ?? 0,
    deleted: t?.deleted ?? 0,
    errors: t?.errors ?? [],
    bucket: t?.bucket,
    prefix: t?.prefix,
    refused: t?.refused,
    capExceeded: report.capExceeded,
    warnings: t?.warnings ?? [],
    wal: t?.wal,
    freshness: t?.freshness,
    versionsDeleted: t?.versionsDeleted ?? 0,
    resume: t?.resume,
    failed: t?.failed,
    requests: t?.requests,
  };
}

/** The one-line summary and severity of a run, for the ops event. */
export function summarizeRun(report: RunReport): {
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  summary: string;
} {
  const refused = report.targets.filter((t) => t.refused);
  const failed = report.targets.filter((t) => t.failed);
  const stopped = report.targets.filter((t) => t.resume);
  const warnings = report.targets.reduce((n, t) => n + t.warnings.length, 0);
  const mode = report.dryRun ? 'dry run' : 'executed';
  const parts = [
    `${report.targets.length} target(s) ${mode}`,
    report.dryRun
      ? `${report.objectsToDelete} object(s) (${formatBytes(report.bytesToFree)}) would be deleted`
      : `${report.deleted} of ${report.objectsToDelete} planned object(s) deleted`,
  ];
  if (report.capExceeded) parts.push(`plan above maxDeletesPerRun ${report.capExceeded.cap}: nothing deleted`);
  if (refused.length > 0) parts.push(`refused: ${refused.map((t) => t.target).join(', ')}`);
  if (failed.length > 0) parts.push(`failed: ${failed.map((t) => t.target).join(', ')}`);
  if (report.errors > 0) parts.push(`${report.errors} delete error(s)`);
  if (stopped.length > 0 || report.notStarted.length > 0) parts.push('stopped for time; the next run resumes');
  if (warnings > 0) parts.push(`${warnings} warning(s)`);
  const kind = report.capExceeded
    ? 'prune-cap-exceeded'
    : failed.length > 0
      ? 'prune-failed'
      : refused.length > 0
        ? 'prune-refused'
        : report.errors > 0
          ? 'prune-errors'
          : report.dryRun
            ? 'prune-planned'
            : 'pruned';
  const severity =
    refused.length > 0 ||
    failed.length > 0 ||
    report.errors > 0 ||
    report.capExceeded ||
    stopped.length > 0 ||
    report.notStarted.length > 0 ||
    warnings > 0
      ? 'warning'
      : 'info';
  return { kind, severity, summary: `backup-pruner: ${parts.join('; ')}` };
}
