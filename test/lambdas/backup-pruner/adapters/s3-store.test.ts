import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { S3ObjectStore } from '../../../../lambdas/backup-pruner/adapters/s3-store';

const s3 = mockClient(S3Client);
const noSleep = async () => undefined;
const store = (opts = {}) =>
  new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'bkt', { sleep: noSleep, ...opts });
const keys = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);

beforeEach(() => s3.reset());

describe('S3ObjectStore.listPages', () => {
  it('follows continuation tokens over every page', async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'a', Size: 1 }], IsTruncated: true, NextContinuationToken: 't1' })
      .resolvesOnce({ Contents: [{ Key: 'b', Size: 2 }], IsTruncated: true, NextContinuationToken: 't2' })
      .resolvesOnce({ Contents: [{ Key: 'c', Size: 3 }], IsTruncated: false });
    const st = store();
    const seen: string[] = [];
    for await (const page of st.listPages('p/')) seen.push(...page.map((o) => o.key));
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 3);
    expect(s3.commandCalls(ListObjectsV2Command)[1].args[0].input).toMatchObject({
      Bucket: 'bkt',
      Prefix: 'p/',
      ContinuationToken: 't1',
    });
    expect(st.requests.list).toBe(3);
  });

  it('refuses a truncated page without a continuation token (a partial listing decides nothing)', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'a', Size: 1 }], IsTruncated: true });
    const consume = async () => {
      for await (const _page of store().listPages('p/')) void _page;
    };
    await expect(consume()).rejects.toThrow(/truncated but gave no continuation token/);
  });
});

describe('S3ObjectStore.deleteKeys', () => {
  it('sends batches of at most 1000 keys in Quiet mode', async () => {
    s3.on(DeleteObjectsCommand).resolves({});
    const st = store();
    const out = await st.deleteKeys(keys(2500));
    expect(out.deleted).toBe(2500);
    expect(out.errors).toEqual([]);
    expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 3);
    const sizes = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.length);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(s3.commandCalls(DeleteObjectsCommand)[0].args[0].input.Delete?.Quiet).toBe(true);
  });

  it('reads per-key errors from a 200 reply and reports them without failing the others', async () => {
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'k00001', Code: 'AccessDenied', Message: 'Access Denied' }],
    });
    const out = await store().deleteKeys(keys(3));
    expect(out.deleted).toBe(2);
    expect([...out.deletedKeys]).toEqual(['k00000', 'k00002']);
    expect(out.errors).toEqual([
      {
        key: 'k00001',
        code: 'AccessDenied',
        versionId: undefined,
        message: expect.stringMatching(/Access Denied \(missing s3:DeleteObject/),
      },
    ]);
  });

  it('retries keys that failed with a retryable code, then reports what still fails', async () => {
    s3.on(DeleteObjectsCommand)
      .resolvesOnce({
        Errors: [
          { Key: 'k00000', Code: 'SlowDown' },
          { Key: 'k00001', Code: 'InternalError' },
        ],
      })
      .resolvesOnce({ Errors: [{ Key: 'k00001', Code: 'InternalError' }] })
      .resolves({ Errors: [{ Key: 'k00001', Code: 'InternalError' }] });
    const out = await store({ keyAttempts: 3 }).deleteKeys(keys(3));
    const calls = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.map((o) => o.Key));
    expect(calls).toEqual([['k00000', 'k00001', 'k00002'], ['k00000', 'k00001'], ['k00001']]);
    expect(out.deleted).toBe(2);
    expect(out.errors.map((e) => [e.key, e.code])).toEqual([['k00001', 'InternalError']]);
  });

  it.each([
    ['without a Key', { Code: 'AccessDenied' }],
    ['naming a key that was not sent', { Key: 'other', Code: 'AccessDenied' }],
    ['with a VersionId the request did not have', { Key: 'k00001', VersionId: 'v9', Code: 'AccessDenied' }],
  ])('a per-key error %s fails the whole batch (no key counted deleted)', async (_name, error) => {
    s3.on(DeleteObjectsCommand).resolves({ Errors: [error] });
    const out = await store().deleteKeys(keys(3));
    expect(out.deleted).toBe(0);
    expect(out.deletedKeys.size).toBe(0);
    expect(out.errors.map((e) => [e.key, e.code])).toEqual([
      ['k00000', 'UnmatchedError'],
      ['k00001', 'UnmatchedError'],
      ['k00002', 'UnmatchedError'],
    ]);
    expect(out.errors[0].message).toMatch(/matches no key of the request; the whole batch is counted as failed/);
  });

  it('a version error with an unmatched VersionId fails the whole purge batch', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: 'p/a', VersionId: 'a1' },
        { Key: 'p/a', VersionId: 'a2' },
      ],
      IsTruncated: false,
    });
    // The store names the key but not the version (or another one): which version failed is unknown.
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'p/a', Code: 'AccessDenied' }] });
    const out = await store().purgeVersions('p/', () => true);
    expect(out.deleted).toBe(0);
    expect(out.errors.map((e) => [e.versionId, e.code])).toEqual([
      ['a1', 'UnmatchedError'],
      ['a2', 'UnmatchedError'],
    ]);
  });

  it('a whole-request failure fails every key of that batch only', async () => {
    s3.on(DeleteObjectsCommand)
      .rejectsOnce(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'denied' }))
      .resolves({});
    const out = await store().deleteKeys(keys(1500));
    expect(out.deleted).toBe(500);
    expect(out.errors).toHaveLength(1000);
    expect(out.errors[0]).toMatchObject({
      key: 'k00000',
      code: 'AccessDenied',
      message: 'DeleteObjects failed: denied',
    });
  });

  it('switches to Content-MD5 and resends when the store rejects the default checksum', async () => {
    s3.on(DeleteObjectsCommand)
      .rejectsOnce(
        new S3ServiceException({
          name: 'MissingContentMD5',
          $fault: 'client',
          $metadata: {},
          message: 'Missing required header for this request: Content-Md5',
        }),
      )
      .resolves({});
    const st = store();
    const out = await st.deleteKeys(keys(10));
    expect(out.deleted).toBe(10);
    expect(st.usingContentMd5).toBe(true);
    expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 2);
  });

  it('stops between batches when told to, reporting what was not attempted', async () => {
    s3.on(DeleteObjectsCommand).resolves({});
    let batches = 0;
    const out = await store().deleteKeys(keys(3500), () => batches++ >= 2);
    expect(out.deleted).toBe(2000);
    expect(out.notAttempted).toBe(1500);
  });
});

