/**
 * node-autoscaler benchmark: a 24-hour simulation of one EKS node group, minute by minute, driven by five strategies.
 *
 * Load: pod CPU requests in node units: a diurnal curve (night 2.5 nodes, day peak about 7.5), two sharp spikes
 * (10:30 +4 nodes for 25 min, 19:00 +5 nodes for 40 min, each reaching full height in 2 minutes) and seeded noise.
 * Nodes: 4 vCPU-equivalents each; at most 92 % of allocatable can be requested (bin-packing loss); pods of 0.1 node
 * pend when requests exceed that. A launched node joins 3-5 minutes later (seeded); a removed node goes at once and
 * its pods reschedule (or pend). Usage is 60-70 % of requests; memory requests are 85 % of CPU's, usage 70 % of that.
 * CloudWatch shows a minute two minutes late (Container Insights and AWS/EKS); Cluster Autoscaler sees pods directly.
 *
 * Strategies (bounds 2-14 for all):
 *   node-autoscaler   the real job (runNodeAutoscaler → decision core → ports) against the in-memory AWS double,
 *                     default thresholds, pendingPods on, execute mode: SetDesiredCapacity, Terminate..., tag writes
 *   naive seed        reads node CPU from AWS/EKS, which has none: never sees a datapoint, never acts
 *   naive (fixed)     the same seed reading a signal that exists (the same pressure node-autoscaler reads): +1 node
 *                     whenever pressure > 75 %, ignores max, never scales in
 *   threshold         one threshold, no hysteresis, same pressure signal: +1 when > 75 %, −1 when below, every
 *                     minute, within bounds
 *   target tracking   ASG target tracking on CPU 60 %: out after 3 min above (to ceil(n·u/60)), in after 15 min
 *                     below 54 % (to ceil(n·u/60)), 5-minute instance warm-up blocks scale-in
 *   CA-like           Cluster-Autoscaler model: pending pods → add the nodes they need at once (no CloudWatch delay);
 *                     requests < 50 % for 10 min and the pods fit elsewhere → remove one node; no scale-in within
 *                     10 min of a scale-up
 *
 * Figures per strategy: scaling actions, node-hours (joining nodes count: they are billed), minutes with
 * unschedulable pods, minutes with pressure (max of CPU and memory requests or usage) above 90 %, minutes outside
 * the bounds. Goal (issue 10): zero bound violations; fewer actions than every threshold strategy; pending minutes
 * no worse than the CA model; node-hours within 10 % of it. Also: GetMetricData queries per run vs group size.
 *
 * Writes docs/node-autoscaler-bench.svg (the trace). Run: npx tsx bench/node-autoscaler.bench.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeAutoscalerConfig } from '../lambdas/node-autoscaler/config';
import { renderChartSvg } from '../lambdas/node-autoscaler/core/chart';
import { runNodeAutoscaler } from '../lambdas/node-autoscaler/job';
import { FakeNodeAutoscalerAws, type FakeAsg } from '../test/doubles/node-autoscaler';

const START = Date.UTC(2026, 10, 2, 0, 0, 0);
const MINUTES = 24 * 60;
const MIN_SIZE = 2;
const MAX_SIZE = 14;
const PACKING = 0.92;
const POD = 0.1;
const METRIC_DELAY = 2;

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Requested node units per minute and the usage/requests ratio, the same for every strategy. */
function loadProfile(seed = 7): { requests: number[]; usage: number[] } {
  const rnd = mulberry32(seed);
  const requests: number[] = [];
  const usage: number[] = [];
  let wander = 0;
  for (let m = 0; m < MINUTES; m++) {
    const h = m / 60;
    const day = h >= 6 && h <= 23 ? Math.pow(Math.sin((Math.PI * (h - 6)) / 17), 1.5) : 0;
    const spike = (at: number, height: number, length: number) => {
      const t = m - at;
      if (t < 0 || t >= length) return 0;
      return height * Math.min(1, (t + 1) / 2);
    };
    wander = 0.9 * wander + (rnd() - 0.5) * 0.25;
    requests.push(Math.max(0.5, 2.5 + 5 * day + spike(10 * 60 + 30, 4, 25) + spike(19 * 60, 5, 40) + wander));
    usage.push(0.6 + 0.1 * rnd());
  }
  return { requests, usage };
}

