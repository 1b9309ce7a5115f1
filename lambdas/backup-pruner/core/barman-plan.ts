import type { BackupInfo, BackupInfoParse } from './backup-info';
import type { BackupDecision, BackupDeletion, BarmanFreshness, StoredObject } from '../types';
import type { RetentionPeriod } from './retention';
import type { WalPolicy, WalRange } from './wal';
import { DAY_MS } from '../../shared/time';

/** Everything found under `base/<id>/`, plus the parsed backup.info (undefined when the object does not exist). */
export interface BarmanBackupFolder {
  readonly id: string;
  /** Every object under base/<id>/, backup.info and annotations included. */
  readonly objects: readonly StoredObject[];
  readonly info?: BackupInfoParse;
  /** The keep annotation (`annotations/keep`): anything but "standalone" is treated as "full", as barman does. */
  readonly keep?: 'full' | 'standalone';
}

export interface BarmanRetentionInput {
  /** The barman server folder (`<destinationPath>/<serverName>/`): the manifest is exactly `<prefix>base/<id>/backup.info`. */
  readonly prefix: string;
  readonly folders: readonly BarmanBackupFolder[];
  readonly now: Date;
  readonly retention: RetentionPeriod;
  /** Keep at least the newest N DONE backups whatever their age (barman minimum_redundancy; 0 = none). */
  readonly minRedundancy?: number;
  /** Opt-in: delete FAILED backups older than this many days. */
  readonly deleteFailedOlderThanDays?: number;
  /** Report a base/<id>/ without backup.info once its newest object is older than this many days. */
  readonly graceDays: number;
}

export interface BarmanRetentionPlan {
  readonly refused?: string;
  readonly pointOfRecoverability: Date;
  /** Ascending by backup id (oldest first). */
  readonly backups: readonly BackupDecision[];
  /** Backups to delete, oldest first. */
  readonly deletions: readonly BackupDeletion[];
  readonly walPolicy: WalPolicy;
  readonly warnings: readonly string[];
  readonly freshness: BarmanFreshness;
}

export const BACKUP_INFO_FILE = 'backup.info';

const sum = (objects: readonly StoredObject[]) => objects.reduce((n, o) => n + o.size, 0);
const newestObjectTime = (objects: readonly StoredObject[]) =>
  objects.reduce<number | undefined>((t, o) => {
    const m = o.lastModified?.getTime();
    return m !== undefined && (t === undefined || m > t) ? m : t;
  }, undefined);

const NO_WAL_DELETION = (reason: string): WalPolicy => ({
  noCutoffReason: reason,
  protectedTimelines: [],
  protectedRanges: [],
});

/**
 * Applies a barman RECOVERY WINDOW policy (barman-cloud-backup-delete semantics) to the backups of one server:
 * - every DONE backup that ended inside the window is kept, and so is the newest DONE backup that ended before the
 *   window start (recovery to the window's edge starts from it); older DONE backups are deleted;
 * - minRedundancy keeps at least the newest N DONE backups; the newest DONE backup is never deleted;
 * - non-DONE backups are never deleted by the window (FAILED ones only by the opt-in age rule);
 * - base/<id>/ without backup.info is never deleted (in progress or broken) and is reported after the grace period;
 * - keep annotations are honoured;
 * - any unreadable or unparseable backup.info, backups of different PostgreSQL systems under one prefix, or DONE
 *   backups whose id order disagrees with their end_time order refuses the whole plan: nothing is deleted, and the
 *   reason says why.
 * Also derives the WAL policy (see deriveWalPolicy): when a DONE backup is deleted, WALs before the begin_wal of the
 * oldest backup whose WAL chain must stay whole may go.
 */
