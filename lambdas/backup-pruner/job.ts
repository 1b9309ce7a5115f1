/**
 * The run: wires the object store (ports.ts) to the planners (core/). Plans every target, checks the cap over the
 * whole plan, then executes each plan in the safe order. Called by the handler and the CLI alike.
 */
import { awsErrorCode, awsErrorMessage } from '../shared/aws-errors';
import { mapLimit } from '../shared/concurrency';
import type { BackupTargetConfig } from './config';
import { parseBackupInfo, type BackupInfoParse } from './core/backup-info';
import { BACKUP_INFO_FILE, planBarmanRetention, type BarmanBackupFolder } from './core/barman-plan';
import { firstFolder, placeBarmanKey } from './core/listing';
import { PrefixPlanner } from './core/prefix-plan';
import { parseRetention, windowStart } from './core/retention';
import {
  VELERO_MANIFEST_FILE,
  parseVeleroManifest,
  planVeleroRetention,
  type VeleroBackupFolder,
} from './core/velero-plan';
import { versionPurges } from './core/versions';
import { WalTallier } from './core/wal';
import type { ObjectStore } from './ports';
import {
  refusedPlan,
  type BackupDeletion,
  type DeleteError,
  type RunReport,
  type StoredObject,
  type TargetPlan,
  type TargetReport,
} from './types';

/** The parts of a target's config the pruner needs (the CLI builds one from its flags). */
export type PrunerTarget = Pick<
  BackupTargetConfig,
  | 'name'
  | 'bucket'
  | 'prefix'
  | 'layout'
  | 'retention'
  | 'minRedundancy'
  | 'keepLast'
  | 'deleteFailedOlderThanDays'
  | 'graceDays'
  | 'purgeVersions'
>;

export interface PlanOptions {
  readonly now: Date;
  /** The run's delete cap: the planner holds at most this many loose keys (beyond it, it only counts). */
  readonly maxKeys: number;
  /** True once the run must stop (Lambda time). A plan cut short is refused: a partial listing decides nothing. */
  readonly shouldStop?: () => boolean;
  /** Concurrent manifest GETs. */
  readonly getConcurrency?: number;
}

const KEEP_ANNOTATION = 'annotations/keep';

class PlanStopped extends Error {}

export async function planTarget(store: ObjectStore, target: PrunerTarget, options: PlanOptions): Promise<TargetPlan> {
  const base = { target: target.name, layout: target.layout, bucket: target.bucket, prefix: target.prefix };
  let plan: TargetPlan;
  try {
    if (target.layout === 'barman') plan = await planBarmanTarget(store, target, options);
    else if (target.layout === 'velero') plan = await planVeleroTarget(store, target, options);
    else plan = await planPrefixTarget(store, target, options);
  } catch (err) {
    if (err instanceof PlanStopped) return refusedPlan(base, `nothing deleted: ${err.message}`);
    return refusedPlan(
      base,
      `nothing deleted: could not list or read s3://${target.bucket}/${target.prefix}: ${(err as Error).message}`,
    );
  }
  return target.purgeVersions ? checkVersionListing(store, target, plan) : plan;
}

/**
 * purgeVersions needs ListObjectVersions, which some S3-compatible stores lack (s3rver, some MinIO setups): learn it
 * while planning, before anything is deleted, and refuse the target if the store cannot list versions.
 */
async function checkVersionListing(store: ObjectStore, target: PrunerTarget, plan: TargetPlan): Promise<TargetPlan> {
  if (plan.refused || plan.objectsToDelete === 0) return plan;
  const scope = target.layout === 'velero' ? `${target.prefix}backups/` : target.prefix;
  try {
    await store.probeVersionListing(scope);
    return plan;
  } catch (err) {
    const reason = `nothing deleted: purgeVersions needs ListObjectVersions, which s3://${target.bucket}/${scope} refused (${awsErrorCode(err)}: ${awsErrorMessage(err)}); turn purgeVersions off for this store, or expire noncurrent versions with a lifecycle rule`;
    const { backups, objectsListed, warnings, freshness } = plan;
    return {
      ...refusedPlan(plan, reason, { backups, objectsListed, warnings, freshness }),
      wal: plan.wal && { ...plan.wal, toDelete: 0, bytesToFree: 0 },
    };
  }
}

