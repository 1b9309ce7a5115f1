import { nodeAutoscalerConfig } from '../../../lambdas/node-autoscaler/config';
import { decisionRecord, nodeAutoscalerEvents } from '../../../lambdas/node-autoscaler/event';
import { runNodeAutoscaler } from '../../../lambdas/node-autoscaler/job';
import { FakeNodeAutoscalerAws, fakeAsg } from '../../doubles/node-autoscaler';

const NOW = new Date('2026-12-01T12:00:30Z');
const TAG = 'platform-ops:node-autoscaler:desired';

const config = (groups: Record<string, unknown>[] = [{}], patch: Record<string, unknown> = {}) =>
  nodeAutoscalerConfig.parse({
    enabled: true,
    groups: groups.map((g, i) => ({
      name: `g${i}`,
      cluster: 'prod',
      nodeGroup: `ng${i}`,
      minSize: 1,
      maxSize: 10,
      ...g,
    })),
    ...patch,
  });

/** Every node at `cpu` % (utilisation and requests), memory 30 %, `pods` pods; `pending` pods in the cluster. */
function aws(
  opts: { cpu?: number; pending?: number; pods?: (id: string) => number; groups?: number; n?: number } = {},
) {
  const fake = new FakeNodeAutoscalerAws();
  for (let i = 0; i < (opts.groups ?? 1); i++)
    fake.addNodegroup(
      'prod',
      `ng${i}`,
      fakeAsg(`asg-${i}`, opts.n ?? 4, { tags: { [TAG]: `${opts.n ?? 4}@2026-11-30T00:00:00Z` } }),
    );
  fake.metricSource = (metric, dims) => {
    if (metric === 'scheduler_pending_pods_UNSCHEDULABLE') return opts.pending ?? 0;
    if (metric === 'node_number_of_running_pods') return opts.pods ? opts.pods(dims.InstanceId) : 10;
    if (metric.startsWith('node_cpu')) return opts.cpu ?? 60;
    return 30;
  };
  return fake;
}

test('dry run: the decision is made and reported, nothing is written', async () => {
  const fake = aws({ cpu: 90 });
  const result = await runNodeAutoscaler(config(), fake.ports(), { now: NOW, dryRun: true });
  expect(result.dryRun).toBe(true);
  expect(result.outcomes[0].decision).toMatchObject({ action: 'scale-out', from: 4, to: 7 });
  expect(result.outcomes[0].applied).toBe(false);
  expect(fake.writes).toEqual([]);
  expect(nodeAutoscalerEvents(result)).toEqual([]);
  expect(decisionRecord(result.outcomes[0], true)).toMatchObject({
    group: 'g0',
    action: 'scale-out',
    from: 4,
    to: 7,
    applied: false,
  });
});

test('execute: SetDesiredCapacity to the absolute target, then the tag; one scaled-out event', async () => {
  const fake = aws({ cpu: 90 });
  const result = await runNodeAutoscaler(config(), fake.ports(), { now: NOW, dryRun: false });
  expect(fake.writes).toEqual(['SetDesiredCapacity asg-0 7', `Tag asg-0 ${TAG}=7@2026-12-01T12:00:30Z`]);
  expect(result.outcomes[0]).toMatchObject({ applied: true, recorded: true });
  const events = nodeAutoscalerEvents(result);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ kind: 'scaled-out', severity: 'info', details: { change: '4 → 7' } });
  expect(events[0].summary).toMatch(/^g0 \(prod\) scaled out 4 → 7 nodes: CPU pressure 90%/);
});

test('execute: scale-in terminates the node with the fewest pods and decrements desired', async () => {
  const fake = aws({ cpu: 10, pods: (id) => (id.endsWith('-2') ? 1 : 8) });
  const result = await runNodeAutoscaler(config(), fake.ports(), { now: NOW, dryRun: false });
  expect(fake.writes).toEqual(['TerminateInstance i-asg-0-2', `Tag asg-0 ${TAG}=3@2026-12-01T12:00:30Z`]);
  expect(nodeAutoscalerEvents(result)[0]).toMatchObject({ kind: 'scaled-in', details: { terminated: 'i-asg-0-2' } });
});

test('a busy answer is a hold: no tag, no event, reported as api-busy', async () => {
  const fake = aws({ cpu: 90 });
  fake.fail.add('SetDesiredCapacity:busy');
  const result = await runNodeAutoscaler(config(), fake.ports(), { now: NOW, dryRun: false });
  expect(result.outcomes[0]).toMatchObject({ applied: false, recorded: false, busy: 'ScalingActivityInProgressFault' });
  expect(fake.writes).toEqual([]);
  expect(nodeAutoscalerEvents(result)).toEqual([]);
  expect(decisionRecord(result.outcomes[0], false)).toMatchObject({ action: 'hold', to: 4, holds: ['api-busy'] });
});

