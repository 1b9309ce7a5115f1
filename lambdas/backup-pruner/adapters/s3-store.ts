import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsErrorCode } from '../../shared/aws-errors';
import { sleep } from '../../shared/concurrency';
import type { DeleteOutcome, ObjectStore, VersionEntry } from '../ports';
import type { DeleteError, RequestCounts, StoredObject } from '../types';
import { type Md5State, installContentMd5Fallback, isContentMd5Required } from './content-md5';

/** S3's limit for one DeleteObjects request. */
export const MAX_DELETE_BATCH = 1000;

/** Per-key error codes worth retrying (S3 says "try again"); anything else is final for this run. */
export const RETRYABLE_KEY_ERRORS = new Set([
  'InternalError',
  'SlowDown',
  'ServiceUnavailable',
  'RequestTimeout',
  'OperationAborted',
]);

export interface S3ObjectStoreOptions {
  /** Attempts for a key that failed with a retryable per-key error (the SDK retries whole requests itself). */
  readonly keyAttempts?: number;
  /** Back-off between per-key retries; tests pass a no-op. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Send Content-MD5 on DeleteObjects from the start instead of waiting for the store to refuse CRC32. */
  readonly contentMd5?: boolean;
  /** Largest manifest read (backup.info, velero-backup.json); anything bigger is refused. */
  readonly maxManifestBytes?: number;
}