function checkStop(options: PlanOptions, what: string): void {
  if (options.shouldStop?.())
    throw new PlanStopped(`stopped before ${what} finished (time limit); the next run starts over`);
}

async function planBarmanTarget(store: ObjectStore, target: PrunerTarget, options: PlanOptions): Promise<TargetPlan> {
  const root = target.prefix;
  const baseInfo = { target: target.name, layout: target.layout, bucket: target.bucket, prefix: root };
  const retention = parseRetention(target.retention ?? '');
  const folders = new Map<string, StoredObject[]>();
  let ignored = 0;
  let listed = 0;
  let plan: ReturnType<typeof planBarmanRetention> | undefined;
  let tallier: WalTallier | undefined;

  const buildPlan = async () => {
    const entries = [...folders.entries()];
    const built: BarmanBackupFolder[] = await mapLimit(entries, options.getConcurrency ?? 8, async ([id, objects]) => {
      const infoObject = objects.find((o) => o.key === `${root}base/${id}/${BACKUP_INFO_FILE}`);
      const keepObject = objects.find((o) => o.key === `${root}base/${id}/${KEEP_ANNOTATION}`);
      let info: BackupInfoParse | undefined;
      if (infoObject) {
        try {
          info = parseBackupInfo(await store.getText(infoObject.key));
        } catch (err) {
          info = { ok: false, error: `cannot read: ${(err as Error).message}` };
        }
      }
      let keep: 'full' | 'standalone' | undefined;
      if (keepObject) {
        // barman treats any target but "standalone" as full; an unreadable annotation is kept as full (safest).
        const text = await store.getText(keepObject.key).catch(() => 'full');
        keep = text.trim() === 'standalone' ? 'standalone' : 'full';
      }
      return { id, objects, info, keep };
    });
    const result = planBarmanRetention({
      prefix: root,
      folders: built,
      now: options.now,
      retention,
      minRedundancy: target.minRedundancy,
      deleteFailedOlderThanDays: target.deleteFailedOlderThanDays,
      graceDays: target.graceDays,
    });
    const backupObjects = result.deletions.reduce((n, d) => n + d.dataKeys.length + (d.manifestKey ? 1 : 0), 0);
    return { result, tallier: new WalTallier(result.walPolicy, Math.max(0, options.maxKeys - backupObjects)) };
  };

  for await (const page of store.listPages(root)) {
    checkStop(options, 'the listing');
    for (const object of page) {
      listed++;
      const place = placeBarmanKey(object.key.slice(root.length));
      if (place.kind === 'base') {
        if (plan) {
          return refusedPlan(
            baseInfo,
            'nothing deleted: the store listed a base/ key after wals/ keys (keys not in order); cannot plan safely',
            { objectsListed: listed },
          );
        }
        if (place.id === undefined) {
          ignored++;
          continue;
        }
        const list = folders.get(place.id);
        if (list) list.push(object);
        else folders.set(place.id, [object]);
      } else if (place.kind === 'wal') {
        if (!plan) ({ result: plan, tallier } = await buildPlan());
        (tallier as WalTallier).add(object.key, place.walName, object.size, object.lastModified);
      } else {
        ignored++;
      }
    }
  }
  if (!plan) ({ result: plan, tallier } = await buildPlan());
  const wal = (tallier as WalTallier).result();
  const warnings = [...plan.warnings];
  if (ignored > 0) warnings.push(`${ignored} object(s) outside base/<id>/ and wals/ were left alone`);
  if ((wal.kept.unrecognised ?? 0) > 0)
    warnings.push(`${wal.kept.unrecognised} object(s) under wals/ are not WAL names barman writes; left alone`);
  const freshness = { ...plan.freshness, newestWalAt: wal.newestArchivedAt };
  const walSummary = {
    cutoff: plan.walPolicy.cutoff,
    noCutoffReason: plan.walPolicy.noCutoffReason,
    total: wal.total,
    toDelete: wal.toDelete,
    bytesToFree: wal.bytesToFree,
    kept: wal.kept,
  };
  if (plan.refused) {
    return {
      ...refusedPlan(baseInfo, plan.refused, { backups: plan.backups, objectsListed: listed, warnings, freshness }),
      wal: { ...walSummary, toDelete: 0, bytesToFree: 0 },
    };
  }
  const backupObjects = plan.deletions.reduce((n, d) => n + d.dataKeys.length + (d.manifestKey ? 1 : 0), 0);
  return {
    ...baseInfo,
    backups: plan.backups,
    backupDeletions: plan.deletions,
    looseKeys: wal.keys,
    looseKeysTruncated: wal.keysTruncated,
    objectsToDelete: backupObjects + wal.toDelete,
    bytesToFree: plan.deletions.reduce((n, d) => n + d.bytes, 0) + wal.bytesToFree,
    objectsListed: listed,
    warnings,
    wal: walSummary,
    freshness,
  };
}

