/**
 * One run of node-autoscaler, shared by the Lambda handler and the CLI: read every group's state from AWS (node
 * group, ASG, policies, activities, instances), gather the signals of all groups with one GetMetricData plan, decide
 * per group with the pure core, and (unless dry-run) apply: SetDesiredCapacity / TerminateInstanceInAutoScalingGroup,
 * then record what was set in the ASG tag. One group failing never stops the others.
 */
import { awsErrorCode, awsErrorMessage } from '../shared/aws-errors';
import { mapLimit } from '../shared/concurrency';
import { NODE_AUTOSCALER_DESIRED_TAG_KEY, type NodeAutoscalerConfig, type NodeGroupConfig } from './config';
import { decideScaling, formatDesiredTag, parseDesiredTag, signalMinutesNeeded } from './core/decide';
import { membershipFromActivities, type ReplayMinute, replayDecisions } from './core/replay';
import { groupSignals, planQueries, signalWindow } from './core/signals';
import type { AutoScalingGroupDescription, NodeAutoscalerPorts } from './ports';
import type { GroupOutcome, GroupState, InstanceState, NodeAutoscalerResult, ScalingDecision } from './types';

export interface RunOptions {
  readonly now: Date;
  readonly dryRun: boolean;
  /** Only these groups (by name); all when absent. */
  readonly groups?: readonly string[];
}

/** Describe calls in flight at once (policies and activities, per group). */
const DESCRIBE_CONCURRENCY = 4;

const failure = (what: string, err: unknown) => `${what}: ${awsErrorCode(err)}: ${awsErrorMessage(err)}`;

interface Gathered {
  readonly group: NodeGroupConfig;
  readonly state?: Omit<GroupState, 'instances'> & { instances: InstanceState[] };
  readonly error?: string;
}

