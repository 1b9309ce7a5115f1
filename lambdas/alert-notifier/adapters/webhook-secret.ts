/**
 * Port: the webhook directory. The Slack webhook URLs live in ONE Secrets Manager secret, a JSON map of
 * route name → URL, read with Powertools Parameters and cached per warm container. No URL ever appears in an
 * error message.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsErrorCode } from '../../shared/aws-errors';
import { asRecord } from '../core/json';
import { InvalidWebhookUrlError, WebhookSecretError, type WebhookSecretSource } from '../ports';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A webhook URL must be https (plain http only to a loopback host, for tests). Returns the reason it is not. */
export function webhookUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return 'is not a non-empty string';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return 'must be an https URL';
}

/** The shape of an error code worth logging (never free text, which could quote the secret's value). */
const CODE = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;
/** Wrappers whose own name says nothing: Powertools' GetParameterError carries the SDK error as its cause. */
const WRAPPERS = new Set(['GetParameterError', 'Error']);

/**
 * Why the secret could not be read: the innermost meaningful code of the error and its causes (the SDK's
 * AccessDeniedException / ResourceNotFoundException / ThrottlingException, a network code such as ECONNREFUSED,
 * TimeoutError), else the error's name. Only names and codes are read, never a message.
 */
export function readFailureCode(err: unknown): string {
  const chain: unknown[] = [];
  for (let e: unknown = err; e && typeof e === 'object' && chain.length < 5; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  for (const e of chain.reverse()) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    for (const c of [code, awsErrorCode(e), name])
      if (typeof c === 'string' && CODE.test(c) && !WRAPPERS.has(c)) return c;
  }
  return 'GetParameterError';
}

/** Loads the secret's parsed JSON value. */
export type SecretLoader = () => Promise<unknown>;

export class WebhookDirectory implements WebhookSecretSource {
  constructor(
    private readonly secretName: string,
    private readonly load: SecretLoader,
  ) {}

  /**
   * The URL for `route`, or undefined when the secret has no entry for it. Throws InvalidWebhookUrlError when the
   * entry is not a usable URL, and WebhookSecretError when the secret itself cannot be read or is not a JSON map.
   */
  async urlFor(route: string): Promise<string | undefined> {
    let value: unknown;
    try {
      value = await this.load();
    } catch (err) {
      const code = readFailureCode(err);
      throw new WebhookSecretError(`cannot read webhook secret "${this.secretName}": ${code}`, code);
    }
    const map = asRecord(value);
    if (!map)
      throw new WebhookSecretError(`webhook secret "${this.secretName}" must be a JSON object of route name → URL`);
    // Own keys only: `route in map` would also see `constructor`, `toString`... inherited from Object.prototype.
    if (!Object.hasOwn(map, route)) return undefined;
    const problem = webhookUrlProblem(map[route]);
    if (problem) throw new InvalidWebhookUrlError(this.secretName, route, problem);
    return map[route] as string;
  }
}

/**
 * A loader that reads the secret through Powertools Parameters with caching (`maxAge` seconds) and JSON transform,
 * on the given client (built with the house client settings).
 */
export function secretsManagerLoader(
  secretName: string,
  client: SecretsManagerClient,
  maxAgeSeconds: number,
): SecretLoader {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  return () => provider.get(secretName, { maxAge: maxAgeSeconds, transform: 'json' });
}
