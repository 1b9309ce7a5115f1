import { type Command, InvalidArgumentError, Option } from 'commander';
import { createS3Client } from '../../lambdas/backup-pruner/adapters/s3-client';
import { S3ObjectStore } from '../../lambdas/backup-pruner/adapters/s3-store';
import { backupTarget } from '../../lambdas/backup-pruner/config';
import { formatBytes } from '../../lambdas/backup-pruner/core/format';
import { reportJson } from '../../lambdas/backup-pruner/event';
import { parseRfc3339 } from '../../lambdas/backup-pruner/core/timestamp';
import { type PrunerTarget, runPruner } from '../../lambdas/backup-pruner/job';
import type { ObjectStore } from '../../lambdas/backup-pruner/ports';
import type { RunReport } from '../../lambdas/backup-pruner/types';
import { sanitizeText } from '../../lambdas/shared/text';
import { printTable, stdout, type Writer } from '../output';

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

/** Exit codes of the subcommand (README "backup-pruner"): 0 done, 1 the job refused or failed, 2 bad usage. */
export const EXIT = { done: 0, refusedOrFailed: 1, usage: 2 } as const;

/** The largest number any count flag takes (the config's maxDeletesPerRun bound). */
const MAX_COUNT = 1_000_000;

/** A whole number flag; a bad value is a usage error commander reports on one line (exit 2). */
const integer = (max: number) => (value: string) => {
  if (!/^\d{1,7}$/.test(value) || Number(value) > max)
    throw new InvalidArgumentError(`Must be a whole number from 0 to ${max}.`);
  return Number(value);
};

/** `--now`: an ISO 8601 date-time with a zone (RFC 3339, e.g. 2025-06-01T00:00:00Z) or a date (midnight UTC). */
export function parseNow(text: string): Date | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseRfc3339(`${text}T00:00:00Z`) : parseRfc3339(text);
}

/** Longest line of free text (a reason, a warning, an error) printed to the terminal. */
const MAX_LINE = 2_000;
/** One line of outside text (keys, reasons, store messages) made safe for a terminal: no controls, no bidi, bounded. */
const line = (text: string): string => sanitizeText(text, { max: MAX_LINE });

/** Characters JSON.stringify leaves raw that a terminal would act on (C1 controls, DEL, bidi overrides). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** --json output: the data exactly, with terminal-active characters escaped as \uXXXX (still the same JSON value). */
export function terminalSafeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** A hint for the operator from a failure's text: what to set or check. */
export function hintFor(message: string): string | undefined {
  if (/Region is missing/i.test(message)) return 'set AWS_REGION or pass --region';
  if (/credentials/i.test(message)) return 'set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) for the store';
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|timed out/i.test(message))
    return 'check --endpoint-url and that the store is reachable';
  if (/AccessDenied|Forbidden|403/i.test(message))
    return 'check the permissions of your credentials on the bucket and prefix';
  if (/NoSuchBucket/i.test(message)) return 'check --bucket (and --endpoint-url, --region)';
  if (/ListObjectVersions/i.test(message)) return 'drop --purge-versions for this store';
  return undefined;
}

/**
 * What tests may replace: the store a target is run against. Parse errors follow the program's convention
 * (cli/index.ts: one line, '(see --help for usage)', exit 2).
 */
export interface BackupPrunerCliDeps {
  readonly storeFor?: (target: PrunerTarget) => ObjectStore;
}