async function planVeleroTarget(store: ObjectStore, target: PrunerTarget, options: PlanOptions): Promise<TargetPlan> {
  const root = `${target.prefix}backups/`;
  const baseInfo = { target: target.name, layout: target.layout, bucket: target.bucket, prefix: target.prefix };
  const folders = new Map<string, StoredObject[]>();
  let listed = 0;
  // Only backups/ is listed: kopia/, restic/ and every other top-level folder are never even read.
  for await (const page of store.listPages(root)) {
    checkStop(options, 'the listing');
    for (const object of page) {
      listed++;
      const name = firstFolder(object.key.slice(root.length));
      if (name === undefined) continue;
      const list = folders.get(name);
      if (list) list.push(object);
      else folders.set(name, [object]);
    }
  }
  const built: VeleroBackupFolder[] = await mapLimit(
    [...folders.entries()],
    options.getConcurrency ?? 8,
    async ([name, objects]) => {
      const manifestKey = `${root}${name}/${VELERO_MANIFEST_FILE}`;
      if (!objects.some((o) => o.key === manifestKey)) return { name, objects };
      try {
        return { name, objects, manifest: parseVeleroManifest(await store.getText(manifestKey)) };
      } catch (err) {
        return { name, objects, manifest: { ok: false as const, error: `cannot read: ${(err as Error).message}` } };
      }
    },
  );
  const plan = planVeleroRetention({
    prefix: target.prefix,
    folders: built,
    now: options.now,
    graceDays: target.graceDays,
  });
  return {
    ...baseInfo,
    backups: plan.backups,
    backupDeletions: plan.deletions,
    looseKeys: [],
    looseKeysTruncated: false,
    objectsToDelete: plan.deletions.reduce((n, d) => n + d.dataKeys.length + (d.manifestKey ? 1 : 0), 0),
    bytesToFree: plan.deletions.reduce((n, d) => n + d.bytes, 0),
    objectsListed: listed,
    warnings: plan.warnings,
  };
}

