import type { BackupDecision, BackupDeletion, StoredObject } from '../types';
import { parseRfc3339 } from './timestamp';
import { DAY_MS } from '../../shared/time';

export const VELERO_MANIFEST_FILE = 'velero-backup.json';

export type VeleroManifestParse =
  | { readonly ok: true; readonly phase?: string; readonly expiration?: Date }
  | { readonly ok: false; readonly error: string };

/** Reads the fields the pruner needs from velero-backup.json (the Backup CR Velero uploads). */
export function parseVeleroManifest(text: string): VeleroManifestParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON (${(err as Error).message.slice(0, 80)})` };
  }
  if (typeof doc !== 'object' || doc === null) return { ok: false, error: 'not a JSON object' };
  const record = doc as Record<string, unknown>;
  if (record.kind !== 'Backup') return { ok: false, error: `kind is ${JSON.stringify(record.kind)}, not "Backup"` };
  const status = record.status;
  if (status === undefined || status === null) return { ok: true };
  if (typeof status !== 'object') return { ok: false, error: 'status is not an object' };
  const { phase, expiration } = status as Record<string, unknown>;
  if (expiration === undefined || expiration === null)
    return { ok: true, phase: typeof phase === 'string' ? phase : undefined };
  // Only RFC 3339 with Z or an offset (what Kubernetes writes): Date.parse would take "12" as the year 2012.
  const parsed = typeof expiration === 'string' ? parseRfc3339(expiration) : undefined;
  if (parsed === undefined) {
    return {
      ok: false,
      error: `status.expiration ${JSON.stringify(expiration)} is not a timestamp (RFC 3339 with Z or a UTC offset)`,
    };
  }
  return { ok: true, phase: typeof phase === 'string' ? phase : undefined, expiration: parsed };
}

export interface VeleroBackupFolder {
  readonly name: string;
  /** Every object under backups/<name>/. */
  readonly objects: readonly StoredObject[];
  /** Undefined when the folder has no velero-backup.json. */
  readonly manifest?: VeleroManifestParse;
}

export interface VeleroPlanInput {
  /** The Velero prefix: the manifest is exactly `<prefix>backups/<name>/velero-backup.json`. */
  readonly prefix: string;
  readonly folders: readonly VeleroBackupFolder[];
  readonly now: Date;
  /** Days after status.expiration before the pruner acts (Velero's own GC should have acted by then). */
  readonly graceDays: number;
}

export interface VeleroPlan {
  readonly backups: readonly BackupDecision[];
  readonly deletions: readonly BackupDeletion[];
  readonly warnings: readonly string[];
}

const sum = (objects: readonly StoredObject[]) => objects.reduce((n, o) => n + o.size, 0);

/**
 * Velero expires its own backups; deleting objects behind its back leaks volume snapshots. A backups/<name>/
 * folder is deleted only when its velero-backup.json says it expired more than graceDays ago: Velero's GC did not
 * act, most likely because the cluster is gone. Everything else is kept and reported. Only backups/ is ever
 * considered; kopia/, restic/ and every other top-level folder are never listed.
 */
export function planVeleroRetention(input: VeleroPlanInput): VeleroPlan {
  const graceMs = input.graceDays * DAY_MS;
  const backups: BackupDecision[] = [];
  const deletions: BackupDeletion[] = [];
  const warnings: string[] = [];
  const folders = [...input.folders].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const folder of folders) {
    const base = { id: folder.name, objects: folder.objects.length, bytes: sum(folder.objects) };
    const manifest = folder.manifest;
    if (manifest === undefined) {
      backups.push({
        ...base,
        action: 'keep',
        reason: `no ${VELERO_MANIFEST_FILE}: in progress or half-deleted, left to Velero`,
      });
      warnings.push(`backups/${folder.name}/ has no ${VELERO_MANIFEST_FILE}`);
      continue;
    }
    if (!manifest.ok) {
      backups.push({ ...base, action: 'keep', reason: `${VELERO_MANIFEST_FILE} unreadable: ${manifest.error}` });
      warnings.push(`backups/${folder.name}/${VELERO_MANIFEST_FILE}: ${manifest.error}`);
      continue;
    }
    const status = manifest.phase;
    if (manifest.expiration === undefined) {
      backups.push({ ...base, status, action: 'keep', reason: 'no status.expiration: never expires' });
      continue;
    }
    const time = manifest.expiration.toISOString();
    const overdueMs = input.now.getTime() - manifest.expiration.getTime();
    if (overdueMs <= 0) {
      backups.push({ ...base, status, time, action: 'keep', reason: 'not expired' });
    } else if (overdueMs <= graceMs) {
      backups.push({
        ...base,
        status,
        time,
        action: 'keep',
        reason: `expired ${(overdueMs / DAY_MS).toFixed(1)} days ago, within the ${input.graceDays}-day grace for Velero's own GC`,
      });
    } else {
      const exactKey = `${input.prefix}backups/${folder.name}/${VELERO_MANIFEST_FILE}`;
      const manifestKey = folder.objects.find((o) => o.key === exactKey)?.key;
      backups.push({
        ...base,
        status,
        time,
        action: 'delete',
        reason: `expired ${(overdueMs / DAY_MS).toFixed(1)} days ago, more than the ${input.graceDays}-day grace: Velero's GC did not act`,
      });
      deletions.push({
        id: folder.name,
        dataKeys: folder.objects.filter((o) => o.key !== manifestKey).map((o) => o.key),
        manifestKey,
        bytes: base.bytes,
      });
    }
  }
  return { backups, deletions, warnings };
}
