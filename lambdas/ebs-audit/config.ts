import * as z from '../shared/zod';
import {
  awsAccountId,
  awsRegion,
  functionOverrides,
  intIn,
  MAX_TAGS,
  resourceName,
  scheduleExpression,
  tagKey,
  tagValue,
} from '../shared/config';

/** The ExternalId the member role's trust policy asks for (STS's own rule). */
export const externalIdSchema = z
  .string()
  .check(z.regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 letters, digits or any of +=,.@:/-'));

/** Sane upper bounds: AWS's own limits where there is one, else far above any real use. */
export const EBS_AUDIT_LIMITS = {
  /** Accounts of an explicit list (Organizations quotas go to a few thousand). */
  accounts: 10_000,
  /** Regions of an explicit list (about 40 exist). */
  regions: 64,
  /** Work in flight across the run (sockets and memory of one function). */
  concurrency: 256,
  /** Scans in flight per account: one per region at most. */
  accountConcurrency: 64,
  /** Report retention: ten years. */
  expireAfterDays: 3650,
} as const;

/**
 * The tag the audit writes on volumes it has marked for deletion; its value is `<marked-at>/<delete-after>`: the UTC
 * second the suite marked the volume (YYYY-MM-DDTHH:MM:SSZ) and the UTC date (YYYY-MM-DD) from which it may be
 * deleted. A value in any other form (e.g. the old date-only one, or set by hand) is never due: it is re-marked.
 * The IAM policies of both stacks condition every tag/snapshot/delete permission on it.
 */
export const EBS_AUDIT_MARK_TAG_KEY = 'platform-ops:ebs-audit:delete-after';
/** Tag put on snapshots taken before a delete, naming the volume they came from (also an IAM condition). */
export const EBS_AUDIT_SNAPSHOT_SOURCE_TAG_KEY = 'platform-ops:ebs-audit:source-volume';
/**
 * Tag put on snapshots taken before a delete, holding the volume's mark value (`<marked-at>/<delete-after>`): a
 * snapshot is reused only for the same mark (also an IAM condition on CreateSnapshot).
 */
export const EBS_AUDIT_SNAPSHOT_MARK_TAG_KEY = 'platform-ops:ebs-audit:volume-mark';

/** Name of the audit function's execution role: deterministic so member-account trust policies can name it. */
export function ebsAuditFunctionRoleName(suiteName: string): string {
  return `${suiteName}-ebs-audit-function`;
}

/** Where the audit takes volume prices from (config `pricing.source`, CLI `--pricing`). */
export const EBS_AUDIT_PRICE_SOURCES = ['price-list-api', 'built-in'] as const;
export type EbsAuditPriceSourceSetting = (typeof EBS_AUDIT_PRICE_SOURCES)[number];

const actionsDefaults = {
  mark: false,
  delete: false,
  graceDays: 14,
  snapshotBeforeDelete: true,
  protectedAccounts: [],
  maxMarksPerRun: 500,
  maxDeletesPerRun: 20,
  dryRun: true,
};

export const ebsAuditConfig = z
  .strictObject({
    enabled: z.boolean(),
    schedule: z._default(scheduleExpression, 'cron(0 6 ? * MON *)'),
    /** "organization" for every ACTIVE account in AWS Organizations, or an explicit list. */
    accounts: z.union([
      z.literal('organization'),
      z.array(awsAccountId).check(z.minLength(1), z.maxLength(EBS_AUDIT_LIMITS.accounts)),
    ]),
    /** "enabled" for every region enabled in each account, or an explicit list. */
    regions: z.union([
      z.literal('enabled'),
      z.array(awsRegion).check(z.minLength(1), z.maxLength(EBS_AUDIT_LIMITS.regions)),
    ]),
    /** Role assumed in member accounts (deployed by EbsAuditMemberRoleStack). */
    memberRoleName: z._default(resourceName, 'platform-ops-ebs-audit'),
    /** ExternalId required by the member role's trust policy (a confused-deputy guard, not a secret). */
    externalId: z.optional(externalIdSchema),
    /** Tags whose value names the owner, first match wins (keys compared case-insensitively). */
    ownerTags: z._default(
      z
        .array(z.string().check(z.minLength(1), z.maxLength(128)))
        .check(z.maxLength(MAX_TAGS, `at most ${MAX_TAGS} (a resource carries at most ${MAX_TAGS} tags)`)),
      ['owner', 'team', 'OwnerContact'],
    ),
    /**
     * Volumes carrying this tag are reported as excluded and never acted on. The key matches in any letter case
     * (`Audit:Keep` for `audit:keep`); the value is compared case-insensitively after trimming. A tag users can set:
     * AWS's key and value rules, no `aws:` key (nobody can put one on a volume, so it would never exclude anything).
     */
    excludeTag: z._default(z.strictObject({ key: tagKey, value: tagValue }), { key: 'audit:keep', value: 'true' }),
    /**
     * Work in flight across the run: account entries plus account×region scans (each scan makes one AWS call at a
     * time, so this also bounds the calls in flight: sockets and memory of the function).
     */
    concurrency: z._default(intIn(1, EBS_AUDIT_LIMITS.concurrency), 64),
    /**
     * Scans in flight per account (its regions are separate EC2 throttling buckets, STS and the account's other quotas
     * are shared). Halved for that account each time a call is throttled past the SDK's retries, grown back on success.
     */
    accountConcurrency: z._default(intIn(1, EBS_AUDIT_LIMITS.accountConcurrency), 8),
    report: z._default(
      z.strictObject({
        prefix: z._default(
          z
            .string()
            .check(
              z.regex(/^([a-zA-Z0-9!_.*'()-]+\/)*$/, 'must be empty or "/"-terminated folders of safe characters'),
            ),
          'ebs-audit/',
        ),
        expireAfterDays: z._default(intIn(1, EBS_AUDIT_LIMITS.expireAfterDays), 400),
      }),
      { prefix: 'ebs-audit/', expireAfterDays: 400 },
    ),
    /**
     * Where volume prices come from: "price-list-api" (default) asks the AWS Price List Query API for each audited
     * region's current EBS list prices, falling back to the built-in table if the API fails; "built-in" uses only the
     * built-in table (sourced figures for a few regions, every other region unpriced) and needs no pricing permission.
     */
    pricing: z._default(z.strictObject({ source: z._default(z.enum(EBS_AUDIT_PRICE_SOURCES), 'price-list-api') }), {
      source: 'price-list-api',
    }),
    actions: z._default(
      z.strictObject({
        /** Tag unexcluded volumes with a deletion date; remove the tag from volumes that were re-attached. */
        mark: z._default(z.boolean(), false),
        /** Delete marked volumes past their date. Requires mark. */
        delete: z._default(z.boolean(), false),
        /** Days between marking and the earliest deletion. */
        graceDays: z._default(intIn(1, 365), 14),
        /** Take a snapshot and wait for it to complete before deleting. */
        snapshotBeforeDelete: z._default(z.boolean(), true),
        /** Accounts in which nothing is ever marked or deleted (they are still audited). */
        protectedAccounts: z._default(z.array(awsAccountId).check(z.maxLength(EBS_AUDIT_LIMITS.accounts)), []),
        /** At most this many tag changes (marks plus unmarks) per run. */
        maxMarksPerRun: z._default(intIn(1, 10_000), 500),
        /** At most this many deletions per run and per UTC day (counted across invocations), all accounts and regions. */
        maxDeletesPerRun: z._default(intIn(1, 1000), 20),
        /** Dry-run unless set to false: the plan is computed and reported, nothing is changed. */
        dryRun: z._default(z.boolean(), true),
      }),
      actionsDefaults,
    ),
    function: z._default(functionOverrides, {}),
  })
  .check(
    z.superRefine((cfg, ctx) => {
      if (cfg.actions.delete && !cfg.actions.mark) {
        ctx.addIssue({
          code: 'custom',
          path: ['actions', 'delete'],
          message: 'requires actions.mark: only marked volumes past their date are deleted',
        });
      }
      const tags = cfg.ownerTags.map((t) => t.toLowerCase());
      tags.forEach((t, i) => {
        if (tags.indexOf(t) !== i)
          ctx.addIssue({
            code: 'custom',
            path: ['ownerTags', i],
            message: `duplicate owner tag "${cfg.ownerTags[i]}"`,
          });
      });
    }),
  );

export type EbsAuditConfig = z.infer<typeof ebsAuditConfig>;
export type EbsAuditActionsConfig = EbsAuditConfig['actions'];