export async function runNodeAutoscaler(
  config: NodeAutoscalerConfig,
  ports: NodeAutoscalerPorts,
  options: RunOptions,
): Promise<NodeAutoscalerResult> {
  const { now, dryRun } = options;
  const selected = options.groups ? config.groups.filter((g) => options.groups?.includes(g.name)) : config.groups;

  // 1. Which ASG each group is (managed node groups: from DescribeNodegroup, and only while ACTIVE matters later).
  const resolved = await mapLimit(selected, DESCRIBE_CONCURRENCY, async (group) => {
    if (group.autoScalingGroup) return { group, asgName: group.autoScalingGroup };
    try {
      const ng = await ports.eks.describeNodegroup(group.cluster, group.nodeGroup as string);
      if (ng.autoScalingGroups.length !== 1)
        return {
          group,
          nodeGroupStatus: ng.status,
          error: `node group ${group.cluster}/${group.nodeGroup} has ${ng.autoScalingGroups.length} Auto Scaling groups, expected 1`,
        };
      return { group, asgName: ng.autoScalingGroups[0], nodeGroupStatus: ng.status };
    } catch (err) {
      return { group, error: failure('DescribeNodegroup', err) };
    }
  });

  // 2. The ASGs, their policies and recent activities.
  let asgs: ReadonlyMap<string, AutoScalingGroupDescription> = new Map();
  let asgError: string | undefined;
  const names = resolved.flatMap((r) => (r.asgName ? [r.asgName] : []));
  if (names.length > 0) {
    try {
      asgs = await ports.autoScaling.describeGroups(names);
    } catch (err) {
      asgError = failure('DescribeAutoScalingGroups', err);
    }
  }
  const gathered: Gathered[] = await mapLimit(resolved, DESCRIBE_CONCURRENCY, async (r): Promise<Gathered> => {
    if (r.error || !r.asgName) return { group: r.group, error: r.error ?? 'no Auto Scaling group' };
    if (asgError) return { group: r.group, error: asgError };
    const asg = asgs.get(r.asgName);
    if (!asg) return { group: r.group, error: `Auto Scaling group ${r.asgName} not found` };
    try {
      const [scalingPolicies, activities] = await Promise.all([
        ports.autoScaling.describePolicies(asg.name),
        ports.autoScaling.describeRecentActivities(asg.name),
      ]);
      const raw = asg.tags[NODE_AUTOSCALER_DESIRED_TAG_KEY];
      const record = raw === undefined ? undefined : parseDesiredTag(raw);
      return {
        group: r.group,
        state: {
          kind: r.group.nodeGroup ? 'managed' : 'self-managed',
          ...('nodeGroupStatus' in r ? { nodeGroupStatus: r.nodeGroupStatus } : {}),
          autoScalingGroupName: asg.name,
          asgMinSize: asg.minSize,
          asgMaxSize: asg.maxSize,
          desired: asg.desired,
          deleting: asg.status !== undefined,
          instances: asg.instances.map((i) => ({ ...i })),
          scalingPolicies,
          activities,
          ...(raw === undefined ? {} : { desiredTag: { raw, ...(record ? { record } : {}) } }),
        },
      };
    } catch (err) {
      return { group: r.group, error: failure('DescribePolicies/DescribeScalingActivities', err) };
    }
  });

  // 3. Node names and launch times, then one metric plan for every group.
  const ready = gathered.filter((g) => g.state);
  const instanceIds = ready.flatMap((g) => g.state?.instances.map((i) => i.instanceId) ?? []);
  let signalsError: string | undefined;
  if (instanceIds.length > 0) {
    try {
      const details = await ports.ec2.describeInstances(instanceIds);
      for (const g of ready)
        g.state?.instances.forEach((inst, k, list) => {
          const d = details.get(inst.instanceId);
          if (d)
            list[k] = {
              ...inst,
              ...(d.privateDnsName ? { nodeName: d.privateDnsName } : {}),
              ...(d.launchTime ? { launchTime: d.launchTime } : {}),
            };
        });
    } catch (err) {
      signalsError = failure('DescribeInstances', err);
    }
  }
  const window = signalWindow(
    now,
    Math.max(1, ...ready.map((g) => signalMinutesNeeded(g.group))),
    config.signalDelayMinutes,
  );
  const plan = planQueries(
    ready.map((g) => ({
      cluster: g.group.cluster,
      instances: (g.state?.instances ?? []).filter((i) => i.lifecycleState === 'InService'),
    })),
  );
  let results = new Map() as Awaited<ReturnType<NodeAutoscalerPorts['metrics']['getMetricData']>>['results'];
  let metricCalls = 0;
  if (!signalsError && plan.queries.length > 0) {
    try {
      const got = await ports.metrics.getMetricData(plan.queries, window.start, window.end);
      results = got.results;
      metricCalls = got.calls;
    } catch (err) {
      signalsError = failure('GetMetricData', err);
    }
  }

  // 4. Decide, then apply group by group.
  const outcomes: GroupOutcome[] = [];
  for (const g of gathered) {
    const base = { group: g.group.name, cluster: g.group.cluster };
    if (!g.state || signalsError) {
      outcomes.push({ ...base, applied: false, recorded: false, error: g.error ?? signalsError });
      continue;
    }
    let decision: ScalingDecision;
    try {
      const signals = groupSignals(
        plan,
        results,
        window,
        g.group.cluster,
        g.state.instances.map((i) => i.instanceId),
      );
      decision = decideScaling(g.group, g.state, signals, now);
    } catch (err) {
      outcomes.push({ ...base, applied: false, recorded: false, error: `decision failed: ${awsErrorMessage(err)}` });
      continue;
    }
    outcomes.push(dryRun ? { ...base, decision, applied: false, recorded: false } : await apply(decision, ports, now));
  }
  return { dryRun, time: now.toISOString(), outcomes, metricCalls, metricQueries: plan.queries.length };
}

