import * as z from './zod';

/** Retention periods CloudWatch Logs accepts (days). Anything else, 0 included, is rejected. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const logRetentionDays = z.number().check(
  z.int(),
  z.refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
    message: `must be one of ${LOG_RETENTION_DAYS.join(', ')} (CloudWatch Logs retention values)`,
  }),
);

export const awsRegion = z
  .string()
  .check(z.regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be a region code such as eu-west-1'));
export const awsAccountId = z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id'));

/** Largest interval of a `rate()` schedule, per unit: one year (a larger one is a typo, not a schedule). */
const RATE_MAX = { minute: 525_600, hour: 8_760, day: 365 } as const;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted for the values min..max (JAN..DEC, SUN..SAT). */
  readonly names?: readonly string[];
  /** Extra element forms of this field (L, W, #), checked before the generic ones. */
  readonly special?: RegExp;
}

/** EventBridge's six cron fields with their ranges and special characters. */
const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(L|LW|L-([1-9]|[12]\d|30)|([1-9]|[12]\d|3[01])W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: WEEKDAYS,
    special: /^(L|[1-7]L|[1-7]#[1-5]|(SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/,
  },
  { name: 'year', min: 1970, max: 2199 },
];

/** Why one cron field is invalid, or undefined when it is valid. */
function cronFieldProblem(field: CronField, text: string): string | undefined {
  const value = (v: string): number | undefined => {
    if (/^\d{1,4}$/.test(v)) return Number(v);
    const named = field.names?.indexOf(v.toUpperCase()) ?? -1;
    return named >= 0 ? field.min + named : undefined;
  };
  const inRange = (n: number | undefined) => n !== undefined && n >= field.min && n <= field.max;
  const range = `${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ''}`;
  if (text === '?') return undefined; // whether "?" is allowed here is checked across the two day fields
  for (const element of text.split(',')) {
    if (field.special?.test(element.toUpperCase())) continue;
    const [base, step, extra] = element.split('/');
    if (extra !== undefined || base === '') return `"${element}" is not a ${field.name} value (${range})`;
    if (step !== undefined && !(/^\d{1,4}$/.test(step) && Number(step) >= 1 && Number(step) <= field.max))
      return `"${element}": the step after "/" must be 1-${field.max}`;
    if (base === '*') continue;
    const [from, to, more] = base.split('-');
    if (more !== undefined || !inRange(value(from)) || (to !== undefined && !inRange(value(to))))
      return `"${element}" is not a ${field.name} value (${range}${field.special ? ', or L/W/#' : ''})`;
  }
  return undefined;
}

/** Why a cron expression's six fields would be refused by EventBridge, or undefined when it is valid. */
export function cronProblem(fields: readonly string[]): string | undefined {
  if (fields.length !== 6)
    return `needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  for (let i = 0; i < 6; i++) {
    const problem = cronFieldProblem(CRON_FIELDS[i], fields[i]);
    if (problem) return `${CRON_FIELDS[i].name}: ${problem}`;
  }
  const [dom, dow] = [fields[2] === '?', fields[4] === '?'];
  if (dom === dow)
    return 'exactly one of day-of-month and day-of-week must be "?" (EventBridge cannot combine them), e.g. cron(0 6 * * ? *)';
  return undefined;
}

/**
 * An EventBridge schedule expression: `rate(<n> <unit>)` (singular unit when n is 1, as EventBridge requires; at most
 * a year) or `cron(<6 fields>)` with each field in its range and "?" in exactly one of the two day fields.
 */
export const scheduleExpression = z.string().check(
  z.superRefine((value, ctx) => {
    const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(value);
    if (rate) {
      const n = Number(rate[1]);
      const singular = !rate[2].endsWith('s');
      const unit = (singular ? rate[2] : rate[2].slice(0, -1)) as keyof typeof RATE_MAX;
      if (n < 1) ctx.addIssue({ code: 'custom', message: 'rate must be at least 1' });
      else if (n > RATE_MAX[unit])
        ctx.addIssue({ code: 'custom', message: `rate must be at most ${RATE_MAX[unit]} ${unit}s (one year)` });
      else if ((n === 1) !== singular)
        ctx.addIssue({
          code: 'custom',
          message: `use "${n === 1 ? 'rate(1 minute|hour|day)' : 'minutes|hours|days'}" for a rate of ${n}`,
        });
      return;
    }
    const cron = /^cron\((.+)\)$/.exec(value);
    if (cron) {
      const problem = cronProblem(cron[1].trim().split(/\s+/));
      if (problem) ctx.addIssue({ code: 'custom', message: `invalid cron(...): ${problem}` });
      return;
    }
    ctx.addIssue({
      code: 'custom',
      message: 'must be "rate(<n> <unit>)" or "cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)"',
    });
  }),
);

/** Tag keys and values as AWS accepts them: letters, digits, spaces and _ . : / = + - @; no `aws:` prefix. */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const MAX_TAGS = 50;
export const tagKey = z.string().check(
  z.minLength(1),
  z.maxLength(128),
  z.regex(TAG_CHARS, 'may hold only letters, digits, spaces and _ . : / = + - @'),
  z.refine((k) => !k.toLowerCase().startsWith('aws:'), 'must not start with "aws:" (reserved by AWS)'),
);
export const tagValue = z
  .string()
  .check(z.maxLength(256), z.regex(TAG_CHARS, 'may hold only letters, digits, spaces and _ . : / = + - @'));

/** An http(s) URL (an S3-compatible endpoint, a webhook...): any other scheme is refused. */
export const httpUrl = z.url().check(
  z.maxLength(2048),
  z.refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL'),
);

/** An integer in [min, max] (zod's own messages: "Too small: expected number to be >=min"). */
export const intIn = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

/** A security group id. */
export const securityGroupId = z
  .string()
  .check(z.regex(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a security group id (sg- and 8 or 17 hex digits)'));

/** Per-function overrides of the suite defaults. */
export const functionOverrides = z.strictObject({
  memorySize: z.optional(intIn(128, 10240)),
  timeoutSeconds: z.optional(intIn(1, 900)),
  logRetentionDays: z.optional(logRetentionDays),
  /** Reserved concurrency; omit to share the account pool. */
  reservedConcurrency: z.optional(intIn(1, 1000)),
});

export type FunctionOverrides = z.infer<typeof functionOverrides>;

/** Name of a resource we create or reference (S3 prefix-safe, CloudFormation-safe). */
export const resourceName = z
  .string()
  .check(z.regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-"'));

/** Placement of a function in a VPC (to reach a private endpoint), given by ids so synth needs no lookup. */
export const vpcPlacementConfig = z.strictObject({
  vpcId: z
    .string()
    .check(z.regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a VPC id (vpc- and 8 or 17 hex digits)')),
  availabilityZones: z.array(z.string()).check(z.minLength(1)),
  subnetIds: z
    .array(
      z
        .string()
        .check(z.regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a subnet id (subnet- and 8 or 17 hex digits)')),
    )
    .check(z.minLength(1)),
  securityGroupIds: z._default(z.array(securityGroupId), []),
});
export type VpcPlacementConfig = z.infer<typeof vpcPlacementConfig>;
