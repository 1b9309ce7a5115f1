import { nodeGroupConfig, type NodeGroupConfig } from '../../../../lambdas/node-autoscaler/config';
import {
  decideScaling,
  formatDesiredTag,
  parseDesiredTag,
  signalMinutesNeeded,
} from '../../../../lambdas/node-autoscaler/core/decide';
import type { GroupSignals, GroupState, NodeSignals } from '../../../../lambdas/node-autoscaler/types';

const NOW = new Date('2026-12-01T12:00:30Z');
const MINUTES = 16;
/** Minute starts ending at the last complete minute (now − 2 min), oldest first. */
const minutes = Array.from({ length: MINUTES }, (_, i) => new Date(Date.UTC(2026, 11, 1, 11, 58 - MINUTES + i)));
const LONG_AGO = new Date('2026-12-01T10:00:00Z');

function group(patch: Record<string, unknown> = {}): NodeGroupConfig {
  return nodeGroupConfig.parse({
    name: 'general',
    cluster: 'prod',
    nodeGroup: 'general',
    minSize: 2,
    maxSize: 10,
    ...patch,
  });
}

function state(patch: Partial<GroupState> = {}, n = 4): GroupState {
  const desired = patch.desired ?? n;
  return {
    kind: 'managed',
    nodeGroupStatus: 'ACTIVE',
    autoScalingGroupName: 'eks-general-1234',
    asgMinSize: 0,
    asgMaxSize: 20,
    desired,
    deleting: false,
    instances: Array.from({ length: n }, (_, i) => ({
      instanceId: `i-${i}`,
      lifecycleState: 'InService',
      protectedFromScaleIn: false,
      nodeName: `ip-10-0-0-${i}.ec2.internal`,
      launchTime: LONG_AGO,
    })),
    scalingPolicies: [],
    activities: [{ statusCode: 'Successful', startTime: LONG_AGO, endTime: new Date(LONG_AGO.getTime() + 120_000) }],
    desiredTag: { raw: formatDesiredTag(desired, LONG_AGO), record: { desired, at: LONG_AGO } },
    ...patch,
  };
}

type PerMinute = number | null | ((minute: number) => number | null);
const series = (v: PerMinute) => minutes.map((_, i) => (typeof v === 'function' ? v(i) : v));

/** Every node with the same CPU/memory pressure (utilisation = reserved = value), `pods` running pods each. */
function signals(
  opts: { cpu?: PerMinute; memory?: PerMinute; pending?: PerMinute; pods?: (node: number) => number; n?: number } = {},
): GroupSignals {
  const n = opts.n ?? 4;
  const nodes: Record<string, NodeSignals> = {};
  for (let i = 0; i < n; i++) {
    const pods = opts.pods ? opts.pods(i) : 10;
    nodes[`i-${i}`] = {
      cpuUtilization: series(def(opts.cpu, 60)),
      cpuReserved: series(def(opts.cpu, 60)),
      memoryUtilization: series(def(opts.memory, 60)),
      memoryReserved: series(def(opts.memory, 60)),
      runningPods: series(pods),
    };
  }
  return { minutes, nodes, pendingPods: series(def(opts.pending, 0)) };
}

const def = (v: PerMinute | undefined, d: number): PerMinute => (v === undefined ? d : v);
const lastN = (n: number, hi: number, lo: number) => (i: number) => (i >= MINUTES - n ? hi : lo);

test('the window covers the longest rule plus one minute for the capacity edge', () => {
  expect(signalMinutesNeeded(group())).toBe(16);
  expect(signalMinutesNeeded(group({ scaleIn: { datapoints: 30 } }))).toBe(30);
});

