/**
 * The backup-freshness metric contract between backup-pruner (which emits the metrics and whose stack alarms on
 * them) and alert-notifier (which recognises those alarms as backup failures). Namespace PlatformOps, dimensions
 * service + Target.
 */
export const FRESHNESS_METRICS = {
  backupAge: 'NewestBackupAgeSeconds',
  failedSinceDone: 'FailedBackupsSinceLastDone',
  walAge: 'NewestWalAgeSeconds',
} as const;

/** The dimension naming the backup target (a barman server) in the freshness metrics. */
export const TARGET_DIMENSION = 'Target';
