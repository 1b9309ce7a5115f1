import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import * as z from '../shared/zod';
import { type BackupTargetConfig, backupPrunerConfig } from './config';
import { createAwsClient } from '../shared/aws-clients';
import { envField, parseEnv } from '../shared/env';
import { OpsEventPublisher } from '../shared/ops-event';
import { logger, metrics } from '../shared/powertools';
import { accountFromArn, currentRegion, makeDeadline } from '../shared/run-context';
import { TARGET_DIMENSION } from '../shared/backup-freshness';
import { createS3Client } from './adapters/s3-client';
import { S3ObjectStore } from './adapters/s3-store';
import { freshnessMetrics } from './core/freshness';
import { buildPrunerEvent } from './event';
import { runPruner } from './job';
import type { RunReport } from './types';

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
/**
 * When this invocation must stop working (epoch ms), set at the start of each run: every S3 and Secrets Manager call
 * is bounded by it, so a store that accepts and never answers cannot carry the run past its stop-before-timeout check.
 */
let stopAt = Number.POSITIVE_INFINITY;
const runDeadline = () => stopAt;
const secrets = new SecretsProvider({
  awsSdkV3Client: createAwsClient(SecretsManagerClient, { deadline: runDeadline }),
});
const storeCredentials = z.object({
  accessKeyId: z.string().check(z.minLength(1)),
  secretAccessKey: z.string().check(z.minLength(1)),
});

/** One S3 client per endpoint/region/credentials, reused across warm invocations. */
function s3ClientFor(target: BackupTargetConfig): S3Client {
  const key = `${target.endpointUrl ?? ''}|${target.region ?? ''}|${target.credentialsSecretName ?? ''}`;
  let client = s3Clients.get(key);
  if (!client) {
    const secretName = target.credentialsSecretName;
    client = createS3Client({
      endpointUrl: target.endpointUrl,
      region: target.region,
      deadline: runDeadline,
      // MinIO keys come from Secrets Manager at run time (cached by Powertools), never from the environment.
      credentials: secretName
        ? async () => {
            const parsed = storeCredentials.safeParse(
              await secrets.get(secretName, { transform: 'json', maxAge: 300 }),
            );
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
  stopAt = Date.now() + context.getRemainingTimeInMillis() - RESERVE_MS;
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

  const event = buildPrunerEvent(report, {
    account: accountFromArn(context.invokedFunctionArn),
    region: currentRegion(),
    now,
  });
  try {
    await publisher.publish(event);
  } catch (err) {
    // The run's result is in the log; a failed publish must still fail the invocation so the Errors alarm fires.
    logger.error('could not publish the ops event', { error: err as Error });
    throw err;
  }
  return { ...report, targets: report.targets.map((t) => t.target) };
};
