import * as z from '../shared/zod';
import { RETENTION_PATTERN } from './core/retention';
import {
  awsRegion,
  functionOverrides,
  intIn,
  resourceName,
  scheduleExpression,
  securityGroupId,
  vpcPlacementConfig,
} from '../shared/config';

/** CNPG retention syntax: a number and d (days), w (weeks) or m (months); the runtime parser's own pattern. */
export const retentionPolicy = z
  .string()
  .check(
    z.regex(
      RETENTION_PATTERN,
      'must be like "30d", "4w" or "3m" (a positive number of at most 5 digits and d, w or m)',
    ),
  );

export const backupTarget = z
  .strictObject({
    /** Unique name, used in metrics (dimension `Target`), alarms and reports. */
    name: resourceName,
    bucket: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')),
    /** Key prefix of exactly one location: a barman server folder, a Velero prefix, or a dump folder. */
    prefix: z.string().check(z.refine((p) => p === '' || p.endsWith('/'), 'must be empty or end with "/"')),
    layout: z.enum(['barman', 'velero', 'prefix']),
    /** barman: the recovery window; prefix: the age limit. Velero backups carry their own TTL instead. */
    retention: z.optional(retentionPolicy),
    /** barman: always keep at least the newest N DONE backups. */
    minRedundancy: z.optional(intIn(1, 1_000)),
    /** prefix: always keep the newest N objects. */
    keepLast: z._default(intIn(1, 10_000), 3),
    /** barman: opt in to deleting FAILED backups older than this many days. */
    deleteFailedOlderThanDays: z.optional(intIn(1, 36_500)),
    /**
     * velero: days after status.expiration before a backup folder is deleted (Velero's own GC had its chance).
     * barman: days after which a base/<id>/ without backup.info is reported as broken (it is never deleted).
     */
    graceDays: z._default(intIn(0, 3_650), 7),
    /** S3-compatible endpoint (MinIO), http(s) only; path-style addressing is used with it. */
    endpointUrl: z.optional(
      z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).check(z.maxLength(2_048)),
    ),
    /** Region of the bucket, when it differs from the stack's. */
    region: z.optional(awsRegion),
    /** Also delete noncurrent versions and delete markers of pruned objects (versioned buckets). */
    purgeVersions: z._default(z.boolean(), false),
    /** Send Content-MD5 on DeleteObjects from the start (older MinIO); otherwise it is switched on when refused. */
    contentMd5: z._default(z.boolean(), false),
    /**
     * With endpointUrl: name of a Secrets Manager secret holding `{"accessKeyId": ..., "secretAccessKey": ...}` for
     * the S3-compatible store (read at run time, never put in the environment). Without it the function's role is used.
     */
    credentialsSecretName: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name')),
    ),
  })
  .check(
    z.superRefine((t, ctx) => {
      if (t.layout !== 'velero' && t.retention === undefined) {
        ctx.addIssue({ code: 'custom', path: ['retention'], message: `is required for layout "${t.layout}"` });
      }
      if (t.layout === 'velero' && t.retention !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['retention'],
          message: 'is not used by layout "velero" (Velero backups carry their own TTL); remove it',
        });
      }
      if (t.credentialsSecretName !== undefined && t.endpointUrl === undefined) {
        ctx.addIssue({ code: 'custom', path: ['credentialsSecretName'], message: 'is only used with endpointUrl' });
      }
      if (t.layout === 'prefix' && t.prefix === '') {
        ctx.addIssue({
          code: 'custom',
          path: ['prefix'],
          message: 'must name a dump folder for layout "prefix"; "" would prune the whole bucket by age',
        });
      }
      if (t.layout === 'barman' && !/[^/]\/$/.test(t.prefix)) {
        ctx.addIssue({
          code: 'custom',
          path: ['prefix'],
          message: 'must name one barman server folder, "<destinationPath>/<serverName>/"',
        });
      }
    }),
  );

export const backupPrunerConfig = z
  .strictObject({
    enabled: z.boolean(),
    schedule: z._default(scheduleExpression, 'cron(30 3 * * ? *)'),
    /** Dry-run unless set to false. */
    dryRun: z._default(z.boolean(), true),
    /**
     * The most objects one run may delete, over all targets. A run whose plan exceeds it deletes nothing and
     * reports the plan (refusing the whole run is safer than deleting an arbitrary first part of it).
     */
    maxDeletesPerRun: z._default(intIn(1, 1_000_000), 10_000),
    targets: z.array(backupTarget).check(z.minLength(1)),
    /** Freshness alarm thresholds for barman targets. */
    freshness: z._default(
      z.strictObject({
        /**
         * Alarm when the newest DONE base backup is older than this (26 h suits daily backups). Every number has an
         * upper bound: 1e308 would pass `positive()` and write "Threshold": null into the template.
         */
        maxBackupAgeHours: z._default(z.number().check(z.positive(), z.maximum(8_760)), 26),
        /** Alarm when the newest archived WAL is older than this (archive_timeout plus slack). */
        maxWalAgeMinutes: z._default(z.number().check(z.positive(), z.maximum(43_200)), 15),
        /** Alarm when more FAILED backups than this follow the newest DONE one. */
        maxFailedSinceLastDone: z._default(intIn(0, 1_000), 1),
      }),
      { maxBackupAgeHours: 26, maxWalAgeMinutes: 15, maxFailedSinceLastDone: 1 },
    ),
    /** Place the function in a VPC (to reach MinIO). Subnets must be private with a route to the endpoint. */
    vpc: z.optional(
      // The shared placement, with at least one security group: the store is reached through a group the
      // operator opened on it, never through a default one.
      z.extend(vpcPlacementConfig, { securityGroupIds: z.array(securityGroupId).check(z.minLength(1)) }),
    ),
    function: z._default(functionOverrides, {}),
  })
  .check(
    z.superRefine((cfg, ctx) => {
      const names = cfg.targets.map((t) => t.name);
      names.forEach((name, i) => {
        if (names.indexOf(name) !== i)
          ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `duplicate target "${name}"` });
      });
      // Two targets over one location would prune each other's objects (a prefix target "pg/" beside a barman target
      // "pg/orders-db/" would delete barman's files by age alone). A bucket is its endpoint and its name.
      cfg.targets.forEach((t, j) => {
        const other = cfg.targets.findIndex(
          (o, i) =>
            i < j &&
            o.bucket === t.bucket &&
            (o.endpointUrl ?? '') === (t.endpointUrl ?? '') &&
            (o.prefix.startsWith(t.prefix) || t.prefix.startsWith(o.prefix)),
        );
        if (other >= 0) {
          const o = cfg.targets[other];
          ctx.addIssue({
            code: 'custom',
            path: ['targets', j, 'prefix'],
            message: `overlaps target "${o.name}" (targets[${other}]: s3://${o.bucket}/${o.prefix}); each target must be its own location`,
          });
        }
      });
    }),
  );

export type BackupPrunerConfig = z.infer<typeof backupPrunerConfig>;
export type BackupTargetConfig = z.infer<typeof backupTarget>;
