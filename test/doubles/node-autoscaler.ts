/**
 * An in-memory AWS for node-autoscaler: node groups, ASGs (instances, tags, activities, policies), EC2 node names
 * and Container Insights / AWS/EKS series, behind the same ports as the SDK adapters. Shared by the job tests, the
 * CLI tests and the benchmark. Every call is counted by name; `fail` makes a named call throw.
 */
import type { MetricQuery, MetricSeriesResult } from '../../lambdas/node-autoscaler/core/signals';
import { MAX_QUERIES_PER_CALL } from '../../lambdas/node-autoscaler/core/signals';
import type {
  AutoScalingGroupDescription,
  BusyAnswer,
  InstanceDetails,
  NodeAutoscalerPorts,
  NodegroupDescription,
} from '../../lambdas/node-autoscaler/ports';
import type { ActivityState } from '../../lambdas/node-autoscaler/types';

export interface FakeInstance {
  instanceId: string;
  lifecycleState: string;
  protectedFromScaleIn?: boolean;
  launchTime: Date;
}

export interface FakeAsg {
  name: string;
  minSize: number;
  maxSize: number;
  desired: number;
  status?: string;
  instances: FakeInstance[];
  tags: Record<string, string>;
  policies: { name: string; type: string }[];
  activities: ActivityState[];
}

/** value of `metricName` for the node/cluster at a minute start (epoch ms); undefined = no datapoint. */
export type MetricSource = (metricName: string, dims: Record<string, string>, minute: number) => number | undefined;

export class FakeNodeAutoscalerAws {
  readonly asgs = new Map<string, FakeAsg>();
  readonly nodegroups = new Map<string, NodegroupDescription>();
  readonly calls = new Map<string, number>();
  readonly writes: string[] = [];
  /** Call names that throw (e.g. 'SetDesiredCapacity'), or answer busy ('SetDesiredCapacity:busy'). */
  readonly fail = new Set<string>();
  metricSource: MetricSource = () => undefined;
  /** Instances (current or gone) whose Container Insights series exist, for ListMetrics (replay). */
  readonly knownNodes = new Set<string>();
  /** Statuses per query id prefix of metric name, e.g. force 'PartialData' for a metric. */
  statusOf: (metricName: string) => string = () => 'Complete';
  now: () => Date = () => new Date();

  private count(name: string) {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    if (this.fail.has(name)) throw Object.assign(new Error(`${name} failed (fake)`), { name: 'AccessDenied' });
  }

  private busy(name: string): BusyAnswer | undefined {
    return this.fail.has(`${name}:busy`) ? { busy: true, code: 'ScalingActivityInProgressFault' } : undefined;
  }

  addNodegroup(cluster: string, nodeGroup: string, asg: FakeAsg, status = 'ACTIVE') {
    this.nodegroups.set(`${cluster}/${nodeGroup}`, { status, autoScalingGroups: [asg.name] });
    this.asgs.set(asg.name, asg);
  }

