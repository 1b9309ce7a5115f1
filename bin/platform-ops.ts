#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../lib/config';
import { buildPlatformOps } from '../lib/app';

const app = new App();
const configPath: string = app.node.tryGetContext('config') ?? DEFAULT_CONFIG_PATH;

try {
  buildPlatformOps(app, loadConfig(configPath));
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

// Every finding fails synth unless it is acknowledged, on the narrowest construct, with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
