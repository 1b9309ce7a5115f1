import { z } from 'zod';
import { awsAccountId, awsRegion, functionOverrides, resourceName, scheduleExpression } from './common';

export const ebsAuditConfig = z
  .strictObject({
    enabled: z.boolean(),
    schedule: scheduleExpression.default('cron(0 6 ? * MON *)'),
    /** "organization" for every ACTIVE account in AWS Organizations, or an explicit list. */
    accounts: z.union([z.literal('organization'), z.array(awsAccountId).min(1)]),
    /** "enabled" for every region enabled in each account, or an explicit list. */
    regions: z.union([z.literal('enabled'), z.array(awsRegion).min(1)]),
    /** Role assumed in member accounts (deployed by EbsAuditMemberRoleStack). */
    memberRoleName: resourceName.default('platform-ops-ebs-audit'),
    /** ExternalId required by the member role's trust policy (a confused-deputy guard, not a secret). */
    externalId: z.string().min(2).max(1224).optional(),
    /** Tags whose value names the owner, first match wins. */
    ownerTags: z.array(z.string().min(1)).default(['owner', 'team', 'OwnerContact']),
    /** Volumes carrying this tag are reported as excluded and never acted on. */
    excludeTag: z
      .strictObject({ key: z.string().min(1), value: z.string() })
      .default({ key: 'audit:keep', value: 'true' }),
    /** Parallel account×region scans. */
    concurrency: z.number().int().min(1).max(64).default(8),
    report: z
      .strictObject({
        prefix: z
          .string()
          .refine((p) => p === '' || p.endsWith('/'), 'must be empty or end with "/"')
          .default('ebs-audit/'),
        expireAfterDays: z.number().int().min(1).default(400),
      })
      .default({ prefix: 'ebs-audit/', expireAfterDays: 400 }),
    actions: z
      .strictObject({
        /** Tag unexcluded volumes with a deletion date; unmark re-attached ones. */
        mark: z.boolean().default(false),
        /** Delete marked volumes past their date. Requires mark. */
        delete: z.boolean().default(false),
        graceDays: z.number().int().min(1).default(14),
        snapshotBeforeDelete: z.boolean().default(true),
        protectedAccounts: z.array(awsAccountId).default([]),
        maxDeletesPerRun: z.number().int().min(1).max(1000).default(20),
        /** Dry-run unless set to false. */
        dryRun: z.boolean().default(true),
      })
      .default({
        mark: false,
        delete: false,
        graceDays: 14,
        snapshotBeforeDelete: true,
        protectedAccounts: [],
        maxDeletesPerRun: 20,
        dryRun: true,
      }),
    function: functionOverrides.default({}),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.actions.delete && !cfg.actions.mark) {
      ctx.addIssue({
        code: 'custom',
        path: ['actions', 'delete'],
        message: 'requires actions.mark: only marked volumes past their date are deleted',
      });
    }
  });

export type EbsAuditConfig = z.infer<typeof ebsAuditConfig>;
