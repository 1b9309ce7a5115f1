import type { BackupDecision, StoredObject } from './plan-types';

/** How many keep decisions a prefix plan lists one by one before it only counts them. */
export const MAX_LISTED_KEEPS = 1000;

export interface PrefixTally {
  readonly backups: readonly BackupDecision[];
  readonly deleteKeys: readonly string[];
  readonly keysTruncated: boolean;
  readonly objectsToDelete: number;
  readonly bytesToFree: number;
  readonly total: number;
  readonly keptInsideRetention: number;
}

const newerFirst = (a: StoredObject, b: StoredObject): number => {
  const ta = a.lastModified?.getTime() ?? 0;
  const tb = b.lastModified?.getTime() ?? 0;
  return tb - ta || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);
};

/**
 * Plain dumps under a prefix: objects older than the retention go, but the newest `keepLast` always stay.
 * Streams objects (bounded memory): it holds the newest keepLast objects and the delete candidates up to
 * `maxKeys + keepLast`, and only counts beyond that.
 */
export class PrefixPlanner {
  private readonly newest: StoredObject[] = [];
  private readonly candidates: StoredObject[] = [];
  private candidateCount = 0;
  private candidateBytes = 0;
  private total = 0;
  private readonly keeps: BackupDecision[] = [];
  private keptInsideRetention = 0;

  constructor(
    private readonly cutoff: Date,
    private readonly keepLast: number,
    private readonly maxKeys: number,
  ) {}

  add(object: StoredObject): void {
    this.total++;
    this.newest.push(object);
    this.newest.sort(newerFirst);
    if (this.newest.length > this.keepLast) this.newest.pop();
    const written = object.lastModified;
    if (written === undefined || written >= this.cutoff) {
      this.keptInsideRetention++;
      if (this.keeps.length < MAX_LISTED_KEEPS) {
        this.keeps.push({
          id: object.key,
          action: 'keep',
          reason: written === undefined ? 'no LastModified: kept' : 'inside the retention',
          time: written?.toISOString(),
          objects: 1,
          bytes: object.size,
        });
      }
      return;
    }
    this.candidateCount++;
    this.candidateBytes += object.size;
    if (this.candidates.length < this.maxKeys + this.keepLast) this.candidates.push(object);
  }

  result(retentionText: string): PrefixTally {
    const protectedKeys = new Set(this.newest.map((o) => o.key));
    const protectedOld = this.newest.filter((o) => o.lastModified !== undefined && o.lastModified < this.cutoff);
    const deletable = this.candidates.filter((o) => !protectedKeys.has(o.key));
    const objectsToDelete = this.candidateCount - protectedOld.length;
    const bytesToFree = this.candidateBytes - protectedOld.reduce((n, o) => n + o.size, 0);
    const deleteKeys = deletable.slice(0, this.maxKeys).map((o) => o.key);
    const decisions: BackupDecision[] = [
      ...this.keeps,
      ...protectedOld.map((o) => ({
        id: o.key,
        action: 'keep' as const,
        reason: `older than ${retentionText} but among the newest ${this.keepLast} (keepLast)`,
        time: o.lastModified?.toISOString(),
        objects: 1,
        bytes: o.size,
      })),
      ...deletable.slice(0, this.maxKeys).map((o) => ({
        id: o.key,
        action: 'delete' as const,
        reason: `older than ${retentionText}`,
        time: o.lastModified?.toISOString(),
        objects: 1,
        bytes: o.size,
      })),
    ];
    return {
      backups: decisions,
      deleteKeys,
      keysTruncated: objectsToDelete > deleteKeys.length,
      objectsToDelete,
      bytesToFree,
      total: this.total,
      keptInsideRetention: this.keptInsideRetention,
    };
  }
}
