import type { BackupDecision, StoredObject } from '../types';

/** How many keep decisions a prefix plan lists one by one before it only counts them. */
export const MAX_LISTED_KEEPS = 1000;

export interface PrefixTally {
  /** Set when the planner refused the prefix (nothing to delete), with the reason. */
  readonly refused?: string;
  readonly backups: readonly BackupDecision[];
  readonly deleteKeys: readonly string[];
  readonly keysTruncated: boolean;
  readonly objectsToDelete: number;
  readonly bytesToFree: number;
  /** Objects listed. */
  readonly total: number;
  /** Dumps kept because they are inside the retention (or have no LastModified). */
  readonly keptInsideRetention: number;
  /** Dumps seen. */
  readonly dumps: number;
}

/**
 * One dump: every object under one immediate sub-folder of the prefix (a directory-format dump, or one database's
 * folder), or a single object directly under the prefix.
 */
interface Dump {
  readonly id: string;
  readonly keys: string[];
  objects: number;
  bytes: number;
  /** Newest LastModified of its objects; undefined when any object has none (age unknown: kept). */
  newest?: Date;
  unknownAge: boolean;
  /** Held in the candidate list. */
  held: boolean;
}

const newerFirst = (a: Dump, b: Dump): number => {
  const ta = a.newest?.getTime() ?? Number.POSITIVE_INFINITY;
  const tb = b.newest?.getTime() ?? Number.POSITIVE_INFINITY;
  return tb - ta || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
};

/**
 * What a prefix target must never hold: another layout's catalog. A prefix around a barman server folder or a Velero
 * prefix would otherwise prune their objects by age alone.
 */
export function foreignLayoutMarker(relativeKey: string): string | undefined {
  const parts = relativeKey.split('/');
  const file = parts.at(-1) ?? '';
  if (file === 'velero-backup.json') return 'a Velero velero-backup.json';
  if (file === 'backup.info' && parts.length >= 3 && parts[parts.length - 3] === 'base')
    return 'a barman base/<id>/backup.info';
  if (parts.slice(0, -1).includes('wals')) return 'a barman wals/ folder';
  return undefined;
}

/**
 * Plain dumps under a prefix. Objects are grouped into dumps by their immediate sub-folder under the prefix (objects
 * directly under the prefix are each their own dump); a dump's age is its newest object. Dumps older than the
 * retention go, but the newest `keepLast` dumps always stay. Refuses (deletes nothing) when the prefix holds a barman
 * or Velero catalog, or when the listing is not in key order (a sub-folder seen twice).
 *
 * Streams objects in listing order (bounded memory): it holds the current sub-folder's keys, the newest keepLast
 * dumps, and the delete candidates while they are within `maxKeys`; beyond that it only counts (the run is then
 * over its cap and refused anyway).
 */
export class PrefixPlanner {
  private readonly newest: Dump[] = [];
  private readonly candidates: Dump[] = [];
  private heldCandidateKeys = 0;
  private candidateObjects = 0;
  private candidateBytes = 0;
  private candidatesDropped = false;
  private total = 0;
  private dumps = 0;
  private readonly keeps: BackupDecision[] = [];
  private keptInsideRetention = 0;
  private current?: Dump;
  private readonly finishedFolders = new Set<string>();
  private refused?: string;

  constructor(
    private readonly prefix: string,
    private readonly cutoff: Date,
    private readonly keepLast: number,
    private readonly maxKeys: number,
  ) {}

  add(object: StoredObject): void {
    this.total++;
    if (this.refused) return;
    const rel = object.key.startsWith(this.prefix) ? object.key.slice(this.prefix.length) : object.key;
    const marker = foreignLayoutMarker(rel);
    if (marker) {
      this.refused = `nothing deleted: ${object.key} is ${marker}; this prefix holds another layout's backups (point the target at plain dumps only)`;
      return;
    }
    const slash = rel.indexOf('/');
    const folder = slash < 0 ? undefined : rel.slice(0, slash + 1);
    if (folder === undefined) {
      this.finishCurrent();
      const single = this.newDump(object.key);
      this.addToDump(single, object);
      this.finishCurrent();
      return;
    }
    const id = `${this.prefix}${folder}`;
    if (this.current?.id !== id) {
      this.finishCurrent();
      if (this.finishedFolders.has(id)) {
        this.refused = `nothing deleted: the store listed ${id} again after other keys (keys not in order); cannot group dumps safely`;
        return;
      }
      this.newDump(id);
    }
    this.addToDump(this.current as Dump, object);
  }