export function planBarmanRetention(input: BarmanRetentionInput): BarmanRetentionPlan {
  const por = new Date(input.now.getTime() - input.retention.ms);
  const minRedundancy = input.minRedundancy ?? 0;
  const folders = [...input.folders].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const warnings: string[] = [];

  const infoOf = new Map<string, BackupInfo>();
  const problems: string[] = [];
  for (const folder of folders) {
    if (folder.info === undefined) continue;
    if (folder.info.ok) infoOf.set(folder.id, folder.info.info);
    else problems.push(`base/${folder.id}/backup.info: ${folder.info.error}`);
  }
  const systemIds = new Set([...infoOf.values()].map((i) => i.systemId).filter((s): s is string => s !== undefined));
  if (problems.length === 0 && systemIds.size > 1) {
    problems.push(
      `backup.info files name ${systemIds.size} different PostgreSQL systems (${[...systemIds].join(', ')}); this prefix mixes clusters`,
    );
  }

  if (problems.length === 0) {
    // barman orders backups by id; a renamed folder or a time-zone change can make that disagree with end_time, and
    // then "newest" and "window edge" would be the wrong backups. Refuse rather than guess which order is right.
    const doneById = folders.filter((f) => infoOf.get(f.id)?.status === 'DONE');
    for (let i = 1; i < doneById.length; i++) {
      const prev = doneById[i - 1];
      const cur = doneById[i];
      const prevEnd = infoOf.get(prev.id)?.endTime as Date;
      const curEnd = infoOf.get(cur.id)?.endTime as Date;
      if (curEnd < prevEnd) {
        problems.push(
          `DONE backups in id order and in end_time order disagree: ${prev.id} ended ${prevEnd.toISOString()}, after ${cur.id} (ended ${curEnd.toISOString()}); a renamed folder or a time-zone change? Fix the catalog or prune by hand`,
        );
        break;
      }
    }
  }

  const freshness = computeFreshness(folders, infoOf);
  const decisions = new Map<string, BackupDecision>();
  const describe = (folder: BarmanBackupFolder, action: 'keep' | 'delete', reason: string): BackupDecision => {
    const info = infoOf.get(folder.id);
    return {
      id: folder.id,
      action,
      reason,
      status: info?.status ?? (folder.info === undefined ? 'NO_BACKUP_INFO' : 'UNREADABLE'),
      time: info?.endTime?.toISOString(),
      objects: folder.objects.length,
      bytes: sum(folder.objects),
    };
  };

  if (problems.length > 0) {
    const refused = `nothing deleted: ${problems.join('; ')}`;
    return {
      refused,
      pointOfRecoverability: por,
      backups: folders.map((f) => describe(f, 'keep', 'kept: the catalog could not be read safely (see refusal)')),
      deletions: [],
      walPolicy: NO_WAL_DELETION('the catalog could not be read safely'),
      warnings,
      freshness,
    };
  }

  // DONE backups, newest first (barman orders backups by id; checked above to agree with end_time order).
  const done = folders.filter((f) => infoOf.get(f.id)?.status === 'DONE').reverse();
  // Backups the recovery window (or minRedundancy) needs, whatever their keep annotation: their WAL chain stays whole.
  const needed = new Set<string>();
  let found = false;
  let valid = 0;
  for (const [index, folder] of done.entries()) {
    const info = infoOf.get(folder.id) as BackupInfo;
    const endTime = info.endTime as Date;
    const keep = folder.keep ? `keep annotation (${folder.keep})` : undefined;
    if (!found) {
      valid++;
      needed.add(folder.id);
      if (endTime < por) {
        found = true;
        decisions.set(
          folder.id,
          describe(
            folder,
            'keep',
            index === 0
              ? 'newest DONE backup (never deleted); it also ended before the window start'
              : 'newest DONE backup that ended before the window start: recovery to the window edge needs it',
          ),
        );
      } else {
        decisions.set(
          folder.id,
          describe(
            folder,
            'keep',
            index === 0 ? 'newest DONE backup, inside the recovery window' : 'ended inside the recovery window',
          ),
        );
      }
      continue;
    }
    if (valid < minRedundancy) {
      valid++;
      needed.add(folder.id);
      decisions.set(
        folder.id,
        describe(folder, 'keep', keep ?? `minRedundancy: keeps the newest ${minRedundancy} DONE backups`),
      );
      continue;
    }
    decisions.set(
      folder.id,
      keep
        ? describe(folder, 'keep', keep)
        : describe(
            folder,
            'delete',
            `older than the newest DONE backup before the window start (${por.toISOString()})`,
          ),
    );
  }

  const failedAgeMs =
    input.deleteFailedOlderThanDays !== undefined ? input.deleteFailedOlderThanDays * DAY_MS : undefined;
  for (const folder of folders) {
    if (decisions.has(folder.id)) continue;
    const info = infoOf.get(folder.id);
    if (!info) {
      const newest = newestObjectTime(folder.objects);
      const ageDays = newest === undefined ? undefined : (input.now.getTime() - newest) / DAY_MS;
      if (ageDays !== undefined && ageDays > input.graceDays) {
        warnings.push(
          `base/${folder.id}/ has no backup.info and its newest object is ${ageDays.toFixed(1)} days old (grace ${input.graceDays} days): a broken backup to check and remove by hand`,
        );
      }
      decisions.set(folder.id, describe(folder, 'keep', 'no backup.info: in progress or broken, never deleted'));
      continue;
    }
    if (folder.keep) {
      decisions.set(folder.id, describe(folder, 'keep', `keep annotation (${folder.keep})`));
      continue;
    }
    if (info.status === 'FAILED' && failedAgeMs !== undefined) {
      const ref = (info.endTime ?? info.beginTime)?.getTime() ?? newestObjectTime(folder.objects);
      if (ref !== undefined && input.now.getTime() - ref > failedAgeMs) {
        decisions.set(
          folder.id,
          describe(
            folder,
            'delete',
            `FAILED and older than ${input.deleteFailedOlderThanDays} days (deleteFailedOlderThanDays)`,
          ),
        );
        continue;
      }
    }
    decisions.set(folder.id, describe(folder, 'keep', `status ${info.status}: never deleted by the recovery window`));
  }

  const backups = folders.map((f) => decisions.get(f.id) as BackupDecision);
  const deletions: BackupDeletion[] = folders
    .filter((f) => decisions.get(f.id)?.action === 'delete')
    .map((f) => {
      const manifestKey = `${input.prefix}base/${f.id}/${BACKUP_INFO_FILE}`;
      const manifest = f.objects.find((o) => o.key === manifestKey);
      return {
        id: f.id,
        dataKeys: f.objects.filter((o) => o !== manifest).map((o) => o.key),
        manifestKey: manifest?.key,
        bytes: sum(f.objects),
      };
    });

  return {
    pointOfRecoverability: por,
    backups,
    deletions,
    walPolicy: deriveWalPolicy(folders, infoOf, decisions, needed),
    warnings,
    freshness,
  };
}

