import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { FRESHNESS_METRICS, TARGET_DIMENSION } from '../../lambdas/shared/backup-freshness';
import {
  type BackupPrunerConfig,
  type BackupTargetConfig,
  backupPrunerConfig,
} from '../../lambdas/backup-pruner/config';
import { registerBackupPrunerCommand } from '../../cli/commands/backup-pruner';
import { functionSettings } from '../config/suite';
import { acknowledgeWildcard, nagPseudo } from '../constructs/nag';
import { ScheduledJob } from '../constructs/scheduled-job';
import { grantVpcNetworkInterfaces, vpcPlacement } from '../constructs/vpc-placement';
import { defineJob, type JobStackProps } from './types';

export const BACKUP_PRUNER_JOB = 'backup-pruner';

/** The key prefix a target's function may list and delete under: Velero is confined to backups/. */
export function objectScope(target: BackupTargetConfig): string {
  return target.layout === 'velero' ? `${target.prefix}backups/` : target.prefix;
}

/**
 * The only objects the pruner reads (S3ObjectStore.getText, called from the planning in job.ts): barman's backup.info and keep
 * annotations, Velero's velero-backup.json. The prefix layout reads nothing (it decides from the listing alone).
 */
export function readPatterns(target: BackupTargetConfig): string[] {
  if (target.layout === 'barman')
    return [`${target.prefix}base/*/backup.info`, `${target.prefix}base/*/annotations/keep`];
  if (target.layout === 'velero') return [`${target.prefix}backups/*/velero-backup.json`];
  return [];
}

/**
 * The backup-pruner: a daily ScheduledJob with, per target, S3 rights on exactly that bucket and prefix, optional
 * VPC placement (to reach MinIO) and freshness alarms per barman server that notify the ops-events topic.
 */
