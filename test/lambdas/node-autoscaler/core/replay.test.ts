import { nodeGroupConfig } from '../../../../lambdas/node-autoscaler/config';
import { membershipFromActivities, replayDecisions } from '../../../../lambdas/node-autoscaler/core/replay';
import type { NodeSignals } from '../../../../lambdas/node-autoscaler/types';

const t = (m: number) => new Date(Date.UTC(2026, 11, 1, 10, m));

test('membership: launches count from the end of their activity, terminations from the start', () => {
  const m = membershipFromActivities(
    [
      {
        statusCode: 'Successful',
        startTime: t(50),
        endTime: t(51),
        description: 'Terminating EC2 instance: i-0aaa - Waiting For ELB connection draining',
      },
      {
        statusCode: 'Successful',
        startTime: t(10),
        endTime: t(13),
        description: 'Launching a new EC2 instance: i-0bbb',
      },
      { statusCode: 'Failed', startTime: t(5), endTime: t(6), description: 'Launching a new EC2 instance: i-0ccc' },
    ],
    ['i-0bbb', 'i-0ddd'],
  );
  expect(m).toEqual([
    { instanceId: 'i-0aaa', from: -Infinity, until: t(50).getTime() },
    { instanceId: 'i-0bbb', from: t(13).getTime(), until: Infinity, launchedAt: t(10).getTime() },
    { instanceId: 'i-0ddd', from: -Infinity, until: Infinity },
  ]);
});

test('replay decides every minute with a full window on the history it could have seen', () => {
  const group = nodeGroupConfig.parse({ name: 'g', cluster: 'c', nodeGroup: 'g', minSize: 1, maxSize: 5 });
  const minutes = Array.from({ length: 40 }, (_, i) => t(i));
  const cpu = minutes.map((_, i) => (i >= 20 ? 90 : 60));
  const node: NodeSignals = {
    cpuUtilization: cpu,
    cpuReserved: cpu,
    memoryUtilization: minutes.map(() => 30),
    memoryReserved: minutes.map(() => 30),
    runningPods: minutes.map(() => 10),
  };
  const out = replayDecisions({
    group,
    minutes,
    nodes: { 'i-1': node, 'i-2': node },
    pendingPods: minutes.map(() => 0),
    membership: [
      { instanceId: 'i-1', from: -Infinity, until: Infinity },
      { instanceId: 'i-2', from: -Infinity, until: Infinity },
    ],
    activities: [],
    asgMinSize: 0,
    asgMaxSize: 10,
    kind: 'managed',
    autoScalingGroupName: 'asg',
    delayMinutes: 2,
  });
  // 16-minute window + 2 minutes of delay: the first decision is at minute 17.
  expect(out[0].time).toBe(t(17).toISOString());
  expect(out).toHaveLength(40 - 17);
  // CPU > 75 % from minute 20; 3 datapoints needed, seen 2 minutes late: first scale-out at minute 24.
  const first = out.find((m) => m.action === 'scale-out');
  expect(first).toMatchObject({ time: t(24).toISOString(), real: 2, would: 4 });
  expect(out.filter((m) => m.time < t(24).toISOString()).every((m) => m.action === 'hold')).toBe(true);
});
