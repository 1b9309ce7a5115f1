/** The job's plan and result types: plain data shared by the planners, the executor, the handler and the CLI. */
export type Layout = 'barman' | 'velero' | 'prefix';

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified?: Date;
}

export interface BackupDecision {
  /** barman backup id, Velero backup name, or object key (prefix layout). */
  readonly id: string;
  readonly action: 'keep' | 'delete';
  readonly reason: string;
  readonly status?: string;
  /** ISO time the backup ended (barman), expires (Velero) or was written (prefix). */
  readonly time?: string;
  readonly objects: number;
  readonly bytes: number;
}

/**
 * One backup to delete: its data objects first, then its manifest (backup.info / velero-backup.json) only when
 * every data object is gone, so an interrupted run leaves a catalog entry the next run can finish.
 */
export interface BackupDeletion {
  readonly id: string;
  readonly dataKeys: readonly string[];
  readonly manifestKey?: string;
  readonly bytes: number;
}

export interface TargetPlan {
  readonly target: string;
  readonly layout: Layout;
  readonly bucket: string;
  readonly prefix: string;
  /** Set when the planner refused to delete anything for this target (fail closed), with the reason. */
  readonly refused?: string;
  readonly backups: readonly BackupDecision[];
  readonly backupDeletions: readonly BackupDeletion[];
  /** Keys deleted after every backup deletion succeeded: WALs (barman) or objects (prefix layout). */
  readonly looseKeys: readonly string[];
  /** True when more loose keys are planned than were held (the run is then over the cap and refused). */
  readonly looseKeysTruncated: boolean;
  readonly objectsToDelete: number;
  readonly bytesToFree: number;
  readonly objectsListed: number;
  readonly warnings: readonly string[];
  readonly wal?: WalSummary;
  readonly freshness?: BarmanFreshness;
}

export interface WalSummary {
  readonly cutoff?: string;
  readonly noCutoffReason?: string;
  readonly total: number;
  readonly toDelete: number;
  readonly bytesToFree: number;
  readonly kept: Readonly<Record<string, number>>;
}

export interface BarmanFreshness {
  readonly newestDoneBackupId?: string;
  readonly newestDoneEndTime?: Date;
  readonly failedSinceNewestDone: number;
  readonly newestWalAt?: Date;
}

/** A refused plan: nothing to delete, every backup kept with the refusal as the reason. */
export function refusedPlan(
  base: Pick<TargetPlan, 'target' | 'layout' | 'bucket' | 'prefix'>,
  reason: string,
  extra: Partial<Pick<TargetPlan, 'backups' | 'objectsListed' | 'warnings' | 'freshness'>> = {},
): TargetPlan {
  return {
    ...base,
    refused: reason,
    backups: extra.backups ?? [],
    backupDeletions: [],
    looseKeys: [],
    looseKeysTruncated: false,
    objectsToDelete: 0,
    bytesToFree: 0,
    objectsListed: extra.objectsListed ?? 0,
    warnings: extra.warnings ?? [],
    freshness: extra.freshness,
  };
}

/** One key (or key version) the store refused or failed to delete. */
export interface DeleteError {
  readonly key: string;
  readonly versionId?: string;
  readonly code: string;
  readonly message: string;
}

/** Requests one target's store made during the run, by kind. */
export interface RequestCounts {
  list: number;
  get: number;
  delete: number;
  listVersions: number;
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
  /** Set when a phase of the execution failed outright: the phase, what was deleted before it, and the cause. */
  readonly failed?: string;
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
