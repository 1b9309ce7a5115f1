/** Port adapter: CloudWatch, the last VolumeIdleTime datapoint per volume (the detach estimate). */
import { type CloudWatchClient, paginateGetMetricData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { METRIC_LOOKBACK_DAYS, METRIC_PERIOD_SECONDS } from '../core/volumes';
import { HOUR_MS } from '../../shared/time';

/** GetMetricData accepts at most 500 queries per call. */
export const METRIC_QUERIES_PER_CALL = 500;

export function idleTimeQuery(id: string, volumeId: string): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/EBS',
        MetricName: 'VolumeIdleTime',
        Dimensions: [{ Name: 'VolumeId', Value: volumeId }],
      },
      Period: METRIC_PERIOD_SECONDS,
      Stat: 'Maximum',
    },
    ReturnData: true,
  };
}

/**
 * The timestamp of the newest hourly VolumeIdleTime datapoint of each volume over the last 455 days, in batches of
 * at most 500 volumes per GetMetricData call (following NextToken). Volumes with no datapoint are absent from the map.
 * A query CloudWatch answers with `Forbidden` or `InternalError` fails the batch rather than passing as "no data".
 */
export async function lastIdleDatapoints(
  client: CloudWatchClient,
  volumeIds: readonly string[],
  now: Date,
): Promise<Map<string, Date>> {
  const last = new Map<string, Date>();
  const end = new Date(Math.ceil(now.getTime() / HOUR_MS) * HOUR_MS);
  const start = new Date(Math.floor((now.getTime() - METRIC_LOOKBACK_DAYS * 24 * HOUR_MS) / HOUR_MS) * HOUR_MS);
  for (let offset = 0; offset < volumeIds.length; offset += METRIC_QUERIES_PER_CALL) {
    const batch = volumeIds.slice(offset, offset + METRIC_QUERIES_PER_CALL);
    const queries = batch.map((volumeId, i) => idleTimeQuery(`v${i}`, volumeId));
    const pages = paginateGetMetricData(
      { client },
      { MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending' },
    );
    for await (const page of pages) {
      for (const r of page.MetricDataResults ?? []) {
        if (r.StatusCode === 'Forbidden' || r.StatusCode === 'InternalError') {
          const why = (page.Messages ?? r.Messages ?? []).map((m) => `${m.Code}: ${m.Value}`).join('; ');
          throw Object.assign(new Error(`GetMetricData ${r.StatusCode}${why ? `: ${why}` : ''}`), {
            name: `GetMetricData${r.StatusCode}`,
          });
        }
        const index = Number(r.Id?.slice(1));
        const volumeId = Number.isInteger(index) ? batch[index] : undefined;
        if (!volumeId) continue;
        for (const t of r.Timestamps ?? []) {
          const previous = last.get(volumeId);
          if (!previous || t.getTime() > previous.getTime()) last.set(volumeId, t);
        }
      }
    }
  }
  return last;
}
