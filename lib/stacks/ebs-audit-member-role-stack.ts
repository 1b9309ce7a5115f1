import { CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import {
  acknowledgeEbsAuditWildcards,
  ebsAuditActionStatements,
  ebsAuditReadStatement,
  type EbsAuditActionSwitches,
} from '../constructs/ebs-audit-policies';

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
