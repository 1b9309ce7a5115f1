/**
 * `jobs.nodeAutoscaler`: the node groups the scaler sizes, with their bounds, thresholds, steps and cooldowns.
 * Validated at synth (lib/config) and again at init (handler), one schema.
 */
import * as z from '../shared/zod';
import { functionOverrides, intIn, resourceName, scheduleExpression } from '../shared/config';

/** The ASG tag where the scaler records the desired capacity it set or adopted: `<desired>@<ISO time>`. */
export const NODE_AUTOSCALER_DESIRED_TAG_KEY = 'platform-ops:node-autoscaler:desired';

/** EKS cluster / node group names: 1-100 letters, digits, "-" or "_", starting with a letter or digit. */
const eksName = z
  .string()
  .check(z.regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'must be 1-100 letters, digits, "-" or "_"'));
/** Auto Scaling group names: 1-255 characters, no ":" (the API's pattern excludes it for names). */
const asgName = z.string().check(z.regex(/^[^:\s][^:]{0,254}$/, 'must be 1-255 characters without ":"'));
const percent = z.number().check(z.gt(0, 'must be above 0'), z.lt(100, 'must be below 100'));
const minutes = (max: number) => intIn(1, max);

const scaleOutDefaults = { cpuPercent: 75, memoryPercent: 80, datapoints: 3 } as const;
const scaleInDefaults = { cpuPercent: 40, memoryPercent: 45, datapoints: 15 } as const;
const cooldownDefaults = { scaleOutMinutes: 5, scaleInMinutes: 10 } as const;

export const nodeGroupConfig = z
  .strictObject({
    /** The scaler's own name for the group (logs, metrics, events, CLI --group). */
    name: resourceName,
    /** EKS cluster name (the Container Insights and AWS/EKS `ClusterName` dimension). */
    cluster: eksName,
    /** An EKS managed node group: its Auto Scaling group comes from DescribeNodegroup. */
    nodeGroup: z.optional(eksName),
    /** A self-managed Auto Scaling group. */
    autoScalingGroup: z.optional(asgName),
    /** The scaler's bounds; the effective bounds are their intersection with the ASG's own min/max. */
    minSize: intIn(0, 10_000),
    maxSize: intIn(1, 10_000),
    /** Scale out when CPU or memory pressure is above its threshold for `datapoints` consecutive minutes. */
    scaleOut: z.prefault(
      z.strictObject({
        cpuPercent: z._default(percent, scaleOutDefaults.cpuPercent),
        memoryPercent: z._default(percent, scaleOutDefaults.memoryPercent),
        datapoints: z._default(minutes(15), scaleOutDefaults.datapoints),
      }),
      {},
    ),
    /** Scale in when CPU and memory pressure are both below their thresholds for `datapoints` consecutive minutes. */
    scaleIn: z.prefault(
      z.strictObject({
        cpuPercent: z._default(percent, scaleInDefaults.cpuPercent),
        memoryPercent: z._default(percent, scaleInDefaults.memoryPercent),
        datapoints: z._default(minutes(60), scaleInDefaults.datapoints),
      }),
      {},
    ),
    /** At most this many nodes added in one scale-out (scale-in is always one node). */
    maxStep: z._default(intIn(1, 100), 3),
    /** Minutes after the group's last change before the next scale-out / scale-in. */
    cooldown: z.prefault(
      z.strictObject({
        scaleOutMinutes: z._default(minutes(120), cooldownDefaults.scaleOutMinutes),
        scaleInMinutes: z._default(minutes(240), cooldownDefaults.scaleInMinutes),
      }),
      {},
    ),
    /** This group grows when pods are unschedulable in the cluster (at most one group per cluster). */
    pendingPods: z._default(z.boolean(), false),
  })
  .check(
    z.superRefine((g, ctx) => {
      if ((g.nodeGroup === undefined) === (g.autoScalingGroup === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [g.nodeGroup === undefined ? 'nodeGroup' : 'autoScalingGroup'],
          message: 'give exactly one of nodeGroup (EKS managed node group) or autoScalingGroup (self-managed)',
        });
      }
      if (g.minSize > g.maxSize)
        ctx.addIssue({ code: 'custom', path: ['minSize'], message: `must not exceed maxSize (${g.maxSize})` });
      else if (g.minSize === g.maxSize)
        ctx.addIssue({
          code: 'custom',
          path: ['minSize'],
          message: `equals maxSize (${g.maxSize}): a fixed-size group has nothing to scale; leave it out`,
        });
      for (const [key, label] of [
        ['cpuPercent', 'CPU'],
        ['memoryPercent', 'memory'],
      ] as const) {
        if (g.scaleOut[key] <= g.scaleIn[key])
          ctx.addIssue({
            code: 'custom',
            path: ['scaleOut', key],
            message: `the ${label} scale-out threshold (${g.scaleOut[key]}) must exceed the scale-in threshold (${g.scaleIn[key]})`,
          });
      }
    }),
  );

export const nodeAutoscalerConfig = z
  .strictObject({
    enabled: z.boolean(),
    schedule: z._default(scheduleExpression, 'rate(1 minute)'),
    /** Dry-run unless set to false: decisions are logged and measured, nothing is changed. */
    dryRun: z._default(z.boolean(), true),
    /** Newest minutes ignored as not yet aggregated by CloudWatch. */
    signalDelayMinutes: z._default(intIn(1, 10), 2),
    groups: z.array(nodeGroupConfig).check(z.minLength(1), z.maxLength(50)),
    function: z._default(functionOverrides, {}),
  })
  .check(
    z.superRefine((cfg, ctx) => {
      if (cfg.function.reservedConcurrency !== undefined && cfg.function.reservedConcurrency !== 1)
        ctx.addIssue({
          code: 'custom',
          path: ['function', 'reservedConcurrency'],
          message: 'must be 1 (or left out): two concurrent runs could both act on one group',
        });
      const seen = new Map<string, number>();
      const targets = new Map<string, number>();
      const pendingPerCluster = new Map<string, number>();
      cfg.groups.forEach((g, i) => {
        const dup = seen.get(g.name);
        if (dup !== undefined)
          ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: `duplicate of groups[${dup}].name` });
        else seen.set(g.name, i);
        const target = g.nodeGroup ? `ng:${g.cluster}/${g.nodeGroup}` : `asg:${g.autoScalingGroup}`;
        const same = targets.get(target);
        if (same !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['groups', i, g.nodeGroup ? 'nodeGroup' : 'autoScalingGroup'],
            message: `groups[${same}] already scales this group (two entries would fight)`,
          });
        else targets.set(target, i);
        if (g.pendingPods) {
          const first = pendingPerCluster.get(g.cluster);
          if (first !== undefined)
            ctx.addIssue({
              code: 'custom',
              path: ['groups', i, 'pendingPods'],
              message: `groups[${first}] already grows cluster "${g.cluster}" on pending pods; at most one group per cluster`,
            });
          else pendingPerCluster.set(g.cluster, i);
        }
      });
    }),
  );

export type NodeAutoscalerConfig = z.infer<typeof nodeAutoscalerConfig>;
export type NodeGroupConfig = z.infer<typeof nodeGroupConfig>;
