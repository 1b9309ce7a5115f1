import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { registerNodeAutoscalerCommand } from '../../cli/commands/node-autoscaler';
import {
  NODE_AUTOSCALER_DESIRED_TAG_KEY,
  nodeAutoscalerConfig,
  type NodeAutoscalerConfig,
  type NodeGroupConfig,
} from '../../lambdas/node-autoscaler/config';
import { CAPACITY_EXHAUSTED_MINUTES } from '../../lambdas/node-autoscaler/core/decide';
import { functionSettings } from '../config/suite';
import { acknowledgeWildcard, nagPseudo } from '../constructs/nag';
import { ScheduledJob } from '../constructs/scheduled-job';
import { defineJob, type JobStackProps } from './types';

export const NODE_AUTOSCALER_JOB = 'node-autoscaler';
/** Where the function's EMF metrics go (OpsFunction sets POWERTOOLS_METRICS_NAMESPACE to it). */
const METRICS_NAMESPACE = 'PlatformOps';

/** The actions that change a group: only on the configured groups. */
const SCALING_ACTIONS = [
  'autoscaling:SetDesiredCapacity',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
  'autoscaling:CreateOrUpdateTags',
];
/** Calls without resource-level permissions (IAM service authorization reference): Resource must be "*". */
const DESCRIBE_ACTIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribePolicies',
  'autoscaling:DescribeScalingActivities',
  'cloudwatch:GetMetricData',
  'ec2:DescribeInstances',
];

/** EKS names its managed node group's ASG `eks-<nodegroup>-<uuid>`. */
export const managedAsgNamePattern = (g: NodeGroupConfig) => `eks-${g.nodeGroup}-*`;

/**
 * node-autoscaler: a ScheduledJob (every minute by default) with reserved concurrency 1 and no Lambda retries (a late
 * retry would act on signals a minute old), the IAM to describe and resize exactly the configured groups, and per
 * group the capacity-exhausted and read-failure alarms on the job's EMF metrics, notifying the ops-events topic.
 */