describe('S3ObjectStore.purgeVersions', () => {
  it('deletes every version and delete marker of the selected keys, and reports Object Lock refusals per key', async () => {
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: [
          { Key: 'p/a', VersionId: 'a1' },
          { Key: 'p/a', VersionId: 'a2' },
          { Key: 'p/keep', VersionId: 'k1' },
        ],
        IsTruncated: true,
        NextKeyMarker: 'p/a',
        NextVersionIdMarker: 'a2',
      })
      .resolvesOnce({
        DeleteMarkers: [{ Key: 'p/a', VersionId: 'm1' }],
        Versions: [{ Key: 'p/b', VersionId: 'b1' }],
        IsTruncated: false,
      });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [
        {
          Key: 'p/b',
          VersionId: 'b1',
          Code: 'AccessDenied',
          Message: 'Access Denied because object protected by object lock.',
        },
      ],
    });
    const st = store();
    const out = await st.purgeVersions('p/', (k) => k === 'p/a' || k === 'p/b');
    expect(s3.commandCalls(ListObjectVersionsCommand)[1].args[0].input).toMatchObject({
      Bucket: 'bkt',
      Prefix: 'p/',
      KeyMarker: 'p/a',
      VersionIdMarker: 'a2',
    });
    const sent = s3.commandCalls(DeleteObjectsCommand).flatMap((c) => c.args[0].input.Delete?.Objects ?? []);
    expect(sent).toEqual([
      { Key: 'p/a', VersionId: 'a1' },
      { Key: 'p/a', VersionId: 'a2' },
      { Key: 'p/b', VersionId: 'b1' },
      { Key: 'p/a', VersionId: 'm1' },
    ]);
    expect(out.deleted).toBe(3);
    expect(out.errors).toEqual([
      {
        key: 'p/b',
        versionId: 'b1',
        code: 'AccessDenied',
        message: expect.stringMatching(/object lock.*\(Object Lock retention or legal hold/i),
      },
    ]);
  });
});

