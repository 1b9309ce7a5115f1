import { mapLimit } from '../shared/concurrency';
import type { BackupTargetConfig } from './config';
import { parseBackupInfo, type BackupInfoParse } from './backup-info';
import { BACKUP_INFO_FILE, planBarmanRetention, type BarmanBackupFolder } from './barman-plan';
import { refusedPlan, type BackupDeletion, type StoredObject, type TargetPlan } from './plan-types';
import { PrefixPlanner } from './prefix-plan';
import { parseRetention, windowStart } from './retention';
import type { DeleteError, ObjectStore } from './s3-store';
import { VELERO_MANIFEST_FILE, parseVeleroManifest, planVeleroRetention, type VeleroBackupFolder } from './velero-plan';
import { WalTallier, parseWalName } from './wal';

const WAL_HASH_DIR = /^[0-9A-F]{16}$/;

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
  try {
    if (target.layout === 'barman') return await planBarmanTarget(store, target, options);
    if (target.layout === 'velero') return await planVeleroTarget(store, target, options);
    return await planPrefixTarget(store, target, options);
  } catch (err) {
    if (err instanceof PlanStopped) return refusedPlan(base, `nothing deleted: ${err.message}`);
    return refusedPlan(
      base,
      `nothing deleted: could not list or read s3://${target.bucket}/${target.prefix}: ${(err as Error).message}`,
    );
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
      const rel = object.key.slice(root.length);
      if (rel.startsWith('base/')) {
        if (plan) {
          return refusedPlan(
            baseInfo,
            'nothing deleted: the store listed a base/ key after wals/ keys (keys not in order); cannot plan safely',
            { objectsListed: listed },
          );
        }
        const rest = rel.slice('base/'.length);
        const slash = rest.indexOf('/');
        if (slash <= 0) {
          ignored++;
          continue;
        }
        const id = rest.slice(0, slash);
        const list = folders.get(id);
        if (list) list.push(object);
        else folders.set(id, [object]);
      } else if (rel.startsWith('wals/')) {
        if (!plan) ({ result: plan, tallier } = await buildPlan());
        const path = rel.slice('wals/'.length);
        const slash = path.lastIndexOf('/');
        const dir = slash < 0 ? '' : path.slice(0, slash);
        const file = path.slice(slash + 1);
        // barman-cloud keeps a segment under its hash dir (timeline+log: 16 hex digits) and history files directly
        // under wals/. Anything elsewhere (a WAL name directly under wals/, a nested or misnamed folder) is
        // unrecognised and left alone.
        const placed =
          dir === ''
            ? parseWalName(file)?.kind === 'history'
            : WAL_HASH_DIR.test(dir) && file.startsWith(dir) && parseWalName(file)?.kind !== 'history';
        (tallier as WalTallier).add(object.key, placed ? file : undefined, object.size, object.lastModified);
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
      const rest = object.key.slice(root.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) continue;
      const name = rest.slice(0, slash);
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
  readonly stoppedAt?: { readonly phase: 'data' | 'manifests' | 'loose' | 'versions'; readonly notAttempted: number };
  readonly versionsDeleted: number;
}

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
  const stop = (
    phase: NonNullable<ExecutionResult['stoppedAt']>['phase'],
    notAttempted: number,
    incomplete: string[],
  ) => ({
    deleted,
    bytesFreed,
    errors,
    incompleteBackups: incomplete,
    skipped,
    stoppedAt: { phase, notAttempted },
    versionsDeleted,
  });

  // Phase 1: data objects of every backup to delete.
  const dataKeys = plan.backupDeletions.flatMap((d) => d.dataKeys);
  const data = await store.deleteKeys(dataKeys, shouldStop);
  const stoppedIn = (o: { notAttempted: number; stopped?: boolean }) => o.notAttempted > 0 || o.stopped === true;
  deleted += data.deleted;
  errors.push(...data.errors);
  const complete: BackupDeletion[] = [];
  const incompleteIds: string[] = [];
  for (const d of plan.backupDeletions) {
    if (d.dataKeys.every((k) => data.deletedKeys.has(k))) complete.push(d);
    else incompleteIds.push(d.id);
  }
  if (stoppedIn(data)) return stop('data', data.notAttempted + complete.length + plan.looseKeys.length, incompleteIds);

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

  // Phase 4 (opt-in): noncurrent versions and delete markers of exactly the keys pruned in this run.
  // Versions count against maxDeletesPerRun: a purge that would go above what is left of it deletes no version.
  if (target.purgeVersions) {
    const budget = options.maxVersions ?? Number.POSITIVE_INFINITY;
    const gone = new Set(complete.filter((d) => !incompleteIds.includes(d.id)).map((d) => d.id));
    const purges: { prefix: string; select: (k: string) => boolean }[] = [];
    for (const d of plan.backupDeletions) {
      if (!gone.has(d.id)) continue;
      const folder = (d.manifestKey ?? d.dataKeys[0]).replace(/[^/]+$/, '');
      if (!folder.startsWith(plan.prefix) || folder.length <= plan.prefix.length) continue;
      const keys = new Set([...d.dataKeys, ...(d.manifestKey ? [d.manifestKey] : [])]);
      purges.push({ prefix: folder, select: (k) => keys.has(k) });
    }
    if (looseDeleted.size > 0) {
      const prefix = plan.layout === 'barman' ? `${plan.prefix}wals/` : plan.prefix;
      purges.push({ prefix, select: (k) => looseDeleted.has(k) });
    }
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
  return { deleted, bytesFreed, errors, incompleteBackups: incompleteIds, skipped, versionsDeleted };
}
