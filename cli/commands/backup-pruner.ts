import { type Command, Option } from 'commander';
import { createS3Client } from '../../lambdas/backup-pruner/adapters/s3-client';
import { S3ObjectStore } from '../../lambdas/backup-pruner/adapters/s3-store';
import { backupTarget } from '../../lambdas/backup-pruner/config';
import { formatBytes } from '../../lambdas/backup-pruner/core/format';
import { reportJson } from '../../lambdas/backup-pruner/event';
import { runPruner } from '../../lambdas/backup-pruner/job';
import type { RunReport } from '../../lambdas/backup-pruner/types';
import { printJson, printTable, stdout, type Writer } from '../output';

interface BackupPrunerOptions {
  bucket: string;
  prefix: string;
  layout: 'barman' | 'velero' | 'prefix';
  retention?: string;
  minRedundancy?: number;
  keepLast?: number;
  graceDays?: number;
  deleteFailedOlderThanDays?: number;
  endpointUrl?: string;
  region?: string;
  purgeVersions?: boolean;
  contentMd5?: boolean;
  maxDeletes: number;
  now?: string;
  execute?: boolean;
  json?: boolean;
}

const integer = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number (got ${JSON.stringify(value)})`);
  return Number(value);
};

/** `platform-ops backup-pruner ...`: the same planner and executor as the Lambda, with the operator's credentials. */
export function registerBackupPrunerCommand(
  program: Command,
  out: Writer = stdout,
  err: Writer = { write: (t) => process.stderr.write(t) },
): void {
  program
    .command('backup-pruner')
    .description('plan (and with --execute apply) barman/Velero/prefix backup retention on one S3 or MinIO location')
    .requiredOption('--bucket <bucket>', 'bucket name')
    .requiredOption(
      '--prefix <prefix>',
      'key prefix: the barman server folder "<destinationPath>/<serverName>/", the Velero prefix ("" for the bucket root), or a dump folder (never "")',
    )
    .addOption(
      new Option('--layout <layout>', 'what lives under the prefix')
        .choices(['barman', 'velero', 'prefix'])
        .makeOptionMandatory(),
    )
    .option('--retention <period>', 'recovery window / age limit like 30d, 4w, 3m (barman and prefix)')
    .option('--min-redundancy <n>', 'barman: keep at least the newest N DONE backups', integer('--min-redundancy'))
    .option(
      '--keep-last <n>',
      'prefix: always keep the newest N dumps (a dump is one sub-folder, or one object directly under the prefix; default 3)',
      integer('--keep-last'),
    )
    .option(
      '--grace-days <n>',
      'velero: days after expiry before deleting; barman: days before a folder without backup.info is reported (default 7)',
      integer('--grace-days'),
    )
    .option(
      '--delete-failed-older-than-days <n>',
      'barman: also delete FAILED backups older than N days',
      integer('--delete-failed-older-than-days'),
    )
    .option('--endpoint-url <url>', 'S3-compatible endpoint (MinIO); path-style addressing is used')
    .option('--region <region>', 'bucket region')
    .option('--purge-versions', 'versioned buckets: also delete noncurrent versions and delete markers of pruned keys')
    .option('--content-md5', 'send Content-MD5 on DeleteObjects from the start (older MinIO)')
    .option(
      '--max-deletes <n>',
      'refuse the whole run if the plan deletes more objects than this',
      integer('--max-deletes'),
      10_000,
    )
    .option(
      '--now <iso-time>',
      'dry run only: plan as if it were this time (what-if); refused with --execute; defaults to the current time',
    )
    .option('--execute', 'delete for real (without it this is a dry run)')
    .option('--json', 'print one JSON object instead of a table')
    .action(async (options: BackupPrunerOptions) => {
      if (options.now !== undefined && options.execute) {
        // A made-up clock may only plan: deleting against it (e.g. --now 2099-01-01) would delete real backups.
        err.write(
          'backup-pruner: --now cannot be used with --execute (--now is for what-if dry runs; --execute deletes against the real clock)\n',
        );
        process.exitCode = 2;
        return;
      }
      const parsed = backupTarget.safeParse({
        name: 'cli',
        bucket: options.bucket,
        prefix: options.prefix,
        layout: options.layout,
        retention: options.retention,
        minRedundancy: options.minRedundancy,
        keepLast: options.keepLast,
        graceDays: options.graceDays,
        deleteFailedOlderThanDays: options.deleteFailedOlderThanDays,
        endpointUrl: options.endpointUrl,
        region: options.region,
        purgeVersions: options.purgeVersions ?? false,
        contentMd5: options.contentMd5 ?? false,
      });
      if (!parsed.success) {
        const flag = (p: PropertyKey) => `--${String(p).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
        err.write(
          `backup-pruner: ${parsed.error.issues.map((i) => `${i.path.length ? flag(i.path[0]) : 'options'} ${i.message}`).join('; ')}\n`,
        );
        process.exitCode = 2;
        return;
      }
      const now = options.now ? new Date(options.now) : new Date();
      if (Number.isNaN(now.getTime())) {
        err.write(`backup-pruner: --now must be an ISO time (got ${JSON.stringify(options.now)})\n`);
        process.exitCode = 2;
        return;
      }
      if (options.maxDeletes < 1) {
        err.write('backup-pruner: --max-deletes must be at least 1\n');
        process.exitCode = 2;
        return;
      }
      const target = parsed.data;
      const client = createS3Client({ endpointUrl: target.endpointUrl, region: target.region });
      try {
        const report = await runPruner({
          targets: [target],
          storeFor: (t) => new S3ObjectStore(client, t.bucket, { contentMd5: target.contentMd5 }),
          now,
          dryRun: !options.execute,
          maxDeletesPerRun: options.maxDeletes,
        });
        if (options.json) printJson(reportJson(report), out);
        else printHuman(report, out);
        const t = report.targets[0];
        if (t.refused || t.errors.length > 0 || t.resume) process.exitCode = 1;
      } finally {
        client.destroy();
      }
    });
}