async function planPrefixTarget(store: ObjectStore, target: PrunerTarget, options: PlanOptions): Promise<TargetPlan> {
  const retention = parseRetention(target.retention ?? '');
  const planner = new PrefixPlanner(
    target.prefix,
    windowStart(options.now, retention),
    target.keepLast,
    options.maxKeys,
  );
  for await (const page of store.listPages(target.prefix)) {
    checkStop(options, 'the listing');
    for (const object of page) planner.add(object);
  }
  const r = planner.result(retention.text);
  if (r.refused) {
    return refusedPlan(
      { target: target.name, layout: target.layout, bucket: target.bucket, prefix: target.prefix },
      r.refused,
      { objectsListed: r.total },
    );
  }
  return {
    target: target.name,
    layout: target.layout,
    bucket: target.bucket,
    prefix: target.prefix,
    backups: r.backups,
    backupDeletions: [],
    looseKeys: r.deleteKeys,
    looseKeysTruncated: r.keysTruncated,
    objectsToDelete: r.objectsToDelete,
    bytesToFree: r.bytesToFree,
    objectsListed: r.total,
    warnings:
      r.keptInsideRetention > r.backups.length
        ? [`${r.keptInsideRetention} dumps inside the retention (not all listed)`]
        : [],
  };
}

export interface ExecutionResult {
  readonly deleted: number;
  readonly bytesFreed: number;
  readonly errors: readonly DeleteError[];
  /** Backups whose deletion did not finish (a data object failed or was not attempted); their manifest stays. */
  readonly incompleteBackups: readonly string[];
  /** Why a later phase did not run. */
  readonly skipped: readonly string[];
  /** Where the run stopped for time, if it did. */
  readonly stoppedAt?: { readonly phase: ExecutionPhase; readonly notAttempted: number };
  readonly versionsDeleted: number;
  /** Set when a phase failed outright (the store threw): what was deleted before it is still counted above. */
  readonly failed?: { readonly phase: ExecutionPhase; readonly message: string };
}

export type ExecutionPhase = 'data' | 'manifests' | 'loose' | 'versions';

export interface ExecuteOptions {
  readonly shouldStop?: () => boolean;
  /**
   * How many noncurrent versions and delete markers this target may purge: what is left of maxDeletesPerRun after
   * the run's planned deletions and earlier targets' purges. A purge above it deletes no version (as the cap does).
   */
  readonly maxVersions?: number;
}

/**
 * Deletes what the plan says, in the safe order: every deleted backup's data objects, then the manifests
 * (backup.info / velero-backup.json) of backups whose data is all gone, then the loose keys (WALs only when every
 * backup deletion finished). An interrupted run leaves a state the next run re-plans and finishes.
 */
