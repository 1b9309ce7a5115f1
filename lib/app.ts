import { type App, Tags } from 'aws-cdk-lib';
import type { PlatformOpsConfig } from './config';
import { ebsAuditFunctionRoleName } from './config/ebs-audit';
import { AlertingStack } from './stacks/alerting-stack';
import { BackupPrunerStack } from './stacks/backup-pruner-stack';
import { EbsAuditMemberRoleStack } from './stacks/ebs-audit-member-role-stack';
import { EbsAuditStack } from './stacks/ebs-audit-stack';

export interface PlatformOpsStacks {
  readonly alerting: AlertingStack;
}

/**
 * Builds every stack the config asks for: the alerting stack always, and one stack per enabled job.
 * `bin/platform-ops.ts` calls this with the validated config; tests call it with their own.
 */
export function buildPlatformOps(app: App, config: PlatformOpsConfig): PlatformOpsStacks {
  const env =
    config.env.account || config.env.region ? { account: config.env.account, region: config.env.region } : undefined;
  const common = { config, env, analyticsReporting: false };

  const alerting = new AlertingStack(app, `${config.name}-alerting`, {
    ...common,
    description: 'platform-ops: ops-events topic and Slack alert delivery',
  });
  const opsTopic = alerting.opsTopic;

  // Job stacks register here, one block each, created only when the job's section is enabled.

  // backup-pruner
  if (config.jobs.backupPruner?.enabled) {
    new BackupPrunerStack(app, `${config.name}-backup-pruner`, {
      ...common,
      opsTopic,
      description: 'platform-ops: backup-pruner (barman/Velero retention, backup freshness alarms)',
    });
  }

  // ebs-audit
  if (config.jobs.ebsAudit?.enabled) {
    const ebsAudit = config.jobs.ebsAudit;
    new EbsAuditStack(app, `${config.name}-ebs-audit`, {
      ...common,
      opsTopic,
      description: 'platform-ops: weekly audit of unattached EBS volumes across accounts and regions',
    });
    // Deployed into member accounts (StackSets), so no env: the audit account comes from config or a parameter.
    new EbsAuditMemberRoleStack(app, `${config.name}-ebs-audit-member-role`, {
      analyticsReporting: false,
      description: 'platform-ops: role the ebs-audit function assumes in a member account',
      auditAccountId: config.env.account,
      auditRoleName: ebsAuditFunctionRoleName(config.name),
      memberRoleName: ebsAudit.memberRoleName,
      externalId: ebsAudit.externalId,
      actions: ebsAudit.actions,
      excludeTag: ebsAudit.excludeTag,
    });
  }

  for (const [key, value] of Object.entries({ project: 'platform-ops', ...config.tags })) {
    Tags.of(app).add(key, value);
  }
  return { alerting };
}