function printHuman(report: RunReport, out: Writer): void {
  const t = report.targets[0];
  out.write(
    `${report.dryRun ? 'DRY RUN (add --execute to delete)' : 'EXECUTE'}: ${t.layout} at s3://${t.bucket}/${t.prefix}\n\n`,
  );
  printTable(
    t.backups.map((b) => ({
      ID: b.id,
      ACTION: b.action,
      STATUS: b.status,
      TIME: b.time,
      OBJECTS: b.objects,
      SIZE: formatBytes(b.bytes),
      REASON: b.reason,
    })),
    ['ID', 'ACTION', 'STATUS', 'TIME', 'OBJECTS', 'SIZE', 'REASON'],
    out,
  );
  out.write('\n');
  if (t.wal) {
    out.write(
      `WAL: ${t.wal.total} objects; cutoff ${t.wal.cutoff ?? `none (${t.wal.noCutoffReason})`}; ${t.wal.toDelete} to delete (${formatBytes(t.wal.bytesToFree)})\n`,
    );
  }
  out.write(`Plan: ${t.objectsToDelete} object(s), ${formatBytes(t.bytesToFree)} to free; listed ${t.objectsListed}\n`);
  if (!report.dryRun)
    out.write(`Deleted: ${t.deleted} object(s)${t.versionsDeleted ? `, ${t.versionsDeleted} version(s)` : ''}\n`);
  if (t.refused) out.write(`REFUSED: ${t.refused}\n`);
  for (const w of t.warnings) out.write(`warning: ${w}\n`);
  for (const e of t.errors.slice(0, 50))
    out.write(`error: ${e.key}${e.versionId ? ` (version ${e.versionId})` : ''}: ${e.code}: ${e.message}\n`);
  if (t.errors.length > 50) out.write(`... and ${t.errors.length - 50} more error(s) (use --json)\n`);
  if (t.resume) out.write(`resume: ${t.resume}\n`);
}
