/**
 * In-memory doubles of the backup-pruner's ObjectStore port (lambdas/backup-pruner/ports.ts), shared by the job
 * tests, the bench and the CLI tests.
 */
import type { DeleteOutcome, ObjectStore } from '../../lambdas/backup-pruner/ports';
import type { DeleteError, RequestCounts, StoredObject } from '../../lambdas/backup-pruner/types';

/** What a bucket holds per key. */
export type MemoryObjects = Map<string, { size: number; body: string; lastModified?: Date }>;

/** An in-memory bucket with the ObjectStore contract; `refuse` makes chosen keys fail like an Object Lock refusal. */
export class MemoryObjectStore implements ObjectStore {
  readonly requests: RequestCounts = { list: 0, get: 0, delete: 0, listVersions: 0 };
  readonly deleteOrder: string[][] = [];
  /** Set to make the store refuse ListObjectVersions (as s3rver and some MinIO setups do). */
  versionListingError?: Error;
  constructor(
    readonly objects: Map<string, { size: number; body: string; lastModified?: Date }>,
    private readonly refuse: (key: string) => boolean = () => false,
  ) {}
  async *listPages(prefix: string): AsyncIterable<StoredObject[]> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (let i = 0; i < keys.length || i === 0; i += 1000) {
      this.requests.list++;
      yield keys.slice(i, i + 1000).map((key) => ({
        key,
        size: this.objects.get(key)?.size ?? 0,
        lastModified: this.objects.get(key)?.lastModified,
      }));
    }
  }
  async getText(key: string): Promise<string> {
    this.requests.get++;
    const o = this.objects.get(key);
    if (!o) throw new Error(`NoSuchKey ${key}`);
    return o.body;
  }
  async probeVersionListing(_prefix: string): Promise<void> {
    this.requests.listVersions++;
    if (this.versionListingError) throw this.versionListingError;
  }
  async deleteKeys(keys: readonly string[], shouldStop: () => boolean = () => false): Promise<DeleteOutcome> {
    const deletedKeys = new Set<string>();
    const errors: DeleteError[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      if (shouldStop()) return { deleted: deletedKeys.size, deletedKeys, errors, notAttempted: keys.length - i };
      this.requests.delete++;
      const batch = keys.slice(i, i + 1000);
      this.deleteOrder.push(batch);
      for (const k of batch) {
        if (this.refuse(k)) errors.push({ key: k, code: 'AccessDenied', message: 'locked' });
        else {
          this.objects.delete(k);
          deletedKeys.add(k);
        }
      }
    }
    return { deleted: deletedKeys.size, deletedKeys, errors, notAttempted: 0 };
  }
  async purgeVersions(
    _prefix: string,
    _select: (key: string) => boolean,
    _shouldStop?: () => boolean,
    _maxVersions?: number,
  ): Promise<DeleteOutcome> {
    this.requests.listVersions++;
    if (this.versionListingError) throw this.versionListingError;
    return { deleted: 0, deletedKeys: new Set(), errors: [], notAttempted: 0 };
  }
}

/**
 * A versioned bucket: every deleted key leaves `versionsPerKey` noncurrent versions/markers. purgeVersions honours
 * maxVersions as the S3 port does (lists first, deletes none above it); `purgeFailure` makes a purge report an error
 * and stop for time.
 */
export class VersionedMemoryObjectStore extends MemoryObjectStore {
  readonly purgeCalls: { prefix: string; maxVersions?: number }[] = [];
  private readonly gone = new Set<string>();
  constructor(
    objects: Map<string, { size: number; body: string; lastModified?: Date }>,
    private readonly versionsPerKey: number,
    private readonly purgeFailure = false,
  ) {
    super(objects);
  }
  override async deleteKeys(keys: readonly string[], shouldStop?: () => boolean): Promise<DeleteOutcome> {
    const out = await super.deleteKeys(keys, shouldStop);
    out.deletedKeys.forEach((k) => this.gone.add(k));
    return out;
  }
  override async purgeVersions(
    prefix: string,
    select: (key: string) => boolean,
    _shouldStop?: () => boolean,
    maxVersions = Number.POSITIVE_INFINITY,
  ): Promise<DeleteOutcome> {
    this.requests.listVersions++;
    if (this.versionListingError) throw this.versionListingError;
    this.purgeCalls.push({ prefix, maxVersions });
    const keys = [...this.gone].filter((k) => k.startsWith(prefix) && select(k));
    const found = keys.length * this.versionsPerKey;
    const none = { deleted: 0, deletedKeys: new Set<string>(), errors: [] };
    if (found > maxVersions) return { ...none, notAttempted: 0, overCap: { found, cap: maxVersions } };
    if (this.purgeFailure) {
      return {
        ...none,
        errors: [{ key: keys[0], versionId: 'v1', code: 'AccessDenied', message: 'locked version' }],
        notAttempted: found - 1,
        stopped: true,
      };
    }
    keys.forEach((k) => this.gone.delete(k));
    return { ...none, deleted: found, deletedKeys: new Set(keys), notAttempted: 0 };
  }
}
