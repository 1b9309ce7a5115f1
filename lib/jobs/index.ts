import { alertNotifierJob } from './alert-notifier';
import { backupPrunerJob } from './backup-pruner';
import { ebsAuditJob } from './ebs-audit';
import { nodeAutoscalerJob } from './node-autoscaler';
import { secretRotatorJob } from './secret-rotator';

/** The job registry: one line per job. The app, the config schema and the CLI loop over it. */
export const JOBS = [alertNotifierJob, backupPrunerJob, ebsAuditJob, nodeAutoscalerJob, secretRotatorJob] as const;

export type RegisteredJob = (typeof JOBS)[number];