export async function executeTargetPlan(
  store: ObjectStore,
  plan: TargetPlan,
  target: Pick<PrunerTarget, 'purgeVersions'>,
  options: ExecuteOptions = {},
): Promise<ExecutionResult> {
  const shouldStop = options.shouldStop ?? (() => false);
  const errors: DeleteError[] = [];
  const skipped: string[] = [];
  let deleted = 0;
  let bytesFreed = 0;
  let versionsDeleted = 0;
  if (plan.refused || plan.objectsToDelete === 0) {
    return { deleted, bytesFreed, errors, incompleteBackups: [], skipped, versionsDeleted };
  }
  const stop = (phase: ExecutionPhase, notAttempted: number, incomplete: string[]) => ({
    deleted,
    bytesFreed,
    errors,
    incompleteBackups: incomplete,
    skipped,
    stoppedAt: { phase, notAttempted },
    versionsDeleted,
  });

  // A phase that throws (a store refusing an API, a timed-out call) ends this target's execution; what was deleted
  // before it is reported, and the run goes on with the next target.
  let phase: ExecutionPhase = 'data';
  const incompleteIds: string[] = [];
  try {
    // Phase 1: data objects of every backup to delete.
    const dataKeys = plan.backupDeletions.flatMap((d) => d.dataKeys);
    const data = await store.deleteKeys(dataKeys, shouldStop);
    const stoppedIn = (o: { notAttempted: number; stopped?: boolean }) => o.notAttempted > 0 || o.stopped === true;
    deleted += data.deleted;
    errors.push(...data.errors);
    const complete: BackupDeletion[] = [];
    for (const d of plan.backupDeletions) {
      if (d.dataKeys.every((k) => data.deletedKeys.has(k))) complete.push(d);
      else incompleteIds.push(d.id);
    }
    if (stoppedIn(data))
      return stop('data', data.notAttempted + complete.length + plan.looseKeys.length, incompleteIds);

    phase = 'manifests';
    // Phase 2: manifests, only of backups whose data is entirely gone.
    const manifests = complete.flatMap((d) => (d.manifestKey ? [d.manifestKey] : []));
    const man = await store.deleteKeys(manifests, shouldStop);
    deleted += man.deleted;
    errors.push(...man.errors);
    for (const d of complete) {
      if (!d.manifestKey || man.deletedKeys.has(d.manifestKey)) bytesFreed += d.bytes;
      else incompleteIds.push(d.id);
    }
    if (stoppedIn(man)) return stop('manifests', man.notAttempted + plan.looseKeys.length, incompleteIds);

    phase = 'loose';
    // Phase 3: loose keys (WALs the deleted backups alone needed, or plain objects).
    let looseDeleted = new Set<string>();
    if (plan.looseKeys.length > 0) {
      if (incompleteIds.length > 0 && plan.layout === 'barman') {
        skipped.push(
          `WAL deletion skipped: backup(s) ${incompleteIds.join(', ')} were not fully deleted; the next run retries`,
        );
      } else {
        const loose = await store.deleteKeys(plan.looseKeys, shouldStop);
        deleted += loose.deleted;
        errors.push(...loose.errors);
        looseDeleted = new Set(loose.deletedKeys);
        // Bytes per loose key are not held (they may be millions); count the planned bytes when all went.
        if (loose.errors.length === 0 && loose.notAttempted === 0)
          bytesFreed += plan.bytesToFree - plan.backupDeletions.reduce((n, d) => n + d.bytes, 0);
        if (stoppedIn(loose)) return stop('loose', loose.notAttempted, incompleteIds);
      }
    }

    phase = 'versions';
    // Phase 4 (opt-in): noncurrent versions and delete markers of exactly the keys pruned in this run.
    // Versions count against maxDeletesPerRun: a purge that would go above what is left of it deletes no version.
    if (target.purgeVersions) {
      const budget = options.maxVersions ?? Number.POSITIVE_INFINITY;
      const gone = new Set(complete.filter((d) => !incompleteIds.includes(d.id)).map((d) => d.id));
      const purges = versionPurges(plan, gone, looseDeleted);
      for (const purge of purges) {
        const out = await store.purgeVersions(purge.prefix, purge.select, shouldStop, budget - versionsDeleted);
        versionsDeleted += out.deleted;
        errors.push(...out.errors);
        if (out.overCap) {
          skipped.push(
            `versions not purged under ${purge.prefix} and after it: ${out.overCap.found} or more noncurrent version(s)/delete marker(s) would take the run above maxDeletesPerRun (${out.overCap.cap} left for versions); the next run continues`,
          );
          break;
        }
        if (stoppedIn(out)) return stop('versions', out.notAttempted, incompleteIds);
      }
    }
  } catch (err) {
    const message = `the ${phase} phase failed after ${deleted} object(s) and ${versionsDeleted} version(s) were deleted: ${awsErrorCode(err)}: ${awsErrorMessage(err)}; deletions are idempotent and ordered, so the next run re-plans and resumes`;
    return {
      deleted,
      bytesFreed,
      errors,
      incompleteBackups: incompleteIds,
      skipped,
      versionsDeleted,
      failed: { phase, message },
    };
  }
  return { deleted, bytesFreed, errors, incompleteBackups: incompleteIds, skipped, versionsDeleted };
}

export interface RunOptions {
  readonly targets: readonly PrunerTarget[];
  readonly storeFor: (target: PrunerTarget) => ObjectStore;
  readonly now: Date;
  readonly dryRun: boolean;
  readonly maxDeletesPerRun: number;
  /** True once the run must stop and report (Lambda time); checked between pages and delete batches. */
  readonly shouldStop?: () => boolean;
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
    let failed: string | undefined;
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
        if (outcome.failed) failed = outcome.failed.message;
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
      failed,
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
