/**
 * Replay: a group's real metric history run minute by minute through the same decision core, next to what the group
 * really did. Pure: the history (activities, series) comes in, per-minute decisions and the real sizes go out.
 */
import type { NodeGroupConfig } from '../config';
import type { ActivityState, GroupSignals, GroupState, NodeSignals, Series } from '../types';
import { decideScaling, signalMinutesNeeded } from './decide';

const LAUNCH = /Launching a new EC2 instance: (i-[0-9a-f]+)/;
const TERMINATE = /Terminating EC2 instance: (i-[0-9a-f]+)/;

/** When each instance was in the group: from its launch activity (or before the window) until its termination. */
export interface Membership {
  readonly instanceId: string;
  /** Epoch ms it joined (−Infinity: already there before the first activity read). */
  readonly from: number;
  /** Epoch ms it left (Infinity: still there). */
  readonly until: number;
  readonly launchedAt?: number;
}

/**
 * Membership of every instance named by the activities or present now. A launch counts from the end of its activity
 * (the instance is InService by then), a termination from the start of its activity.
 */
export function membershipFromActivities(
  activities: readonly ActivityState[],
  currentInstanceIds: readonly string[],
): Membership[] {
  const from = new Map<string, number>();
  const launched = new Map<string, number>();
  const until = new Map<string, number>();
  for (const a of activities) {
    const l = LAUNCH.exec(a.description ?? '');
    if (l && a.statusCode === 'Successful') {
      from.set(l[1], (a.endTime ?? a.startTime).getTime());
      launched.set(l[1], a.startTime.getTime());
    }
    const t = TERMINATE.exec(a.description ?? '');
    if (t) until.set(t[1], a.startTime.getTime());
  }
  const ids = new Set([...from.keys(), ...until.keys(), ...currentInstanceIds]);
  return [...ids].sort().map((instanceId) => ({
    instanceId,
    from: from.get(instanceId) ?? -Infinity,
    until: until.get(instanceId) ?? Infinity,
    ...(launched.has(instanceId) ? { launchedAt: launched.get(instanceId) } : {}),
  }));
}

export interface ReplayInput {
  readonly group: NodeGroupConfig;
  /** Minute starts of the whole history, oldest first (the series below are aligned with them). */
  readonly minutes: readonly Date[];
  readonly nodes: Readonly<Record<string, NodeSignals>>;
  readonly pendingPods: Series;
  readonly membership: readonly Membership[];
  readonly activities: readonly ActivityState[];
  readonly asgMinSize: number;
  readonly asgMaxSize: number;
  readonly kind: GroupState['kind'];
  readonly autoScalingGroupName: string;
  /** Minutes between a minute and the decision that may see it (CloudWatch aggregation delay). */
  readonly delayMinutes: number;
}

export interface ReplayMinute {
  readonly time: string;
  /** InService members of the group at that minute (what it really had). */
  readonly real: number;
  readonly action: 'scale-out' | 'scale-in' | 'hold';
  /** The desired capacity the scaler would have set (the real size when holding). */
  readonly would: number;
  readonly holds: readonly string[];
  readonly reason: string;
  readonly pressurePercent: number | null;
  readonly pendingPods: number | null;
}

/** Decisions for every minute that has a full signal window behind it. */
export function replayDecisions(input: ReplayInput): ReplayMinute[] {
  const need = signalMinutesNeeded(input.group);
  const out: ReplayMinute[] = [];
  for (let i = need - 1 + input.delayMinutes; i < input.minutes.length; i++) {
    const now = new Date(input.minutes[i].getTime() + 30_000);
    const members = input.membership.filter(
      (m) => m.from <= input.minutes[i].getTime() && m.until > input.minutes[i].getTime(),
    );
    const lastSeen = i - input.delayMinutes;
    const lo = lastSeen - need + 1;
    const slice = (s: Series) => s.slice(lo, lastSeen + 1);
    const nodes: Record<string, NodeSignals> = {};
    for (const m of members) {
      const s = input.nodes[m.instanceId];
      if (!s) continue;
      nodes[m.instanceId] = {
        cpuUtilization: slice(s.cpuUtilization),
        memoryUtilization: slice(s.memoryUtilization),
        cpuReserved: slice(s.cpuReserved),
        memoryReserved: slice(s.memoryReserved),
        runningPods: slice(s.runningPods),
      };
    }
    const signals: GroupSignals = {
      minutes: input.minutes.slice(lo, lastSeen + 1),
      nodes,
      pendingPods: slice(input.pendingPods),
    };
    const t = now.getTime();
    const activities = input.activities
      .filter((a) => a.startTime.getTime() <= t)
      .map((a) => (a.endTime && a.endTime.getTime() > t ? { ...a, statusCode: 'InProgress', endTime: undefined } : a));
    const real = members.length;
    const state: GroupState = {
      kind: input.kind,
      nodeGroupStatus: 'ACTIVE',
      autoScalingGroupName: input.autoScalingGroupName,
      asgMinSize: input.asgMinSize,
      asgMaxSize: input.asgMaxSize,
      desired: real,
      deleting: false,
      instances: members.map((m) => ({
        instanceId: m.instanceId,
        lifecycleState: 'InService',
        protectedFromScaleIn: false,
        ...(m.launchedAt !== undefined ? { launchTime: new Date(m.launchedAt) } : {}),
      })),
      scalingPolicies: [],
      activities,
      // The replay compares with what really happened, so every real size is "ours": no conflict.
      desiredTag: { raw: '', record: { desired: real, at: new Date(0) } },
    };
    const d = decideScaling(input.group, state, signals, now);
    out.push({
      time: input.minutes[i].toISOString(),
      real,
      action: d.action,
      would: d.to,
      holds: d.holds,
      reason: d.reasons[0] ?? '',
      pressurePercent: d.pressurePercent,
      pendingPods: d.pendingPods,
    });
  }
  return out;
}
