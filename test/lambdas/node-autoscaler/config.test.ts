import { nodeAutoscalerConfig } from '../../../lambdas/node-autoscaler/config';

const minimal = {
  enabled: true,
  groups: [{ name: 'general', cluster: 'prod', nodeGroup: 'general', minSize: 2, maxSize: 10 }],
};

function issues(raw: unknown): string[] {
  const r = nodeAutoscalerConfig.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

function withGroup(patch: Record<string, unknown>, base = minimal.groups[0]) {
  return { enabled: true, groups: [{ ...base, ...patch }] };
}

test('the minimal section from the issue is valid and takes every default', () => {
  const cfg = nodeAutoscalerConfig.parse(minimal);
  expect(cfg.schedule).toBe('rate(1 minute)');
  expect(cfg.dryRun).toBe(true);
  expect(cfg.signalDelayMinutes).toBe(2);
  expect(cfg.groups[0]).toEqual({
    name: 'general',
    cluster: 'prod',
    nodeGroup: 'general',
    minSize: 2,
    maxSize: 10,
    scaleOut: { cpuPercent: 75, memoryPercent: 80, datapoints: 3 },
    scaleIn: { cpuPercent: 40, memoryPercent: 45, datapoints: 15 },
    maxStep: 3,
    cooldown: { scaleOutMinutes: 5, scaleInMinutes: 10 },
    pendingPods: false,
  });
});

test('a partial threshold block keeps the other defaults', () => {
  const cfg = nodeAutoscalerConfig.parse(withGroup({ scaleOut: { cpuPercent: 70 } }));
  expect(cfg.groups[0].scaleOut).toEqual({ cpuPercent: 70, memoryPercent: 80, datapoints: 3 });
});

test('a self-managed group is valid with autoScalingGroup', () => {
  const group = { name: 'gpu', cluster: 'prod', autoScalingGroup: 'prod-gpu-asg', minSize: 0, maxSize: 4 };
  expect(issues({ enabled: true, groups: [group] })).toEqual([]);
});

test.each([
  ['minSize > maxSize', withGroup({ minSize: 11 }), 'groups.0.minSize: must not exceed maxSize (10)'],
  ['minSize == maxSize', withGroup({ minSize: 10 }), 'groups.0.minSize: equals maxSize (10)'],
  [
    'CPU out threshold not above in threshold',
    withGroup({ scaleOut: { cpuPercent: 40 } }),
    'groups.0.scaleOut.cpuPercent: the CPU scale-out threshold (40) must exceed the scale-in threshold (40)',
  ],
  [
    'memory out threshold below in threshold',
    withGroup({ scaleOut: { memoryPercent: 50 }, scaleIn: { memoryPercent: 60 } }),
    'groups.0.scaleOut.memoryPercent: the memory scale-out threshold (50) must exceed the scale-in threshold (60)',
  ],
  [
    'both nodeGroup and autoScalingGroup',
    withGroup({ autoScalingGroup: 'x' }),
    'groups.0.autoScalingGroup: give exactly one of nodeGroup',
  ],
  [
    'neither nodeGroup nor autoScalingGroup',
    withGroup({ nodeGroup: undefined }),
    'groups.0.nodeGroup: give exactly one of nodeGroup',
  ],
  [
    'threshold of 100 %',
    withGroup({ scaleOut: { cpuPercent: 100 } }),
    'groups.0.scaleOut.cpuPercent: must be below 100',
  ],
  ['zero datapoints', withGroup({ scaleIn: { datapoints: 0 } }), 'groups.0.scaleIn.datapoints'],
  ['maxStep 0', withGroup({ maxStep: 0 }), 'groups.0.maxStep'],
  ['negative minSize', withGroup({ minSize: -1 }), 'groups.0.minSize'],
  ['bad cluster name', withGroup({ cluster: 'prod cluster' }), 'groups.0.cluster: must be 1-100 letters'],
  ['unknown field', withGroup({ cpu: 70 }), 'groups.0: Unrecognized key: "cpu"'],
  ['no groups', { enabled: true, groups: [] }, 'groups: Too small'],
  ['bad schedule', { ...minimal, schedule: 'rate(1 minutes)' }, 'schedule: use "rate(1 minute|hour|day)"'],
])('%s fails naming the field', (_name, raw, expected) => {
  const found = issues(raw);
  expect(found.some((i) => i.startsWith(expected))).toBe(true);
});

test('pendingPods on two groups of one cluster fails; on two clusters it is fine', () => {
  const a = { name: 'a', cluster: 'prod', nodeGroup: 'a', minSize: 1, maxSize: 5, pendingPods: true };
  const b = { ...a, name: 'b', nodeGroup: 'b' };
  expect(issues({ enabled: true, groups: [a, b] })).toEqual([
    'groups.1.pendingPods: groups[0] already grows cluster "prod" on pending pods; at most one group per cluster',
  ]);
  expect(issues({ enabled: true, groups: [a, { ...b, cluster: 'staging' }] })).toEqual([]);
});

test('duplicate names and two entries for one node group or ASG fail', () => {
  const a = { name: 'a', cluster: 'prod', nodeGroup: 'ng', minSize: 1, maxSize: 5 };
  expect(issues({ enabled: true, groups: [a, { ...a }] })).toEqual([
    'groups.1.name: duplicate of groups[0].name',
    'groups.1.nodeGroup: groups[0] already scales this group (two entries would fight)',
  ]);
  const s = { name: 's', cluster: 'prod', autoScalingGroup: 'asg-1', minSize: 1, maxSize: 5 };
  expect(issues({ enabled: true, groups: [s, { ...s, name: 't', cluster: 'other' }] })).toEqual([
    'groups.1.autoScalingGroup: groups[0] already scales this group (two entries would fight)',
  ]);
});

test('reserved concurrency may only be 1', () => {
  expect(issues({ ...minimal, function: { reservedConcurrency: 2 } })).toEqual([
    'function.reservedConcurrency: must be 1 (or left out): two concurrent runs could both act on one group',
  ]);
  expect(issues({ ...minimal, function: { reservedConcurrency: 1 } })).toEqual([]);
});