export class BackupPrunerStack extends Stack {
  readonly job: ScheduledJob;
  readonly freshnessAlarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: JobStackProps<BackupPrunerConfig>) {
    super(scope, id, props);
    const cfg = props.job;

    const vpcProps = cfg.vpc ? vpcPlacement(this, cfg.vpc) : {};
    this.job = new ScheduledJob(this, 'BackupPruner', {
      jobName: BACKUP_PRUNER_JOB,
      entry: path.join(__dirname, '../../lambdas/backup-pruner/handler.ts'),
      opsTopic: props.opsTopic,
      settings: functionSettings(props.suite.defaults, cfg.function),
      schedule: cfg.schedule,
      description: 'platform-ops backup-pruner: barman/Velero/prefix retention in S3 and MinIO, backup freshness',
      // The validated section, parsed again at init with the same schema. It holds no secret (only secret names).
      environment: { JOB_CONFIG: JSON.stringify(cfg) },
      ...vpcProps,
    });
    const fn = this.job.fn;
    if (cfg.vpc) grantVpcNetworkInterfaces(fn);

    const acknowledged: { arn: string; reason: string }[] = [];
    cfg.targets.forEach((target) => {
      const bucketArn = `arn:${this.partition}:s3:::${target.bucket}`;
      const scopePrefix = objectScope(target);
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: sid('List', target.name),
          actions: target.purgeVersions ? ['s3:ListBucket', 's3:ListBucketVersions'] : ['s3:ListBucket'],
          resources: [bucketArn],
          conditions: { StringLike: { 's3:prefix': [scopePrefix, `${scopePrefix}*`] } },
        }),
      );
      const objectArn = `${bucketArn}/${scopePrefix}*`;
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: sid('Delete', target.name),
          actions: target.purgeVersions ? ['s3:DeleteObject', 's3:DeleteObjectVersion'] : ['s3:DeleteObject'],
          resources: [objectArn],
        }),
      );
      // cdk-nag names the finding with the partition as written in the template: a literal, or <AWS::Partition>.
      const nagArn = (key: string) => `arn:${nagPseudo(this).partition}:s3:::${target.bucket}/${key}`;
      acknowledged.push({
        arn: nagArn(`${scopePrefix}*`),
        reason: `Deletes objects of one backup target only: S3 scopes object permissions by key prefix (s3://${target.bucket}/${scopePrefix}).`,
      });
      const reads = readPatterns(target);
      if (reads.length > 0) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: sid('ReadManifests', target.name),
            actions: ['s3:GetObject'],
            resources: reads.map((key) => `${bucketArn}/${key}`),
          }),
        );
        for (const key of reads) {
          acknowledged.push({
            arn: nagArn(key),
            reason: `Reads only the ${target.layout} manifests of one backup target; the * stands for the backup id/name, which is not known at deploy time (s3://${target.bucket}/${key}).`,
          });
        }
      }
      if (target.credentialsSecretName) {
        secretsmanager.Secret.fromSecretNameV2(
          this,
          `${target.name}StoreCredentials`,
          target.credentialsSecretName,
        ).grantRead(fn);
      }
      if (target.layout === 'barman') this.addFreshnessAlarms(target, cfg, props);
    });

    // S3 object ARNs can only be scoped by key pattern, which is a wildcard by nature; each one is a single target's.
    for (const { arn, reason } of acknowledged) acknowledgeWildcard(fn.role, `Resource::${arn}`, reason);
    const nag = nagPseudo(this);
    for (const target of cfg.targets.filter((t) => t.credentialsSecretName)) {
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:${nag.partition}:secretsmanager:${nag.region}:${nag.account}:secret:${target.credentialsSecretName}-??????]`,
        reason:
          'Secrets Manager appends six random characters to a secret ARN; the grant names the one MinIO credentials secret.',
      });
    }
  }

  private addFreshnessAlarms(
    target: BackupTargetConfig,
    cfg: BackupPrunerConfig,
    props: JobStackProps<BackupPrunerConfig>,
  ): void {
    const notify = new cwActions.SnsAction(props.opsTopic);
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'PlatformOps',
        metricName,
        dimensionsMap: { service: BACKUP_PRUNER_JOB, [TARGET_DIMENSION]: target.name },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.days(1),
      });
    const alarm = (id: string, metricName: string, threshold: number, what: string) => {
      const a = new cloudwatch.Alarm(this, `${target.name}${id}Alarm`, {
        alarmDescription: `platform-ops backup-pruner ${target.name}: ${what} (missing data alarms too: the job did not report)`,
        metric: metric(metricName),
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // A job that stops reporting is as bad as a stale backup: no data breaches.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      a.addAlarmAction(notify);
      a.addOkAction(notify);
      this.freshnessAlarms.push(a);
    };
    const f = cfg.freshness;
    alarm(
      'BackupAge',
      FRESHNESS_METRICS.backupAge,
      f.maxBackupAgeHours * 3600,
      `newest DONE base backup older than ${f.maxBackupAgeHours} h`,
    );
    alarm(
      'WalAge',
      FRESHNESS_METRICS.walAge,
      f.maxWalAgeMinutes * 60,
      `newest archived WAL older than ${f.maxWalAgeMinutes} min`,
    );
    alarm(
      'FailedBackups',
      FRESHNESS_METRICS.failedSinceDone,
      f.maxFailedSinceLastDone,
      `more than ${f.maxFailedSinceLastDone} FAILED backup(s) since the newest DONE one`,
    );
  }
}

/** Statement ids must be alphanumeric. */
function sid(kind: string, name: string): string {
  return `${kind}${name.replace(/[^A-Za-z0-9]/g, '')}`;
}

export const backupPrunerJob = defineJob({
  key: 'backupPruner',
  name: BACKUP_PRUNER_JOB,
  config: backupPrunerConfig,
  // 424 KiB measured (goal 600): the S3, SNS and Secrets Manager clients, zod/mini 35 KiB.
  bundleBudgetKiB: 450,
  deploy(ctx, section) {
    new BackupPrunerStack(ctx.app, `${ctx.suite.name}-${BACKUP_PRUNER_JOB}`, {
      ...ctx.stackProps,
      suite: ctx.suite,
      job: section,
      opsTopic: ctx.opsTopic,
      description: 'platform-ops: backup-pruner (barman/Velero retention, backup freshness alarms)',
    });
  },
  registerCli: registerBackupPrunerCommand,
});
