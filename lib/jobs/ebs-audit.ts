/**
 * The ebs-audit job's infrastructure, in one place: the IAM statements both roles share, the stack in the audit
 * (home) account, the member-role stack deployed into member accounts, and the JobDefinition of the registry.
 */
import * as path from 'node:path';
import { CfnParameter, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct, IConstruct } from 'constructs';
import { registerEbsAuditCommand } from '../../cli/commands/ebs-audit';
import {
  EBS_AUDIT_MARK_TAG_KEY,
  EBS_AUDIT_SNAPSHOT_MARK_TAG_KEY,
  EBS_AUDIT_SNAPSHOT_SOURCE_TAG_KEY,
  ebsAuditConfig,
  ebsAuditFunctionRoleName,
  type EbsAuditConfig,
} from '../../lambdas/ebs-audit/config';
import { functionSettings } from '../config/suite';
import { acknowledgeWildcard, nagPseudo } from '../constructs/nag';
import { ScheduledJob } from '../constructs/scheduled-job';
import { defineJob, type JobStackProps } from './types';

export const EBS_AUDIT_JOB = 'ebs-audit';

// ---------------------------------------------------------------------------------------------------------------
// IAM statements shared by the function role and the member role

/** The action switches that decide which write statements exist at all. */
export interface EbsAuditActionSwitches {
  readonly mark: boolean;
  readonly delete: boolean;
  readonly snapshotBeforeDelete: boolean;
}

/**
 * Read-only statements the audit needs in every account it scans. DescribeVolumes, DescribeRegions,
 * DescribeSnapshots and GetMetricData support no resource-level permissions, hence `*` (acknowledged by the caller).
 */
export function ebsAuditReadStatement(actions: EbsAuditActionSwitches): iam.PolicyStatement {
  const ec2Describe = ['ec2:DescribeRegions', 'ec2:DescribeVolumes'];
  if (actions.delete && actions.snapshotBeforeDelete) ec2Describe.push('ec2:DescribeSnapshots');
  return new iam.PolicyStatement({
    sid: 'DescribeVolumesRegionsAndIdleMetrics',
    actions: [...ec2Describe, 'cloudwatch:GetMetricData'],
    resources: ['*'],
  });
}

/**
 * Write statements for one account, present only when actions are enabled and each conditioned on the deletion mark:
 * - tag/untag: only the mark tag key may be written or removed (aws:TagKeys)
 * - none of them on a volume carrying the exclude tag (key case-insensitive, value ignoring case)
 * - snapshot/delete: only volumes that carry the mark (aws:ResourceTag), snapshots only tagged with their source
 *   volume and the volume's mark, and tags on snapshots only as part of CreateSnapshot.
 */
export function ebsAuditActionStatements(
  account: string,
  partition: string,
  actions: EbsAuditActionSwitches,
  excludeTag: { readonly key: string; readonly value: string },
): iam.PolicyStatement[] {
  if (!actions.mark) return [];
  const volumes = `arn:${partition}:ec2:*:${account}:volume/*`;
  // Never on a volume carrying the exclude tag. IAM matches the tag-key part of aws:ResourceTag/<key>
  // case-insensitively, and the operator ignores the value's case, as the audit's own check does. A volume without
  // the tag passes (a negated operator matches when the key is absent). The audit's check stays the primary guard
  // (it also trims the value and sees every spelling of the key).
  const notExcluded = { StringNotEqualsIgnoreCase: { [`aws:ResourceTag/${excludeTag.key}`]: excludeTag.value.trim() } };
  const onlyTheMarkKey = {
    'ForAllValues:StringEquals': { 'aws:TagKeys': [EBS_AUDIT_MARK_TAG_KEY] },
    Null: { 'aws:TagKeys': 'false' },
    ...notExcluded,
  };
  const carriesTheMark = { Null: { [`aws:ResourceTag/${EBS_AUDIT_MARK_TAG_KEY}`]: 'false' }, ...notExcluded };
  const statements = [
    new iam.PolicyStatement({
      sid: 'MarkAndUnmarkVolumes',
      actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
      resources: [volumes],
      conditions: onlyTheMarkKey,
    }),
  ];
  if (!actions.delete) return statements;
  statements.push(
    new iam.PolicyStatement({
      sid: 'DeleteMarkedVolumes',
      actions: ['ec2:DeleteVolume'],
      resources: [volumes],
      conditions: carriesTheMark,
    }),
  );
  if (actions.snapshotBeforeDelete) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'SnapshotMarkedVolumes',
        actions: ['ec2:CreateSnapshot'],
        resources: [volumes],
        conditions: carriesTheMark,
      }),
      new iam.PolicyStatement({
        sid: 'CreateSnapshotsTaggedWithTheirSource',
        actions: ['ec2:CreateSnapshot'],
        resources: [`arn:${partition}:ec2:*::snapshot/*`],
        conditions: {
          Null: {
            [`aws:RequestTag/${EBS_AUDIT_SNAPSHOT_SOURCE_TAG_KEY}`]: 'false',
            [`aws:RequestTag/${EBS_AUDIT_SNAPSHOT_MARK_TAG_KEY}`]: 'false',
          },
        },
      }),
      new iam.PolicyStatement({
        sid: 'TagSnapshotsOnCreation',
        actions: ['ec2:CreateTags'],
        resources: [`arn:${partition}:ec2:*::snapshot/*`],
        conditions: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshot' } },
      }),
    );
  }
  return statements;
}