/** Makes the decided change, then records it in the tag. A busy answer is a hold; a failure says what was done. */
async function apply(decision: ScalingDecision, ports: NodeAutoscalerPorts, now: Date): Promise<GroupOutcome> {
  const base = { group: decision.group, cluster: decision.cluster, decision };
  const asg = decision.autoScalingGroupName;
  let applied = false;
  try {
    if (decision.action === 'scale-out' || decision.action === 'scale-in') {
      const busy =
        decision.action === 'scale-out'
          ? await ports.autoScaling.setDesiredCapacity(asg, decision.to)
          : await ports.autoScaling.terminateInstance(decision.terminate?.instanceId as string);
      if (busy) return { ...base, applied: false, recorded: false, busy: busy.code };
      applied = true;
    }
    if (decision.recordDesired === undefined) return { ...base, applied, recorded: false };
    const at = decision.recordAt ? new Date(decision.recordAt) : now;
    await ports.autoScaling.writeTag(
      asg,
      NODE_AUTOSCALER_DESIRED_TAG_KEY,
      formatDesiredTag(decision.recordDesired, at),
    );
    return { ...base, applied, recorded: true };
  } catch (err) {
    const step = applied
      ? `${decision.action} applied, but recording it in the tag failed`
      : `${decision.action} failed`;
    return { ...base, applied, recorded: false, error: failure(step, err) };
  }
}

export interface ReplayOptions {
  readonly now: Date;
  readonly hours: number;
}

export interface ReplayResult {
  readonly group: string;
  readonly autoScalingGroupName: string;
  readonly start: string;
  readonly minutes: readonly ReplayMinute[];
  /** Instances that belonged to the group in the window, and those without Container Insights series. */
  readonly instances: number;
  readonly instancesWithoutSeries: readonly string[];
  readonly metricQueries: number;
  readonly metricCalls: number;
}

/**
 * `replay`: the group's real history (instances from its scaling activities, their Container Insights series, the
 * cluster's pending pods) over the last `hours`, replayed minute by minute through the decision core.
 */
export async function runReplay(
  config: NodeAutoscalerConfig,
  groupName: string,
  ports: NodeAutoscalerPorts,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const group = config.groups.find((g) => g.name === groupName);
  if (!group) throw new Error(`no group named ${groupName}`);
  const asgName = group.autoScalingGroup
    ? group.autoScalingGroup
    : await ports.eks.describeNodegroup(group.cluster, group.nodeGroup as string).then((ng) => {
        if (ng.autoScalingGroups.length !== 1)
          throw new Error(`node group ${group.cluster}/${group.nodeGroup} has ${ng.autoScalingGroups.length} ASGs`);
        return ng.autoScalingGroups[0];
      });
  const asg = (await ports.autoScaling.describeGroups([asgName])).get(asgName);
  if (!asg) throw new Error(`Auto Scaling group ${asgName} not found`);
  const window = signalWindow(options.now, Math.round(options.hours * 60), 0);
  const activities = await ports.autoScaling.describeActivitiesSince(asgName, window.start);
  const membership = membershipFromActivities(
    activities,
    asg.instances.map((i) => i.instanceId),
  );
  const names = await ports.metrics.listNodeNames(group.cluster);
  const plan = planQueries([
    {
      cluster: group.cluster,
      instances: membership.map((m) => ({
        instanceId: m.instanceId,
        ...(names.get(m.instanceId) ? { nodeName: names.get(m.instanceId) } : {}),
      })),
    },
  ]);
  const { results, calls } = await ports.metrics.getMetricData(plan.queries, window.start, window.end);
  const signals = groupSignals(
    plan,
    results,
    window,
    group.cluster,
    membership.map((m) => m.instanceId),
  );
  const minutes = replayDecisions({
    group,
    minutes: window.minutes,
    nodes: signals.nodes,
    pendingPods: signals.pendingPods,
    membership,
    activities,
    asgMinSize: asg.minSize,
    asgMaxSize: asg.maxSize,
    kind: group.nodeGroup ? 'managed' : 'self-managed',
    autoScalingGroupName: asgName,
    delayMinutes: config.signalDelayMinutes,
  });
  return {
    group: group.name,
    autoScalingGroupName: asgName,
    start: window.start.toISOString(),
    minutes,
    instances: membership.length,
    instancesWithoutSeries: membership.filter((m) => !names.has(m.instanceId)).map((m) => m.instanceId),
    metricQueries: plan.queries.length,
    metricCalls: calls,
  };
}
