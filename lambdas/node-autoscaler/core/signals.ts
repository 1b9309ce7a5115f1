/**
 * The signal window, the GetMetricData queries for every group of a run, and the alignment of their results into
 * per-minute series. Each series is queried with MetricStat (no metric math), so the scaler knows per node which
 * minutes are complete: a missing datapoint or a result whose StatusCode is not Complete is unknown (null).
 */
import type { GroupSignals, NodeSignals, Series } from '../types';

export const CONTAINER_INSIGHTS = 'ContainerInsights';
export const EKS_NAMESPACE = 'AWS/EKS';
export const PENDING_METRIC = 'scheduler_pending_pods_UNSCHEDULABLE';
export const PERIOD_SECONDS = 60;
/** GetMetricData accepts at most this many queries per call. */
export const MAX_QUERIES_PER_CALL = 500;

/** Container Insights node metrics, by the key the core reads them under. */
export const NODE_METRICS = {
  cpuUtilization: 'node_cpu_utilization',
  memoryUtilization: 'node_memory_utilization',
  cpuReserved: 'node_cpu_reserved_capacity',
  memoryReserved: 'node_memory_reserved_capacity',
  runningPods: 'node_number_of_running_pods',
} as const satisfies Record<keyof NodeSignals, string>;
export type NodeMetricKey = keyof typeof NODE_METRICS;

export interface MetricQuery {
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly { readonly name: string; readonly value: string }[];
  readonly stat: 'Average' | 'Maximum';
}

/** One query's answer: its StatusCode and its datapoints by minute start (epoch ms). */
export interface MetricSeriesResult {
  readonly status: string;
  readonly points: ReadonlyMap<number, number>;
}

export interface SignalWindow {
  /** Minute starts, oldest first; the newest is the last minute old enough to be aggregated. */
  readonly minutes: readonly Date[];
  /** GetMetricData StartTime (inclusive) and EndTime (exclusive). */
  readonly start: Date;
  readonly end: Date;
}

/** `count` whole minutes ending `delayMinutes` before the current minute (the newest minutes are not aggregated yet). */
export function signalWindow(now: Date, count: number, delayMinutes: number): SignalWindow {
  const current = Math.floor(now.getTime() / 60_000) * 60_000;
  const newest = current - delayMinutes * 60_000;
  const minutes = Array.from({ length: count }, (_, i) => new Date(newest - (count - 1 - i) * 60_000));
  return { minutes, start: minutes[0], end: new Date(newest + 60_000) };
}

export interface QueryTarget {
  readonly cluster: string;
  readonly instances: readonly { readonly instanceId: string; readonly nodeName?: string }[];
}

export interface QueryPlan {
  readonly queries: readonly MetricQuery[];
  /** query id → the node series it fills */
  readonly nodeSeries: ReadonlyMap<string, { readonly instanceId: string; readonly key: NodeMetricKey }>;
  /** query id → the cluster whose pending pods it counts */
  readonly pendingSeries: ReadonlyMap<string, string>;
}

/**
 * Five queries per node (each instance once, even if two groups list it) and one per cluster. An instance without a
 * node name cannot be queried (the dimensions must match exactly) and stays unknown.
 */
export function planQueries(targets: readonly QueryTarget[]): QueryPlan {
  const queries: MetricQuery[] = [];
  const nodeSeries = new Map<string, { instanceId: string; key: NodeMetricKey }>();
  const pendingSeries = new Map<string, string>();
  const seenInstances = new Set<string>();
  const seenClusters = new Set<string>();
  const nextId = () => `q${queries.length}`;
  for (const t of targets) {
    if (!seenClusters.has(t.cluster)) {
      seenClusters.add(t.cluster);
      const id = nextId();
      pendingSeries.set(id, t.cluster);
      queries.push({
        id,
        namespace: EKS_NAMESPACE,
        metricName: PENDING_METRIC,
        dimensions: [{ name: 'ClusterName', value: t.cluster }],
        stat: 'Maximum',
      });
    }
    for (const inst of t.instances) {
      if (!inst.nodeName || seenInstances.has(inst.instanceId)) continue;
      seenInstances.add(inst.instanceId);
      for (const key of Object.keys(NODE_METRICS) as NodeMetricKey[]) {
        const id = nextId();
        nodeSeries.set(id, { instanceId: inst.instanceId, key });
        queries.push({
          id,
          namespace: CONTAINER_INSIGHTS,
          metricName: NODE_METRICS[key],
          dimensions: [
            { name: 'ClusterName', value: t.cluster },
            { name: 'InstanceId', value: inst.instanceId },
            { name: 'NodeName', value: inst.nodeName },
          ],
          stat: 'Average',
        });
      }
    }
  }
  return { queries, nodeSeries, pendingSeries };
}

/** A result's values on the window's minutes; everything is unknown unless the result is Complete. */
export function alignSeries(result: MetricSeriesResult | undefined, window: SignalWindow): Series {
  if (!result || result.status !== 'Complete') return window.minutes.map(() => null);
  return window.minutes.map((m) => {
    const v = result.points.get(m.getTime());
    return v === undefined || !Number.isFinite(v) ? null : v;
  });
}

/** The signals of one group out of the run's results. */
export function groupSignals(
  plan: QueryPlan,
  results: ReadonlyMap<string, MetricSeriesResult>,
  window: SignalWindow,
  cluster: string,
  instanceIds: readonly string[],
): GroupSignals {
  const wanted = new Set(instanceIds);
  const nodes: Record<string, Record<string, Series>> = {};
  for (const [id, { instanceId, key }] of plan.nodeSeries) {
    if (!wanted.has(instanceId)) continue;
    (nodes[instanceId] ??= {})[key] = alignSeries(results.get(id), window);
  }
  let pendingPods: Series = window.minutes.map(() => null);
  for (const [id, c] of plan.pendingSeries) if (c === cluster) pendingPods = alignSeries(results.get(id), window);
  return { minutes: window.minutes, nodes: nodes as unknown as Record<string, NodeSignals>, pendingPods };
}
