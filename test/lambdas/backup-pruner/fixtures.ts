import { parseBackupInfo } from '../../../lambdas/backup-pruner/core/backup-info';
import type { BarmanBackupFolder } from '../../../lambdas/backup-pruner/core/barman-plan';

export const NOW = new Date('2025-06-30T12:00:00.000Z');
export const DAY = 86_400_000;
export const PREFIX = 'cnpg/orders-db/';

/** A 24-digit WAL segment name. */
export const seg = (timeline: number, log: number, segment: number): string =>
  [timeline, log, segment].map((n) => n.toString(16).toUpperCase().padStart(8, '0')).join('');

/** A barman backup id (YYYYMMDDTHHMMSS) for a time. */
export const backupId = (at: Date): string => at.toISOString().replace(/[-:]/g, '').slice(0, 15);

const py = (d: Date): string => `${d.toISOString().replace('T', ' ').replace('Z', '')}000+00:00`;

export interface BackupSpec {
  /** Days before NOW the backup ended. */
  readonly endedDaysAgo: number;
  readonly status?: string;
  readonly timeline?: number;
  /** Log number of begin_wal/end_wal. */
  readonly log?: number;
  readonly keep?: 'full' | 'standalone';
  readonly systemid?: string;
  readonly noInfo?: boolean;
  readonly infoText?: string;
  readonly dataFiles?: number;
}

export function backupInfoText(spec: BackupSpec, overrides: Record<string, string> = {}, now: Date = NOW): string {
  const end = new Date(now.getTime() - spec.endedDaysAgo * DAY);
  const begin = new Date(end.getTime() - 600_000);
  const tli = spec.timeline ?? 1;
  const log = spec.log ?? 1;
  const fields: Record<string, string> = {
    backup_label: "'START WAL LOCATION: 0/4000028'",
    backup_name: `backup-${backupId(begin)}`,
    begin_time: py(begin),
    begin_wal: seg(tli, log, 2),
    begin_xlog: '0/4000028',
    end_time: py(end),
    end_wal: seg(tli, log, 4),
    status: spec.status ?? 'DONE',
    systemid: spec.systemid ?? '7300000000000000001',
    timeline: String(tli),
    version: '160004',
    size: '20935690',
    ...overrides,
  };
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')
    .concat('\n');
}

/** A base/<id>/ folder as the lister would assemble it (times relative to `now`, NOW unless given). */
export function folder(spec: BackupSpec, now: Date = NOW, prefix: string = PREFIX): BarmanBackupFolder {
  const end = new Date(now.getTime() - spec.endedDaysAgo * DAY);
  const id = backupId(new Date(end.getTime() - 600_000));
  const base = `${prefix}base/${id}/`;
  const objects = [];
  for (let i = 0; i < (spec.dataFiles ?? 1); i++)
    objects.push({ key: `${base}data${i === 0 ? '' : `_${i}`}.tar.gz`, size: 1000, lastModified: end });
  if (!spec.noInfo) objects.push({ key: `${base}backup.info`, size: 100, lastModified: end });
  if (spec.keep) objects.push({ key: `${base}annotations/keep`, size: 4, lastModified: end });
  return {
    id,
    objects,
    info: spec.noInfo ? undefined : parseBackupInfo(spec.infoText ?? backupInfoText(spec, {}, now)),
    keep: spec.keep,
  };
}
