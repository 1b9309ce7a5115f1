import { createHash } from 'node:crypto';
import { type IncomingHttpHeaders, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createS3Client } from '../../../../lambdas/backup-pruner/adapters/s3-client';
import { S3ObjectStore } from '../../../../lambdas/backup-pruner/adapters/s3-store';

/**
 * A loopback stand-in for an older MinIO: DeleteObjects without a valid Content-MD5, or with the SDK's
 * x-amz-checksum-* headers, is refused with MissingContentMD5, as those stores do. It exercises the real SDK
 * middleware stack (serialization, checksum, signing), which a mocked client would skip.
 */
describe('Content-MD5 fallback against a store that requires it', () => {
  let server: Server;
  let endpoint: string;
  const seen: { headers: IncomingHttpHeaders; accepted: boolean; url?: string; host?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const md5 = req.headers['content-md5'];
        const crc = Object.keys(req.headers).some((h) => h.startsWith('x-amz-checksum-'));
        const accepted = req.method === 'POST' && md5 === createHash('md5').update(body).digest('base64') && !crc;
        seen.push({ headers: req.headers, accepted, url: req.url, host: req.headers.host });
        res.setHeader('content-type', 'application/xml');
        if (!accepted) {
          res.statusCode = 400;
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingContentMD5</Code><Message>Missing required header for this request: Content-Md5.</Message></Error>',
          );
          return;
        }
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is refused with the default CRC32 checksum, then succeeds with Content-MD5 on the same client', async () => {
    seen.length = 0;
    const store = new S3ObjectStore(
      createS3Client({ endpointUrl: endpoint, region: 'us-east-1', maxAttempts: 1 }),
      'bkt',
    );
    const first = await store.deleteKeys(['a/1', 'a/2']);
    expect(first).toMatchObject({ deleted: 2, errors: [] });
    expect(store.usingContentMd5).toBe(true);
    expect(seen.map((s) => s.accepted)).toEqual([false, true]);
    expect(Object.keys(seen[0].headers).some((h) => h.startsWith('x-amz-checksum-'))).toBe(true);
    expect(
      Object.keys(seen[1].headers).filter(
        (h) => h.startsWith('x-amz-checksum-') || h.startsWith('x-amz-sdk-checksum-'),
      ),
    ).toEqual([]);
    // Path-style addressing with a custom endpoint: the bucket is in the path, not the host name.
    expect(seen[1].url).toMatch(/^\/bkt\/?\?delete/);
    expect(seen[1].host).toBe(endpoint.replace('http://', ''));
    // Later batches go straight to Content-MD5.
    seen.length = 0;
    await store.deleteKeys(['a/3']);
    expect(seen.map((s) => s.accepted)).toEqual([true]);
  });

  it('can start in Content-MD5 mode (contentMd5: true) and never send CRC32', async () => {
    seen.length = 0;
    const store = new S3ObjectStore(
      createS3Client({ endpointUrl: endpoint, region: 'us-east-1', maxAttempts: 1 }),
      'bkt',
      { contentMd5: true },
    );
    await expect(store.deleteKeys(['b/1'])).resolves.toMatchObject({ deleted: 1, errors: [] });
    expect(seen.map((s) => s.accepted)).toEqual([true]);
  });
});
