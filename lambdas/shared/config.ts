import * as z from 'zod';

/** Retention periods CloudWatch Logs accepts (days). Anything else, 0 included, is rejected. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const logRetentionDays = z
  .number()
  .int()
  .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
    message: `must be one of ${LOG_RETENTION_DAYS.join(', ')} (CloudWatch Logs retention values)`,
  });

export const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be a region code such as eu-west-1');
export const awsAccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit account id');

/**
 * An EventBridge schedule expression: `rate(<n> <unit>)` (singular unit when n is 1, as EventBridge requires) or
 * `cron(<6 fields>)`.
 */
export const scheduleExpression = z.string().superRefine((value, ctx) => {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(value);
  if (rate) {
    const n = Number(rate[1]);
    const singular = !rate[2].endsWith('s');
    if (n < 1) ctx.addIssue({ code: 'custom', message: 'rate must be at least 1' });
    else if ((n === 1) !== singular)
      ctx.addIssue({
        code: 'custom',
        message: `use "${n === 1 ? 'rate(1 minute|hour|day)' : 'minutes|hours|days'}" for a rate of ${n}`,
      });
    return;
  }
  const cron = /^cron\((.+)\)$/.exec(value);
  if (cron && cron[1].trim().split(/\s+/).length === 6) return;
  ctx.addIssue({
    code: 'custom',
    message: 'must be "rate(<n> <unit>)" or "cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)"',
  });
});

/** Per-function overrides of the suite defaults. */
export const functionOverrides = z.strictObject({
  memorySize: z.number().int().min(128).max(10240).optional(),
  timeoutSeconds: z.number().int().min(1).max(900).optional(),
  logRetentionDays: logRetentionDays.optional(),
  /** Reserved concurrency; omit to share the account pool. */
  reservedConcurrency: z.number().int().min(1).max(1000).optional(),
});

export type FunctionOverrides = z.infer<typeof functionOverrides>;

/** Name of a resource we create or reference (S3 prefix-safe, CloudFormation-safe). */
export const resourceName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-"');

/** Placement of a function in a VPC (to reach a private endpoint), given by ids so synth needs no lookup. */
export const vpcPlacementConfig = z.strictObject({
  vpcId: z.string().regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a VPC id (vpc- and 8 or 17 hex digits)'),
  availabilityZones: z.array(z.string()).min(1),
  subnetIds: z
    .array(
      z.string().regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a subnet id (subnet- and 8 or 17 hex digits)'),
    )
    .min(1),
  securityGroupIds: z
    .array(
      z.string().regex(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a security group id (sg- and 8 or 17 hex digits)'),
    )
    .default([]),
});
export type VpcPlacementConfig = z.infer<typeof vpcPlacementConfig>;
