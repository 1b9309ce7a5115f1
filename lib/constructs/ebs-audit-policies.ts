import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { acknowledgeWildcard, nagPseudo } from './nag';
import {
  EBS_AUDIT_MARK_TAG_KEY,
  EBS_AUDIT_SNAPSHOT_MARK_TAG_KEY,
  EBS_AUDIT_SNAPSHOT_SOURCE_TAG_KEY,
} from '../../lambdas/ebs-audit/config';

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