export class NodeAutoscalerStack extends Stack {
  readonly job: ScheduledJob;
  readonly capacityAlarms: cloudwatch.Alarm[] = [];
  readonly errorAlarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: JobStackProps<NodeAutoscalerConfig>) {
    super(scope, id, props);
    const cfg = props.job;
    this.job = new ScheduledJob(this, 'NodeAutoscaler', {
      jobName: NODE_AUTOSCALER_JOB,
      entry: path.join(__dirname, '../../lambdas/node-autoscaler/handler.ts'),
      opsTopic: props.opsTopic,
      settings: { ...functionSettings(props.suite.defaults, cfg.function), reservedConcurrency: 1, retryAttempts: 0 },
      schedule: cfg.schedule,
      description: 'platform-ops node-autoscaler: EKS node groups sized from Container Insights and pending pods',
      environment: { JOB_CONFIG: JSON.stringify(cfg) },
    });
    const fn = this.job.fn;
    const arnBase = `arn:${this.partition}:autoscaling:${this.region}:${this.account}:autoScalingGroup:*:autoScalingGroupName`;
    const { partition, region, account } = nagPseudo(this);
    const nagBase = `arn:${partition}:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName`;
    const onlyOurTag = { 'ForAllValues:StringEquals': { 'aws:TagKeys': [NODE_AUTOSCALER_DESIRED_TAG_KEY] } };

    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadGroupsAndSignals', actions: DESCRIBE_ACTIONS, resources: ['*'] }),
    );

    const selfManaged = cfg.groups.filter((g) => g.autoScalingGroup);
    if (selfManaged.length > 0) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ResizeSelfManagedGroups',
          actions: SCALING_ACTIONS,
          resources: selfManaged.map((g) => `${arnBase}/${g.autoScalingGroup}`),
          // CreateOrUpdateTags may only write the scaler's own record tag.
          conditions: onlyOurTag,
        }),
      );
    }
    const managed = cfg.groups.filter((g) => g.nodeGroup);
    managed.forEach((g, i) => {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: `ResizeManagedNodeGroup${i}`,
          actions: SCALING_ACTIONS,
          resources: [`${arnBase}/${managedAsgNamePattern(g)}`],
          conditions: {
            StringEquals: {
              'autoscaling:ResourceTag/eks:cluster-name': g.cluster,
              'autoscaling:ResourceTag/eks:nodegroup-name': g.nodeGroup,
            },
            ...onlyOurTag,
          },
        }),
      );
    });
    if (managed.length > 0) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'DescribeManagedNodeGroups',
          actions: ['eks:DescribeNodegroup'],
          resources: managed.map(
            (g) => `arn:${this.partition}:eks:${this.region}:${this.account}:nodegroup/${g.cluster}/${g.nodeGroup}/*`,
          ),
        }),
      );
    }

    const policy = fn.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledgeWildcard(
        policy,
        'Resource::*',
        `${DESCRIBE_ACTIONS.join(', ')} have no resource-level permissions (IAM service authorization reference), so Resource must be "*"; they only read.`,
      );
      for (const g of selfManaged)
        acknowledgeWildcard(
          policy,
          `Resource::${nagBase}/${g.autoScalingGroup}`,
          `The ASG ARN holds a generated id; the wildcard is only that id, the group name (${g.autoScalingGroup}) is fixed.`,
        );
      for (const g of managed) {
        acknowledgeWildcard(
          policy,
          `Resource::${nagBase}/${managedAsgNamePattern(g)}`,
          `EKS names the node group's ASG eks-${g.nodeGroup}-<uuid>; the statement also requires its eks:cluster-name and eks:nodegroup-name tags to be ${g.cluster}/${g.nodeGroup}.`,
        );
        acknowledgeWildcard(
          policy,
          `Resource::arn:${partition}:eks:${region}:${account}:nodegroup/${g.cluster}/${g.nodeGroup}/*`,
          'A node group ARN ends in a generated id; the wildcard is only that id, cluster and node group are fixed.',
        );
      }
    }

    // Alarms on the job's EMF metrics (namespace PlatformOps, dimensions service + group), notifying on ALARM and OK.
    const notify = new cwActions.SnsAction(props.opsTopic);
    const metric = (name: string, group: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: NODE_AUTOSCALER_JOB, group },
        period: Duration.minutes(1),
        statistic,
      });
    cfg.groups.forEach((g, i) => {
      const capacity = new cloudwatch.Alarm(this, `CapacityExhausted${i}`, {
        alarmDescription: `platform-ops node-autoscaler: ${g.name} (${g.cluster}) at its upper bound with pressure above the scale-out threshold for ${CAPACITY_EXHAUSTED_MINUTES} minutes`,
        metric: metric('CapacityExhausted', g.name, cloudwatch.Stats.MAXIMUM),
        threshold: 1,
        evaluationPeriods: CAPACITY_EXHAUSTED_MINUTES,
        datapointsToAlarm: CAPACITY_EXHAUSTED_MINUTES,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const errors = new cloudwatch.Alarm(this, `GroupErrors${i}`, {
        alarmDescription: `platform-ops node-autoscaler: ${g.name} (${g.cluster}) could not be read or resized for 5 minutes (see the decision log lines)`,
        metric: metric('GroupErrors', g.name, cloudwatch.Stats.MINIMUM),
        threshold: 1,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      for (const a of [capacity, errors]) {
        a.addAlarmAction(notify);
        a.addOkAction(notify);
      }
      this.capacityAlarms.push(capacity);
      this.errorAlarms.push(errors);
    });
  }
}

export const nodeAutoscalerJob = defineJob({
  key: 'nodeAutoscaler',
  name: NODE_AUTOSCALER_JOB,
  config: nodeAutoscalerConfig,
  deploy(ctx, section) {
    new NodeAutoscalerStack(ctx.app, `${ctx.suite.name}-${NODE_AUTOSCALER_JOB}`, {
      ...ctx.stackProps,
      suite: ctx.suite,
      job: section,
      opsTopic: ctx.opsTopic,
      description: 'platform-ops: node-autoscaler (EKS node groups from Container Insights and pending pods)',
    });
  },
  // 395 KiB measured: the SDK schema plugin keeps only the EC2 schemas DescribeInstances reaches.
  bundleBudgetKiB: 420,
  registerCli: registerNodeAutoscalerCommand,
});