describe('scale out: proportional step, capped and clamped', () => {
  test.each([
    // n=4, CPU target = midpoint of 75 and 40 = 57.5 %: ceil(4·p/57.5) − 4
    ['80 % CPU: 2 nodes', { cpu: 80 }, {}, 6, []],
    ['76 % CPU: 2 nodes (ceil 5.29 − 4)', { cpu: 76 }, {}, 6, []],
    ['99 % CPU: 3 nodes (ceil 6.89 − 4), the default maxStep', { cpu: 99 }, {}, 7, []],
    ['99 % CPU with maxStep 2: capped', { cpu: 99 }, { maxStep: 2 }, 6, ['step 3 capped at maxStep 2']],
    ['99 % CPU with maxStep 1', { cpu: 99 }, { maxStep: 1 }, 5, []],
    ['85 % memory: target 62.5 → 2 nodes', { memory: 85 }, {}, 6, []],
    ['99 % CPU, maxSize 5: clamped to the bound', { cpu: 99 }, { maxSize: 5 }, 5, []],
  ])('%s', (_name, sig, cfg, to, extraReasons) => {
    const d = decideScaling(group(cfg), state(), signals(sig), NOW);
    expect(d.action).toBe('scale-out');
    expect(d.from).toBe(4);
    expect(d.to).toBe(to);
    expect(d.holds).toEqual([]);
    expect(d.recordDesired).toBe(to);
    expect(d.recordAt).toBe(NOW.toISOString());
    for (const r of extraReasons) expect(d.reasons).toContain(r);
  });

  test('the ASG max lower than the configured max clamps and is named', () => {
    const d = decideScaling(group(), state({ asgMaxSize: 5 }), signals({ cpu: 99 }), NOW);
    expect([d.action, d.to, d.bounds.max]).toEqual(['scale-out', 5, 5]);
    const atMax = decideScaling(group(), state({ asgMaxSize: 4 }), signals({ cpu: 99 }), NOW);
    expect(atMax.action).toBe('hold');
    expect(atMax.holds).toEqual(['at-max']);
    expect(atMax.reasons).toContain("at the upper bound 4 (the ASG's MaxSize)");
  });

  test('at the configured max: hold at-max, saying which bound', () => {
    const d = decideScaling(group({ maxSize: 4 }), state(), signals({ cpu: 90 }), NOW);
    expect(d.holds).toEqual(['at-max']);
    expect(d.reasons).toContain('at the upper bound 4 (configured maxSize)');
    expect(d.atMaxUnderPressure).toBe(true);
  });

  test('a target is absolute: the same inputs give the same desired, never desired + step twice', () => {
    const a = decideScaling(group(), state(), signals({ cpu: 80 }), NOW);
    // The retried invocation reads AWS again: desired is now 6, an activity runs and our tag says 6.
    const after = state({
      desired: 6,
      activities: [{ statusCode: 'InProgress', startTime: NOW }],
      desiredTag: { raw: '6@x', record: { desired: 6, at: NOW } },
    });
    const b = decideScaling(group(), after, signals({ cpu: 80 }), new Date(NOW.getTime() + 20_000));
    expect(a.to).toBe(6);
    expect(b.action).toBe('hold');
    expect(b.holds).toEqual(expect.arrayContaining(['activity-in-progress', 'cooldown']));
    expect(b.to).toBe(6);
  });

  test('desired below the lower bound is raised to it', () => {
    const d = decideScaling(group({ minSize: 3 }), state({ desired: 1 }, 1), signals({ n: 1 }), NOW);
    expect([d.action, d.from, d.to]).toEqual(['scale-out', 1, 3]);
  });
});

describe('asymmetric datapoints', () => {
  test('out needs 3 of 3: two high minutes are not enough', () => {
    const d = decideScaling(group(), state(), signals({ cpu: lastN(2, 95, 60) }), NOW);
    expect(d.action).toBe('hold');
    expect(d.holds).toEqual(['steady']);
    expect(decideScaling(group(), state(), signals({ cpu: lastN(3, 95, 60) }), NOW).action).toBe('scale-out');
  });

  test('in needs 15 of 15: 14 low minutes are not enough', () => {
    const d = decideScaling(group(), state(), signals({ cpu: lastN(14, 20, 50), memory: 20 }), NOW);
    expect(d.holds).toEqual(['steady']);
    const ok = decideScaling(group(), state(), signals({ cpu: lastN(15, 20, 50), memory: 20 }), NOW);
    expect([ok.action, ok.to]).toEqual(['scale-in', 3]);
  });

  test('configured datapoints are honoured (out 1, in 5)', () => {
    const g = group({ scaleOut: { datapoints: 1 }, scaleIn: { datapoints: 5 } });
    expect(decideScaling(g, state(), signals({ cpu: lastN(1, 95, 60) }), NOW).action).toBe('scale-out');
    expect(decideScaling(g, state(), signals({ cpu: lastN(5, 20, 60), memory: 20 }), NOW).action).toBe('scale-in');
  });
});