/**
 * The WAL cutoff: begin_wal of the oldest retained backup whose WAL chain must stay whole.
 * - The chain is every backup the window needs (inside it, the window-edge backup, the minRedundancy ones: `needed`)
 *   whatever its keep annotation, plus every other retained DONE/WAITING_FOR_WALS backup except those kept SOLELY by a
 *   `keep:standalone` annotation; those only keep their own begin_wal..end_wal range.
 * - WALs are deleted only in a run that deletes at least one DONE backup, as barman-cloud-backup-delete removes WALs
 *   only together with a deleted backup. A run that deletes no backup deletes no WAL.
 */
function deriveWalPolicy(
  folders: readonly BarmanBackupFolder[],
  infoOf: ReadonlyMap<string, BackupInfo>,
  decisions: ReadonlyMap<string, BackupDecision>,
  needed: ReadonlySet<string>,
): WalPolicy {
  const retained = folders.filter((f) => {
    const status = infoOf.get(f.id)?.status;
    return decisions.get(f.id)?.action === 'keep' && (status === 'DONE' || status === 'WAITING_FOR_WALS');
  });
  if (retained.length === 0) return NO_WAL_DELETION('no retained DONE backup: no WAL is deleted');
  const deletesDone = folders.some(
    (f) => decisions.get(f.id)?.action === 'delete' && infoOf.get(f.id)?.status === 'DONE',
  );
  if (!deletesDone) {
    return NO_WAL_DELETION(
      'no DONE backup is deleted in this run: WALs are only deleted together with a backup (as barman-cloud-backup-delete does)',
    );
  }
  const missing = retained.find((f) => !infoOf.get(f.id)?.beginWal);
  if (missing) return NO_WAL_DELETION(`retained backup ${missing.id} has no begin_wal: no WAL is deleted`);

  const beginOf = (f: BarmanBackupFolder) => infoOf.get(f.id)?.beginWal as string;
  const standaloneOnly = (f: BarmanBackupFolder) => f.keep === 'standalone' && !needed.has(f.id);
  const chain = retained.filter((f) => !standaloneOnly(f));
  if (chain.length === 0) return NO_WAL_DELETION('only keep:standalone backups are retained: no WAL is deleted');
  const anchor = chain.reduce((a, b) => (beginOf(b) < beginOf(a) ? b : a));
  const cutoff = beginOf(anchor);

  const protectedRanges: WalRange[] = retained
    .filter((f) => standaloneOnly(f) && beginOf(f) < cutoff)
    .map((f) => ({ from: beginOf(f), to: infoOf.get(f.id)?.endWal ?? beginOf(f), backupId: f.id }));
  const timelines = new Set<number>();
  for (const f of retained) {
    const info = infoOf.get(f.id) as BackupInfo;
    timelines.add(Number.parseInt(beginOf(f).slice(0, 8), 16));
    if (info.endWal) timelines.add(Number.parseInt(info.endWal.slice(0, 8), 16));
    if (info.timeline !== undefined) timelines.add(info.timeline);
  }
  return { cutoff, protectedTimelines: [...timelines].sort((a, b) => a - b), protectedRanges };
}

function computeFreshness(
  folders: readonly BarmanBackupFolder[],
  infoOf: ReadonlyMap<string, BackupInfo>,
): BarmanFreshness {
  const done = folders.filter((f) => infoOf.get(f.id)?.status === 'DONE');
  const newest = done.at(-1);
  const failedSinceNewestDone = folders.filter(
    (f) => infoOf.get(f.id)?.status === 'FAILED' && (newest === undefined || f.id > newest.id),
  ).length;
  return {
    newestDoneBackupId: newest?.id,
    newestDoneEndTime: newest ? infoOf.get(newest.id)?.endTime : undefined,
    failedSinceNewestDone,
  };
}
