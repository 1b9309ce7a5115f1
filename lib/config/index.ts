import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { awsAccountId, awsRegion, MAX_TAGS, tagKey, tagValue } from '../../lambdas/shared/config';
import { JOBS, type RegisteredJob } from '../jobs';
import { DEFAULTS, suiteDefaults } from './suite';

export { LOG_RETENTION_DAYS } from '../../lambdas/shared/config';
export type { FunctionOverrides } from '../../lambdas/shared/config';
export { functionSettings } from './suite';
export type { FunctionSettings, ResolvedFunctionSettings, SuiteDefaults } from './suite';

export const DEFAULT_CONFIG_PATH = 'config/example.json';

/** `jobs`: one optional section per registered job, under the job's key. */
type JobsShape = { [J in RegisteredJob as J['key']]: z.ZodOptional<J['config']> };

function buildSchema() {
  const jobs = Object.fromEntries(JOBS.map((job) => [job.key, z.optional(job.config)])) as unknown as JobsShape;
  /** The whole deployment config: one JSON file per environment. Unknown keys anywhere are errors. */
  return z.strictObject({
    $schema: z.string().optional(),
    /** Prefix of stack names and resource names; several copies may live in one account under different names. */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be 2-31 lower-case letters, digits or "-", starting with a letter')
      .default('platform-ops'),
    /** Target environment. Omit both for an environment-agnostic synth. */
    env: z.strictObject({ account: z.optional(awsAccountId), region: z.optional(awsRegion) }).default({}),
    /** Tags on every resource; with the suite's own `project` tag at most 50, AWS's limit per resource. */
    tags: z
      .record(tagKey, tagValue)
      .refine((t) => Object.keys({ project: '', ...t }).length <= MAX_TAGS, {
        message: `at most ${MAX_TAGS} tags per resource, the suite's own "project" tag included`,
      })
      .default({}),
    defaults: suiteDefaults.default(DEFAULTS),
    alerting: z
      .strictObject({
        /** Subscribe these e-mail addresses to the ops-events topic as a last-resort channel (optional). */
        emailSubscriptions: z.array(z.email()).default([]),
      })
      .default({ emailSubscriptions: [] }),
    jobs: z.strictObject(jobs).default({}),
  });
}

let schema: ReturnType<typeof buildSchema> | undefined;

/**
 * The suite config schema, built from the job registry on first use (the registry's modules import the CLI, which
 * imports this module, so it cannot be built while modules are still loading).
 */
export function platformOpsConfigSchema(): ReturnType<typeof buildSchema> {
  return (schema ??= buildSchema());
}

export type PlatformOpsConfig = z.infer<ReturnType<typeof buildSchema>>;

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
  const result = platformOpsConfigSchema().safeParse(raw);
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
    // A record key that fails its schema: say why (the key's own issues), not only "Invalid key in record".
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      return { path: formatPath(issue.path), message: `key ${issue.issues.map((i) => i.message).join('; ')}` };
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