describe('scale in: one node, fewest pods, projected-pressure guard', () => {
  test('terminates the unprotected InService node with the fewest running pods', () => {
    const s = state();
    const protectedFirst = {
      ...s,
      instances: s.instances.map((i) => (i.instanceId === 'i-2' ? { ...i, protectedFromScaleIn: true } : i)),
    };
    const sig = signals({ cpu: 20, memory: 25, pods: (i) => [12, 7, 3, 9][i] });
    const d = decideScaling(group(), protectedFirst, sig, NOW);
    expect([d.action, d.from, d.to]).toEqual(['scale-in', 4, 3]);
    expect(d.terminate).toEqual({ instanceId: 'i-1', runningPods: 7 }); // i-2 has 3 pods but is protected
  });

  test('every node protected: hold no-candidate', () => {
    const s = state();
    const all = { ...s, instances: s.instances.map((i) => ({ ...i, protectedFromScaleIn: true })) };
    const d = decideScaling(group(), all, signals({ cpu: 20, memory: 20 }), NOW);
    expect(d.holds).toEqual(['no-candidate']);
  });

  test.each([
    // n=2: 39 % · 2 / 1 = 78 % ≥ 75 %: removing a node would trigger a scale-out
    ['n=2 at 39 % CPU', 2, 39, 30, 'projected-pressure'],
    // n=4: 39 · 4/3 = 52 %: safe
    ['n=4 at 39 % CPU', 4, 39, 30, 'scale-in'],
    // memory: n=2 at 44 % → 88 % ≥ 80 %
    ['n=2 at 44 % memory', 2, 20, 44, 'projected-pressure'],
  ])('%s', (_name, n, cpu, memory, expected) => {
    const d = decideScaling(group({ minSize: 1 }), state({}, n), signals({ n, cpu, memory }), NOW);
    if (expected === 'scale-in') expect(d.action).toBe('scale-in');
    else {
      expect(d.holds).toEqual([expected]);
      expect(d.reasons.join(' ')).toMatch(/removing a node would put pressure at/);
    }
  });

  test('the guard uses the window peak, not the newest minute', () => {
    const cpu = (i: number) => (i === MINUTES - 10 ? 39 : 10);
    const d = decideScaling(group({ minSize: 1 }), state({}, 2), signals({ n: 2, cpu, memory: 10 }), NOW);
    expect(d.holds).toEqual(['projected-pressure']);
  });

  test('at the lower bound: hold at-min', () => {
    const d = decideScaling(group({ minSize: 4 }), state(), signals({ cpu: 10, memory: 10 }), NOW);
    expect(d.holds).toEqual(['at-min']);
    expect(d.reasons).toContain('at the lower bound 4 (configured minSize)');
  });

  test('a pending pod in the cluster blocks scale-in on every group', () => {
    const d = decideScaling(group(), state(), signals({ cpu: 10, memory: 10, pending: lastN(1, 2, 0) }), NOW);
    expect(d.holds).toEqual(['pending-pods']);
  });
});

