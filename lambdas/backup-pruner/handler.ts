import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { SNSClient } from '@aws-sdk/client-sns';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { type BackupTargetConfig, backupPrunerConfig } from './config';
import { createAwsClient } from '../shared/aws-clients';
import { envField, parseEnv } from '../shared/env';
import { OpsEventPublisher, buildOpsEvent } from '../shared/ops-event';
import { logger, metrics } from '../shared/powertools';
import { accountFromArn, currentRegion, makeDeadline } from '../shared/run-context';
import { TARGET_DIMENSION } from '../shared/backup-freshness';
import { freshnessMetrics } from './freshness';
import { runPruner, summarizeRun, type RunReport } from './run';
import { S3ObjectStore, createS3Client } from './s3-store';

/** Validated once at init with the same schema the stack used at synth time. */
const env = parseEnv(
  z.object({
    JOB_CONFIG: envField.json(backupPrunerConfig),
    OPS_TOPIC_ARN: envField.arn(),
  }),
);
const config = env.JOB_CONFIG;
const publisher = new OpsEventPublisher(createAwsClient(SNSClient), env.OPS_TOPIC_ARN);
const s3Clients = new Map<string, S3Client>();
const storeCredentials = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) });

/** One S3 client per endpoint/region/credentials, reused across warm invocations. */
function s3ClientFor(target: BackupTargetConfig): S3Client {
  const key = `${target.endpointUrl ?? ''}|${target.region ?? ''}|${target.credentialsSecretName ?? ''}`;
  let client = s3Clients.get(key);
  if (!client) {
    const secretName = target.credentialsSecretName;
    client = createS3Client({
      endpointUrl: target.endpointUrl,
      region: target.region,
      // MinIO keys come from Secrets Manager at run time (cached by Powertools), never from the environment.
      credentials: secretName
        ? async () => {
            const parsed = storeCredentials.safeParse(await getSecret(secretName, { transform: 'json', maxAge: 300 }));
            if (!parsed.success) throw new Error(`secret ${secretName} must hold {"accessKeyId", "secretAccessKey"}`);
            return parsed.data;
          }
        : undefined,
    });
    s3Clients.set(key, client);
  }
  return client;
}

/** Time kept back from the Lambda timeout to log, publish the event and flush metrics. */
const RESERVE_MS = 30_000;

export const handler = async (
  _event: unknown,
  context: Context,
): Promise<Omit<RunReport, 'targets'> & { targets: string[] }> => {
  const now = new Date();
  const report = await runPruner({
    targets: config.targets,
    storeFor: (target) => {
      const full = config.targets.find((t) => t.name === target.name) as BackupTargetConfig;
      return new S3ObjectStore(s3ClientFor(full), target.bucket, { contentMd5: full.contentMd5 });
    },
    now,
    dryRun: config.dryRun,
    maxDeletesPerRun: config.maxDeletesPerRun,
    shouldStop: makeDeadline(() => context.getRemainingTimeInMillis(), RESERVE_MS),
  });

  // The full plan and outcome go to the log (every backup, reason, error); the event carries the summary.
  logger.info('backup-pruner result', { report });

  for (const datum of freshnessMetrics(report, now)) {
    const single = metrics.singleMetric();
    single.addDimension(TARGET_DIMENSION, datum.target);
    single.addMetric(datum.name, datum.unit, datum.value);
    single.publishStoredMetrics();
  }

  const { kind, severity, summary } = summarizeRun(report);
  const event = buildOpsEvent(
    {
      source: 'backup-pruner',
      kind,
      severity,
      summary,
      details: {
        dryRun: report.dryRun,
        objectsToDelete: report.objectsToDelete,
        bytesToFree: report.bytesToFree,
        deleted: report.deleted,
        errors: report.errors,
        capExceeded: report.capExceeded,
        notStarted: report.notStarted,
        targets: report.targets.map((t) => ({
          target: t.target,
          layout: t.layout,
          location: `s3://${t.bucket}/${t.prefix}`,
          refused: t.refused,
          backupsToDelete: t.backups
            .filter((b) => b.action === 'delete')
            .map((b) => b.id)
            .slice(0, 50),
          objectsToDelete: t.objectsToDelete,
          bytesToFree: t.bytesToFree,
          deleted: t.deleted,
          errors: t.errors.slice(0, 20),
          warnings: t.warnings.slice(0, 20),
          resume: t.resume,
        })),
      },
    },
    { account: accountFromArn(context.invokedFunctionArn), region: currentRegion(), now },
  );
  try {
    await publisher.publish(event);
  } catch (err) {
    // The run's result is in the log; a failed publish must still fail the invocation so the Errors alarm fires.
    logger.error('could not publish the ops event', { error: err as Error });
    throw err;
  }
  return { ...report, targets: report.targets.map((t) => t.target) };
};
