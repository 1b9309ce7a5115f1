import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface AwsClientOptions {
  /** Region code; defaults to the SDK's own resolution (AWS_REGION in Lambda, the profile locally). */
  readonly region?: string;
  /** Endpoint override, e.g. a MinIO URL or a loopback test server. */
  readonly endpoint?: string;
  /** Total attempts including the first; bounded so a throttled API cannot eat the whole invocation. */
  readonly maxAttempts?: number;
  /** Socket connect timeout. */
  readonly connectionTimeoutMs?: number;
  /** Per-request timeout. */
  readonly requestTimeoutMs?: number;
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * The configuration every AWS SDK client in the suite is built with: adaptive retry (client-side rate limiting
 * on throttling), a bounded number of attempts and explicit timeouts. Spread it into a client constructor:
 * `new S3Client({ ...awsClientConfig(opts), forcePathStyle: true })`.
 */
export function awsClientConfig(options: AwsClientOptions = {}) {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) {
    throw new RangeError(`maxAttempts must be an integer from 1 to 10 (got ${maxAttempts})`);
  }
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts,
    retryMode: 'adaptive' as const,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
    }),
  };
}

/** A client class the factory can build, e.g. S3Client. */
export type AwsClientClass<C, Extra> = new (config: ReturnType<typeof awsClientConfig> & Extra) => C;

/** Builds a client with the house configuration plus any client-specific settings. */
export function createAwsClient<C, Extra extends object = object>(
  ClientClass: AwsClientClass<C, Extra>,
  options: AwsClientOptions = {},
  extra: Extra = {} as Extra,
): C {
  return new ClientClass({ ...awsClientConfig(options), ...extra });
}
