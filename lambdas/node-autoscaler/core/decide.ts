/**
 * The scaling decision for one group: signals + group state + clock in, decision out. No AWS client, no clock,
 * no env. Every hold that applies is listed with its reason; the target is an absolute desired capacity computed
 * from what AWS says now, so a duplicate or retried invocation can never add twice.
 */
import type { NodeGroupConfig } from '../config';
import type {
  DecisionSignals,
  EffectiveBounds,
  GroupSignals,
  GroupState,
  HoldCode,
  InstanceState,
  ScalingDecision,
  Series,
} from '../types';

/** Minutes of at-max pressure after which capacity counts as exhausted (event + alarm). */
export const CAPACITY_EXHAUSTED_MINUTES = 15;
/** Unschedulable pods grow the pendingPods group when seen in this many of the last PENDING_WINDOW minutes. */
export const PENDING_REQUIRED = 2;
export const PENDING_WINDOW = 3;

/** Lifecycle states that mean a change is still settling. */
const TRANSITION_STATE = /^(Pending|Terminating|Detaching|EnteringStandby|Warmed:Pending|Warmed:Terminating)/;
/** Activity status codes that are final. */
const FINISHED_ACTIVITY = new Set(['Successful', 'Failed', 'Cancelled']);

/** Minutes of signals the decision needs for a group (the longest window, plus one for the capacity edge). */
export function signalMinutesNeeded(group: NodeGroupConfig): number {
  return Math.max(group.scaleIn.datapoints, group.scaleOut.datapoints, PENDING_WINDOW, CAPACITY_EXHAUSTED_MINUTES + 1);
}

export function effectiveBounds(group: NodeGroupConfig, state: GroupState): EffectiveBounds {
  return {
    min: Math.max(group.minSize, state.asgMinSize),
    max: Math.min(group.maxSize, state.asgMaxSize),
    configMin: group.minSize,
    configMax: group.maxSize,
    asgMin: state.asgMinSize,
    asgMax: state.asgMaxSize,
  };
}

const pct = (v: number) => `${Math.round(v * 10) / 10}%`;
const last = <T>(xs: readonly T[], n: number): T[] => xs.slice(Math.max(0, xs.length - n));
const isKnown = (v: number | null): v is number => v !== null && Number.isFinite(v);

/**
 * Group pressure per minute for one resource: the mean over nodes of max(utilisation, reserved capacity). A node is
 * expected to report for a minute once it has been up `joinMinutes`; a missing value of an expected node makes the
 * minute unknown. A node still joining counts when it has both values and is skipped otherwise.
 */
function groupPressure(
  minutes: readonly Date[],
  instances: readonly InstanceState[],
  signals: GroupSignals,
  pick: 'cpu' | 'memory',
  joinMinutes: number,
): Series {
  return minutes.map((minute, i) => {
    let sum = 0;
    let count = 0;
    for (const inst of instances) {
      const s = signals.nodes[inst.instanceId];
      const util = s ? (pick === 'cpu' ? s.cpuUtilization : s.memoryUtilization)[i] : null;
      const reserved = s ? (pick === 'cpu' ? s.cpuReserved : s.memoryReserved)[i] : null;
      if (isKnown(util ?? null) && isKnown(reserved ?? null)) {
        sum += Math.max(util as number, reserved as number);
        count += 1;
        continue;
      }
      const expected =
        inst.launchTime === undefined || inst.launchTime.getTime() <= minute.getTime() - joinMinutes * 60_000;
      if (expected) return null;
    }
    return count === 0 ? null : sum / count;
  });
}

/** Running pods on a node in the newest minute that has a value. */
function latestPods(series: Series | undefined): number | null {
  if (!series) return null;
  for (let i = series.length - 1; i >= 0; i--) if (isKnown(series[i])) return series[i];
  return null;
}

/** Parses the scaler's tag value `<desired>@<ISO time>`; undefined when it is anything else. */
export function parseDesiredTag(raw: string): { desired: number; at: Date } | undefined {
  const m = /^(\d{1,5})@(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z)$/.exec(raw.trim());
  if (!m) return undefined;
  const at = new Date(m[2]);
  return Number.isNaN(at.getTime()) ? undefined : { desired: Number(m[1]), at };
}