interface MinuteState {
  readyNodes: number;
  billedNodes: number;
  desired: number;
  placed: number;
  pendingPods: number;
  reservedPct: number;
  cpuUtilPct: number;
  memReservedPct: number;
  memUtilPct: number;
  pressurePct: number;
  podsPerNode: number;
}

/** What a strategy sees at minute m: the history it is allowed to read, and the group now. */
interface View {
  readonly minute: number;
  readonly history: readonly MinuteState[];
  readonly desired: number;
  readonly ready: number;
  readonly launching: number;
  readonly lastScaleUp: number;
}

interface Strategy {
  readonly name: string;
  /** Returns the new desired capacity (undefined: no change). node-autoscaler acts through the AWS double instead. */
  decide(view: View): Promise<number | undefined> | number | undefined;
}

/** Delayed CloudWatch view: the value of minute m − 2 (undefined before it exists). */
const seen = (v: View, k = 0) => v.history[v.minute - METRIC_DELAY - k];

const naiveSeed: Strategy = { name: 'naive seed (AWS/EKS CPU)', decide: () => undefined };

const naiveFixed: Strategy = {
  name: 'naive, right metric',
  decide: (v) => {
    const s = seen(v);
    return s && s.pressurePct > 75 ? v.desired + 1 : undefined;
  },
};

const threshold: Strategy = {
  name: 'threshold, no hysteresis',
  decide: (v) => {
    const s = seen(v);
    if (!s) return undefined;
    if (s.pressurePct > 75 && v.desired < MAX_SIZE) return v.desired + 1;
    if (s.pressurePct < 75 && v.desired > MIN_SIZE) return v.desired - 1;
    return undefined;
  },
};

const targetTracking: Strategy = {
  name: 'target tracking 60 %',
  decide: (v) => {
    const window = (n: number) => Array.from({ length: n }, (_, k) => seen(v, k));
    const clamp = (n: number) => Math.max(MIN_SIZE, Math.min(MAX_SIZE, n));
    const out = window(3);
    if (out.every((s) => s && s.cpuUtilPct > 60)) {
      const u = out[0]!.cpuUtilPct;
      const want = clamp(Math.ceil((Math.max(1, v.ready) * u) / 60));
      return want > v.desired ? want : undefined;
    }
    const inn = window(15);
    if (v.launching === 0 && v.minute - v.lastScaleUp >= 5 && inn.every((s) => s && s.cpuUtilPct < 54)) {
      const u = inn[0]!.cpuUtilPct;
      const want = clamp(Math.ceil((Math.max(1, v.ready) * u) / 60));
      return want < v.desired ? want : undefined;
    }
    return undefined;
  },
};

const clusterAutoscaler: Strategy = {
  name: 'CA-like',
  decide: (v) => {
    const now = v.history[v.minute - 1]; // sees pods directly (scan every 10 s), last minute's state
    if (!now) return undefined;
    if (now.pendingPods > 0) {
      const need = Math.ceil((now.pendingPods * POD) / PACKING);
      const want = Math.min(MAX_SIZE, v.ready + v.launching + need);
      return want > v.desired && v.launching < need ? want : undefined;
    }
    if (v.minute - v.lastScaleUp < 10 || v.launching > 0) return undefined;
    const last10 = Array.from({ length: 10 }, (_, k) => v.history[v.minute - 1 - k]);
    const low = last10.every((s) => s && s.reservedPct < 50 && s.pendingPods === 0);
    const fits = now.placed <= (v.ready - 1) * PACKING;
    return low && fits && v.desired > MIN_SIZE ? v.desired - 1 : undefined;
  },
};

interface Outcome {
  name: string;
  actions: number;
  nodeHours: number;
  pendingMinutes: number;
  above90Minutes: number;
  boundViolations: number;
  history: MinuteState[];
}

const TAG = 'platform-ops:node-autoscaler:desired';