  private newDump(id: string): Dump {
    this.current = { id, keys: [], objects: 0, bytes: 0, unknownAge: false, held: false };
    return this.current;
  }

  private addToDump(dump: Dump, object: StoredObject): void {
    dump.keys.push(object.key);
    dump.objects++;
    dump.bytes += object.size;
    const written = object.lastModified;
    if (written === undefined) dump.unknownAge = true;
    else if (dump.newest === undefined || written > dump.newest) dump.newest = written;
  }

  private finishCurrent(): void {
    if (!this.current) return;
    const dump = this.current;
    this.current = undefined;
    if (dump.id.endsWith('/')) this.finishedFolders.add(dump.id);
    this.finish(dump);
  }

  private finish(dump: Dump): void {
    this.dumps++;
    if (dump.unknownAge) dump.newest = undefined;
    this.newest.push(dump);
    this.newest.sort(newerFirst);
    if (this.newest.length > this.keepLast) this.newest.pop();
    if (dump.newest === undefined || dump.newest >= this.cutoff) {
      this.keptInsideRetention++;
      if (this.keeps.length < MAX_LISTED_KEEPS) {
        this.keeps.push({
          id: dump.id,
          action: 'keep',
          reason: dump.newest === undefined ? 'no LastModified: kept' : 'inside the retention',
          time: dump.newest?.toISOString(),
          objects: dump.objects,
          bytes: dump.bytes,
        });
      }
      return;
    }
    this.candidateObjects += dump.objects;
    this.candidateBytes += dump.bytes;
    // A held candidate can only stop being protected later (newer dumps push it out of the newest keepLast), so
    // once the held deletable keys exceed maxKeys the plan is over the cap whatever comes next.
    const heldDeletable = this.heldCandidateKeys - this.newest.reduce((n, d) => n + (d.held ? d.objects : 0), 0);
    if (heldDeletable <= this.maxKeys) {
      dump.held = true;
      this.candidates.push(dump);
      this.heldCandidateKeys += dump.objects;
    } else {
      this.candidatesDropped = true;
    }
  }

  result(retentionText: string): PrefixTally {
    this.finishCurrent();
    if (this.refused) {
      return {
        refused: this.refused,
        backups: [],
        deleteKeys: [],
        keysTruncated: false,
        objectsToDelete: 0,
        bytesToFree: 0,
        total: this.total,
        keptInsideRetention: 0,
        dumps: this.dumps,
      };
    }
    const protectedIds = new Set(this.newest.map((d) => d.id));
    const protectedOld = this.newest.filter((d) => d.newest !== undefined && d.newest < this.cutoff);
    const deletable = this.candidates.filter((d) => !protectedIds.has(d.id));
    const objectsToDelete = this.candidateObjects - protectedOld.reduce((n, d) => n + d.objects, 0);
    const bytesToFree = this.candidateBytes - protectedOld.reduce((n, d) => n + d.bytes, 0);
    // Whole dumps only, up to maxKeys keys.
    const planned: Dump[] = [];
    let plannedKeys = 0;
    for (const d of deletable) {
      if (plannedKeys + d.objects > this.maxKeys) break;
      planned.push(d);
      plannedKeys += d.objects;
    }
    const deleteKeys = planned.flatMap((d) => d.keys);
    const decisions: BackupDecision[] = [
      ...this.keeps,
      ...protectedOld.map((d) => ({
        id: d.id,
        action: 'keep' as const,
        reason: `older than ${retentionText} but among the newest ${this.keepLast} (keepLast) dumps`,
        time: d.newest?.toISOString(),
        objects: d.objects,
        bytes: d.bytes,
      })),
      ...planned.map((d) => ({
        id: d.id,
        action: 'delete' as const,
        reason: `older than ${retentionText} (newest object of the dump)`,
        time: d.newest?.toISOString(),
        objects: d.objects,
        bytes: d.bytes,
      })),
    ];
    return {
      backups: decisions,
      deleteKeys,
      keysTruncated: this.candidatesDropped || objectsToDelete > deleteKeys.length,
      objectsToDelete,
      bytesToFree,
      total: this.total,
      keptInsideRetention: this.keptInsideRetention,
      dumps: this.dumps,
    };
  }
}
