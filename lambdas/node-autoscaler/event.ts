/**
 * What a run tells the world, built once from its result and shared by the handler and the CLI:
 * - ops events: `scaled-out` / `scaled-in` (info) for changes made, `conflict` (warning) once per foreign change
 *   (the run that adopted it), `capacity-exhausted` (warning) on the run where at-max pressure reaches 15 minutes,
 *   `error` (critical) when a change failed part-way. Holds go to logs and metrics only: a 1-minute schedule must
 *   not spam Slack. Groups that cannot be read raise the GroupErrors alarm instead (one ALARM, one OK).
 * - one structured decision record per group (the log line and the CLI's `--json` entry).
 */
import type { OpsEventInput } from '../shared/ops-event';
import { sanitizeText } from '../shared/text';
import { CAPACITY_EXHAUSTED_MINUTES } from './core/decide';
import type { GroupOutcome, NodeAutoscalerResult, ScaleAction } from './types';

export const NODE_AUTOSCALER_SOURCE = 'node-autoscaler';

/** One bounded, sanitised line (texts from AWS and config end up in Slack). */
const line = (text: string, max = 200) => sanitizeText(text, { max });

const pct = (v: number | null | undefined) => (v === null || v === undefined ? 'unknown' : `${Math.round(v)}%`);

export function nodeAutoscalerEvents(result: NodeAutoscalerResult): OpsEventInput[] {
  const events: OpsEventInput[] = [];
  for (const o of result.outcomes) {
    const d = o.decision;
    const where = `${o.group} (${o.cluster})`;
    if (d && o.applied && (d.action === 'scale-out' || d.action === 'scale-in')) {
      const verb = d.action === 'scale-out' ? 'scaled out' : 'scaled in';
      const why = d.reasons[0] ?? '';
      events.push({
        source: NODE_AUTOSCALER_SOURCE,
        kind: d.action === 'scale-out' ? 'scaled-out' : 'scaled-in',
        severity: 'info',
        summary: line(`${where} ${verb} ${d.from} → ${d.to} nodes: ${why}`, 500),
        details: {
          group: o.group,
          cluster: o.cluster,
          change: `${d.from} → ${d.to}`,
          // The alert-notifier shows the first fields only (Slack's limit): the most useful go first.
          pressure: pct(d.pressurePercent),
          pendingPods: d.pendingPods ?? 'unknown',
          why: line(d.reasons.join('; '), 300),
          ...(d.terminate ? { terminated: d.terminate.instanceId } : {}),
          bounds: `${d.bounds.min}-${d.bounds.max}`,
          autoScalingGroup: d.autoScalingGroupName,
        },
      });
    }
    if (d?.conflict && o.recorded) {
      const was = d.conflict.recorded === null ? 'an unreadable record' : String(d.conflict.recorded);
      events.push({
        source: NODE_AUTOSCALER_SOURCE,
        kind: 'conflict',
        severity: 'warning',
        summary: line(
          `${where}: another actor changed desired capacity from ${was} to ${d.conflict.current}; the scaler holds for its cooldown and adopts ${d.conflict.current}`,
          500,
        ),
        details: {
          group: o.group,
          cluster: o.cluster,
          change: `${was} → ${d.conflict.current}`,
          recordedAt: d.conflict.recordedAt ?? 'unknown',
          hint: 'Cluster Autoscaler, Karpenter, a person or a pipeline also sizes this group; only one actor should',
          autoScalingGroup: d.autoScalingGroupName,
        },
      });
    }
    if (d?.capacityExhaustedStarted) {
      events.push({
        source: NODE_AUTOSCALER_SOURCE,
        kind: 'capacity-exhausted',
        severity: 'warning',
        summary: line(
          `${where} is at its upper bound of ${d.bounds.max} nodes with pressure above the scale-out threshold for ${CAPACITY_EXHAUSTED_MINUTES} minutes (now ${pct(d.pressurePercent)})`,
          500,
        ),
        details: {
          group: o.group,
          cluster: o.cluster,
          nodes: d.from,
          bounds: `${d.bounds.min}-${d.bounds.max}`,
          pressure: pct(d.pressurePercent),
          pendingPods: d.pendingPods ?? 'unknown',
          hint: 'raise maxSize (and the ASG MaxSize) or reduce requests',
          autoScalingGroup: d.autoScalingGroupName,
        },
      });
    }
    if (o.error && d) {
      // A decided change (or its record) failed: say what was done. Read failures have no decision and go to the alarm.
      events.push({
        source: NODE_AUTOSCALER_SOURCE,
        kind: 'error',
        severity: 'critical',
        summary: line(`${where}: ${o.error}`, 500),
        details: {
          group: o.group,
          cluster: o.cluster,
          action: d.action,
          change: `${d.from} → ${d.to}`,
          applied: o.applied,
          error: line(o.error, 300),
          autoScalingGroup: d.autoScalingGroupName,
        },
      });
    }
  }
  return events;
}

/** The per-group entry of `--json` and of the decision log line. */
export interface DecisionRecord {
  readonly group: string;
  readonly cluster: string;
  readonly action: ScaleAction;
  readonly from: number | null;
  readonly to: number | null;
  readonly reasons: readonly string[];
  readonly holds: readonly string[];
  readonly signals: unknown;
  readonly applied: boolean;
  readonly [key: string]: unknown;
}

export function decisionRecord(o: GroupOutcome, dryRun: boolean): DecisionRecord {
  const d = o.decision;
  if (!d)
    return {
      group: o.group,
      cluster: o.cluster,
      action: 'hold',
      from: null,
      to: null,
      reasons: [o.error ?? 'not decided'],
      holds: ['error'],
      signals: null,
      applied: false,
      dryRun,
      error: o.error,
    };
  const holds = o.busy ? [...d.holds, 'api-busy'] : d.holds;
  return {
    group: o.group,
    cluster: o.cluster,
    action: o.busy ? 'hold' : d.action,
    from: d.from,
    to: o.busy ? d.from : d.to,
    reasons: o.busy
      ? [...d.reasons, `AWS answered ${o.busy}: another change is in flight; next run decides again`]
      : d.reasons,
    holds,
    signals: d.signals,
    applied: o.applied,
    dryRun,
    kind: d.kind,
    autoScalingGroup: d.autoScalingGroupName,
    thresholds: d.thresholds,
    bounds: d.bounds,
    pressurePercent: d.pressurePercent,
    pendingPods: d.pendingPods,
    ...(d.terminate ? { terminate: d.terminate } : {}),
    ...(d.conflict ? { conflict: d.conflict } : {}),
    recorded: o.recorded,
    ...(o.error ? { error: o.error } : {}),
  };
}
