import { S3Client } from '@aws-sdk/client-s3';
import { type AwsClientOptions, createAwsClient } from '../../shared/aws-clients';

export interface S3TargetConnection {
  readonly endpointUrl?: string;
  readonly region?: string;
  readonly maxAttempts?: number;
  /** The run's deadline (epoch ms): no call outlives it (see AwsClientOptions.deadline). */
  readonly deadline?: AwsClientOptions['deadline'];
  /** Budget of one call, retries included (see AwsClientOptions.callTimeoutMs). */
  readonly callTimeoutMs?: number;
  /** Only for tests and the CLI's explicit profile; the function uses its role. */
  readonly credentials?: AwsClientOptions['credentials'];
}

/** An S3 client for one target: path-style addressing with a custom endpoint (MinIO needs it). */
export function createS3Client(target: S3TargetConnection): S3Client {
  const custom = target.endpointUrl !== undefined;
  return createAwsClient(
    S3Client,
    {
      region: target.region,
      endpoint: target.endpointUrl,
      maxAttempts: target.maxAttempts,
      credentials: target.credentials,
      deadline: target.deadline,
      callTimeoutMs: target.callTimeoutMs,
    },
    custom
      ? {
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {},
  );
}
