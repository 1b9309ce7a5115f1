import type { TargetPlan } from '../types';

/** One ListObjectVersions sweep: the folder to list and the keys whose versions and delete markers go. */
export interface VersionPurge {
  readonly prefix: string;
  readonly select: (key: string) => boolean;
}

/**
 * The version purges for exactly the keys pruned in this run: one per fully deleted backup folder (its data objects
 * and manifest), then one for the loose keys deleted (under wals/ for barman, the prefix otherwise).
 */
export function versionPurges(
  plan: Pick<TargetPlan, 'prefix' | 'layout' | 'backupDeletions'>,
  gone: ReadonlySet<string>,
  looseDeleted: ReadonlySet<string>,
): VersionPurge[] {
  const purges: VersionPurge[] = [];
  for (const d of plan.backupDeletions) {
    if (!gone.has(d.id)) continue;
    const folder = (d.manifestKey ?? d.dataKeys[0]).replace(/[^/]+$/, '');
    if (!folder.startsWith(plan.prefix) || folder.length <= plan.prefix.length) continue;
    const keys = new Set([...d.dataKeys, ...(d.manifestKey ? [d.manifestKey] : [])]);
    purges.push({ prefix: folder, select: (k) => keys.has(k) });
  }
  if (looseDeleted.size > 0) {
    const prefix = plan.layout === 'barman' ? `${plan.prefix}wals/` : plan.prefix;
    purges.push({ prefix, select: (k) => looseDeleted.has(k) });
  }
  return purges;
}