describe('pending pods', () => {
  const pendingGroup = group({ pendingPods: true });

  test.each([
    ['2 of 3 minutes, 7 pods at 10 per node: 1 node', lastN(2, 7, 0), 10, 5],
    ['35 pods at 10 per node: 4 wanted, capped at 3', lastN(3, 35, 0), 10, 7],
    ['12 pods at 4 per node: 3 nodes', (i: number) => (i === MINUTES - 1 || i === MINUTES - 3 ? 12 : 0), 4, 7],
  ])('%s', (_name, pending, pods, to) => {
    const d = decideScaling(pendingGroup, state(), signals({ pending, pods: () => pods }), NOW);
    expect([d.action, d.to]).toEqual(['scale-out', to]);
  });

  test('1 of 3 minutes is not enough, and only the pendingPods group grows', () => {
    expect(decideScaling(pendingGroup, state(), signals({ pending: lastN(1, 9, 0) }), NOW).action).toBe('hold');
    expect(decideScaling(group(), state(), signals({ pending: lastN(3, 9, 0) }), NOW).action).toBe('hold');
  });

  test('the larger of the pressure step and the pending step wins', () => {
    // CPU 80 % → 2 nodes; 9 pending at 10 per node → 1 node.
    const d = decideScaling(pendingGroup, state(), signals({ cpu: 80, pending: 9 }), NOW);
    expect(d.to).toBe(6);
  });

  test('a group at zero nodes grows from pending pods (one node when pods per node are unknown)', () => {
    const g = group({ pendingPods: true, minSize: 0 });
    const d = decideScaling(g, state({ desired: 0 }, 0), signals({ n: 0, pending: 3 }), NOW);
    expect([d.action, d.from, d.to]).toEqual(['scale-out', 0, 1]);
  });
});

describe('unknown is never 0 % and never 100 %', () => {
  test('a missing minute of one node in the out window: hold unknown-signals', () => {
    const sig = signals({ cpu: 10, memory: 10 });
    const nodes = { ...sig.nodes, 'i-1': { ...sig.nodes['i-1'], cpuUtilization: series(lastN(1, null as never, 10)) } };
    const d = decideScaling(group(), state(), { ...sig, nodes }, NOW);
    expect(d.action).toBe('hold');
    expect(d.holds).toEqual(['unknown-signals']);
    expect(d.signals.cpuPressure[MINUTES - 1]).toBeNull();
  });

  test('all data missing (StatusCode not Complete → null everywhere): hold, neither in nor out', () => {
    const d = decideScaling(group(), state(), signals({ cpu: null, memory: null }), NOW);
    expect(d.holds).toEqual(['unknown-signals']);
    expect(d.pressurePercent).toBeNull();
  });

  test('a node with no series at all is unknown, not an idle node', () => {
    const sig = signals({ cpu: 10, memory: 10 });
    const { 'i-3': _gone, ...rest } = sig.nodes;
    expect(decideScaling(group(), state(), { ...sig, nodes: rest }, NOW).holds).toEqual(['unknown-signals']);
  });

  test('unknowns earlier in the 15-minute scale-in window: no scale-in', () => {
    const d = decideScaling(group(), state(), signals({ cpu: (i) => (i === 3 ? null : 10), memory: 10 }), NOW);
    expect(d.action).toBe('hold');
    expect(d.holds).toEqual(['unknown-signals']);
  });

  test('unknown pending pods: no scale-in', () => {
    const d = decideScaling(group(), state(), signals({ cpu: 10, memory: 10, pending: null }), NOW);
    expect(d.holds).toEqual(['unknown-signals']);
    expect(d.reasons.join(' ')).toMatch(/pending pods unknown/);
  });

  test('a node that joined recently is not expected for minutes before it joined', () => {
    const s = state({}, 5);
    const joined = new Date(NOW.getTime() - 4 * 60_000);
    const instances = s.instances.map((i) => (i.instanceId === 'i-4' ? { ...i, launchTime: joined } : i));
    const sig = signals({ n: 4, cpu: 90 });
    const d = decideScaling(
      group(),
      { ...s, instances, desired: 5, desiredTag: { raw: '', record: { desired: 5, at: LONG_AGO } } },
      sig,
      NOW,
    );
    expect(d.action).toBe('scale-out');
  });
});