export function formatDesiredTag(desired: number, at: Date): string {
  return `${desired}@${at.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

interface SignalVerdict {
  readonly direction: 'out' | 'in' | 'none';
  readonly step: number;
  readonly reasons: string[];
  readonly holds: HoldCode[];
}

export function decideScaling(
  group: NodeGroupConfig,
  state: GroupState,
  signals: GroupSignals,
  now: Date,
): ScalingDecision {
  const bounds = effectiveBounds(group, state);
  const from = state.desired;
  const holds: HoldCode[] = [];
  const reasons: string[] = [];
  const hold = (code: HoldCode, reason: string) => {
    if (!holds.includes(code)) holds.push(code);
    reasons.push(reason);
  };

  // --- state read from AWS ---------------------------------------------------------------------------------
  if (state.kind === 'managed' && state.nodeGroupStatus !== 'ACTIVE')
    hold('nodegroup-not-active', `node group is ${state.nodeGroupStatus ?? 'unknown'}, not ACTIVE`);
  if (state.deleting) hold('asg-deleting', 'the Auto Scaling group is being deleted');
  if (state.scalingPolicies.length > 0)
    hold(
      'scaling-policies',
      `the ASG has scaling policies of its own (${state.scalingPolicies
        .slice(0, 3)
        .map((p) => `${p.name}: ${p.type}`)
        .join(', ')}); they would fight the scaler`,
    );
  const running = state.activities.filter((a) => !FINISHED_ACTIVITY.has(a.statusCode));
  if (running.length > 0)
    hold(
      'activity-in-progress',
      `scaling activity not finished (${running[0].statusCode}${running[0].description ? `: ${running[0].description.slice(0, 120)}` : ''})`,
    );
  const transition = state.instances.filter((i) => TRANSITION_STATE.test(i.lifecycleState));
  if (transition.length > 0)
    hold(
      'instances-in-transition',
      `${transition.length} instance(s) not settled (${transition
        .slice(0, 3)
        .map((i) => `${i.instanceId} ${i.lifecycleState}`)
        .join(', ')})`,
    );
  if (bounds.min > bounds.max)
    hold(
      'bounds-disjoint',
      `configured bounds [${bounds.configMin}, ${bounds.configMax}] and the ASG's [${bounds.asgMin}, ${bounds.asgMax}] do not overlap`,
    );

  // --- another actor -------------------------------------------------------------------------------------
  let conflict: ScalingDecision['conflict'];
  let recordDesired: number | undefined;
  const record = state.desiredTag?.record;
  if (state.desiredTag === undefined) {
    recordDesired = from; // first sight of the group: record the baseline, nothing to compare with yet
  } else if (!record || record.desired !== from) {
    conflict = {
      recorded: record?.desired ?? null,
      recordedAt: record?.at.toISOString() ?? null,
      current: from,
    };
    recordDesired = from;
    hold(
      'foreign-change',
      record
        ? `another actor changed desired capacity from ${record.desired} (set ${record.at.toISOString()}) to ${from}; holding for the cooldown, then adopting ${from}`
        : `the scaler's tag holds "${state.desiredTag.raw.slice(0, 40)}", not <desired>@<time>; adopting ${from}`,
    );
  }

  // --- signals -------------------------------------------------------------------------------------------
  const inService = state.instances.filter((i) => i.lifecycleState === 'InService');
  const n = inService.length;
  const joinMinutes = group.cooldown.scaleOutMinutes;
  const cpu = groupPressure(signals.minutes, inService, signals, 'cpu', joinMinutes);
  const memory = groupPressure(signals.minutes, inService, signals, 'memory', joinMinutes);
  const pending = signals.pendingPods;
  const verdict = judgeSignals(group, n, cpu, memory, pending, inService, signals);

  // Capacity exhausted: at the upper bound with pressure above the out threshold (per minute).
  const aboveOut = signals.minutes.map(
    (_, i) =>
      (isKnown(cpu[i]) && (cpu[i] as number) > group.scaleOut.cpuPercent) ||
      (isKnown(memory[i]) && (memory[i] as number) > group.scaleOut.memoryPercent),
  );
  const atMax = from >= bounds.max;
  const atMaxUnderPressure = atMax && (aboveOut[aboveOut.length - 1] ?? false);
  const recent = last(aboveOut, CAPACITY_EXHAUSTED_MINUTES);
  const before = aboveOut[aboveOut.length - CAPACITY_EXHAUSTED_MINUTES - 1];
  const capacityExhaustedStarted =
    atMax && recent.length === CAPACITY_EXHAUSTED_MINUTES && recent.every(Boolean) && before === false;

  // --- direction, bounds and cooldown --------------------------------------------------------------------
  let action: ScalingDecision['action'] = 'hold';
  let to = from;
  let terminate: ScalingDecision['terminate'];
  const lastChange = lastChangeAt(state);
  const minutesSince = lastChange ? (now.getTime() - lastChange.getTime()) / 60_000 : Infinity;
  const cooldownHold = (minutesNeeded: number, what: string) => {
    if (minutesSince < minutesNeeded)
      hold(
        'cooldown',
        `last change ${Math.floor(minutesSince)} min ago (${lastChange?.toISOString()}); ${what} cooldown is ${minutesNeeded} min`,
      );
  };

  if (bounds.min <= bounds.max && from < bounds.min) {
    reasons.push(`desired ${from} is below the lower bound ${bounds.min}`);
    if (holds.length === 0) {
      action = 'scale-out';
      to = bounds.min;
    }
  } else if (verdict.direction === 'out') {
    reasons.push(...verdict.reasons);
    if (from >= bounds.max) hold('at-max', `at the upper bound ${bounds.max} (${boundSource(bounds, 'max')})`);
    else cooldownHold(group.cooldown.scaleOutMinutes, 'scale-out');
    if (holds.length === 0) {
      action = 'scale-out';
      to = Math.min(bounds.max, from + Math.min(group.maxStep, Math.max(1, verdict.step)));
    }
  } else if (verdict.direction === 'in') {
    reasons.push(...verdict.reasons);
    if (from <= bounds.min) hold('at-min', `at the lower bound ${bounds.min} (${boundSource(bounds, 'min')})`);
    else cooldownHold(group.cooldown.scaleInMinutes, 'scale-in');
    const candidate = scaleInCandidate(inService, signals);
    if (!candidate) hold('no-candidate', 'every InService instance is protected from scale-in');
    if (holds.length === 0 && candidate) {
      reasons.push(
        `node to remove: ${candidate.instanceId} (${candidate.runningPods ?? 'unknown'} running pods, the fewest of the unprotected InService nodes)`,
      );
      action = 'scale-in';
      to = from - 1;
      terminate = candidate;
    }
  } else {
    // 'steady' says nothing when something else already holds the group.
    for (const code of verdict.holds)
      if (!holds.includes(code) && (code !== 'steady' || holds.length === 0)) holds.push(code);
    reasons.push(...verdict.reasons);
    if (from > bounds.max && bounds.min <= bounds.max) {
      if (!holds.includes('above-max')) holds.push('above-max');
      reasons.push(
        `desired ${from} is above the upper bound ${bounds.max}; scaling in only one node at a time on low pressure`,
      );
    }
  }
  if (action === 'hold' && holds.length === 0) holds.push('steady');

  const latestCpu = cpu[cpu.length - 1] ?? null;
  const latestMem = memory[memory.length - 1] ?? null;
  const pressurePercent =
    latestCpu === null && latestMem === null ? null : Math.max(latestCpu ?? -Infinity, latestMem ?? -Infinity);

  return {
    group: group.name,
    cluster: group.cluster,
    autoScalingGroupName: state.autoScalingGroupName,
    kind: state.kind,
    action,
    from,
    to,
    holds: action === 'hold' ? holds : [],
    reasons,
    ...(terminate ? { terminate } : {}),
    ...(conflict ? { conflict } : {}),
    ...(action !== 'hold'
      ? { recordDesired: to, recordAt: now.toISOString() }
      : recordDesired !== undefined
        ? // A first baseline keeps the time of the group's last change (no cooldown of its own); an adopted
          // foreign change is stamped now, so the cooldown runs from when it was seen.
          { recordDesired, recordAt: conflict ? now.toISOString() : (lastChangeAt(state) ?? new Date(0)).toISOString() }
        : {}),
    bounds,
    thresholds: { scaleOut: group.scaleOut, scaleIn: group.scaleIn },
    pressurePercent,
    pendingPods: latestKnown(pending),
    atMaxUnderPressure,
    capacityExhaustedStarted,
    signals: decisionSignals(signals, inService, cpu, memory, pending),
  };
}

