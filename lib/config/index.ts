import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { alertNotifierConfig } from './alert-notifier';
import { backupPrunerConfig } from './backup-pruner';
import type { functionOverrides } from './common';
import { awsAccountId, awsRegion, logRetentionDays } from './common';
import { ebsAuditConfig } from './ebs-audit';

export { LOG_RETENTION_DAYS } from './common';
export type { AlertNotifierConfig } from './alert-notifier';
export type { BackupPrunerConfig, BackupTargetConfig } from './backup-pruner';
export type { EbsAuditConfig } from './ebs-audit';
export type { FunctionOverrides } from './common';

export const DEFAULT_CONFIG_PATH = 'config/example.json';

const suiteDefaults = z.strictObject({
  logRetentionDays: logRetentionDays.default(30),
  memorySize: z.number().int().min(128).max(10240).default(256),
  timeoutSeconds: z.number().int().min(1).max(900).default(60),
  /** Lambda's own retries of a failed asynchronous invocation (0-2) before the DLQ. */
  retryAttempts: z.number().int().min(0).max(2).default(2),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

const DEFAULTS = {
  logRetentionDays: 30,
  memorySize: 256,
  timeoutSeconds: 60,
  retryAttempts: 2,
  logLevel: 'INFO',
} as const;

/** The whole deployment config: one JSON file per environment. Unknown keys anywhere are errors. */
export const platformOpsConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  /** Prefix of stack names and resource names; several copies may live in one account under different names. */
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be 2-31 lower-case letters, digits or "-", starting with a letter')
    .default('platform-ops'),
  /** Target environment. Omit both for an environment-agnostic synth. */
  env: z.strictObject({ account: awsAccountId.optional(), region: awsRegion.optional() }).default({}),
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  defaults: suiteDefaults.default(DEFAULTS),
  alerting: z
    .strictObject({
      /** Subscribe these e-mail addresses to the ops-events topic as a last-resort channel (optional). */
      emailSubscriptions: z.array(z.email()).default([]),
    })
    .default({ emailSubscriptions: [] }),
  jobs: z
    .strictObject({
      alertNotifier: alertNotifierConfig.optional(),
      backupPruner: backupPrunerConfig.optional(),
      ebsAudit: ebsAuditConfig.optional(),
    })
    .default({}),
});

export type PlatformOpsConfig = z.infer<typeof platformOpsConfigSchema>;
export type SuiteDefaults = z.infer<typeof suiteDefaults>;
export type FunctionSettings = z.infer<typeof functionOverrides>;

/** One problem in a config file, with the dotted path of the field. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`Invalid config ${source}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

/** Validates a parsed config object. Throws ConfigError listing every problem with its field path. */
export function parseConfig(raw: unknown, source = '(inline)'): PlatformOpsConfig {
  const result = platformOpsConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    if (keys.length > 0) {
      const where = formatPath(issue.path);
      const what = issue.path.length === 1 && issue.path[0] === 'jobs' ? 'unknown job' : 'unknown field';
      return {
        path: where === '(root)' ? keys.join(', ') : `${where}.${keys.join(', ')}`,
        message: `${what} (${keys.join(', ')})`,
      };
    }
    return { path: formatPath(issue.path), message: issue.message };
  });
  throw new ConfigError(source, issues);
}

/** Reads and validates a config file. JSON syntax errors and schema problems both name the file. */
export function loadConfig(path: string = DEFAULT_CONFIG_PATH): PlatformOpsConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ path: '(file)', message: `cannot read: ${(err as Error).message}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [{ path: '(file)', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  return parseConfig(raw, path);
}

/** Resolves a function's effective settings: its overrides over the suite defaults. */
export function functionSettings(defaults: SuiteDefaults, overrides: FunctionSettings = {}) {
  return {
    memorySize: overrides.memorySize ?? defaults.memorySize,
    timeoutSeconds: overrides.timeoutSeconds ?? defaults.timeoutSeconds,
    logRetentionDays: overrides.logRetentionDays ?? defaults.logRetentionDays,
    reservedConcurrency: overrides.reservedConcurrency,
    retryAttempts: defaults.retryAttempts,
    logLevel: defaults.logLevel,
  };
}
export type ResolvedFunctionSettings = ReturnType<typeof functionSettings>;
