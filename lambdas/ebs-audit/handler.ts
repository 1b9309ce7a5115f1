/**
 * ebs-audit Lambda handler (weekly): thin wiring of env, clients and context to `runEbsAuditJob`.
 * JOB_CONFIG is validated at init with the same schema as at synth time.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { ebsAuditConfig } from './config';
import { createAwsClient } from '../shared/aws-clients';
import { envField, parseEnv } from '../shared/env';
import { buildOpsEvent, OpsEventPublisher } from '../shared/ops-event';
import { logger, metrics } from '../shared/powertools';
import { accountFromArn, currentRegion } from '../shared/run-context';
import { sdkClientFactory } from './aws-ports';
import { runEbsAuditJob } from './job';

const env = parseEnv(
  z.object({
    JOB_CONFIG: envField.json(ebsAuditConfig),
    REPORT_BUCKET: envField.text(),
    OPS_TOPIC_ARN: envField.arn(),
  }),
);

const region = currentRegion();
const s3 = createAwsClient(S3Client, { region });
const publisher = new OpsEventPublisher(createAwsClient(SNSClient, { region }), env.OPS_TOPIC_ARN);
const factory = sdkClientFactory(region);

/** Time kept back to write the report and publish the event after the scan/actions stop. */
const REPORT_RESERVE_MS = 60_000;

export async function handler(_event: unknown, context: Context) {
  const now = new Date();
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
      remainingMs: () => context.getRemainingTimeInMillis() - REPORT_RESERVE_MS,
    },
  );
  const { summary } = outcome;
  for (const gap of outcome.audit.notAudited) logger.warn('not audited', { ...gap });
  for (const w of outcome.audit.warnings) logger.warn('audit warning', { ...w });
  const failedActions = (outcome.actionResults ?? []).filter((r) => r.outcome === 'failed');
  for (const r of failedActions) logger.warn('action failed', { ...r });
  for (const skipped of outcome.plan?.skipped ?? [])
    if (skipped.action === 'delete') logger.warn('delete skipped', { ...skipped });

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
