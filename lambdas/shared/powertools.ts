import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The CloudWatch namespace of every metric the suite emits (overridable with POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'PlatformOps';

/**
 * One Logger and one Metrics per bundle, created at module scope so cold-start tracking and reuse work.
 * Each function's bundle gets its own copies; the service name comes from POWERTOOLS_SERVICE_NAME, which
 * OpsFunction sets to the job name.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'platform-ops' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'platform-ops',
});
