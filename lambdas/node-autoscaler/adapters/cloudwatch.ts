/**
 * MetricsPort over @aws-sdk/client-cloudwatch GetMetricData: at most 500 queries per call, every NextToken page
 * followed and merged per query id. A query's status is the one on its last page (PartialData on an earlier page
 * only means "more on the next page").
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  paginateListMetrics,
} from '@aws-sdk/client-cloudwatch';
import {
  CONTAINER_INSIGHTS,
  MAX_QUERIES_PER_CALL,
  type MetricQuery,
  type MetricSeriesResult,
  NODE_METRICS,
  PERIOD_SECONDS,
} from '../core/signals';
import type { MetricsPort } from '../ports';

/** Safety stop for a misbehaving NextToken chain (500 queries × a day of minutes fits in a few pages). */
const MAX_PAGES_PER_BATCH = 50;

export class CloudWatchMetricsAdapter implements MetricsPort {
  constructor(private readonly client: CloudWatchClient) {}

  async getMetricData(
    queries: readonly MetricQuery[],
    start: Date,
    end: Date,
  ): Promise<{ results: ReadonlyMap<string, MetricSeriesResult>; calls: number }> {
    const results = new Map<string, { status: string; points: Map<number, number> }>();
    let calls = 0;
    for (let i = 0; i < queries.length; i += MAX_QUERIES_PER_CALL) {
      const batch: MetricDataQuery[] = queries.slice(i, i + MAX_QUERIES_PER_CALL).map((q) => ({
        Id: q.id,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: q.namespace,
            MetricName: q.metricName,
            Dimensions: q.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
          },
          Period: PERIOD_SECONDS,
          Stat: q.stat,
        },
      }));
      let token: string | undefined;
      let pages = 0;
      do {
        const out = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: batch,
            StartTime: start,
            EndTime: end,
            ScanBy: 'TimestampAscending',
            NextToken: token,
          }),
        );
        calls += 1;
        pages += 1;
        for (const r of out.MetricDataResults ?? []) {
          if (!r.Id) continue;
          const entry = results.get(r.Id) ?? { status: 'Complete', points: new Map<number, number>() };
          entry.status = String(r.StatusCode ?? 'unknown');
          const ts = r.Timestamps ?? [];
          const vs = r.Values ?? [];
          for (let k = 0; k < Math.min(ts.length, vs.length); k++) entry.points.set(ts[k].getTime(), vs[k]);
          results.set(r.Id, entry);
        }
        token = out.NextToken;
      } while (token && pages < MAX_PAGES_PER_BATCH);
      if (token) {
        // Stopped early: whatever came back is incomplete, so it is unknown to the core.
        for (const q of batch) {
          const entry = results.get(q.Id as string);
          if (entry) entry.status = 'PartialData';
        }
      }
    }
    return { results, calls };
  }

  async listNodeNames(cluster: string): Promise<ReadonlyMap<string, string>> {
    const out = new Map<string, string>();
    const pages = paginateListMetrics(
      { client: this.client },
      {
        Namespace: CONTAINER_INSIGHTS,
        MetricName: NODE_METRICS.cpuUtilization,
        Dimensions: [{ Name: 'ClusterName', Value: cluster }],
      },
    );
    for await (const page of pages) {
      for (const m of page.Metrics ?? []) {
        const dims = Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name, d.Value]));
        if (dims.InstanceId && dims.NodeName) out.set(dims.InstanceId, dims.NodeName);
      }
    }
    return out;
  }
}