function boundSource(b: EffectiveBounds, which: 'min' | 'max'): string {
  if (which === 'max') return b.configMax <= b.asgMax ? 'configured maxSize' : "the ASG's MaxSize";
  return b.configMin >= b.asgMin ? 'configured minSize' : "the ASG's MinSize";
}

function latestKnown(series: Series): number | null {
  for (let i = series.length - 1; i >= 0; i--) if (isKnown(series[i])) return series[i];
  return null;
}

/** When the group last changed: the newest end (or start) of a scaling activity, or the scaler's own record. */
export function lastChangeAt(state: GroupState): Date | undefined {
  let latest: Date | undefined;
  for (const a of state.activities) {
    const t = a.endTime ?? a.startTime;
    if (!latest || t > latest) latest = t;
  }
  const tagged = state.desiredTag?.record?.at;
  if (tagged && (!latest || tagged > latest)) latest = tagged;
  return latest;
}

function judgeSignals(
  group: NodeGroupConfig,
  n: number,
  cpu: Series,
  memory: Series,
  pending: Series,
  inService: readonly InstanceState[],
  signals: GroupSignals,
): SignalVerdict {
  const out = group.scaleOut;
  const inn = group.scaleIn;
  const reasons: string[] = [];
  const outCpu = last(cpu, out.datapoints);
  const outMem = last(memory, out.datapoints);
  const full = (w: Series, need: number) => w.length === need && w.every(isKnown);
  const cpuHigh = full(outCpu, out.datapoints) && outCpu.every((v) => (v as number) > out.cpuPercent);
  const memHigh = full(outMem, out.datapoints) && outMem.every((v) => (v as number) > out.memoryPercent);
  const pendingRecent = last(pending, PENDING_WINDOW);
  const pendingSeen = pendingRecent.filter((v) => isKnown(v) && v > 0).length;
  const pendingHigh = group.pendingPods && pendingSeen >= PENDING_REQUIRED;

  if (cpuHigh || memHigh || pendingHigh) {
    let step = 1;
    const midpoint = (o: number, i: number) => (o + i) / 2;
    if (cpuHigh && n > 0) {
      const p = outCpu[outCpu.length - 1] as number;
      const target = midpoint(out.cpuPercent, inn.cpuPercent);
      step = Math.max(step, Math.ceil((n * p) / target) - n);
      reasons.push(
        `CPU pressure ${outCpu.map((v) => pct(v as number)).join(', ')} above ${out.cpuPercent}% for ${out.datapoints} min (to ${target}%: ${Math.ceil((n * p) / target) - n} node(s))`,
      );
    }
    if (memHigh && n > 0) {
      const p = outMem[outMem.length - 1] as number;
      const target = midpoint(out.memoryPercent, inn.memoryPercent);
      step = Math.max(step, Math.ceil((n * p) / target) - n);
      reasons.push(
        `memory pressure ${outMem.map((v) => pct(v as number)).join(', ')} above ${out.memoryPercent}% for ${out.datapoints} min (to ${target}%: ${Math.ceil((n * p) / target) - n} node(s))`,
      );
    }
    if (pendingHigh) {
      const pendingNow = Math.max(...pendingRecent.filter(isKnown));
      const pods = inService.map((i) => latestPods(signals.nodes[i.instanceId]?.runningPods)).filter(isKnown);
      const podsPerNode = pods.length > 0 ? pods.reduce((a, b) => a + b, 0) / pods.length : 0;
      const pendingStep = podsPerNode > 0 ? Math.ceil(pendingNow / podsPerNode) : 1;
      step = Math.max(step, pendingStep);
      reasons.push(
        `${pendingNow} unschedulable pod(s) in ${pendingSeen} of the last ${PENDING_WINDOW} min` +
          (podsPerNode > 0 ? ` (${Math.round(podsPerNode * 10) / 10} pods per node: ${pendingStep} node(s))` : ''),
      );
    }
    if (step > group.maxStep) reasons.push(`step ${step} capped at maxStep ${group.maxStep}`);
    return { direction: 'out', step, reasons, holds: [] };
  }

  // Not scaling out: say whether the out window was even readable.
  const holds: HoldCode[] = [];
  if (!full(outCpu, out.datapoints) || !full(outMem, out.datapoints)) {
    holds.push('unknown-signals');
    reasons.push(
      `pressure unknown in ${[...outCpu, ...outMem].filter((v) => !isKnown(v)).length} of the last ${out.datapoints} min's CPU/memory values (missing or incomplete data is never 0%)`,
    );
    return { direction: 'none', step: 0, reasons, holds };
  }

  const inCpu = last(cpu, inn.datapoints);
  const inMem = last(memory, inn.datapoints);
  const inReadable = full(inCpu, inn.datapoints) && full(inMem, inn.datapoints);
  const cpuLow = inReadable && inCpu.every((v) => (v as number) < inn.cpuPercent);
  const memLow = inReadable && inMem.every((v) => (v as number) < inn.memoryPercent);
  if (!cpuLow || !memLow) {
    if (!inReadable && last(cpu, out.datapoints).every((v) => (v as number) < inn.cpuPercent)) {
      holds.push('unknown-signals');
      reasons.push(
        `scale-in needs ${inn.datapoints} complete minutes; ${[...inCpu, ...inMem].filter((v) => !isKnown(v)).length + 2 * (inn.datapoints - inCpu.length)} value(s) unknown`,
      );
    } else {
      holds.push('steady');
      reasons.push(
        `pressure within the band (CPU ${pct(cpu[cpu.length - 1] as number)}, memory ${pct(memory[memory.length - 1] as number)})`,
      );
    }
    return { direction: 'none', step: 0, reasons, holds };
  }
  const lastPending = last(pending, PENDING_WINDOW);
  if (lastPending.length < PENDING_WINDOW || !lastPending.every(isKnown)) {
    holds.push('unknown-signals');
    reasons.push('pending pods unknown in the last minutes: no scale-in without knowing no pod waits');
    return { direction: 'none', step: 0, reasons, holds };
  }
  if (lastPending.some((v) => (v as number) > 0)) {
    holds.push('pending-pods');
    reasons.push(`low pressure, but ${Math.max(...(lastPending as number[]))} pod(s) pending in the cluster`);
    return { direction: 'none', step: 0, reasons, holds };
  }
  if (n < 2) {
    holds.push('steady');
    reasons.push(`low pressure, but only ${n} InService node(s)`);
    return { direction: 'none', step: 0, reasons, holds };
  }
  const peakCpu = Math.max(...(inCpu as number[]));
  const peakMem = Math.max(...(inMem as number[]));
  const projCpu = (peakCpu * n) / (n - 1);
  const projMem = (peakMem * n) / (n - 1);
  if (projCpu >= out.cpuPercent || projMem >= out.memoryPercent) {
    holds.push('projected-pressure');
    reasons.push(
      `removing a node would put pressure at CPU ${pct(projCpu)} / memory ${pct(projMem)} (scale-out at ${out.cpuPercent}% / ${out.memoryPercent}%)`,
    );
    return { direction: 'none', step: 0, reasons, holds };
  }
  reasons.push(
    `CPU below ${inn.cpuPercent}% and memory below ${inn.memoryPercent}% for ${inn.datapoints} min (peaks ${pct(peakCpu)} / ${pct(peakMem)}; after removing one node ${pct(projCpu)} / ${pct(projMem)}), no pod pending`,
  );
  return { direction: 'in', step: 1, reasons, holds: [] };
}