describe('holds read from AWS state', () => {
  const hot = signals({ cpu: 90 });
  test.each<[string, Partial<GroupState>, string, RegExp]>([
    ['node group UPDATING', { nodeGroupStatus: 'UPDATING' }, 'nodegroup-not-active', /node group is UPDATING/],
    ['ASG being deleted', { deleting: true }, 'asg-deleting', /being deleted/],
    [
      'target tracking policy on the ASG',
      { scalingPolicies: [{ name: 'cpu60', type: 'TargetTrackingScaling' }] },
      'scaling-policies',
      /cpu60: TargetTrackingScaling/,
    ],
    [
      'activity in progress',
      {
        activities: [{ statusCode: 'MidLifecycleAction', startTime: NOW, description: 'Launching a new EC2 instance' }],
      },
      'activity-in-progress',
      /MidLifecycleAction: Launching/,
    ],
    [
      'an instance Pending',
      {
        instances: [
          ...state().instances,
          { instanceId: 'i-9', lifecycleState: 'Pending:Wait', protectedFromScaleIn: false },
        ],
      },
      'instances-in-transition',
      /i-9 Pending:Wait/,
    ],
    [
      'an instance Terminating',
      { instances: [{ instanceId: 'i-9', lifecycleState: 'Terminating', protectedFromScaleIn: false }] },
      'instances-in-transition',
      /i-9 Terminating/,
    ],
    [
      'last activity ended 2 min ago (out cooldown 5)',
      { activities: [{ statusCode: 'Successful', startTime: NOW, endTime: new Date(NOW.getTime() - 120_000) }] },
      'cooldown',
      /last change 2 min ago.*scale-out cooldown is 5 min/,
    ],
    [
      'ASG bounds disjoint from config',
      { asgMinSize: 12, asgMaxSize: 20, desired: 12 },
      'bounds-disjoint',
      /do not overlap/,
    ],
  ])('%s', (_name, patch, code, reason) => {
    const d = decideScaling(group(), state(patch), hot, NOW);
    expect(d.action).toBe('hold');
    expect(d.holds).toContain(code);
    expect(d.reasons.join('\n')).toMatch(reason);
    expect(d.to).toBe(d.from);
  });

  test('scale-in cooldown is the longer one: 7 minutes after a change, out may act but in may not', () => {
    const recent = {
      activities: [{ statusCode: 'Successful', startTime: NOW, endTime: new Date(NOW.getTime() - 7 * 60_000) }],
    };
    expect(decideScaling(group(), state(recent), signals({ cpu: 90 }), NOW).action).toBe('scale-out');
    const d = decideScaling(group(), state(recent), signals({ cpu: 10, memory: 10 }), NOW);
    expect(d.holds).toEqual(['cooldown']);
    expect(d.reasons.join(' ')).toMatch(/scale-in cooldown is 10 min/);
  });

  test('managed vs self-managed: node group status matters only for a managed group', () => {
    const selfManaged = state({ kind: 'self-managed', nodeGroupStatus: undefined });
    const g = group({ nodeGroup: undefined, autoScalingGroup: 'prod-general' });
    expect(decideScaling(g, selfManaged, hot, NOW).action).toBe('scale-out');
    const managedUnknown = state({ nodeGroupStatus: undefined });
    expect(decideScaling(group(), managedUnknown, hot, NOW).holds).toEqual(['nodegroup-not-active']);
  });

  test('several holds are all reported, with what the signals wanted', () => {
    const d = decideScaling(group(), state({ deleting: true, nodeGroupStatus: 'DEGRADED' }), hot, NOW);
    expect(d.holds).toEqual(['nodegroup-not-active', 'asg-deleting']);
    expect(d.reasons.some((r) => r.startsWith('CPU pressure'))).toBe(true);
  });
});

