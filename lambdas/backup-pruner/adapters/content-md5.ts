import { createHash } from 'node:crypto';
import type { S3Client, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { AbsoluteLocation, FinalizeRequestHandlerOptions, FinalizeRequestMiddleware } from '@smithy/types';

/** Switch for the Content-MD5 fallback, one per client (the middleware reads it on every DeleteObjects). */
export interface Md5State {
  enabled: boolean;
}
const md5States = new WeakMap<S3Client, Md5State>();

/**
 * Older MinIO (before RELEASE.2025-02-03), StorageGRID, Ceph versions and others reject the CRC32 checksum the SDK
 * sends on DeleteObjects since 3.729.0 and want Content-MD5 (aws-sdk-js-v3 supplemental-docs/MD5_FALLBACK.md).
 * This middleware, active only once enabled, replaces the flexible checksum headers with Content-MD5. It runs in
 * finalizeRequest at high priority: after the build step added the CRC32 headers, before retries and signing.
 */
export function installContentMd5Fallback(client: S3Client): Md5State {
  const existing = md5States.get(client);
  if (existing) return existing;
  const state: Md5State = { enabled: false };
  const middleware: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      if (state.enabled && context.commandName === 'DeleteObjectsCommand' && request.headers) {
        for (const name of Object.keys(request.headers)) {
          const lower = name.toLowerCase();
          if (
            lower.startsWith('x-amz-checksum-') ||
            lower.startsWith('x-amz-sdk-checksum-') ||
            lower === 'content-md5'
          ) {
            delete request.headers[name];
          }
        }
        const body = request.body;
        if (typeof body === 'string' || body instanceof Uint8Array) {
          request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
        }
      }
      return next(args);
    };
  const options: FinalizeRequestHandlerOptions & AbsoluteLocation = {
    step: 'finalizeRequest',
    priority: 'high',
    name: 'platformOpsContentMd5Fallback',
  };
  client.middlewareStack.add(middleware, options);
  md5States.set(client, state);
  return state;
}

/** True when a DeleteObjects failure says the store wants Content-MD5. */
export function isContentMd5Required(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; message?: string };
  const text = `${e?.name ?? ''} ${e?.Code ?? ''} ${e?.message ?? ''}`;
  return /MissingContentMD5/i.test(text) || /content-md5/i.test(text);
}
