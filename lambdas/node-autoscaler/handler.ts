/**
 * node-autoscaler Lambda handler (every minute): thin wiring of env, clients and context to `runNodeAutoscaler`.
 * JOB_CONFIG is validated at init with the same schema as at synth. Every group's decision is one structured log
 * line and a set of EMF metrics (dimension `group`); only changes, conflicts, exhausted capacity and failed changes
 * become ops events.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import * as z from '../shared/zod';
import { createAwsClient } from '../shared/aws-clients';
import { envField, parseEnv } from '../shared/env';
import { buildOpsEvent, OpsEventPublisher } from '../shared/ops-event';
import { logger, metrics } from '../shared/powertools';
import { accountFromArn, currentRegion } from '../shared/run-context';
import { NODE_AUTOSCALER_CLIENT_OPTIONS, sdkPorts } from './adapters/clients';
import { nodeAutoscalerConfig } from './config';
import { decisionRecord, nodeAutoscalerEvents } from './event';
import { runNodeAutoscaler } from './job';
import type { NodeAutoscalerResult } from './types';

const env = parseEnv(
  z.object({
    JOB_CONFIG: envField.json(nodeAutoscalerConfig),
    OPS_TOPIC_ARN: envField.arn(),
  }),
);

const region = currentRegion();
/** Epoch ms by which this invocation's calls must be done (set per invocation; read at every call). */
let runDeadline = Number.POSITIVE_INFINITY;
/** Kept back at the end of a run for logs, metrics and events. */
const REPORT_RESERVE_MS = 8_000;
const ports = sdkPorts({ region, deadline: () => runDeadline });
const publisher = new OpsEventPublisher(
  createAwsClient(SNSClient, { region, ...NODE_AUTOSCALER_CLIENT_OPTIONS }),
  env.OPS_TOPIC_ARN,
);

/** EMF metrics per group: desired, pressure, pending pods, the change made, capacity exhausted, errors. */
export function publishGroupMetrics(result: NodeAutoscalerResult): void {
  for (const o of result.outcomes) {
    const d = o.decision;
    metrics.addDimension('group', o.group);
    metrics.addMetric('GroupErrors', MetricUnit.Count, o.error ? 1 : 0);
    if (d) {
      metrics.addMetric('DesiredCapacity', MetricUnit.Count, o.applied ? d.to : d.from);
      if (d.pressurePercent !== null) metrics.addMetric('PressurePercent', MetricUnit.Percent, d.pressurePercent);
      if (d.pendingPods !== null) metrics.addMetric('PendingPods', MetricUnit.Count, d.pendingPods);
      metrics.addMetric('NodesChanged', MetricUnit.Count, o.applied ? d.to - d.from : 0);
      metrics.addMetric('Hold', MetricUnit.Count, d.action === 'hold' || o.busy ? 1 : 0);
      metrics.addMetric('CapacityExhausted', MetricUnit.Count, d.atMaxUnderPressure ? 1 : 0);
    }
    metrics.publishStoredMetrics();
  }
}

export async function handler(_event: unknown, context: Context) {
  const now = new Date();
  runDeadline = Date.now() + context.getRemainingTimeInMillis() - REPORT_RESERVE_MS;
  const config = env.JOB_CONFIG;
  const account = accountFromArn(context.invokedFunctionArn);
  logger.appendKeys({ runId: context.awsRequestId });

  const result = await runNodeAutoscaler(config, ports, { now, dryRun: config.dryRun });
  for (const o of result.outcomes) {
    const record = decisionRecord(o, result.dryRun);
    if (o.error) logger.error('node-autoscaler decision', { ...record });
    else logger.info('node-autoscaler decision', { ...record });
  }
  publishGroupMetrics(result);

  // Metrics and logs are out before the events, so a failed publish still leaves them; then the failure is raised.
  const failures: string[] = [];
  for (const input of nodeAutoscalerEvents(result)) {
    try {
      await publisher.publish(buildOpsEvent(input, { account, region, now: new Date() }));
    } catch (err) {
      failures.push(`${input.kind}: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) throw new Error(`publishing ops events failed: ${failures.join('; ').slice(0, 500)}`);

  return {
    dryRun: result.dryRun,
    metricQueries: result.metricQueries,
    groups: result.outcomes.map((o) => ({
      group: o.group,
      action: o.busy ? 'hold' : (o.decision?.action ?? 'hold'),
      from: o.decision?.from ?? null,
      to: o.decision?.to ?? null,
      applied: o.applied,
      ...(o.error ? { error: o.error } : {}),
    })),
  };
}
