import type { App, StackProps } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Command } from 'commander';
import type * as z from 'zod';
import type { $ZodType } from 'zod/v4/core';
import type { SuiteDefaults } from '../config/suite';
import type { AlertingStack } from '../stacks/alerting-stack';

/** The suite-level settings a job's infrastructure may read (never another job's section). */
export interface SuiteContext {
  /** Prefix of stack and resource names (`name` in the config). */
  readonly name: string;
  readonly env: { readonly account?: string; readonly region?: string };
  readonly defaults: SuiteDefaults;
}

/** What `lib/app.ts` hands every enabled job when it builds the app. */
export interface JobDeployContext {
  readonly app: App;
  readonly suite: SuiteContext;
  /** Props every stack of the suite is created with (env, analytics off). */
  readonly stackProps: StackProps;
  /** The alerting stack: the ops-events topic and its KMS key live there. */
  readonly alerting: AlertingStack;
  readonly opsTopic: sns.ITopic;
}

/** A job's config section: every job has `enabled`. */
export interface JobSection {
  readonly enabled: boolean;
}

/**
 * One job of the suite, as the registry (`lib/jobs/index.ts`) lists it. The app, the config schema and the CLI
 * loop over the registry, so a job's names live here and nowhere else.
 */
export interface JobDefinition<K extends string = string, S extends $ZodType<JobSection> = $ZodType<JobSection>> {
  /** Key of the job's section under `jobs` in the config (camelCase). */
  readonly key: K;
  /** The job's name (kebab-case): stack names, the ops-event source, the CLI subcommand, `lambdas/<name>/`. */
  readonly name: string;
  /** The job's config schema (`lambdas/<name>/config.ts`, zod/mini), validated at synth and again at init. */
  readonly config: S;
  /**
   * Most bytes of the job's minified Lambda bundle (KiB), checked by test/bundle/bundle-budget.test.ts: init time
   * grows with the bytes V8 compiles, so a dependency that bloats the bundle fails a test, naming the top inputs.
   */
  readonly bundleBudgetKiB: number;
  /** Builds the job's infrastructure; called only when the section is present and enabled. */
  deploy(ctx: JobDeployContext, section: z.output<S>): void;
  /** Adds the job's subcommand to the operator CLI. */
  registerCli(program: Command): void;
}

/** Declares a job with its literal key and schema type kept, so the suite config type is inferred from the registry. */
export function defineJob<K extends string, S extends $ZodType<JobSection>>(
  job: JobDefinition<K, S>,
): JobDefinition<K, S> {
  return job;
}

/** What a job's stack receives: the suite settings, its own config section and the ops-events topic. */
export interface JobStackProps<C> extends StackProps {
  readonly suite: SuiteContext;
  readonly job: C;
  readonly opsTopic: sns.ITopic;
}