  ports(): NodeAutoscalerPorts {
    return {
      eks: {
        describeNodegroup: async (cluster, nodeGroup) => {
          this.count('DescribeNodegroup');
          const ng = this.nodegroups.get(`${cluster}/${nodeGroup}`);
          if (!ng) throw Object.assign(new Error('No node group found'), { name: 'ResourceNotFoundException' });
          return structuredClone(ng);
        },
      },
      autoScaling: {
        describeGroups: async (names) => {
          this.count('DescribeAutoScalingGroups');
          const out = new Map<string, AutoScalingGroupDescription>();
          for (const n of names) {
            const g = this.asgs.get(n);
            if (!g) continue;
            out.set(n, {
              name: g.name,
              minSize: g.minSize,
              maxSize: g.maxSize,
              desired: g.desired,
              ...(g.status ? { status: g.status } : {}),
              instances: g.instances.map((i) => ({
                instanceId: i.instanceId,
                lifecycleState: i.lifecycleState,
                protectedFromScaleIn: i.protectedFromScaleIn === true,
              })),
              tags: { ...g.tags },
            });
          }
          return out;
        },
        describePolicies: async (name) => {
          this.count('DescribePolicies');
          return [...(this.asgs.get(name)?.policies ?? [])];
        },
        describeRecentActivities: async (name) => {
          this.count('DescribeScalingActivities');
          return [...(this.asgs.get(name)?.activities ?? [])].slice(0, 10);
        },
        describeActivitiesSince: async (name, since) => {
          this.count('DescribeScalingActivities');
          return (this.asgs.get(name)?.activities ?? []).filter((a) => a.startTime >= since);
        },
        setDesiredCapacity: async (name, desired) => {
          this.count('SetDesiredCapacity');
          const b = this.busy('SetDesiredCapacity');
          if (b) return b;
          const g = this.asgs.get(name);
          if (!g) throw new Error(`no group ${name}`);
          if (desired < g.minSize || desired > g.maxSize)
            throw Object.assign(new Error('desired out of bounds'), { name: 'ValidationError' });
          this.writes.push(`SetDesiredCapacity ${name} ${desired}`);
          g.desired = desired;
          return undefined;
        },
        terminateInstance: async (instanceId) => {
          this.count('TerminateInstanceInAutoScalingGroup');
          const b = this.busy('TerminateInstanceInAutoScalingGroup');
          if (b) return b;
          for (const g of this.asgs.values()) {
            const inst = g.instances.find((i) => i.instanceId === instanceId);
            if (!inst) continue;
            this.writes.push(`TerminateInstance ${instanceId}`);
            inst.lifecycleState = 'Terminating';
            g.desired -= 1;
            return undefined;
          }
          throw Object.assign(new Error('instance not in any group'), { name: 'ValidationError' });
        },
        writeTag: async (name, key, value) => {
          this.count('CreateOrUpdateTags');
          const g = this.asgs.get(name);
          if (!g) throw new Error(`no group ${name}`);
          this.writes.push(`Tag ${name} ${key}=${value}`);
          g.tags[key] = value;
        },
      },
      ec2: {
        describeInstances: async (ids) => {
          this.count('DescribeInstances');
          const out = new Map<string, InstanceDetails>();
          for (const g of this.asgs.values())
            for (const i of g.instances)
              if (ids.includes(i.instanceId))
                out.set(i.instanceId, { privateDnsName: `${i.instanceId}.ec2.internal`, launchTime: i.launchTime });
          return out;
        },
      },
      metrics: {
        getMetricData: async (queries: readonly MetricQuery[], start: Date, end: Date) => {
          const results = new Map<string, MetricSeriesResult>();
          let calls = 0;
          for (let i = 0; i < queries.length; i += MAX_QUERIES_PER_CALL) {
            this.count('GetMetricData');
            calls += 1;
            for (const q of queries.slice(i, i + MAX_QUERIES_PER_CALL)) {
              const dims = Object.fromEntries(q.dimensions.map((d) => [d.name, d.value]));
              const points = new Map<number, number>();
              for (let t = start.getTime(); t < end.getTime(); t += 60_000) {
                const v = this.metricSource(q.metricName, dims, t);
                if (v !== undefined) points.set(t, v);
              }
              results.set(q.id, { status: this.statusOf(q.metricName), points });
            }
          }
          return { results, calls };
        },
        listNodeNames: async () => {
          this.count('ListMetrics');
          const out = new Map<string, string>();
          for (const id of this.knownNodes) out.set(id, `${id}.ec2.internal`);
          return out;
        },
      },
    };
  }
}

/** An ASG with `n` InService instances launched long ago. */
export function fakeAsg(name: string, n: number, patch: Partial<FakeAsg> = {}): FakeAsg {
  return {
    name,
    minSize: 0,
    maxSize: 20,
    desired: n,
    instances: Array.from({ length: n }, (_, i) => ({
      instanceId: `i-${name}-${i}`,
      lifecycleState: 'InService',
      launchTime: new Date('2026-11-01T00:00:00Z'),
    })),
    tags: {},
    policies: [],
    activities: [],
    ...patch,
  };
}
