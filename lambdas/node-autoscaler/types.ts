/** node-autoscaler: the plain data the decision core reads and the decisions and results it produces. */

export type ScaleAction = 'scale-out' | 'scale-in' | 'hold';

/** Why a group is held (several may apply at once; the decision lists all of them). */
export const HOLD_CODES = [
  'nodegroup-not-active',
  'asg-deleting',
  'scaling-policies',
  'activity-in-progress',
  'instances-in-transition',
  'bounds-disjoint',
  'foreign-change',
  'cooldown',
  'at-max',
  'at-min',
  'above-max',
  'unknown-signals',
  'projected-pressure',
  'pending-pods',
  'no-candidate',
  'steady',
  'api-busy',
  'error',
] as const;
export type HoldCode = (typeof HOLD_CODES)[number];

/** One instance of the group's ASG, with its node name from EC2. */
export interface InstanceState {
  readonly instanceId: string;
  readonly lifecycleState: string;
  readonly protectedFromScaleIn: boolean;
  /** Private DNS name (the Kubernetes NodeName); unknown until DescribeInstances answers. */
  readonly nodeName?: string;
  readonly launchTime?: Date;
}

export interface ActivityState {
  readonly statusCode: string;
  readonly startTime: Date;
  readonly endTime?: Date;
  readonly description?: string;
}

/** What the scaler last set or adopted, read back from the ASG tag `<desired>@<ISO time>`. */
export interface DesiredRecord {
  readonly desired: number;
  readonly at: Date;
}

/** The group as AWS describes it now. */
export interface GroupState {
  readonly kind: 'managed' | 'self-managed';
  /** Managed node groups only: DescribeNodegroup's status. */
  readonly nodeGroupStatus?: string;
  readonly autoScalingGroupName: string;
  readonly asgMinSize: number;
  readonly asgMaxSize: number;
  readonly desired: number;
  /** The ASG's Status is set only while DeleteAutoScalingGroup runs. */
  readonly deleting: boolean;
  readonly instances: readonly InstanceState[];
  /** Scaling policies of the ASG itself (target tracking, step, simple, predictive). */
  readonly scalingPolicies: readonly { readonly name: string; readonly type: string }[];
  /** Recent scaling activities, newest first. */
  readonly activities: readonly ActivityState[];
  /** The scaler's tag: absent, or its raw value and the parsed record (undefined when unparseable). */
  readonly desiredTag?: { readonly raw: string; readonly record?: DesiredRecord };
}

/** Values per minute, aligned with `SignalWindow.minutes`; null is unknown (missing or incomplete), never 0. */
export type Series = readonly (number | null)[];

export interface NodeSignals {
  readonly cpuUtilization: Series;
  readonly memoryUtilization: Series;
  readonly cpuReserved: Series;
  readonly memoryReserved: Series;
  readonly runningPods: Series;
}

export interface GroupSignals {
  /** Minute starts, oldest first; the newest is the last complete minute. */
  readonly minutes: readonly Date[];
  /** Per InService instance id. An instance without an entry has no data at all. */
  readonly nodes: Readonly<Record<string, NodeSignals>>;
  /** The cluster's unschedulable pods (AWS/EKS scheduler_pending_pods_UNSCHEDULABLE). */
  readonly pendingPods: Series;
}

export interface EffectiveBounds {
  readonly min: number;
  readonly max: number;
  readonly configMin: number;
  readonly configMax: number;
  readonly asgMin: number;
  readonly asgMax: number;
}

/** What the decision was made on, for the decision log line and `--json`. */
export interface DecisionSignals {
  readonly minutes: readonly string[];
  readonly cpuPressure: Series;
  readonly memoryPressure: Series;
  readonly pendingPods: Series;
  readonly inService: number;
  readonly nodes: Readonly<
    Record<string, { readonly nodeName?: string; readonly cpu: Series; readonly memory: Series; readonly pods: Series }>
  >;
}

export interface ScalingDecision {
  readonly group: string;
  readonly cluster: string;
  readonly autoScalingGroupName: string;
  readonly kind: GroupState['kind'];
  readonly action: ScaleAction;
  readonly from: number;
  readonly to: number;
  /** Every hold that applies (empty when the action is not a hold). */
  readonly holds: readonly HoldCode[];
  /** Human-readable reasons, holds first, then what the signals say. */
  readonly reasons: readonly string[];
  /** Scale-in: the instance to terminate (fewest running pods, not protected). */
  readonly terminate?: { readonly instanceId: string; readonly runningPods: number | null };
  /** Another actor changed the desired capacity since the scaler's record: reported once, then adopted. */
  readonly conflict?: {
    readonly recorded: number | null;
    readonly recordedAt: string | null;
    readonly current: number;
  };
  /** The value to record in the tag without scaling (adopting a foreign change, or the first baseline). */
  readonly recordDesired?: number;
  /** The time written with `recordDesired` (ISO). */
  readonly recordAt?: string;
  readonly bounds: EffectiveBounds;
  readonly thresholds: {
    readonly scaleOut: { readonly cpuPercent: number; readonly memoryPercent: number; readonly datapoints: number };
    readonly scaleIn: { readonly cpuPercent: number; readonly memoryPercent: number; readonly datapoints: number };
  };
  /** Pressure (CPU or memory, newest complete minute) and pending pods, for metrics. */
  readonly pressurePercent: number | null;
  readonly pendingPods: number | null;
  /** At the upper bound with pressure above the scale-out threshold in the newest minute. */
  readonly atMaxUnderPressure: boolean;
  /** True on the one run where at-max pressure has lasted exactly CAPACITY_EXHAUSTED_MINUTES (one event per episode). */
  readonly capacityExhaustedStarted: boolean;
  readonly signals: DecisionSignals;
}

/** A decision after the job tried to apply it. */
export interface GroupOutcome {
  readonly decision?: ScalingDecision;
  readonly group: string;
  readonly cluster: string;
  /** The change was made in AWS (never in dry-run). */
  readonly applied: boolean;
  /** The scaler's tag was written (after an action, an adoption or a first baseline). */
  readonly recorded: boolean;
  /** An AWS answer that made an action a hold (ScalingActivityInProgress, ResourceContention, ResourceInUse). */
  readonly busy?: string;
  /** The group could not be read or the action failed (the other groups still ran). */
  readonly error?: string;
}

export interface NodeAutoscalerResult {
  readonly dryRun: boolean;
  readonly time: string;
  readonly outcomes: readonly GroupOutcome[];
  /** GetMetricData calls and queries this run (cost: billed per metric requested). */
  readonly metricCalls: number;
  readonly metricQueries: number;
}
