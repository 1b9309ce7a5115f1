import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { VpcPlacementConfig } from '../../lambdas/shared/config';
import type { OpsFunction } from './ops-function';

/** VPC, subnets and security groups of a function, from ids only (no lookups: synth stays offline). */
export function vpcPlacement(scope: Construct, cfg: VpcPlacementConfig) {
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: cfg.vpcId,
    availabilityZones: cfg.availabilityZones,
    privateSubnetIds: cfg.subnetIds,
  });
  const subnets = cfg.subnetIds.map((id, i) => ec2.Subnet.fromSubnetId(scope, `Subnet${i}`, id));
  const securityGroups = cfg.securityGroupIds.map((id, i) =>
    ec2.SecurityGroup.fromSecurityGroupId(scope, `SecurityGroup${i}`, id),
  );
  return { vpc, vpcSubnets: { subnets }, ...(securityGroups.length ? { securityGroups } : {}) };
}

/**
 * ENI rights for VPC placement, as explicit statements: OpsFunction's role carries no AWS-managed policy (the CDK
 * would otherwise attach AWSLambdaVPCAccessExecutionRole, which cdk-nag IAM4 flags).
 */
export function grantVpcNetworkInterfaces(fn: OpsFunction): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'LambdaVpcNetworkInterfaces',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }),
  );
  Validations.of(fn.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Lambda VPC networking: ec2:Describe* has no resource-level permissions and Lambda creates the ENIs in the configured subnets itself (the same actions as AWSLambdaVPCAccessExecutionRole).',
  });
}
