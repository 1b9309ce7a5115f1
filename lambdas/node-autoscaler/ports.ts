/** The outside systems node-autoscaler talks to. Adapters in ./adapters implement them over the AWS SDK. */
import type { MetricQuery, MetricSeriesResult } from './core/signals';
import type { ActivityState, InstanceState } from './types';

export interface AutoScalingGroupDescription {
  readonly name: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desired: number;
  /** Set only while the group is being deleted. */
  readonly status?: string;
  readonly instances: readonly Omit<InstanceState, 'nodeName' | 'launchTime'>[];
  readonly tags: Readonly<Record<string, string>>;
}

/** An AWS answer meaning "not now" (another change is in flight): a hold, not an error. */
export interface BusyAnswer {
  readonly busy: true;
  readonly code: string;
}

export interface AutoScalingPort {
  /** The named groups that exist (a missing name is simply absent from the map). */
  describeGroups(names: readonly string[]): Promise<ReadonlyMap<string, AutoScalingGroupDescription>>;
  describePolicies(groupName: string): Promise<readonly { name: string; type: string }[]>;
  /** The newest activities, newest first. */
  describeRecentActivities(groupName: string): Promise<readonly ActivityState[]>;
  /** Every activity that started at or after `since` (replay), newest first. */
  describeActivitiesSince(groupName: string, since: Date): Promise<readonly ActivityState[]>;
  /** SetDesiredCapacity with HonorCooldown false (the scaler applies its own cooldown). */
  setDesiredCapacity(groupName: string, desired: number): Promise<BusyAnswer | undefined>;
  /** TerminateInstanceInAutoScalingGroup with ShouldDecrementDesiredCapacity. */
  terminateInstance(instanceId: string): Promise<BusyAnswer | undefined>;
  /** Writes the scaler's record tag on the group (not propagated to instances). */
  writeTag(groupName: string, key: string, value: string): Promise<void>;
}

export interface NodegroupDescription {
  readonly status: string;
  readonly autoScalingGroups: readonly string[];
}

export interface EksPort {
  describeNodegroup(cluster: string, nodeGroup: string): Promise<NodegroupDescription>;
}

export interface InstanceDetails {
  readonly privateDnsName?: string;
  readonly launchTime?: Date;
}

export interface Ec2Port {
  /** Details of the instances that exist; an unknown id is absent, not an error. */
  describeInstances(instanceIds: readonly string[]): Promise<ReadonlyMap<string, InstanceDetails>>;
}

export interface MetricsPort {
  /** All queries, in calls of at most 500, every page followed. */
  getMetricData(
    queries: readonly MetricQuery[],
    start: Date,
    end: Date,
  ): Promise<{ results: ReadonlyMap<string, MetricSeriesResult>; calls: number }>;
  /** Replay: instance id → NodeName of every node that has Container Insights series in the cluster (ListMetrics). */
  listNodeNames(cluster: string): Promise<ReadonlyMap<string, string>>;
}

export interface NodeAutoscalerPorts {
  readonly autoScaling: AutoScalingPort;
  readonly eks: EksPort;
  readonly ec2: Ec2Port;
  readonly metrics: MetricsPort;
}
