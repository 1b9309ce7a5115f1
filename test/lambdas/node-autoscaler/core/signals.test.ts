import { alignSeries, groupSignals, planQueries, signalWindow } from '../../../../lambdas/node-autoscaler/core/signals';

test('the window ends at the minute two minutes before the current one, oldest first', () => {
  const w = signalWindow(new Date('2026-12-01T12:00:30Z'), 3, 2);
  expect(w.minutes.map((m) => m.toISOString())).toEqual([
    '2026-12-01T11:56:00.000Z',
    '2026-12-01T11:57:00.000Z',
    '2026-12-01T11:58:00.000Z',
  ]);
  expect(w.start.toISOString()).toBe('2026-12-01T11:56:00.000Z');
  expect(w.end.toISOString()).toBe('2026-12-01T11:59:00.000Z');
});

test('five queries per node with the three exact dimensions, one per cluster; no node name, no query', () => {
  const plan = planQueries([
    {
      cluster: 'prod',
      instances: [
        { instanceId: 'i-1', nodeName: 'ip-1.ec2.internal' },
        { instanceId: 'i-2' }, // not described yet: unknown
      ],
    },
    { cluster: 'prod', instances: [{ instanceId: 'i-1', nodeName: 'ip-1.ec2.internal' }] }, // listed twice
    { cluster: 'staging', instances: [] },
  ]);
  expect(plan.queries).toHaveLength(1 + 5 + 1);
  expect(plan.queries.map((q) => q.metricName)).toEqual([
    'scheduler_pending_pods_UNSCHEDULABLE',
    'node_cpu_utilization',
    'node_memory_utilization',
    'node_cpu_reserved_capacity',
    'node_memory_reserved_capacity',
    'node_number_of_running_pods',
    'scheduler_pending_pods_UNSCHEDULABLE',
  ]);
  expect(plan.queries[0]).toMatchObject({ namespace: 'AWS/EKS', dimensions: [{ name: 'ClusterName', value: 'prod' }] });
  expect(plan.queries[1]).toMatchObject({
    namespace: 'ContainerInsights',
    dimensions: [
      { name: 'ClusterName', value: 'prod' },
      { name: 'InstanceId', value: 'i-1' },
      { name: 'NodeName', value: 'ip-1.ec2.internal' },
    ],
  });
  for (const q of plan.queries) expect(q.id).toMatch(/^[a-z][A-Za-z0-9_]*$/);
});

test('alignment: a missing minute and an incomplete result are unknown, never 0', () => {
  const w = signalWindow(new Date('2026-12-01T12:00:30Z'), 3, 2);
  const [a, , c] = w.minutes.map((m) => m.getTime());
  const points = new Map([
    [a, 10],
    [c, 0],
  ]);
  expect(alignSeries({ status: 'Complete', points }, w)).toEqual([10, null, 0]);
  expect(alignSeries({ status: 'PartialData', points }, w)).toEqual([null, null, null]);
  expect(alignSeries({ status: 'Forbidden', points }, w)).toEqual([null, null, null]);
  expect(alignSeries(undefined, w)).toEqual([null, null, null]);
});

test('group signals pick the group’s nodes and its cluster’s pending pods', () => {
  const w = signalWindow(new Date('2026-12-01T12:00:30Z'), 2, 2);
  const plan = planQueries([
    { cluster: 'prod', instances: [{ instanceId: 'i-1', nodeName: 'n1' }] },
    { cluster: 'other', instances: [{ instanceId: 'i-2', nodeName: 'n2' }] },
  ]);
  const results = new Map(
    plan.queries.map((q, i) => [q.id, { status: 'Complete', points: new Map(w.minutes.map((m) => [m.getTime(), i])) }]),
  );
  const g = groupSignals(plan, results, w, 'other', ['i-2']);
  expect(Object.keys(g.nodes)).toEqual(['i-2']);
  expect(g.nodes['i-2'].cpuUtilization).toEqual([7, 7]);
  expect(g.nodes['i-2'].runningPods).toEqual([11, 11]);
  expect(g.pendingPods).toEqual([6, 6]);
});
