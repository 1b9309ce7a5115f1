/**
 * secret-rotator Lambda handler (daily): thin wiring of env, Vault sessions (AWS IAM auth with the function's own
 * credentials) and context to `runSecretRotator`; EMF metrics (days until expiry per secret and watch, rotation
 * failures) before the ops events, so a failed publish still leaves them. No Vault token is ever in the environment:
 * each run logs in, and revokes its token at the end.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import { fromEnv } from '@aws-sdk/credential-providers';
import type { Context } from 'aws-lambda';
import * as z from '../shared/zod';
import { createAwsClient } from '../shared/aws-clients';
import { envField, parseEnv } from '../shared/env';
import { buildOpsEvent, OpsEventPublisher } from '../shared/ops-event';
import { logger, metrics } from '../shared/powertools';
import { accountFromArn, currentRegion } from '../shared/run-context';
import { createVaultSessions } from './adapters/vault';
import { secretRotatorConfig, secretRotatorConfigWarnings } from './config';
import { redact } from './core/redact';
import { buildRotatorEvents, ROTATOR_METRICS } from './event';
import { runSecretRotator } from './job';

const env = parseEnv(z.object({ JOB_CONFIG: envField.json(secretRotatorConfig), OPS_TOPIC_ARN: envField.arn() }));
for (const warning of secretRotatorConfigWarnings(env.JOB_CONFIG)) logger.warn(warning);

const region = currentRegion();
const publisher = new OpsEventPublisher(createAwsClient(SNSClient, { region }), env.OPS_TOPIC_ARN);
/** The function role's temporary credentials, as Lambda provides them; they sign the Vault login only. */
const credentials = fromEnv();

/** Time kept back to flush metrics, publish events and revoke the token. */
const REPORT_RESERVE_MS = 20_000;

export async function handler(_event: unknown, context: Context) {
  const config = env.JOB_CONFIG;
  const account = accountFromArn(context.invokedFunctionArn);
  logger.appendKeys({ runId: context.awsRequestId });
  logger.info('secret-rotator starting', {
    dryRun: config.dryRun,
    secrets: config.secrets.length,
    watched: config.watch.length,
  });
  const remainingMs = () => context.getRemainingTimeInMillis() - REPORT_RESERVE_MS;
  const sessions = createVaultSessions({
    auth: { kind: 'aws-iam', credentials },
    timeoutMs: config.vaultTimeoutMs,
    remainingMs,
    onRevokeError: (message) => logger.warn('token revocation failed', { error: redact(message) }),
  });
  const result = await runSecretRotator(config, sessions, {
    clock: () => new Date(),
    dryRun: config.dryRun,
    runId: context.awsRequestId,
    remainingMs,
  });

  for (const r of [...result.results, ...result.watched]) {
    const fields = {
      secret: r.secret,
      kind: r.kind,
      action: r.action,
      reason: r.reason,
      version: r.version,
      notAfter: r.notAfter,
      daysLeft: r.daysLeft,
    };
    if (r.action === 'failed') logger.error('secret failed', fields);
    else logger.info('secret', { ...fields, ...('notes' in r && r.notes.length ? { notes: r.notes } : {}) });
    if (r.daysLeft !== undefined) {
      const single = metrics.singleMetric();
      single.addDimension(ROTATOR_METRICS.secretDimension, r.secret);
      single.addMetric(ROTATOR_METRICS.daysLeft, MetricUnit.Count, r.daysLeft);
    }
  }
  const failures =
    result.results.filter((r) => r.action === 'failed').length +
    result.watched.filter((w) => w.action === 'failed').length;
  const rotated = result.results.filter((r) => r.action === 'rotated').length;
  metrics.addMetric(ROTATOR_METRICS.failures, MetricUnit.Count, failures);
  metrics.addMetric(ROTATOR_METRICS.rotations, MetricUnit.Count, rotated);
  metrics.publishStoredMetrics();

  const events = buildRotatorEvents(result, config);
  const publishErrors: string[] = [];
  for (const e of events) {
    try {
      await publisher.publish(buildOpsEvent(e, { account, region, now: new Date() }));
    } catch (err) {
      publishErrors.push(`${e.kind} ${String((e.details ?? {}).secret ?? '')}: ${(err as Error).name}`);
    }
  }
  logger.info('secret-rotator finished', { rotated, failures, events: events.length });
  // The run's work is done and its metrics are out; a lost event fails the invocation so the Errors alarm says so.
  if (publishErrors.length > 0)
    throw new Error(`publishing ${publishErrors.length} ops event(s) failed: ${publishErrors.join('; ')}`);
  return {
    dryRun: result.dryRun,
    results: result.results.map((r) => ({
      secret: r.secret,
      action: r.action,
      reason: r.reason,
      version: r.version,
      notAfter: r.notAfter,
      serial: r.serial,
    })),
    watched: result.watched.map((w) => ({
      secret: w.secret,
      action: w.action,
      notAfter: w.notAfter,
      daysLeft: w.daysLeft,
    })),
  };
}
