import { createS3Client } from '../../../../lambdas/backup-pruner/adapters/s3-client';

describe('createS3Client', () => {
  it('uses path-style addressing and checksums only when required for a custom endpoint (MinIO)', async () => {
    const client = createS3Client({ endpointUrl: 'http://127.0.0.1:9000', region: 'us-east-1' });
    expect(client.config.forcePathStyle).toBe(true);
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    client.destroy();
  });

  it('keeps the SDK defaults for AWS S3', async () => {
    const client = createS3Client({ region: 'eu-west-1' });
    expect(client.config.forcePathStyle).toBeFalsy();
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
    client.destroy();
  });
});
