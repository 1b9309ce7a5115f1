import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { registerEbsAuditCommand } from '../../cli/commands/ebs-audit';
import { ebsAuditConfig, ebsAuditFunctionRoleName, type EbsAuditConfig } from '../../lambdas/ebs-audit/config';
import { functionSettings } from '../config/suite';
import {
  acknowledgeEbsAuditWildcards,
  ebsAuditActionStatements,
  ebsAuditPriceListStatement,
  ebsAuditReadStatement,
} from '../constructs/ebs-audit-policies';
import { acknowledgeWildcard, nagPseudo } from '../constructs/nag';
import { ScheduledJob } from '../constructs/scheduled-job';
import { EbsAuditMemberRoleStack } from '../stacks/ebs-audit-member-role-stack';
import { defineJob, type JobStackProps } from './types';

export const EBS_AUDIT_JOB = 'ebs-audit';

/**
 * ebs-audit in the audit (home) account: the weekly function, its report bucket (plus an access-log bucket), and the
 * function's role: enter member accounts, read volumes/regions/metrics, list the organization's accounts when asked,
 * write reports under the report prefix, and (only when actions are enabled) tag/snapshot/delete marked volumes of
 * the home account. Member accounts get their permissions from EbsAuditMemberRoleStack.
 */
export class EbsAuditStack extends Stack {
  readonly job: ScheduledJob;
  readonly reportBucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  readonly jobConfig: EbsAuditConfig;

  constructor(scope: Construct, id: string, props: JobStackProps<EbsAuditConfig>) {
    super(scope, id, props);
    const { suite } = props;
    const cfg = props.job;
    this.jobConfig = cfg;
    // Grant S3 log delivery through a bucket policy (not ACLs), as cdk.json asks; set here too so tests agree.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(cfg.report.expireAfterDays) }],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the access-log destination of the report bucket; logging it to itself would loop.',
    });

    this.reportBucket = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'reports/',
      lifecycleRules: [
        {
          id: 'expire-old-reports',
          prefix: cfg.report.prefix || undefined,
          expiration: Duration.days(cfg.report.expireAfterDays),
        },
      ],
    });

    this.job = new ScheduledJob(this, 'EbsAudit', {
      jobName: EBS_AUDIT_JOB,
      entry: path.join(__dirname, '../../lambdas/ebs-audit/handler.ts'),
      opsTopic: props.opsTopic,
      // With actions on, a failed invocation must not be retried by Lambda: a retry after deletes (e.g. when writing
      // the report or publishing the event failed) would act again. The next scheduled run picks up what is left.
      settings: {
        ...functionSettings(suite.defaults, cfg.function),
        ...(cfg.actions.mark ? { retryAttempts: 0 } : {}),
      },
      schedule: cfg.schedule,
      description: 'platform-ops ebs-audit: unattached EBS volumes across accounts and regions, priced, for review',
      environment: { JOB_CONFIG: JSON.stringify(cfg), REPORT_BUCKET: this.reportBucket.bucketName },
    });
    const fn = this.job.fn;
    // A fixed name, so member-account trust policies (another account, another stack) can name this role.
    (fn.role.node.defaultChild as iam.CfnRole).roleName = ebsAuditFunctionRoleName(suite.name);

    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AssumeTheMemberRole',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${this.partition}:iam::*:role/${cfg.memberRoleName}`],
      }),
    );
    fn.addToRolePolicy(ebsAuditReadStatement(cfg.actions));
    if (cfg.accounts === 'organization') {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ListOrganizationAccounts',
          actions: ['organizations:ListAccounts'],
          resources: ['*'],
        }),
      );
    }
    // Live prices are read with this role's own credentials (the member roles need nothing for pricing).
    const livePrices = cfg.pricing.source === 'price-list-api';
    if (livePrices) fn.addToRolePolicy(ebsAuditPriceListStatement());
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteReports',
        actions: ['s3:PutObject'],
        resources: [this.reportBucket.arnForObjects(`${cfg.report.prefix}*`)],
      }),
    );
    for (const statement of ebsAuditActionStatements(this.account, this.partition, cfg.actions, cfg.excludeTag)) {
      fn.addToRolePolicy(statement);
    }
    if (cfg.actions.delete) {
      // The delete cap holds per day: the function counts today's delete records under the report prefix first.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'CountTodaysDeletes',
          actions: ['s3:ListBucket'],
          resources: [this.reportBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': `${cfg.report.prefix}*` } },
        }),
      );
    }

    const policy = fn.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      const { partition } = nagPseudo(this);
      acknowledgeWildcard(
        policy,
        `Resource::arn:${partition}:iam::*:role/${cfg.memberRoleName}`,
        'Member accounts are discovered at run time (Organizations or config), so the account is a wildcard; the role name is fixed.',
      );
      acknowledgeWildcard(
        policy,
        `Resource::<${this.getLogicalId(this.reportBucket.node.defaultChild as s3.CfnBucket)}.Arn>/${cfg.report.prefix}*`,
        'Report keys are dated per run; the wildcard is confined to the report prefix of the report bucket.',
      );
      acknowledgeEbsAuditWildcards(policy, this, cfg.actions, [
        ...(cfg.accounts === 'organization' ? ['organizations:ListAccounts'] : []),
        ...(livePrices ? ['pricing:GetProducts'] : []),
      ]);
    }
  }
}

export const ebsAuditJob = defineJob({
  key: 'ebsAudit',
  name: EBS_AUDIT_JOB,
  config: ebsAuditConfig,
  // Goal 1,100 KiB (issue 12): the EC2 client's schemas alone are 542 KiB whatever is imported (upstream).
  bundleBudgetKiB: 1200,
  deploy(ctx, section) {
    new EbsAuditStack(ctx.app, `${ctx.suite.name}-${EBS_AUDIT_JOB}`, {
      ...ctx.stackProps,
      suite: ctx.suite,
      job: section,
      opsTopic: ctx.opsTopic,
      description: 'platform-ops: weekly audit of unattached EBS volumes across accounts and regions',
    });
    // Deployed into member accounts (StackSets), so no env: the audit account comes from config or a parameter.
    new EbsAuditMemberRoleStack(ctx.app, `${ctx.suite.name}-${EBS_AUDIT_JOB}-member-role`, {
      analyticsReporting: false,
      description: 'platform-ops: role the ebs-audit function assumes in a member account',
      auditAccountId: ctx.suite.env.account,
      auditRoleName: ebsAuditFunctionRoleName(ctx.suite.name),
      memberRoleName: section.memberRoleName,
      externalId: section.externalId,
      actions: section.actions,
      excludeTag: section.excludeTag,
    });
  },
  registerCli: registerEbsAuditCommand,
});
