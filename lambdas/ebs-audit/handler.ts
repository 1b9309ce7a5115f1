/**
 * ebs-audit Lambda handler (weekly): thin wiring of env, clients and context to `runEbsAuditJob`.
 * JOB_CONFIG is validated at init with the same schema as at synth time.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import * as z from '../shared/zod';
import { ebsAuditConfig } from './config';
import { createAwsClient } from '../shared/aws-clients';
import { envField, parseEnv } from '../shared/env';
import { buildOpsEvent, OpsEventPublisher } from '../shared/ops-event';
import { logger, metrics } from '../shared/powertools';
import { accountFromArn, currentRegion } from '../shared/run-context';
import { sdkClientFactory } from './adapters/clients';
import { auditLogSummary } from './event';
import { runEbsAuditJob } from './job';

const env = parseEnv(
  z.object({
    JOB_CONFIG: envField.json(ebsAuditConfig),
    REPORT_BUCKET: envField.text(),
    OPS_TOPIC_ARN: envField.arn(),
  }),
);

/** Time kept back to write the report and publish the event after the scan/actions stop. */
const REPORT_RESERVE_MS = 60_000;
/** The last calls (report, event) end this long before Lambda's own timeout, so their errors are still logged. */
const FINAL_MARGIN_MS = 5_000;

/** Deadlines of the current invocation (epoch ms), read by every client at each call. */
let scanDeadline = Number.POSITIVE_INFINITY;
let runDeadline = Number.POSITIVE_INFINITY;

const region = currentRegion();
const s3 = createAwsClient(S3Client, { region, deadline: () => runDeadline });
const publisher = new OpsEventPublisher(
  createAwsClient(SNSClient, { region, deadline: () => runDeadline }),
  env.OPS_TOPIC_ARN,
);
// Scan and actions stop REPORT_RESERVE_MS before the timeout: no AWS call of theirs may run past that.
const factory = sdkClientFactory(region, { deadline: () => scanDeadline });

export async function handler(_event: unknown, context: Context) {
  const now = new Date();
  const end = now.getTime() + context.getRemainingTimeInMillis();
  scanDeadline = end - REPORT_RESERVE_MS;
  runDeadline = end - FINAL_MARGIN_MS;
  const config = env.JOB_CONFIG;
  const homeAccount = accountFromArn(context.invokedFunctionArn);
  logger.appendKeys({ runId: context.awsRequestId });
  logger.info('ebs-audit starting', {
    accounts: config.accounts === 'organization' ? 'organization' : config.accounts.length,
    regions: config.regions,
    actions: config.actions,
  });

  const outcome = await runEbsAuditJob(
    config,
    { factory, s3 },
    {
      runId: context.awsRequestId,
      now,
      clock: () => new Date(),
      homeAccount,
      homeRegion: region,
      reportBucket: env.REPORT_BUCKET,
      remainingMs: () => scanDeadline - Date.now(),
      // Logged before the report is written: a failed write must not lose what the audit found or did.
      onAudited: (audit, summary) => {
        logger.info('ebs-audit audited', auditLogSummary(summary));
        for (const gap of audit.notAudited) logger.warn('not audited', { ...gap });
        for (const w of audit.warnings) logger.warn('audit warning', { ...w });
      },
      onActed: (plan, results) => {
        for (const r of results) if (r.outcome === 'failed') logger.warn('action failed', { ...r });
        for (const skipped of plan.skipped)
          if (skipped.action === 'delete') logger.warn('delete skipped', { ...skipped });
      },
    },
  );
  const { summary } = outcome;
  const failedActions = (outcome.actionResults ?? []).filter((r) => r.outcome === 'failed');

  // Metrics and logs go out before the event, so a failed publish still leaves them.
  metrics.addMetric('UnattachedVolumes', MetricUnit.Count, summary.volumeCount);
  metrics.addMetric('UnattachedMonthlyCostUsd', MetricUnit.NoUnit, summary.totalMonthlyCostUsd);
  metrics.addMetric('ScopesNotAudited', MetricUnit.Count, summary.notAudited.length);
  metrics.addMetric('ScopesAudited', MetricUnit.Count, summary.auditedScopes);
  if (outcome.actionResults) metrics.addMetric('ActionsFailed', MetricUnit.Count, failedActions.length);
  metrics.publishStoredMetrics();

  await publisher.publish(buildOpsEvent(outcome.event, { account: homeAccount, region, now: new Date() }));

  logger.info('ebs-audit finished', {
    volumes: summary.volumeCount,
    monthlyCostUsd: summary.totalMonthlyCostUsd,
    notAudited: summary.notAudited.length,
    report: outcome.keys.csv,
  });
  return {
    volumes: summary.volumeCount,
    totalMonthlyCostUsd: summary.totalMonthlyCostUsd,
    notAudited: summary.notAudited.length,
    report: { bucket: env.REPORT_BUCKET, csv: outcome.keys.csv, json: outcome.keys.json },
  };
}
