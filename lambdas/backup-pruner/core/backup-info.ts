/**
 * barman's backup.info: a flat `key=value` text file (barman infofile.py). Blank lines and `#` comments are
 * skipped; the literal value `None` means unset. Anything else that is not `key=value` is an error, as in barman.
 * The parser is strict on the fields retention depends on and fails with a reason rather than guessing.
 */
export const BACKUP_STATUSES = ['EMPTY', 'STARTED', 'FAILED', 'WAITING_FOR_WALS', 'DONE', 'SYNCING'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

export interface BackupInfo {
  readonly status: BackupStatus;
  readonly beginTime?: Date;
  readonly endTime?: Date;
  readonly beginWal?: string;
  readonly endWal?: string;
  readonly timeline?: number;
  readonly backupName?: string;
  readonly size?: number;
  readonly systemId?: string;
}

export type BackupInfoParse =
  { readonly ok: true; readonly info: BackupInfo } | { readonly ok: false; readonly error: string };

import { dateFromFields, offsetMinutesOf } from './timestamp';

const WAL_SEGMENT = /^[0-9A-F]{24}$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * Parses barman's timestamp text (Python `str(datetime)`, e.g. `2025-06-09 17:17:03.555743+00:00`). A timestamp
 * without a UTC offset is refused: barman would read it in the pod's local zone, which we cannot know.
 */
export function parseBarmanTimestamp(text: string): Date | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const offsetMinutes = offsetMinutesOf(zone);
  if (offsetMinutes === undefined) return undefined;
  // Out-of-range fields (2025-02-31, 25:61:61, +99:99) are refused, never rolled over.
  return dateFromFields({
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    millisecond: frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0,
    offsetMinutes,
  });
}

/** Splits the text into fields; returns an error naming the first bad line. */
function readFields(text: string): { fields: Map<string, string | undefined> } | { error: string } {
  const fields = new Map<string, string | undefined>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { error: `line ${i + 1} is not key=value: ${JSON.stringify(line.trim().slice(0, 40))}` };
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (!/^[a-z_][a-z0-9_]*$/.test(key))
      return { error: `line ${i + 1} has an invalid key ${JSON.stringify(key.slice(0, 40))}` };
    if (fields.has(key)) return { error: `field ${key} appears twice` };
    fields.set(key, value === 'None' ? undefined : value);
  }
  return { fields };
}

export function parseBackupInfo(text: string): BackupInfoParse {
  if (text.includes('\u0000')) return { ok: false, error: 'contains NUL bytes (binary or corrupt object)' };
  const read = readFields(text);
  if ('error' in read) return { ok: false, error: read.error };
  const { fields } = read;

  const status = fields.get('status');
  if (status === undefined) return { ok: false, error: 'status is missing' };
  if (!(BACKUP_STATUSES as readonly string[]).includes(status))
    return { ok: false, error: `status ${JSON.stringify(status)} is unknown` };

  const time = (name: string): Date | undefined | { error: string } => {
    const raw = fields.get(name);
    if (raw === undefined) return undefined;
    const parsed = parseBarmanTimestamp(raw);
    return parsed ?? { error: `${name} ${JSON.stringify(raw.slice(0, 40))} is not a timestamp with a UTC offset` };
  };
  const wal = (name: string): string | undefined | { error: string } => {
    const raw = fields.get(name);
    if (raw === undefined) return undefined;
    return WAL_SEGMENT.test(raw)
      ? raw
      : { error: `${name} ${JSON.stringify(raw.slice(0, 40))} is not a WAL segment name` };
  };
  const beginTime = time('begin_time');
  const endTime = time('end_time');
  const beginWal = wal('begin_wal');
  const endWal = wal('end_wal');
  for (const v of [beginTime, endTime, beginWal, endWal]) {
    if (v !== undefined && typeof v === 'object' && 'error' in v) return { ok: false, error: v.error };
  }

  const timelineRaw = fields.get('timeline');
  let timeline: number | undefined;
  if (timelineRaw !== undefined) {
    if (!/^\d+$/.test(timelineRaw))
      return { ok: false, error: `timeline ${JSON.stringify(timelineRaw.slice(0, 20))} is not a number` };
    timeline = Number(timelineRaw);
  }
  const sizeRaw = fields.get('size');
  const size = sizeRaw !== undefined && /^\d+$/.test(sizeRaw) ? Number(sizeRaw) : undefined;

  const info: BackupInfo = {
    status: status as BackupStatus,
    beginTime: beginTime as Date | undefined,
    endTime: endTime as Date | undefined,
    beginWal: beginWal as string | undefined,
    endWal: endWal as string | undefined,
    timeline,
    backupName: fields.get('backup_name'),
    size,
    systemId: fields.get('systemid'),
  };

  // A DONE backup is what retention and WAL cleanup reason about: it must say when it ended and where its WAL starts.
  if (info.status === 'DONE') {
    if (!info.endTime) return { ok: false, error: 'status is DONE but end_time is missing' };
    if (!info.beginWal) return { ok: false, error: 'status is DONE but begin_wal is missing' };
    if (!info.endWal) return { ok: false, error: 'status is DONE but end_wal is missing' };
    if (info.beginWal > info.endWal) return { ok: false, error: 'begin_wal sorts after end_wal' };
  }
  return { ok: true, info };
}
