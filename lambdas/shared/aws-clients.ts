import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, MiddlewareStack } from '@smithy/types';

export interface AwsClientOptions {
  /** Region code; defaults to the SDK's own resolution (AWS_REGION in Lambda, the profile locally). */
  readonly region?: string;
  /** Endpoint override, e.g. a MinIO URL or a loopback test server. */
  readonly endpoint?: string;
  /** Total attempts including the first; bounded so a throttled API cannot eat the whole invocation. */
  readonly maxAttempts?: number;
  /** Socket connect timeout. */
  readonly connectionTimeoutMs?: number;
  /** Per-attempt timeout: an attempt that has no complete answer by then fails (and may be retried). */
  readonly requestTimeoutMs?: number;
  /**
   * Budget of one call, all attempts and back-off included: past it the call fails with "<Client>.<Command> timed
   * out" whatever the retries are doing. Default: two attempts' worth of `requestTimeoutMs`.
   */
  readonly callTimeoutMs?: number;
  /**
   * The run's deadline (epoch ms), read at every call: no call outlives it. Jobs pass the time at which they must
   * stop working, so a hung endpoint cannot carry a run past its own stop-before-timeout check.
   */
  readonly deadline?: () => number;
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** A call that did not finish within its budget or before the run's deadline; names the operation. */
export class AwsCallTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly operation: string,
    readonly budgetMs: number,
    override readonly cause?: unknown,
  ) {
    super(`${operation} timed out after ${budgetMs} ms`);
  }
}

/**
 * The configuration every AWS SDK client in the suite is built with: adaptive retry (client-side rate limiting
 * on throttling), a bounded number of attempts and explicit timeouts that fail the attempt
 * (`throwOnRequestTimeout`: without it @smithy/node-http-handler only logs a warning and the call hangs).
 * Spread it into a client constructor: `new S3Client({ ...awsClientConfig(opts), forcePathStyle: true })`;
 * `createAwsClient` also bounds each whole call (see AwsClientOptions.callTimeoutMs).
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
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    }),
  };
}

/** A client class the factory can build, e.g. S3Client. */
export type AwsClientClass<C, Extra> = new (config: ReturnType<typeof awsClientConfig> & Extra) => C;

type AnyMiddlewareStack = MiddlewareStack<object, object>;
type Send = (command: unknown, options?: unknown, cb?: unknown) => Promise<unknown>;

/** How long an aborted call may take to settle before its budget error is raised regardless. */
const ABORT_GRACE_MS = 1_000;
const OPERATION = Symbol('platformOpsOperation');

function operationOf(err: unknown, command: unknown): string {
  const named = (err as { [OPERATION]?: string } | undefined)?.[OPERATION];
  return named ?? (command as object)?.constructor?.name ?? 'AWS call';
}

/**
 * Bounds every call of `client` by its budget and the run's deadline, and names the operation in timeout errors
 * (`S3Client.ListObjectsV2Command timed out after 30000 ms`). When the budget runs out, the call's abort signal
 * fires (in-flight requests and retries stop) and the call fails; a caller's own `abortSignal` is honoured too.
 */
export function boundCalls<C extends { middlewareStack: unknown; send: unknown }>(
  client: C,
  options: AwsClientOptions = {},
): C {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const budget = options.callTimeoutMs ?? 2 * requestTimeout;
  // Names the operation on every error, and turns an attempt's bare TimeoutError into one that says which call.
  (client.middlewareStack as AnyMiddlewareStack).add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const operation = `${context.clientName ?? 'AwsClient'}.${context.commandName ?? 'call'}`;
        if ((err as Error)?.name === 'TimeoutError' && !(err instanceof AwsCallTimeoutError)) {
          throw new AwsCallTimeoutError(operation, requestTimeout, err);
        }
        if (err && typeof err === 'object') {
          Object.defineProperty(err, OPERATION, { value: operation, configurable: true, enumerable: false });
        }
        throw err;
      }
    },
    { step: 'initialize', name: 'platformOpsCallNames', priority: 'high' },
  );

  // The prototype's send is looked up at each call, so test doubles that stub the class (aws-sdk-client-mock) still apply.
  const send: Send = (...args) => (Object.getPrototypeOf(client) as { send: Send }).send.apply(client, args);
  (client as { send: Send }).send = (command, callOptions, cb) => {
    if (typeof callOptions === 'function' || cb !== undefined) return send(command, callOptions, cb);
    const opts = (callOptions ?? {}) as { abortSignal?: AbortSignal };
    const left = options.deadline ? options.deadline() - Date.now() : Infinity;
    const limit = Math.round(Math.max(0, Math.min(budget, left)));
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(opts.abortSignal?.reason);
    if (opts.abortSignal?.aborted) onCallerAbort();
    else opts.abortSignal?.addEventListener('abort', onCallerAbort, { once: true });
    let expired = false;
    let timer: NodeJS.Timeout | undefined;
    const budgetError = (err?: unknown) => new AwsCallTimeoutError(operationOf(err, command), limit, err);
    const outOfTime = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        controller.abort(new Error('call budget exhausted'));
        timer = setTimeout(() => reject(budgetError()), ABORT_GRACE_MS);
      }, limit);
    });
    const call = (async () => send(command, { ...opts, abortSignal: controller.signal }))().catch((err: unknown) => {
      if (expired && !(err instanceof AwsCallTimeoutError)) throw budgetError(err);
      throw err;
    });
    return Promise.race([call, outOfTime]).finally(() => {
      clearTimeout(timer);
      opts.abortSignal?.removeEventListener('abort', onCallerAbort);
    });
  };
  return client;
}

/** Builds a client with the house configuration plus any client-specific settings, every call bounded. */
export function createAwsClient<C extends { middlewareStack: unknown; send: unknown }, Extra extends object = object>(
  ClientClass: AwsClientClass<C, Extra>,
  options: AwsClientOptions = {},
  extra: Extra = {} as Extra,
): C {
  return boundCalls(new ClientClass({ ...awsClientConfig(options), ...extra }), options);
}
