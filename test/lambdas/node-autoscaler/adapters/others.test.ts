import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CloudWatchMetricsAdapter } from '../../../../lambdas/node-autoscaler/adapters/cloudwatch';
import { Ec2Adapter } from '../../../../lambdas/node-autoscaler/adapters/ec2';
import { EksAdapter } from '../../../../lambdas/node-autoscaler/adapters/eks';
import type { MetricQuery } from '../../../../lambdas/node-autoscaler/core/signals';

const cw = mockClient(CloudWatchClient);
const ec2 = mockClient(EC2Client);
const eks = mockClient(EKSClient);
beforeEach(() => {
  cw.reset();
  ec2.reset();
  eks.reset();
});

const t0 = new Date('2026-12-01T11:40:00Z');
const at = (m: number) => new Date(t0.getTime() + m * 60_000);
const query = (i: number): MetricQuery => ({
  id: `q${i}`,
  namespace: 'ContainerInsights',
  metricName: 'node_cpu_utilization',
  dimensions: [
    { name: 'ClusterName', value: 'prod' },
    { name: 'InstanceId', value: `i-${i}` },
    { name: 'NodeName', value: `ip-${i}` },
  ],
  stat: 'Average',
});

test('GetMetricData: 1,234 queries go in 3 calls of at most 500, MetricStat with 60 s periods', async () => {
  const sizes: number[] = [];
  cw.on(GetMetricDataCommand).callsFake((input) => {
    sizes.push(input.MetricDataQueries.length);
    return {
      MetricDataResults: input.MetricDataQueries.map((q: any) => ({
        Id: q.Id,
        StatusCode: 'Complete',
        Timestamps: [at(0)],
        Values: [42],
      })),
    };
  });
  const queries = Array.from({ length: 1234 }, (_, i) => query(i));
  const { results, calls } = await new CloudWatchMetricsAdapter(new CloudWatchClient({})).getMetricData(
    queries,
    at(0),
    at(16),
  );
  expect(sizes).toEqual([500, 500, 234]);
  expect(calls).toBe(3);
  expect(results.size).toBe(1234);
  expect(results.get('q1233')).toEqual({ status: 'Complete', points: new Map([[at(0).getTime(), 42]]) });
  const first = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
  expect(first).toMatchObject({ StartTime: at(0), EndTime: at(16), ScanBy: 'TimestampAscending' });
  expect(first.MetricDataQueries?.[0]).toEqual({
    Id: 'q0',
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: 'ContainerInsights',
        MetricName: 'node_cpu_utilization',
        Dimensions: [
          { Name: 'ClusterName', Value: 'prod' },
          { Name: 'InstanceId', Value: 'i-0' },
          { Name: 'NodeName', Value: 'ip-0' },
        ],
      },
      Period: 60,
      Stat: 'Average',
    },
  });
});

test('GetMetricData: pages are merged per id and the last page sets the status', async () => {
  cw.on(GetMetricDataCommand)
    .resolvesOnce({
      MetricDataResults: [
        { Id: 'q0', StatusCode: 'PartialData', Timestamps: [at(0), at(1)], Values: [1, 2] },
        { Id: 'q1', StatusCode: 'PartialData', Timestamps: [at(0)], Values: [5] },
      ],
      NextToken: 'more',
    })
    .resolvesOnce({
      MetricDataResults: [
        { Id: 'q0', StatusCode: 'Complete', Timestamps: [at(2)], Values: [3] },
        { Id: 'q1', StatusCode: 'InternalError', Timestamps: [], Values: [] },
      ],
    });
  const { results, calls } = await new CloudWatchMetricsAdapter(new CloudWatchClient({})).getMetricData(
    [query(0), query(1)],
    at(0),
    at(3),
  );
  expect(calls).toBe(2);
  expect(cw.commandCalls(GetMetricDataCommand)[1].args[0].input.NextToken).toBe('more');
  expect(results.get('q0')).toEqual({
    status: 'Complete',
    points: new Map([
      [at(0).getTime(), 1],
      [at(1).getTime(), 2],
      [at(2).getTime(), 3],
    ]),
  });
  expect(results.get('q1')?.status).toBe('InternalError');
});

test('DescribeInstances: ids as an instance-id filter (a vanished id is not an error), 200 per request', async () => {
  const sent: any[] = [];
  ec2.on(DescribeInstancesCommand).callsFake((input) => {
    sent.push(input);
    const ids: string[] = input.Filters[0].Values;
    return {
      Reservations: [
        {
          Instances: ids
            .filter((id) => id !== 'i-7')
            .map((InstanceId) => ({ InstanceId, PrivateDnsName: `${InstanceId}.ec2.internal`, LaunchTime: t0 })),
        },
      ],
    };
  });
  const ids = Array.from({ length: 250 }, (_, i) => `i-${i}`);
  const out = await new Ec2Adapter(new EC2Client({})).describeInstances(ids);
  expect(sent.map((s) => s.Filters[0].Values.length)).toEqual([200, 50]);
  expect(sent[0]).toMatchObject({ Filters: [{ Name: 'instance-id' }], MaxResults: 1000 });
  expect(out.size).toBe(249);
  expect(out.get('i-3')).toEqual({ privateDnsName: 'i-3.ec2.internal', launchTime: t0 });
  expect(out.has('i-7')).toBe(false);
});

test('DescribeNodegroup: status and ASG names', async () => {
  eks.on(DescribeNodegroupCommand).resolves({
    nodegroup: { status: 'ACTIVE', resources: { autoScalingGroups: [{ name: 'eks-general-abc' }] } },
  });
  expect(await new EksAdapter(new EKSClient({})).describeNodegroup('prod', 'general')).toEqual({
    status: 'ACTIVE',
    autoScalingGroups: ['eks-general-abc'],
  });
  expect(eks).toHaveReceivedCommandWith(DescribeNodegroupCommand, { clusterName: 'prod', nodegroupName: 'general' });
});

test('ListMetrics: node names of the cluster by instance id, every page', async () => {
  const dims = (id: string, node?: string) => [
    { Name: 'ClusterName', Value: 'prod' },
    { Name: 'InstanceId', Value: id },
    ...(node ? [{ Name: 'NodeName', Value: node }] : []),
  ];
  cw.on(ListMetricsCommand)
    .resolvesOnce({ Metrics: [{ Dimensions: dims('i-1', 'ip-1') }, { Dimensions: dims('i-x') }], NextToken: 'n' })
    .resolvesOnce({ Metrics: [{ Dimensions: dims('i-2', 'ip-2') }] });
  const names = await new CloudWatchMetricsAdapter(new CloudWatchClient({})).listNodeNames('prod');
  expect([...names]).toEqual([
    ['i-1', 'ip-1'],
    ['i-2', 'ip-2'],
  ]);
  expect(cw.commandCalls(ListMetricsCommand)[0].args[0].input).toMatchObject({
    Namespace: 'ContainerInsights',
    MetricName: 'node_cpu_utilization',
    Dimensions: [{ Name: 'ClusterName', Value: 'prod' }],
  });
});