describe('another actor changed the group', () => {
  test('report once, hold, adopt; then cooldown from the adoption; then act', () => {
    const foreign = state({
      desired: 7,
      desiredTag: { raw: '4@2026-12-01T10:00:00Z', record: { desired: 4, at: LONG_AGO } },
    });
    const first = decideScaling(group(), foreign, signals({ cpu: 90 }), NOW);
    expect(first.action).toBe('hold');
    expect(first.holds).toEqual(['foreign-change']);
    expect(first.conflict).toEqual({ recorded: 4, recordedAt: LONG_AGO.toISOString(), current: 7 });
    expect([first.recordDesired, first.recordAt]).toEqual([7, NOW.toISOString()]);

    // The next run reads the adopted tag: no conflict any more, but the cooldown runs from the adoption.
    const adopted = { ...foreign, desiredTag: { raw: formatDesiredTag(7, NOW), record: { desired: 7, at: NOW } } };
    const later = new Date(NOW.getTime() + 60_000);
    const second = decideScaling(group(), adopted, signals({ cpu: 90 }), later);
    expect(second.conflict).toBeUndefined();
    expect(second.holds).toEqual(['cooldown']);
    expect(second.recordDesired).toBeUndefined();

    const third = decideScaling(group(), adopted, signals({ cpu: 90 }), new Date(NOW.getTime() + 5 * 60_000));
    expect([third.action, third.from]).toEqual(['scale-out', 7]);
  });

  test('an unparseable tag counts as a foreign change', () => {
    const d = decideScaling(group(), state({ desiredTag: { raw: 'banana' } }), signals(), NOW);
    expect(d.holds).toEqual(['foreign-change']);
    expect(d.conflict).toEqual({ recorded: null, recordedAt: null, current: 4 });
  });

  test('no tag yet: a quiet baseline at the last change time, no conflict, no hold of its own', () => {
    const d = decideScaling(group(), state({ desiredTag: undefined }), signals({ cpu: 60 }), NOW);
    expect(d.conflict).toBeUndefined();
    expect(d.holds).toEqual(['steady']);
    expect(d.recordDesired).toBe(4);
    expect(d.recordAt).toBe(new Date(LONG_AGO.getTime() + 120_000).toISOString());
  });
});

describe('capacity exhausted', () => {
  const g = group({ maxSize: 4 });
  test('starts on the one run where at-max pressure has lasted exactly 15 minutes', () => {
    expect(decideScaling(g, state(), signals({ cpu: lastN(15, 90, 60) }), NOW).capacityExhaustedStarted).toBe(true);
    expect(decideScaling(g, state(), signals({ cpu: lastN(16, 90, 60) }), NOW).capacityExhaustedStarted).toBe(false);
    expect(decideScaling(g, state(), signals({ cpu: lastN(14, 90, 60) }), NOW).capacityExhaustedStarted).toBe(false);
    expect(decideScaling(group(), state(), signals({ cpu: lastN(15, 90, 60) }), NOW).capacityExhaustedStarted).toBe(
      false,
    );
  });
});

test('the tag value round-trips and rejects anything else', () => {
  const at = new Date('2026-12-01T12:00:00.000Z');
  expect(formatDesiredTag(6, at)).toBe('6@2026-12-01T12:00:00Z');
  expect(parseDesiredTag('6@2026-12-01T12:00:00Z')).toEqual({ desired: 6, at });
  for (const bad of ['6', '@2026-12-01T12:00:00Z', '-1@2026-12-01T12:00:00Z', '6@yesterday', '6@2026-13-45T99:00:00Z'])
    expect(parseDesiredTag(bad)).toBeUndefined();
});

test('the decision carries per-node values and timestamps for the log line', () => {
  const d = decideScaling(group(), state(), signals({ cpu: 80 }), NOW);
  expect(d.signals.minutes).toHaveLength(MINUTES);
  expect(d.signals.minutes[MINUTES - 1]).toBe('2026-12-01T11:57:00.000Z');
  expect(d.signals.nodes['i-0']).toMatchObject({ nodeName: 'ip-10-0-0-0.ec2.internal', cpu: series(80) });
  expect(d.thresholds.scaleOut.cpuPercent).toBe(75);
  expect(d.bounds).toEqual({ min: 2, max: 10, configMin: 2, configMax: 10, asgMin: 0, asgMax: 20 });
});