/** `platform-ops backup-pruner ...`: the same planner and executor as the Lambda, with the operator's credentials. */
export function registerBackupPrunerCommand(
  program: Command,
  out: Writer = stdout,
  err: Writer = { write: (t) => process.stderr.write(t) },
  deps: BackupPrunerCliDeps = {},
): void {
  const usage = (message: string) => {
    err.write(`backup-pruner: bad usage: ${line(message)}\n(see --help for usage)\n`);
    process.exitCode = EXIT.usage;
  };
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
    .option('--min-redundancy <n>', 'barman: keep at least the newest N DONE backups', integer(MAX_COUNT))
    .option(
      '--keep-last <n>',
      'prefix: always keep the newest N dumps (a dump is one sub-folder, or one object directly under the prefix; default 3)',
      integer(MAX_COUNT),
    )
    .option(
      '--grace-days <n>',
      'velero: days after expiry before deleting; barman: days before a folder without backup.info is reported (default 7)',
      integer(MAX_COUNT),
    )
    .option(
      '--delete-failed-older-than-days <n>',
      'barman: also delete FAILED backups older than N days',
      integer(MAX_COUNT),
    )
    .option('--endpoint-url <url>', 'S3-compatible endpoint (MinIO); path-style addressing is used')
    .option('--region <region>', 'bucket region')
    .option('--purge-versions', 'versioned buckets: also delete noncurrent versions and delete markers of pruned keys')
    .option('--content-md5', 'send Content-MD5 on DeleteObjects from the start (older MinIO)')
    .option(
      '--max-deletes <n>',
      'refuse the whole run if the plan deletes more objects than this',
      integer(MAX_COUNT),
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
        usage(
          '--now cannot be used with --execute (--now is for what-if dry runs; --execute deletes against the real clock)',
        );
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
        usage(parsed.error.issues.map((i) => `${i.path.length ? flag(i.path[0]) : 'options'} ${i.message}`).join('; '));
        return;
      }
      const now = options.now === undefined ? new Date() : parseNow(options.now);
      if (now === undefined) {
        usage(
          `--now must be an ISO 8601 date-time with a zone, like 2025-06-01T00:00:00Z, or a date, like 2025-06-01 (got ${JSON.stringify(options.now)})`,
        );
        return;
      }
      if (options.maxDeletes < 1) {
        usage('--max-deletes must be at least 1');
        return;
      }
      const target = parsed.data;
      const client = deps.storeFor
        ? undefined
        : createS3Client({ endpointUrl: target.endpointUrl, region: target.region });
      try {
        const report = await runPruner({
          targets: [target],
          storeFor:
            deps.storeFor ??
            ((t) =>
              new S3ObjectStore(client as NonNullable<typeof client>, t.bucket, { contentMd5: target.contentMd5 })),
          now,
          dryRun: !options.execute,
          maxDeletesPerRun: options.maxDeletes,
        });
        if (options.json) out.write(terminalSafeJson(reportJson(report)));
        else printHuman(report, out);
        const t = report.targets[0];
        const problem = t.failed ?? t.refused ?? t.errors[0]?.message ?? t.resume;
        const hint = problem === undefined ? undefined : hintFor(problem);
        if (hint) err.write(`hint: ${hint}\n`);
        process.exitCode = t.refused || t.failed || t.errors.length > 0 || t.resume ? EXIT.refusedOrFailed : EXIT.done;
      } catch (e) {
        // The job reports per target and should not throw; anything that does is still the job failing (exit 1).
        const message = e instanceof Error ? e.message : String(e);
        const hint = hintFor(message);
        err.write(`backup-pruner: run failed: ${line(message)}${hint ? `\nhint: ${hint}` : ''}\n`);
        process.exitCode = EXIT.refusedOrFailed;
      } finally {
        client?.destroy();
      }
    });
}

function printHuman(report: RunReport, out: Writer): void {
  const t = report.targets[0];
  out.write(
    `${report.dryRun ? 'DRY RUN (add --execute to delete)' : 'EXECUTE'}: ${t.layout} at ${line(`s3://${t.bucket}/${t.prefix}`)}\n\n`,
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
      line(
        `WAL: ${t.wal.total} objects; cutoff ${t.wal.cutoff ?? `none (${t.wal.noCutoffReason})`}; ${t.wal.toDelete} to delete (${formatBytes(t.wal.bytesToFree)})`,
      ) + '\n',
    );
  }
  out.write(`Plan: ${t.objectsToDelete} object(s), ${formatBytes(t.bytesToFree)} to free; listed ${t.objectsListed}\n`);
  if (!report.dryRun)
    out.write(`Deleted: ${t.deleted} object(s)${t.versionsDeleted ? `, ${t.versionsDeleted} version(s)` : ''}\n`);
  if (t.refused) out.write(`REFUSED: ${line(t.refused)}\n`);
  if (t.failed) out.write(`FAILED: ${line(t.failed)}\n`);
  for (const w of t.warnings) out.write(`warning: ${line(w)}\n`);
  for (const e of t.errors.slice(0, 50))
    out.write(`error: ${line(`${e.key}${e.versionId ? ` (version ${e.versionId})` : ''}: ${e.code}: ${e.message}`)}\n`);
  if (t.errors.length > 50) out.write(`... and ${t.errors.length - 50} more error(s) (use --json)\n`);
  if (t.resume) out.write(`resume: ${line(t.resume)}\n`);
}