async function simulate(
  strategy: Strategy | 'node-autoscaler',
  groupPatch: Record<string, unknown> = {},
): Promise<Outcome> {
  const load = loadProfile();
  const joinRnd = mulberry32(99);
  const fake = new FakeNodeAutoscalerAws();
  const asg: FakeAsg = {
    name: 'eks-general-sim',
    minSize: 0,
    maxSize: 50,
    desired: 3,
    instances: [],
    tags: { [TAG]: '3@2026-11-01T00:00:00Z' },
    policies: [],
    activities: [],
  };
  fake.addNodegroup('sim', 'general', asg);
  const joinAt = new Map<string, number>();
  let seq = 0;
  const launch = (minute: number) => {
    const id = `i-${(seq++).toString(16).padStart(8, '0')}`;
    asg.instances.push({ instanceId: id, lifecycleState: 'Pending', launchTime: new Date(START + minute * 60_000) });
    joinAt.set(id, minute + 3 + Math.floor(joinRnd() * 3));
  };
  for (let i = 0; i < 3; i++) launch(-60);
  const history: MinuteState[] = [];
  /** Per node id: the minutes it reported (joined and InService). */
  const reported = new Map<string, Set<number>>();
  fake.metricSource = (metric, dims, t) => {
    const m = Math.round((t - START) / 60_000);
    const s = history[m];
    if (!s) return undefined;
    if (metric === 'scheduler_pending_pods_UNSCHEDULABLE') return s.pendingPods;
    if (!reported.get(dims.InstanceId)?.has(m)) return undefined;
    switch (metric) {
      case 'node_cpu_utilization':
        return s.cpuUtilPct;
      case 'node_cpu_reserved_capacity':
        return s.reservedPct;
      case 'node_memory_utilization':
        return s.memUtilPct;
      case 'node_memory_reserved_capacity':
        return s.memReservedPct;
      case 'node_number_of_running_pods':
        return s.podsPerNode;
      default:
        return undefined;
    }
  };
  const config = nodeAutoscalerConfig.parse({
    enabled: true,
    dryRun: false,
    groups: [
      {
        name: 'general',
        cluster: 'sim',
        nodeGroup: 'general',
        minSize: MIN_SIZE,
        maxSize: MAX_SIZE,
        pendingPods: true,
        ...groupPatch,
      },
    ],
  });
  const ports = fake.ports();
  let actions = 0;
  let lastScaleUp = -Infinity;
  let nodeMinutes = 0;
  let pendingMinutes = 0;
  let above90 = 0;
  let violations = 0;
  let openActivity: { start: number } | undefined;

  for (let m = -60; m < MINUTES; m++) {
    // 1. Nodes join; terminated nodes leave; the ASG activity ends once everything has settled.
    for (const inst of asg.instances) {
      if (inst.lifecycleState === 'Pending' && (joinAt.get(inst.instanceId) ?? 0) <= m)
        inst.lifecycleState = 'InService';
    }
    asg.instances = asg.instances.filter((i) => i.lifecycleState !== 'Terminating');
    if (openActivity && asg.instances.every((i) => i.lifecycleState === 'InService')) {
      asg.activities = [
        {
          statusCode: 'Successful',
          startTime: new Date(START + openActivity.start * 60_000),
          endTime: new Date(START + m * 60_000),
        },
      ];
      openActivity = undefined;
    }
    if (m < 0) continue;

    // 2. This minute's cluster: requests placed on ready nodes, the rest pending.
    const ready = asg.instances.filter((i) => i.lifecycleState === 'InService');
    const n = ready.length;
    const requests = load.requests[m];
    const placed = Math.min(requests, n * PACKING);
    const pendingPods = Math.max(0, Math.ceil((requests - placed - 1e-9) / POD));
    const reservedPct = n > 0 ? (placed / n) * 100 : 0;
    const cpuUtilPct = reservedPct * load.usage[m];
    const memReservedPct = reservedPct * 0.85;
    const state: MinuteState = {
      readyNodes: n,
      billedNodes: asg.instances.length,
      desired: asg.desired,
      placed,
      pendingPods,
      reservedPct,
      cpuUtilPct,
      memReservedPct,
      memUtilPct: memReservedPct * 0.7,
      pressurePct: Math.max(reservedPct, cpuUtilPct, memReservedPct),
      podsPerNode: n > 0 ? placed / POD / n : 0,
    };
    history[m] = state;
    for (const i of ready) {
      const set = reported.get(i.instanceId) ?? new Set<number>();
      set.add(m);
      reported.set(i.instanceId, set);
    }
    nodeMinutes += asg.instances.length;
    if (pendingPods > 0) pendingMinutes += 1;
    if (state.pressurePct > 90) above90 += 1;
    if (asg.desired > MAX_SIZE || asg.desired < MIN_SIZE) violations += 1;

    // 3. The strategy decides on what it can see.
    const before = asg.desired;
    const view: View = {
      minute: m,
      history,
      desired: asg.desired,
      ready: n,
      launching: asg.instances.length - n,
      lastScaleUp,
    };
    if (strategy === 'node-autoscaler') {
      const now = new Date(START + m * 60_000 + 30_000);
      const result = await runNodeAutoscaler(config, ports, { now, dryRun: false });
      const o = result.outcomes[0];
      if (o.error) throw new Error(`node-autoscaler failed in the simulation at minute ${m}: ${o.error}`);
    } else {
      const want = await strategy.decide(view);
      if (want !== undefined && want !== asg.desired) {
        asg.desired = want;
        // Scale-in through the ASG: the newest nodes go first (launching ones before ready ones).
        let excess = asg.instances.filter((i) => i.lifecycleState !== 'Terminating').length - asg.desired;
        for (let k = asg.instances.length - 1; k >= 0 && excess > 0; k--) {
          asg.instances[k].lifecycleState = 'Terminating';
          excess -= 1;
        }
      }
    }
    // 4. Reconcile the ASG with its desired capacity (launch what is missing), and record activities.
    if (asg.desired !== before) {
      actions += 1;
      if (asg.desired > before) lastScaleUp = m;
      const live = asg.instances.filter((i) => i.lifecycleState !== 'Terminating').length;
      for (let k = live; k < asg.desired; k++) launch(m);
      openActivity = { start: m };
      asg.activities = [{ statusCode: 'InProgress', startTime: new Date(START + m * 60_000) }];
    }
  }
  return {
    name: strategy === 'node-autoscaler' ? 'node-autoscaler' : strategy.name,
    actions,
    nodeHours: nodeMinutes / 60,
    pendingMinutes,
    above90Minutes: above90,
    boundViolations: violations,
    history,
  };
}

