import { type App, Tags } from 'aws-cdk-lib';
import type { PlatformOpsConfig } from './config';
import { JOBS } from './jobs';
import type { JobDefinition, JobDeployContext } from './jobs/types';
import { AlertingStack } from './stacks/alerting-stack';

export interface PlatformOpsStacks {
  readonly alerting: AlertingStack;
}

/**
 * Builds every stack the config asks for: the alerting stack always, and what each enabled job of the registry
 * deploys. `bin/platform-ops.ts` calls this with the validated config; tests call it with their own.
 */
export function buildPlatformOps(app: App, config: PlatformOpsConfig): PlatformOpsStacks {
  const env =
    config.env.account || config.env.region ? { account: config.env.account, region: config.env.region } : undefined;
  const stackProps = { env, analyticsReporting: false };

  const alerting = new AlertingStack(app, `${config.name}-alerting`, {
    ...stackProps,
    description: 'platform-ops: ops-events topic and Slack alert delivery',
    name: config.name,
    emailSubscriptions: config.alerting.emailSubscriptions,
  });
  const ctx: JobDeployContext = {
    app,
    suite: { name: config.name, env: config.env, defaults: config.defaults },
    stackProps,
    alerting,
    opsTopic: alerting.opsTopic,
  };

  const sections: Record<string, { enabled: boolean } | undefined> = config.jobs;
  for (const job of JOBS as readonly JobDefinition[]) {
    const section = sections[job.key];
    if (section?.enabled) job.deploy(ctx, section);
  }

  for (const [key, value] of Object.entries({ project: 'platform-ops', ...config.tags })) {
    Tags.of(app).add(key, value);
  }
  return { alerting };
}
