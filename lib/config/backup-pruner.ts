import { z } from 'zod';
import { functionOverrides, resourceName, scheduleExpression } from './common';

/** CNPG retention syntax: a number and d (days), w (weeks) or m (months). */
export const retentionPolicy = z
  .string()
  .regex(/^[1-9]\d*[dwm]$/, 'must be like "30d", "4w" or "3m" (a positive number and d, w or m)');

export const backupTarget = z.strictObject({
  /** Unique name, used in metrics and reports. */
  name: resourceName,
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
  /** Key prefix of exactly one location: a barman server folder, a Velero prefix, or a dump folder. */
  prefix: z.string().refine((p) => p === '' || p.endsWith('/'), 'must be empty or end with "/"'),
  layout: z.enum(['barman', 'velero', 'prefix']),
  retention: retentionPolicy,
  /** barman: always keep at least the newest N DONE backups. */
  minRedundancy: z.number().int().min(1).optional(),
  /** prefix: always keep the newest N objects. */
  keepLast: z.number().int().min(1).default(3),
  /** barman: opt in to deleting FAILED backups older than this many days. */
  deleteFailedOlderThanDays: z.number().int().min(1).optional(),
  /** barman: report a base backup without backup.info older than this many hours. velero: grace after expiry (days). */
  graceDays: z.number().int().min(0).default(7),
  /** S3-compatible endpoint (MinIO); path-style addressing is used with it. */
  endpointUrl: z.url().optional(),
  /** Region of the bucket, when it differs from the stack's. */
  region: z.string().optional(),
  /** Also delete noncurrent versions and delete markers of pruned objects (versioned buckets). */
  purgeVersions: z.boolean().default(false),
});

export const backupPrunerConfig = z
  .strictObject({
    enabled: z.boolean(),
    schedule: scheduleExpression.default('cron(30 3 * * ? *)'),
    /** Dry-run unless set to false. */
    dryRun: z.boolean().default(true),
    /** Stop and report rather than delete more than this many objects in a run. */
    maxDeletesPerRun: z.number().int().min(1).max(1_000_000).default(10_000),
    targets: z.array(backupTarget).min(1),
    /** Freshness alarm thresholds for barman targets. */
    freshness: z
      .strictObject({
        maxBackupAgeHours: z.number().positive().default(26),
        maxWalAgeMinutes: z.number().positive().default(15),
      })
      .default({ maxBackupAgeHours: 26, maxWalAgeMinutes: 15 }),
    /** Place the function in a VPC (to reach MinIO). Subnets must be private with a route to the endpoint. */
    vpc: z
      .strictObject({
        vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, 'must be a VPC id'),
        availabilityZones: z.array(z.string()).min(1),
        subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, 'must be a subnet id')).min(1),
        securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'must be a security group id')).min(1),
      })
      .optional(),
    function: functionOverrides.default({}),
  })
  .superRefine((cfg, ctx) => {
    const names = cfg.targets.map((t) => t.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `duplicate target "${name}"` });
    });
  });

export type BackupPrunerConfig = z.infer<typeof backupPrunerConfig>;
export type BackupTargetConfig = z.infer<typeof backupTarget>;