/** GetMetricData queries and calls for one run of a group of n InService nodes. */
async function queriesPerRun(n: number): Promise<{ queries: number; calls: number }> {
  const fake = new FakeNodeAutoscalerAws();
  const asg: FakeAsg = {
    name: 'g',
    minSize: 0,
    maxSize: 1000,
    desired: n,
    instances: Array.from({ length: n }, (_, i) => ({
      instanceId: `i-${i}`,
      lifecycleState: 'InService',
      launchTime: new Date(START),
    })),
    tags: { [TAG]: `${n}@2026-11-01T00:00:00Z` },
    policies: [],
    activities: [],
  };
  fake.addNodegroup('c', 'g', asg);
  const config = nodeAutoscalerConfig.parse({
    enabled: true,
    groups: [{ name: 'g', cluster: 'c', nodeGroup: 'g', minSize: 1, maxSize: 1000 }],
  });
  const r = await runNodeAutoscaler(config, fake.ports(), { now: new Date(START + 3600_000), dryRun: true });
  return { queries: r.metricQueries, calls: r.metricCalls };
}

async function main() {
  const started = Date.now();
  const strategies: (Strategy | 'node-autoscaler')[] = [
    'node-autoscaler',
    naiveSeed,
    naiveFixed,
    threshold,
    targetTracking,
    clusterAutoscaler,
  ];
  const outcomes: Outcome[] = [];
  for (const s of strategies) outcomes.push(await simulate(s));
  // The same scaler with the scale-in threshold at CA's 50 % of requests (CPU 50 %, memory 55 %).
  const tunedPatch = JSON.parse(process.env.NAS_PATCH ?? '{"scaleIn":{"cpuPercent":50,"memoryPercent":55}}');
  const tuned = {
    ...(await simulate('node-autoscaler', tunedPatch)),
    name: `node-autoscaler, ${JSON.stringify(tunedPatch)}`,
  };
  outcomes.splice(1, 0, tuned);
  if (process.env.NAS_TRACE)
    for (let m = 0; m < MINUTES; m += 20)
      console.log(
        `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')} req ${loadProfile().requests[m].toFixed(1)} ` +
          outcomes
            .map(
              (o) =>
                `${o.name.slice(0, 6)} ${o.history[m].desired}/${o.history[m].readyNodes} p${Math.round(o.history[m].pressurePct)}`,
            )
            .join(' | '),
      );
  const seconds = (Date.now() - started) / 1000;

  console.log(
    '| strategy | scaling actions | node-hours | minutes with unschedulable pods | minutes above 90 % pressure | minutes outside bounds |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const o of outcomes)
    console.log(
      `| ${o.name} | ${o.actions} | ${o.nodeHours.toFixed(1)} | ${o.pendingMinutes} | ${o.above90Minutes} | ${o.boundViolations} |`,
    );
  console.log(`\nsimulated ${outcomes.length} × ${MINUTES} minutes in ${seconds.toFixed(1)} s`);

  console.log('\n| InService nodes | GetMetricData queries per run | calls |');
  console.log('|---|---|---|');
  for (const n of [3, 10, 50, 99, 100, 200]) {
    const q = await queriesPerRun(n);
    console.log(`| ${n} | ${q.queries} | ${q.calls} |`);
  }

  // Goals, for the defaults of issue 10 and for the tuned scale-in.
  const ca = outcomes[outcomes.length - 1];
  const thresholdStrategies = outcomes.filter((o) =>
    ['naive, right metric', 'threshold, no hysteresis', 'target tracking 60 %'].includes(o.name),
  );
  let allMet = true;
  for (const ours of outcomes.slice(0, 2)) {
    const goals = [
      ['zero bound violations', ours.boundViolations === 0],
      [
        `fewer actions than every threshold strategy (${ours.actions} vs ${thresholdStrategies.map((o) => o.actions).join(', ')})`,
        thresholdStrategies.every((o) => ours.actions < o.actions),
      ],
      [
        `pending minutes no worse than the CA model (${ours.pendingMinutes} vs ${ca.pendingMinutes})`,
        ours.pendingMinutes <= ca.pendingMinutes,
      ],
      [
        `node-hours within 10 % of the CA model (${((ours.nodeHours / ca.nodeHours - 1) * 100).toFixed(1)} %)`,
        Math.abs(ours.nodeHours - ca.nodeHours) <= 0.1 * ca.nodeHours,
      ],
    ] as const;
    console.log(`\n${ours.name}:`);
    for (const [goal, met] of goals) console.log(`  ${met ? 'MET    ' : 'MISSED '} ${goal}`);
    if (ours === outcomes[0]) allMet = goals.every(([, met]) => met);
  }
  const ours = outcomes[0];

  // The trace chart.
  const load = loadProfile();
  const svg = renderChartSvg({
    title: 'node-autoscaler benchmark: 24 h simulation (requests in node units, two spikes)',
    start: new Date(START),
    minutes: MINUTES,
    panels: [
      {
        title: 'group pressure (max of CPU/memory requests and usage), %',
        yMax: 100,
        lines: [
          { label: 'node-autoscaler', values: ours.history.map((s) => s.pressurePct), color: '#1f77b4' },
          { label: 'CA-like', values: ca.history.map((s) => s.pressurePct), color: '#ff7f0e', dashed: true },
        ],
        rules: [
          { value: 75, label: 'scale out > 75 %' },
          { value: 40, label: 'scale in < 40 %', color: '#2a2' },
        ],
      },
      {
        title: 'unschedulable pods',
        lines: [
          { label: 'node-autoscaler', values: ours.history.map((s) => s.pendingPods), color: '#1f77b4' },
          { label: 'CA-like', values: ca.history.map((s) => s.pendingPods), color: '#ff7f0e', dashed: true },
        ],
      },
      {
        title: 'nodes',
        lines: [
          { label: 'requested (node units)', values: load.requests, color: '#888' },
          {
            label: 'node-autoscaler desired',
            values: ours.history.map((s) => s.desired),
            color: '#1f77b4',
            step: true,
          },
          {
            label: 'CA-like desired',
            values: ca.history.map((s) => s.desired),
            color: '#ff7f0e',
            step: true,
            dashed: true,
          },
          {
            label: 'target tracking desired',
            values: outcomes[5].history.map((s) => s.desired),
            color: '#2ca02c',
            step: true,
            dashed: true,
          },
        ],
        rules: [
          { value: MAX_SIZE, label: `maxSize ${MAX_SIZE}` },
          { value: MIN_SIZE, label: `minSize ${MIN_SIZE}`, color: '#2a2' },
        ],
      },
    ],
  });
  const dir = join(__dirname, '../docs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'node-autoscaler-bench.svg'), svg);
  console.log('chart: docs/node-autoscaler-bench.svg');
  // The suite's `npm run bench` fails on a missed goal of the defaults.
  if (!allMet) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