function scaleInCandidate(
  inService: readonly InstanceState[],
  signals: GroupSignals,
): { instanceId: string; runningPods: number | null } | undefined {
  const candidates = inService
    .filter((i) => !i.protectedFromScaleIn)
    .map((i) => ({ instanceId: i.instanceId, runningPods: latestPods(signals.nodes[i.instanceId]?.runningPods) }));
  candidates.sort(
    (a, b) => (a.runningPods ?? Infinity) - (b.runningPods ?? Infinity) || (a.instanceId < b.instanceId ? -1 : 1),
  );
  return candidates[0];
}

function decisionSignals(
  signals: GroupSignals,
  inService: readonly InstanceState[],
  cpu: Series,
  memory: Series,
  pending: Series,
): DecisionSignals {
  const round = (s: Series): Series => s.map((v) => (isKnown(v) ? Math.round(v * 10) / 10 : null));
  const nodes: Record<string, DecisionSignals['nodes'][string]> = {};
  for (const inst of inService) {
    const s = signals.nodes[inst.instanceId];
    const none = signals.minutes.map(() => null);
    const maxOf = (a: Series | undefined, b: Series | undefined) =>
      signals.minutes.map((_, i) => {
        const x = a?.[i] ?? null;
        const y = b?.[i] ?? null;
        return isKnown(x) && isKnown(y) ? Math.max(x, y) : null;
      });
    nodes[inst.instanceId] = {
      ...(inst.nodeName ? { nodeName: inst.nodeName } : {}),
      cpu: round(s ? maxOf(s.cpuUtilization, s.cpuReserved) : none),
      memory: round(s ? maxOf(s.memoryUtilization, s.memoryReserved) : none),
      pods: s ? s.runningPods : none,
    };
  }
  return {
    minutes: signals.minutes.map((m) => m.toISOString()),
    cpuPressure: round(cpu),
    memoryPressure: round(memory),
    pendingPods: pending,
    inService: inService.length,
    nodes,
  };
}