test('a failure after the change still reports the change, plus a critical error event', async () => {
  const fake = aws({ cpu: 90 });
  fake.fail.add('CreateOrUpdateTags');
  const result = await runNodeAutoscaler(config(), fake.ports(), { now: NOW, dryRun: false });
  expect(result.outcomes[0]).toMatchObject({ applied: true, recorded: false });
  expect(result.outcomes[0].error).toMatch(/scale-out applied, but recording it in the tag failed: AccessDenied/);
  expect(nodeAutoscalerEvents(result).map((e) => [e.kind, e.severity])).toEqual([
    ['scaled-out', 'info'],
    ['error', 'critical'],
  ]);
});

test('one group that cannot be read never stops the others', async () => {
  const fake = aws({ cpu: 90, groups: 2 });
  fake.nodegroups.delete('prod/ng0');
  const result = await runNodeAutoscaler(config([{}, {}]), fake.ports(), { now: NOW, dryRun: false });
  expect(result.outcomes[0].error).toMatch(/DescribeNodegroup: ResourceNotFoundException/);
  expect(result.outcomes[1]).toMatchObject({ applied: true });
  expect(decisionRecord(result.outcomes[0], false)).toMatchObject({ action: 'hold', holds: ['error'] });
});

test('a foreign change is reported once, adopted in the tag, then the group is held for the cooldown', async () => {
  const fake = aws({ cpu: 90 });
  fake.asgs.get('asg-0')!.desired = 6; // someone else scaled 4 → 6 (the instances have not launched yet)
  const first = await runNodeAutoscaler(config(), fake.ports(), { now: NOW, dryRun: false });
  expect(nodeAutoscalerEvents(first).map((e) => e.kind)).toEqual(['conflict']);
  expect(fake.asgs.get('asg-0')!.tags[TAG]).toBe('6@2026-12-01T12:00:30Z');
  const second = await runNodeAutoscaler(config(), fake.ports(), {
    now: new Date(NOW.getTime() + 60_000),
    dryRun: false,
  });
  expect(nodeAutoscalerEvents(second)).toEqual([]);
  expect(second.outcomes[0].decision?.holds).toEqual(['cooldown']);
});

test('first sight of a group records a baseline quietly', async () => {
  const fake = aws();
  delete fake.asgs.get('asg-0')!.tags[TAG];
  const result = await runNodeAutoscaler(config(), fake.ports(), { now: NOW, dryRun: false });
  expect(fake.writes).toEqual([`Tag asg-0 ${TAG}=4@1970-01-01T00:00:00Z`]);
  expect(nodeAutoscalerEvents(result)).toEqual([]);
});

test('all groups share one metric plan: 120 nodes → 601 queries in 2 GetMetricData calls', async () => {
  const fake = aws({ groups: 3, n: 40 });
  const result = await runNodeAutoscaler(config([{}, {}, {}], {}), fake.ports(), { now: NOW, dryRun: true });
  expect(result.metricQueries).toBe(120 * 5 + 1);
  expect(result.metricCalls).toBe(2);
  expect(fake.calls.get('DescribeAutoScalingGroups')).toBe(1);
  expect(fake.calls.get('DescribeInstances')).toBe(1);
});

test('incomplete metric results are unknown: hold, even when the values look idle', async () => {
  const fake = aws({ cpu: 5 });
  fake.statusOf = (m) => (m === 'node_memory_utilization' ? 'PartialData' : 'Complete');
  const result = await runNodeAutoscaler(config(), fake.ports(), { now: NOW, dryRun: false });
  expect(result.outcomes[0].decision?.holds).toEqual(['unknown-signals']);
  expect(fake.writes).toEqual([]);
});

test('--group selects groups; a failed metric read fails every group without acting', async () => {
  const fake = aws({ cpu: 90, groups: 2 });
  const only = await runNodeAutoscaler(config([{}, {}]), fake.ports(), { now: NOW, dryRun: true, groups: ['g1'] });
  expect(only.outcomes.map((o) => o.group)).toEqual(['g1']);
  fake.fail.add('GetMetricData');
  const failed = await runNodeAutoscaler(config([{}, {}]), fake.ports(), { now: NOW, dryRun: false });
  expect(failed.outcomes.map((o) => o.error)).toEqual([
    'GetMetricData: AccessDenied: GetMetricData failed (fake)',
    'GetMetricData: AccessDenied: GetMetricData failed (fake)',
  ]);
  expect(fake.writes).toEqual([]);
});
