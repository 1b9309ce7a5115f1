import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildPlatformOps } from '../../lib/app';
import { loadConfig, type PlatformOpsConfig } from '../../lib/config';

/** The feature flags and settings of cdk.json, so tests synthesize exactly as `cdk synth` does. */
const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/** An App with cdk.json's context that synthesizes without running esbuild, so infra tests stay fast and offline. */
export function testApp(): App {
  return new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
}

export function exampleConfig(): PlatformOpsConfig {
  return loadConfig('config/example.json');
}

/** Builds the whole example app; every test of the app shares this shape. */
export function buildExampleApp(config: PlatformOpsConfig = exampleConfig()) {
  const app = testApp();
  const stacks = buildPlatformOps(app, config);
  return { app, stacks, config };
}

/** Runs the AwsSolutions pack and returns unacknowledged findings as "rule at path: reason" lines. */
export function nagViolations(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map(
      (r) => `${v.ruleName} at ${r.resourceLogicalId} (${r.templatePath}): ${v.description.split('\n')[0]}`,
    ),
  );
}

export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack);
}
