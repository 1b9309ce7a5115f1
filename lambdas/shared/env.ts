import * as z from 'zod';

/** Thrown at module init when an environment variable is missing or malformed; the message names each variable. */
export class EnvConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment: ${problems.join('; ')}`);
    this.name = 'EnvConfigError';
  }
}

/**
 * Parses `env` with a zod object schema whose keys are variable names. Call it once at module scope so a
 * misconfigured function fails at init, naming the variable, instead of on the first record.
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new EnvConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      return env[String(issue.path[0])] === undefined ? `${name} is not set` : `${name}: ${issue.message}`;
    }),
  );
}

/** Common field types for env schemas. */
export const envField = {
  /** A non-empty string. */
  text: () => z.string().trim().min(1, 'must not be empty'),
  /** An ARN. */
  arn: () => z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:/, 'must be an ARN'),
  /** A positive integer given as text. */
  positiveInt: () =>
    z
      .string()
      .regex(/^\d+$/, 'must be a positive integer')
      .transform(Number)
      .pipe(z.number().int().positive('must be a positive integer')),
  /** `true` or `false` exactly; anything else is an error rather than a guess. */
  boolean: () => z.enum(['true', 'false'], { message: 'must be "true" or "false"' }).transform((v) => v === 'true'),
  /** JSON text parsed and validated by `inner`. */
  json: <T extends z.ZodType>(inner: T) =>
    z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
          return z.NEVER;
        }
      })
      .pipe(inner),
};
