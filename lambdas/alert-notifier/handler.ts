import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import * as z from '../shared/zod';
import { alertNotifierConfig } from './config';
import { createAwsClient } from '../shared/aws-clients';
import { envField, parseEnv } from '../shared/env';
import { logger, metrics } from '../shared/powertools';
import { AlertNotifier, type NotifierMetric } from './job';
import { RecentKeys } from './core/recent-keys';
import { SlackWebhookSender } from './adapters/slack-webhook';
import { WebhookDirectory, secretsManagerLoader } from './adapters/webhook-secret';

// Module scope: validated once per container, so a misconfigured function fails at init naming the variable.
const env = parseEnv(z.object({ JOB_CONFIG: envField.json(alertNotifierConfig) }));
const config = env.JOB_CONFIG;

const secretsClient = createAwsClient(SecretsManagerClient, { maxAttempts: 3, requestTimeoutMs: 5_000 });
const directory = new WebhookDirectory(
  config.webhookSecretName,
  secretsManagerLoader(config.webhookSecretName, secretsClient, config.secretCacheSeconds),
);
const sender = new SlackWebhookSender({ timeoutMs: config.slackTimeoutMs });

/** Kept across invocations of this warm container: SNS MessageIds and alarm transitions already sent. */
const seen = new RecentKeys(5_000);

const notifier = new AlertNotifier({
  config,
  ports: {
    webhookUrl: (route) => directory.urlFor(route),
    send: (url, payload, remainingMs) => sender.send(url, payload, remainingMs),
  },
  log: {
    info: (message, extra = {}) => logger.info(message, extra),
    warn: (message, extra = {}) => logger.warn(message, extra),
    error: (message, extra = {}) => logger.error(message, extra),
  },
  metric: (name: NotifierMetric, count = 1) => metrics.addMetric(name, MetricUnit.Count, count),
  seen,
});

/** SNS (ops-events and alarms topics) and direct EventBridge (alarm state changes, backup jobs) events. */
export const handler = async (event: unknown, context: Context): Promise<void> => {
  logger.addContext(context);
  try {
    const outcome = await notifier.handle(event, () => context.getRemainingTimeInMillis());
    logger.info('invocation done', { ...outcome });
  } finally {
    metrics.publishStoredMetrics();
  }
};