/**
 * Acknowledges the wildcards that ebsAuditReadStatement and ebsAuditActionStatements put in `policy`, each with its
 * reason. `unscopedActions` names any further action of the same policy that also has no resource-level permissions.
 */
export function acknowledgeEbsAuditWildcards(
  policy: IConstruct,
  stack: Stack,
  actions: EbsAuditActionSwitches,
  unscopedActions: readonly string[] = [],
): void {
  const { partition, account } = nagPseudo(stack);
  const described = [
    'ec2:DescribeVolumes',
    'ec2:DescribeRegions',
    'ec2:DescribeSnapshots',
    'cloudwatch:GetMetricData',
    ...unscopedActions,
  ];
  acknowledgeWildcard(
    policy,
    'Resource::*',
    `${described.slice(0, -1).join(', ')} and ${described[described.length - 1]} have no resource-level permissions.`,
  );
  if (actions.mark)
    acknowledgeWildcard(
      policy,
      `Resource::arn:${partition}:ec2:*:${account}:volume/*`,
      'Volumes to mark/delete are found at run time in any region; every statement is conditioned on the deletion mark tag.',
    );
  if (actions.delete && actions.snapshotBeforeDelete)
    acknowledgeWildcard(
      policy,
      `Resource::arn:${partition}:ec2:*::snapshot/*`,
      'Snapshot ids do not exist before CreateSnapshot; creation requires the source-volume tag, tagging only on creation.',
    );
}

/**
 * Price List Query API read for the live volume prices (`pricing.source: price-list-api`). GetProducts has no
 * resource-level permissions, hence `*` (acknowledged by the caller through acknowledgeEbsAuditWildcards).
 */
export function ebsAuditPriceListStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadEbsListPrices',
    actions: ['pricing:GetProducts'],
    resources: ['*'],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Member accounts

export interface EbsAuditMemberRoleStackProps extends StackProps {
  /** The audit (home) account. Omit to take it as the `AuditAccountId` parameter at deploy time (e.g. StackSets). */
  readonly auditAccountId?: string;
  /** Name of the audit function's role in the audit account (ebsAuditFunctionRoleName(config.name)). */
  readonly auditRoleName: string;
  /** Name of the role this stack creates (config memberRoleName). */
  readonly memberRoleName: string;
  /** When set, AssumeRole must present it. */
  readonly externalId?: string;
  readonly actions: EbsAuditActionSwitches;
  /** The exclude tag (config excludeTag): the write statements refuse volumes carrying it. */
  readonly excludeTag: { readonly key: string; readonly value: string };
}

/**
 * The role the audit assumes in each member account; deploy it with CloudFormation StackSets (service-managed, auto
 * deployment to OUs) or per account. StackSets skip the management account: it is the home account or needs this
 * stack deployed there directly. Read-only unless actions are enabled; write statements are conditioned on the mark.
 */
export class EbsAuditMemberRoleStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: EbsAuditMemberRoleStackProps) {
    super(scope, id, props);
    const auditAccount =
      props.auditAccountId ??
      new CfnParameter(this, 'AuditAccountId', {
        type: 'String',
        allowedPattern: '^\\d{12}$',
        description: 'Account id where the platform-ops ebs-audit function runs',
      }).valueAsString;

    const principal = new iam.ArnPrincipal(`arn:${this.partition}:iam::${auditAccount}:role/${props.auditRoleName}`);
    this.role = new iam.Role(this, 'Role', {
      roleName: props.memberRoleName,
      description:
        'Lets the platform-ops ebs-audit function list unattached EBS volumes (and act on marked ones if enabled)',
      assumedBy: props.externalId
        ? principal.withConditions({ StringEquals: { 'sts:ExternalId': props.externalId } })
        : principal,
    });
    this.role.addToPolicy(ebsAuditReadStatement(props.actions));
    for (const statement of ebsAuditActionStatements(this.account, this.partition, props.actions, props.excludeTag)) {
      this.role.addToPolicy(statement);
    }

    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) acknowledgeEbsAuditWildcards(policy, this, props.actions);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The audit (home) account and the job

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
  // 523 KiB measured (goal 1.1 MiB): the SDK schema plugin drops the EC2 schemas no command reaches (535 of 540 KiB).
  bundleBudgetKiB: 560,
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