/** S3 (or an S3-compatible store) for one bucket: paginated listing, manifest reads, batched deletes. */
export class S3ObjectStore implements ObjectStore {
  readonly requests: RequestCounts = { list: 0, get: 0, delete: 0, listVersions: 0 };
  private readonly md5: Md5State;
  private readonly keyAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxManifestBytes: number;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    options: S3ObjectStoreOptions = {},
  ) {
    this.md5 = installContentMd5Fallback(client);
    if (options.contentMd5) this.md5.enabled = true;
    this.keyAttempts = options.keyAttempts ?? 4;
    this.sleep = options.sleep ?? sleep;
    this.maxManifestBytes = options.maxManifestBytes ?? 1_048_576;
  }

  /** True once DeleteObjects switched to Content-MD5 (reported, so operators can see their store needs it). */
  get usingContentMd5(): boolean {
    return this.md5.enabled;
  }

  /** Every page of ListObjectsV2 under `prefix` (≤ 1000 keys each, ascending by key). */
  async *listPages(prefix: string): AsyncIterable<StoredObject[]> {
    let token: string | undefined;
    do {
      this.requests.list++;
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1000 }),
      );
      yield (page.Contents ?? []).flatMap((o) =>
        o.Key === undefined ? [] : [{ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified }],
      );
      if (page.IsTruncated && !page.NextContinuationToken) {
        throw new Error(
          `ListObjectsV2 on s3://${this.bucket}/${prefix} said the listing is truncated but gave no continuation token`,
        );
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async getText(key: string): Promise<string> {
    this.requests.get++;
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (out.ContentLength !== undefined && out.ContentLength > this.maxManifestBytes) {
      await out.Body?.transformToString().catch(() => undefined);
      throw new Error(
        `${key} is ${out.ContentLength} bytes, more than the ${this.maxManifestBytes} a manifest may have`,
      );
    }
    if (!out.Body) throw new Error(`${key} has no body`);
    return out.Body.transformToString('utf-8');
  }

  async deleteKeys(keys: readonly string[], shouldStop: () => boolean = () => false): Promise<DeleteOutcome> {
    return this.deleteIdentifiers(
      keys.map((Key) => ({ Key })),
      shouldStop,
    );
  }

  async purgeVersions(
    prefix: string,
    select: (key: string) => boolean,
    shouldStop: () => boolean = () => false,
    maxVersions: number = Number.POSITIVE_INFINITY,
  ): Promise<DeleteOutcome> {
    const nothing = { deleted: 0, deletedKeys: new Set<string>(), errors: [] as DeleteError[] };
    // List first (the count decides whether the run's cap allows the purge at all), then delete.
    const selected: ObjectIdentifier[] = [];
    for await (const versions of this.listVersionPages(prefix)) {
      for (const v of versions) if (select(v.key)) selected.push({ Key: v.key, VersionId: v.versionId });
      if (selected.length > maxVersions)
        return { ...nothing, notAttempted: 0, overCap: { found: selected.length, cap: maxVersions } };
      if (shouldStop()) return { ...nothing, notAttempted: selected.length, stopped: true };
    }
    return this.deleteIdentifiers(selected, shouldStop);
  }

  async probeVersionListing(prefix: string): Promise<void> {
    this.requests.listVersions++;
    await this.client.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1 }));
  }

  async *listVersionPages(prefix: string): AsyncIterable<VersionEntry[]> {
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      this.requests.listVersions++;
      const page = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      const entries: VersionEntry[] = [];
      for (const v of page.Versions ?? []) {
        if (v.Key && v.VersionId) entries.push({ key: v.Key, versionId: v.VersionId, isDeleteMarker: false });
      }
      for (const m of page.DeleteMarkers ?? []) {
        if (m.Key && m.VersionId) entries.push({ key: m.Key, versionId: m.VersionId, isDeleteMarker: true });
      }
      yield entries;
      if (!page.IsTruncated) return;
      if (!page.NextKeyMarker)
        throw new Error(`ListObjectVersions on s3://${this.bucket}/${prefix} is truncated without a marker`);
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
  }

  /** DeleteObjects in batches of ≤ 1000 (Quiet), reading every per-key error and retrying the retryable ones. */
  private async deleteIdentifiers(ids: readonly ObjectIdentifier[], shouldStop: () => boolean): Promise<DeleteOutcome> {
    const deletedKeys = new Set<string>();
    const errors: DeleteError[] = [];
    const lastCodes = new Map<string, string>();
    let deleted = 0;
    for (let start = 0; start < ids.length; start += MAX_DELETE_BATCH) {
      if (shouldStop()) return { deleted, deletedKeys, errors, notAttempted: ids.length - start, stopped: true };
      let batch = ids.slice(start, start + MAX_DELETE_BATCH);
      for (let attempt = 1; batch.length > 0; attempt++) {
        if (attempt > 1 && shouldStop()) {
          // Out of time: the keys still failing are reported as they are, not retried.
          for (const o of batch) {
            errors.push({
              key: o.Key as string,
              versionId: o.VersionId,
              code: lastCodes.get(idOf(o)) ?? 'Unknown',
              message: 'failed with a retryable error and not retried: the run stopped for time',
            });
          }
          const notAttempted = Math.max(0, ids.length - (start + MAX_DELETE_BATCH));
          return { deleted, deletedKeys, errors, notAttempted, stopped: true };
        }
        const failed = await this.sendDeleteBatch(batch);
        const retry: ObjectIdentifier[] = [];
        const failedIds = new Set<string>();
        for (const f of failed) {
          const id = `${f.key}\u0000${f.versionId ?? ''}`;
          failedIds.add(id);
          lastCodes.set(id, f.code);
          if (RETRYABLE_KEY_ERRORS.has(f.code) && attempt < this.keyAttempts)
            retry.push({ Key: f.key, VersionId: f.versionId });
          else errors.push(f);
        }
        for (const o of batch) {
          if (failedIds.has(idOf(o))) continue;
          deleted++;
          deletedKeys.add(o.Key as string);
        }
        batch = retry;
        if (retry.length > 0 && !shouldStop())
          await this.sleep(Math.min(8_000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
      }
    }
    return { deleted, deletedKeys, errors, notAttempted: 0 };
  }

  /** One DeleteObjects request; returns the keys that failed (a whole-request failure fails every key). */
  private async sendDeleteBatch(batch: readonly ObjectIdentifier[]): Promise<DeleteError[]> {
    const command = () =>
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: [...batch], Quiet: true } });
    try {
      this.requests.delete++;
      let out;
      try {
        out = await this.client.send(command());
      } catch (err) {
        if (this.md5.enabled || !isContentMd5Required(err)) throw err;
        // The store refused the SDK's CRC32 checksum: switch this client to Content-MD5 and resend.
        this.md5.enabled = true;
        this.requests.delete++;
        out = await this.client.send(command());
      }
      // Quiet mode reports only failures: every key not named is counted deleted. An error we cannot tie to exactly
      // one key (and version) of the request would make us count a failed key as deleted, so it fails the batch.
      const sent = new Set(batch.map(idOf));
      const unmatched = (out.Errors ?? []).find(
        (e) => e.Key === undefined || !sent.has(idOf({ Key: e.Key, VersionId: e.VersionId })),
      );
      if (unmatched) {
        const named = unmatched.Key === undefined ? 'no key' : `key ${JSON.stringify(unmatched.Key)}`;
        const version = unmatched.VersionId === undefined ? '' : ` version ${JSON.stringify(unmatched.VersionId)}`;
        const message = `DeleteObjects reported an error (${unmatched.Code ?? 'Unknown'}) for ${named}${version} that matches no key of the request; the whole batch is counted as failed`;
        return batch.map((o) => ({ key: o.Key as string, versionId: o.VersionId, code: 'UnmatchedError', message }));
      }
      return (out.Errors ?? []).map((e) => ({
        key: e.Key as string,
        versionId: e.VersionId,
        code: e.Code ?? 'Unknown',
        message: describeKeyError(e.Code, e.Message, e.VersionId !== undefined),
      }));
    } catch (err) {
      const code = awsErrorCode(err);
      const message = `DeleteObjects failed: ${(err as Error).message ?? code}`;
      return batch.map((o) => ({ key: o.Key as string, versionId: o.VersionId, code, message }));
    }
  }
}

const idOf = (o: ObjectIdentifier): string => `${o.Key}\u0000${o.VersionId ?? ''}`;

/** Names the likely cause of an AccessDenied on one key: Object Lock on a version, or missing permissions. */
function describeKeyError(code: string | undefined, message: string | undefined, versioned: boolean): string {
  const text = message ?? code ?? 'unknown error';
  if (code === 'AccessDenied' && versioned)
    return `${text} (Object Lock retention or legal hold on this version, or no s3:DeleteObjectVersion)`;
  if (code === 'AccessDenied')
    return `${text} (missing s3:DeleteObject on this key, or a bucket policy/Object Lock refusal)`;
  return text;
}
