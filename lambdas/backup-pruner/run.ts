import type { BackupDecision, BarmanFreshness, Layout, WalSummary } from './plan-types';
import { executeTargetPlan, planTarget, type ExecutionResult, type PrunerTarget } from './pruner';
import type { DeleteError, ObjectStore, RequestCounts } from './s3-store';

export interface RunOptions {
  readonly targets: readonly PrunerTarget[];
  readonly storeFor: (target: PrunerTarget) => ObjectStore;
  readonly now: Date;
  readonly dryRun: boolean;
  readonly maxDeletesPerRun: number;
  /** True once the run must stop and report (Lambda time); checked between pages and delete batches. */
  readonly shouldStop?: () => boolean;
}

/** One target's plan and outcome: what the CLI prints with --json and the handler logs in full. */
export interface TargetReport {
  readonly target: string;
  readonly layout: Layout;
  readonly bucket: string;
  readonly prefix: string;
  readonly dryRun: boolean;
  /** Why nothing was deleted for this target, when the planner or the cap refused. */
  readonly refused?: string;
  readonly backups: readonly Pick<
    BackupDecision,
    'id' | 'action' | 'reason' | 'status' | 'time' | 'objects' | 'bytes'
  >[];
  readonly objectsListed: number;
  readonly objectsToDelete: number;
  readonly bytesToFree: number;
  readonly deleted: number;
  readonly bytesFreed: number;
  readonly versionsDeleted: number;
  readonly errors: readonly DeleteError[];
  readonly warnings: readonly string[];
  readonly wal?: WalSummary;
  readonly freshness?: BarmanFreshness;
  /** Set when the run stopped for time: what was left, and that the next run resumes by re-planning. */
  readonly resume?: string;
  readonly requests: RequestCounts;
}

export interface RunReport {
  readonly dryRun: boolean;
  readonly maxDeletesPerRun: number;
  readonly objectsToDelete: number;
  readonly bytesToFree: number;
  readonly deleted: number;
  readonly errors: number;
  /** Set when the plan exceeded maxDeletesPerRun: nothing was deleted. */
  readonly capExceeded?: { readonly planned: number; readonly cap: number };
  /** Targets not even planned because time ran out; the next run covers them. */
  readonly notStarted: readonly string[];
  readonly targets: readonly TargetReport[];
}

/**
 * One run over every target: plan them all first, then check the cap over the whole plan (a plan above
 * maxDeletesPerRun deletes nothing at all: safer than deleting an arbitrary first part of it), then, unless this is a
 * dry run, execute each target's plan. Planning one target never depends on another; a target that fails to plan
 * is reported and the others go on.
 */
export async function runPruner(options: RunOptions): Promise<RunReport> {
  const shouldStop = options.shouldStop ?? (() => false);
  const planned: { target: PrunerTarget; store: ObjectStore; plan: Awaited<ReturnType<typeof planTarget>> }[] = [];
  const notStarted: string[] = [];
  for (const target of options.targets) {
    if (shouldStop()) {
      notStarted.push(target.name);
      continue;
    }
    const store = options.storeFor(target);
    const plan = await planTarget(store, target, { now: options.now, maxKeys: options.maxDeletesPerRun, shouldStop });
    planned.push({ target, store, plan });
  }
  const totalPlanned = planned.reduce((n, p) => n + (p.plan.refused ? 0 : p.plan.objectsToDelete), 0);
  const capExceeded =
    totalPlanned > options.maxDeletesPerRun ? { planned: totalPlanned, cap: options.maxDeletesPerRun } : undefined;

  const reports: TargetReport[] = [];
  let versionsPurged = 0;
  for (const { target, store, plan } of planned) {
    let outcome: ExecutionResult | undefined;
    let refused = plan.refused;
    if (!refused && capExceeded && plan.objectsToDelete > 0) {
      refused = `nothing deleted: the run plans ${capExceeded.planned} deletions, above maxDeletesPerRun ${capExceeded.cap}; review the plan, then raise the cap or prune by hand`;
    }
    let resume: string | undefined;
    if (!options.dryRun && !refused) {
      if (shouldStop()) {
        resume = 'not executed: time ran out before this target; the next run re-plans and deletes';
      } else {
        outcome = await executeTargetPlan(store, plan, target, {
          shouldStop,
          // Versions purged count against the same cap as the planned deletions.
          maxVersions: Math.max(0, options.maxDeletesPerRun - totalPlanned - versionsPurged),
        });
        versionsPurged += outcome.versionsDeleted;
        if (outcome.stoppedAt) {
          resume = `stopped for time during the ${outcome.stoppedAt.phase} phase with ${outcome.stoppedAt.notAttempted} object(s) not attempted; deletions are idempotent and ordered, so the next run re-plans and resumes from there`;
        }
      }
    }
    reports.push({
      target: plan.target,
      layout: plan.layout,
      bucket: plan.bucket,
      prefix: plan.prefix,
      dryRun: options.dryRun,
      refused,
      backups: plan.backups,
      objectsListed: plan.objectsListed,
      objectsToDelete: plan.objectsToDelete,
      bytesToFree: plan.bytesToFree,
      deleted: outcome?.deleted ?? 0,
      bytesFreed: outcome?.bytesFreed ?? 0,
      versionsDeleted: outcome?.versionsDeleted ?? 0,
      errors: outcome?.errors ?? [],
      warnings: [
        ...plan.warnings,
        ...(outcome?.skipped ?? []),
        ...(outcome && outcome.incompleteBackups.length > 0
          ? [`backups not fully deleted (manifest kept for the next run): ${outcome.incompleteBackups.join(', ')}`]
          : []),
      ],
      wal: plan.wal,
      freshness: plan.freshness,
      resume,
      requests: { ...store.requests },
    });
  }
  return {
    dryRun: options.dryRun,
    maxDeletesPerRun: options.maxDeletesPerRun,
    objectsToDelete: totalPlanned,
    bytesToFree: planned.reduce((n, p) => n + (p.plan.refused ? 0 : p.plan.bytesToFree), 0),
    deleted: reports.reduce((n, r) => n + r.deleted, 0),
    errors: reports.reduce((n, r) => n + r.errors.length, 0),
    capExceeded,
    notStarted,
    targets: reports,
  };
}

/** Human size: 1.5 GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The one-line summary and severity of a run, for the ops event. */
export function summarizeRun(report: RunReport): {
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  summary: string;
} {
  const refused = report.targets.filter((t) => t.refused);
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
  if (report.errors > 0) parts.push(`${report.errors} delete error(s)`);
  if (stopped.length > 0 || report.notStarted.length > 0) parts.push('stopped for time; the next run resumes');
  if (warnings > 0) parts.push(`${warnings} warning(s)`);
  const kind = report.capExceeded
    ? 'prune-cap-exceeded'
    : refused.length > 0
      ? 'prune-refused'
      : report.errors > 0
        ? 'prune-errors'
        : report.dryRun
          ? 'prune-planned'
          : 'pruned';
  const severity =
    refused.length > 0 ||
    report.errors > 0 ||
    report.capExceeded ||
    stopped.length > 0 ||
    report.notStarted.length > 0 ||
    warnings > 0
      ? 'warning'
      : 'info';
  return { kind, severity, summary: `backup-pruner: ${parts.join('; ')}` };
}
