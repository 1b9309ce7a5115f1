import * as z from './zod';

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
export function parseEnv<S extends z.ZodMiniObject>(
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
  text: () => z.string().check(z.trim(), z.minLength(1, 'must not be empty')),
  /** An ARN. */
  arn: () => z.string().check(z.regex(/^arn:aws[a-z-]*:[a-z0-9-]+:/, 'must be an ARN')),
  /** A positive integer given as text. */
  positiveInt: () =>
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\d+$/, 'must be a positive integer')), z.transform(Number)),
      z.number().check(z.int(), z.positive('must be a positive integer')),
    ),
  /** `true` or `false` exactly; anything else is an error rather than a guess. */
  boolean: () =>
    z.pipe(
      z.enum(['true', 'false'], { message: 'must be "true" or "false"' }),
      z.transform((v) => v === 'true'),
    ),
  /** JSON text parsed and validated by `inner`. */
  json: <T extends z.ZodMiniType>(inner: T) =>
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((text: string, ctx) => {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            ctx.issues.push({ code: 'custom', message: 'must be valid JSON', input: text });
            return z.NEVER;
          }
        }),
      ),
      inner,
    ),
};
