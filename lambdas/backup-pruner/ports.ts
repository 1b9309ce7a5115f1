/** The outside system the job talks to: one bucket of S3 or an S3-compatible store (MinIO, Ceph, StorageGRID). */
import type { DeleteError, RequestCounts, StoredObject } from './types';

export interface DeleteOutcome {
  /** Keys (or key versions) S3 reported deleted (Quiet mode: every key sent that is not in Errors). */
  readonly deleted: number;
  readonly deletedKeys: ReadonlySet<string>;
  readonly errors: readonly DeleteError[];
  /** Set when the run stopped before sending every batch (Lambda time); these keys were not attempted. */
  readonly notAttempted: number;
  /**
   * True when the run stopped for time before finishing (between batches, before a per-key retry, or while listing
   * versions); notAttempted may then be 0 when what was left is unknown (versions not listed yet).
   */
  readonly stopped?: boolean;
  /** purgeVersions only: set when more versions were found than `maxVersions`; nothing was deleted. */
  readonly overCap?: { readonly found: number; readonly cap: number };
}

export interface VersionEntry {
  readonly key: string;
  readonly versionId: string;
  readonly isDeleteMarker: boolean;
}

/**
 * The port the planner and executor use; adapters/s3-store.ts implements it and test/doubles/ holds the in-memory
 * double the tests, benches and CLI tests share.
 */
export interface ObjectStore {
  readonly requests: RequestCounts;
  listPages(prefix: string): AsyncIterable<StoredObject[]>;
  getText(key: string): Promise<string>;
  /** Resolves when the store can list object versions under `prefix` (one small request); throws when it cannot. */
  probeVersionListing(prefix: string): Promise<void>;
  deleteKeys(keys: readonly string[], shouldStop?: () => boolean): Promise<DeleteOutcome>;
  /**
   * Deletes every version and delete marker under `prefix` whose key passes `select` (versioned buckets). Lists them
   * all first; when more than `maxVersions` are found it deletes none and reports `overCap`.
   */
  purgeVersions(
    prefix: string,
    select: (key: string) => boolean,
    shouldStop?: () => boolean,
    maxVersions?: number,
  ): Promise<DeleteOutcome>;
}