describe('S3ObjectStore: deadline and cap', () => {
  const versionPages = () =>
    s3
      .on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: [{ Key: 'p/a', VersionId: 'a1' }],
        IsTruncated: true,
        NextKeyMarker: 'p/a',
        NextVersionIdMarker: 'a1',
      })
      .resolvesOnce({
        Versions: [{ Key: 'p/b', VersionId: 'b1' }],
        IsTruncated: true,
        NextKeyMarker: 'p/b',
        NextVersionIdMarker: 'b1',
      })
      .resolvesOnce({ Versions: [{ Key: 'p/c', VersionId: 'c1' }], IsTruncated: false });

  it('purgeVersions stops listing once the run must stop, and deletes nothing', async () => {
    s3.on(DeleteObjectsCommand).resolves({});
    let pages = 0;
    s3.on(ListObjectVersionsCommand).callsFake(() => {
      pages++;
      return pages === 1
        ? { Versions: [{ Key: 'p/a', VersionId: 'a1' }], IsTruncated: true, NextKeyMarker: 'p/a' }
        : { Versions: [{ Key: 'p/b', VersionId: 'b1' }], IsTruncated: false };
    });
    const out = await store().purgeVersions(
      'p/',
      () => true,
      () => pages >= 1,
    );
    expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 1);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
    expect(out).toMatchObject({ deleted: 0, notAttempted: 1, stopped: true });
  });

  it('purgeVersions deletes no version when more than maxVersions are found', async () => {
    versionPages();
    s3.on(DeleteObjectsCommand).resolves({});
    const out = await store().purgeVersions('p/', () => true, undefined, 2);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
    expect(out).toMatchObject({ deleted: 0, overCap: { found: 3, cap: 2 } });
  });

  it('purgeVersions within maxVersions deletes them all', async () => {
    versionPages();
    s3.on(DeleteObjectsCommand).resolves({});
    const out = await store().purgeVersions('p/', () => true, undefined, 3);
    expect(out).toMatchObject({ deleted: 3, notAttempted: 0 });
    expect(out.overCap).toBeUndefined();
  });

  it('does not retry a retryable per-key error once the run must stop; reports the key as failed', async () => {
    let sent = 0;
    s3.on(DeleteObjectsCommand).callsFake(() => {
      sent++;
      return { Errors: [{ Key: 'k00001', Code: 'SlowDown' }] };
    });
    const out = await store({ keyAttempts: 4 }).deleteKeys(keys(3), () => sent >= 1);
    expect(sent).toBe(1);
    expect(out.deleted).toBe(2);
    expect(out.deletedKeys.has('k00001')).toBe(false);
    expect(out.errors).toEqual([
      { key: 'k00001', versionId: undefined, code: 'SlowDown', message: expect.stringMatching(/not retried/) },
    ]);
    expect(out.stopped).toBe(true);
  });
});

describe('S3ObjectStore.getText', () => {
  it('reads a manifest and refuses one that is too large', async () => {
    // The port only uses transformToString, which is all this stand-in for the SDK stream provides.
    const body = (text: string) => ({ transformToString: async () => text }) as never;
    s3.on(GetObjectCommand, { Key: 'small' }).resolves({ Body: body('status=DONE\n'), ContentLength: 12 });
    s3.on(GetObjectCommand, { Key: 'big' }).resolves({ Body: body('x'), ContentLength: 5_000_000 });
    const st = store();
    await expect(st.getText('small')).resolves.toBe('status=DONE\n');
    await expect(st.getText('big')).rejects.toThrow(/5000000 bytes, more than the 1048576/);
  });
});

describe('S3ObjectStore.probeVersionListing', () => {
  it('asks for one version under the prefix and resolves when the store can list versions', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [], IsTruncated: false });
    const st = store();
    await expect(st.probeVersionListing('pg/db/')).resolves.toBeUndefined();
    expect(s3).toHaveReceivedCommandWith(ListObjectVersionsCommand, { Bucket: 'bkt', Prefix: 'pg/db/', MaxKeys: 1 });
    expect(st.requests.listVersions).toBe(1);
  });

  it('throws the store refusal (s3rver, some MinIO setups) so the planner can refuse before deleting', async () => {
    s3.on(ListObjectVersionsCommand).rejects(
      new S3ServiceException({ name: 'NotImplemented', $fault: 'server', $metadata: {}, message: 'not implemented' }),
    );
    await expect(store().probeVersionListing('pg/db/')).rejects.toMatchObject({ name: 'NotImplemented' });
  });
});
