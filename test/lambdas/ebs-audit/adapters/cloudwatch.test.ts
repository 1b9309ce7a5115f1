import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { lastIdleDatapoints } from '../../../../lambdas/ebs-audit/adapters/cloudwatch';

const cwMock = mockClient(CloudWatchClient);
beforeEach(() => {
  cwMock.reset();
});

const now = new Date('2026-11-23T06:20:00Z');

describe('lastIdleDatapoints', () => {
  test('one call per 500 volumes, hourly Maximum over 455 days, newest datapoint per volume across pages', async () => {
    const ids = Array.from({ length: 501 }, (_, i) => `vol-${String(i).padStart(4, '0')}`);
    cwMock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'v0',
            Timestamps: [new Date('2026-11-01T10:00:00Z'), new Date('2026-10-01T10:00:00Z')],
            StatusCode: 'PartialData',
          },
          { Id: 'v499', Timestamps: [], StatusCode: 'PartialData' },
        ],
        NextToken: 'page2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'v0', Timestamps: [new Date('2026-09-01T10:00:00Z')], StatusCode: 'Complete' },
          { Id: 'v499', Timestamps: [new Date('2026-02-02T02:00:00Z')], StatusCode: 'Complete' },
        ],
      })
      .resolvesOnce({
        MetricDataResults: [{ Id: 'v0', Timestamps: [new Date('2026-11-20T00:00:00Z')], StatusCode: 'Complete' }],
      });

    const last = await lastIdleDatapoints(new CloudWatchClient({ region: 'us-east-1' }), ids, now);
    expect(Object.fromEntries([...last].map(([k, v]) => [k, v.toISOString()]))).toEqual({
      'vol-0000': '2026-11-01T10:00:00.000Z',
      'vol-0499': '2026-02-02T02:00:00.000Z',
      'vol-0500': '2026-11-20T00:00:00.000Z', // second batch, query v0
    });
    const calls = cwMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3); // batch 1 (two pages) + batch 2
    expect(calls[0].MetricDataQueries).toHaveLength(500);
    expect(calls[1].NextToken).toBe('page2');
    expect(calls[2].MetricDataQueries).toHaveLength(1);
    expect(calls[2].MetricDataQueries?.[0].MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'VolumeId', Value: 'vol-0500' },
    ]);
    expect(calls[0].MetricDataQueries?.[0]).toEqual({
      Id: 'v0',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/EBS',
          MetricName: 'VolumeIdleTime',
          Dimensions: [{ Name: 'VolumeId', Value: 'vol-0000' }],
        },
        Period: 3600,
        Stat: 'Maximum',
      },
      ReturnData: true,
    });
    expect(calls[0].StartTime?.toISOString()).toBe('2025-08-25T06:00:00.000Z'); // 455 days back, on the hour
    expect(calls[0].EndTime?.toISOString()).toBe('2026-11-23T07:00:00.000Z');
    expect(calls[0].ScanBy).toBe('TimestampDescending');
  });

  test('exactly 500 volumes → one call; none → no call; 501 → two calls', async () => {
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const client = new CloudWatchClient({ region: 'us-east-1' });
    await lastIdleDatapoints(
      client,
      Array.from({ length: 500 }, (_, i) => `vol-${i}`),
      now,
    );
    expect(cwMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    await lastIdleDatapoints(client, [], now);
    expect(cwMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    await lastIdleDatapoints(
      client,
      Array.from({ length: 501 }, (_, i) => `vol-${i}`),
      now,
    );
    expect(cwMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 3); // 501 volumes: 2 more calls (500 + 1)
  });

  test('a Forbidden result fails the batch instead of passing as "no data"', async () => {
    cwMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'v0', StatusCode: 'Forbidden' }],
      Messages: [{ Code: 'Forbidden', Value: 'nope' }],
    });
    await expect(lastIdleDatapoints(new CloudWatchClient({ region: 'us-east-1' }), ['vol-1'], now)).rejects.toThrow(
      'GetMetricData Forbidden: Forbidden: nope',
    );
  });
});
