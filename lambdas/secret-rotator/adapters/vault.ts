/**
 * Vault over HTTPS with node's own http/https: AWS IAM auth (a SigV4-signed sts:GetCallerIdentity, with
 * X-Vault-AWS-IAM-Server-ID among the signed headers when configured), the token kept in memory only, renewed by a
 * fresh login before it expires and revoked (revoke-self) at the end of the run; KV v2 and PKI calls with a deadline
 * each, retries on 503 (sealed) / 429 (standby) / network errors with backoff inside the run deadline, and Vault's
 * errors mapped to messages that name the path and the capability (403) or the name a PKI role refused (400).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { redact } from '../core/redact';
import type {
  KvMetadata,
  KvSecret,
  KvVersionInfo,
  PkiSignRequest,
  PkiSigned,
  VaultPort,
  VaultSessions,
} from '../ports';

export type VaultErrorCode =
  | 'cas-mismatch'
  | 'permission-denied'
  | 'pki-refused'
  | 'bad-request'
  | 'sealed'
  | 'standby'
  | 'login-failed'
  | 'deadline'
  | 'network'
  | 'server';

/** A Vault failure with a message fit for logs, events and terminals (bounded, no secrets). */
export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(redact(message, 600));
    this.name = 'VaultError';
  }
}

export interface VaultConnectionSettings {
  readonly address: string;
  readonly role: string;
  readonly kvMount: string;
  readonly authMount: string;
  readonly namespace?: string;
  readonly iamServerId?: string;
  readonly caCertPem?: string;
}

export interface VaultClientOptions {
  /** How to get a token: AWS IAM auth (the function) or a token the operator already has (the CLI). */
  readonly auth:
    | { readonly kind: 'aws-iam'; readonly credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity }
    | { readonly kind: 'token'; readonly token: string };
  /** Per-request deadline. */
  readonly timeoutMs: number;
  /** Milliseconds left in the run; no request starts or waits beyond it. */
  readonly remainingMs: () => number;
  /** Total attempts for a retryable failure. */
  readonly maxAttempts?: number;
  readonly baseBackoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** STS endpoint and signing region Vault expects (default the global endpoint, signed as us-east-1). */
  readonly sts?: { readonly url: string; readonly region: string };
}

interface RawResponse {
  readonly status: number;
  readonly body: string;
}

const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
const STS_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

function send(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string; ca?: string; signal: AbortSignal },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        method: init.method,
        headers: { ...init.headers, ...(init.body ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) },
        ...(init.ca ? { ca: init.ca } : {}),
        signal: init.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('response larger than 2 MiB'));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

function vaultErrors(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (Array.isArray(parsed.errors))
      return parsed.errors.map((e) => String(e).replace(/\s+/g, ' ').trim()).filter(Boolean);
  } catch {
    /* not JSON */
  }
  return body.trim() ? [body.trim().slice(0, 200)] : [];
}

/** Go's canonical header form (`X-Vault-Aws-Iam-Server-Id`), as Vault's reference clients send them. */
const canonicalHeader = (name: string) =>
  name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

/** The AWS IAM login payload: a signed GetCallerIdentity request, base64-encoded, for `auth/<mount>/login`. */
export async function iamLoginPayload(
  role: string,
  credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity,
  iamServerId: string | undefined,
  sts: { url: string; region: string } = { url: 'https://sts.amazonaws.com/', region: 'us-east-1' },
  signingDate?: Date,
): Promise<Record<string, string>> {
  const u = new URL(sts.url);
  const headers: Record<string, string> = {
    host: u.host,
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
  };
  // Added before signing, so the server id is among the signed headers (Vault requires it there).
  if (iamServerId) headers['x-vault-aws-iam-server-id'] = iamServerId;
  const signer = new SignatureV4({
    service: 'sts',
    region: sts.region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: u.protocol,
      hostname: u.hostname,
      path: u.pathname,
      headers,
      body: STS_BODY,
    }),
    signingDate ? { signingDate } : {},
  );
  const out = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [canonicalHeader(k), [v]]));
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return {
    role,
    iam_http_request_method: 'POST',
    iam_request_url: b64(sts.url),
    iam_request_body: b64(STS_BODY),
    iam_request_headers: b64(JSON.stringify(out)),
  };
}

interface Token {
  readonly id: string;
  /** Epoch ms after which it is re-obtained (a margin before the lease ends). */
  readonly refreshAt: number;
  readonly own: boolean;
}

/** One Vault connection: an address, namespace, login and KV mount. */
export class VaultClient implements VaultPort {
  private readonly obtained: string[] = [];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly settings: VaultConnectionSettings,
    private readonly options: VaultClientOptions,
    /** Shared between clients of one Vault login (same address, namespace, auth mount and role). */
    private readonly shared: { token?: Promise<Token> } = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private who(): string {
    return this.options.auth.kind === 'token' ? 'the Vault token in use' : `Vault role "${this.settings.role}"`;
  }

  /** One HTTP exchange with retries for sealed/standby/network failures, inside the run deadline. */
  private async exchange(
    method: string,
    apiPath: string,
    body: unknown,
    token: string | undefined,
  ): Promise<RawResponse> {
    const url = new URL(`${this.settings.address}/v1/${apiPath}`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers['x-vault-token'] = token;
    if (this.settings.namespace) headers['x-vault-namespace'] = this.settings.namespace;
    const maxAttempts = this.options.maxAttempts ?? 5;
    const base = this.options.baseBackoffMs ?? 250;
    let last: VaultError | undefined;
    let attempts = 0;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const left = Math.floor(this.options.remainingMs());
      attempts = attempt;
      if (left <= 0) throw last ?? new VaultError('deadline', `no time left in the run for ${method} ${apiPath}`);
      let response: RawResponse | undefined;
      try {
        response = await send(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          ca: this.settings.caCertPem,
          signal: AbortSignal.timeout(Math.min(this.options.timeoutMs, left)),
        });
      } catch (err) {
        const e = err as Error & { code?: string };
        const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
        last = new VaultError(
          timedOut ? 'deadline' : 'network',
          timedOut
            ? `${method} ${apiPath}: no answer from ${this.settings.address} within ${Math.min(this.options.timeoutMs, left)} ms`
            : `${method} ${apiPath}: cannot reach ${this.settings.address} (${e.code ?? e.message})`,
        );
      }
      if (response) {
        if (response.status !== 503 && response.status !== 429) return response;
        last =
          response.status === 503
            ? new VaultError(
                'sealed',
                `Vault at ${this.settings.address} is sealed or unavailable (503: ${vaultErrors(response.body).join('; ') || 'no detail'})`,
                503,
              )
            : new VaultError(
                'standby',
                `Vault at ${this.settings.address} answered 429 (standby or rate limit): ${vaultErrors(response.body).join('; ')}`,
                429,
              );
      }
      if (attempt === maxAttempts) break;
      const wait = base * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
      if (wait >= this.options.remainingMs()) break;
      await this.sleep(wait);
    }
    throw new VaultError(
      last!.code,
      `${last!.message}; gave up after ${attempts} attempt(s)${attempts < maxAttempts ? ' (the run deadline leaves no time for another)' : ''}`,
      last!.status,
    );
  }

  private async login(): Promise<Token> {
    const auth = this.options.auth;
    if (auth.kind === 'token') return { id: auth.token, refreshAt: Number.POSITIVE_INFINITY, own: false };
    const payload = await iamLoginPayload(
      this.settings.role,
      auth.credentials,
      this.settings.iamServerId,
      this.options.sts,
    );
    const res = await this.exchange('POST', `auth/${this.settings.authMount}/login`, payload, undefined);
    if (res.status !== 200)
      throw new VaultError(
        'login-failed',
        `AWS IAM login to ${this.settings.address} (auth/${this.settings.authMount}, role "${this.settings.role}") refused (${res.status}): ${vaultErrors(res.body).join('; ')}`,
        res.status,
      );
    const parsed = JSON.parse(res.body) as { auth?: { client_token?: string; lease_duration?: number } };
    const id = parsed.auth?.client_token;
    if (!id) throw new VaultError('login-failed', `AWS IAM login to ${this.settings.address} returned no token`);
    const leaseMs = (parsed.auth?.lease_duration ?? 0) * 1000;
    this.obtained.push(id);
    // Re-login once 80 % of the lease has passed (at least 30 s before the end); a lease of 0 never expires.
    const refreshAt =
      leaseMs > 0 ? Date.now() + Math.max(0, Math.min(leaseMs * 0.8, leaseMs - 30_000)) : Number.POSITIVE_INFINITY;
    return { id, refreshAt, own: true };
  }

  private async currentToken(): Promise<string> {
    if (this.shared.token) {
      const t = await this.shared.token.catch(() => undefined);
      if (t && t.refreshAt > Date.now()) return t.id;
    }
    this.shared.token = this.login();
    this.shared.token.catch(() => undefined);
    return (await this.shared.token).id;
  }

  /** Tokens this client obtained itself (operator tokens are never among them). */
  ownTokens(): readonly string[] {
    return this.obtained;
  }

  private async call(method: string, apiPath: string, body: unknown, capability: string): Promise<RawResponse> {
    const res = await this.exchange(method, apiPath, body, await this.currentToken());
    if (res.status === 403)
      throw new VaultError(
        'permission-denied',
        `permission denied: ${method} ${apiPath} needs the "${capability}" capability on "${apiPath}" in the policy of ${this.who()}${this.settings.namespace ? ` (namespace ${this.settings.namespace})` : ''}`,
        403,
      );
    if (res.status >= 500)
      throw new VaultError(
        'server',
        `${method} ${apiPath}: Vault error ${res.status}: ${vaultErrors(res.body).join('; ')}`,
        res.status,
      );
    return res;
  }

  private kvPath(kind: 'data' | 'metadata', path: string) {
    return `${this.settings.kvMount}/${kind}/${path}`;
  }

  async readMetadata(path: string): Promise<KvMetadata | undefined> {
    const apiPath = this.kvPath('metadata', path);
    const res = await this.call('GET', apiPath, undefined, 'read');
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.unexpected('GET', apiPath, res);
    const d = (JSON.parse(res.body) as { data: Record<string, unknown> }).data;
    const versions = (d.versions ?? {}) as Record<
      string,
      { created_time: string; deletion_time: string; destroyed: boolean }
    >;
    return {
      currentVersion: Number(d.current_version ?? 0),
      oldestVersion: Number(d.oldest_version ?? 0),
      maxVersions: Number(d.max_versions ?? 0),
      casRequired: Boolean(d.cas_required),
      customMetadata: stringRecord(d.custom_metadata),
      versions: Object.fromEntries(
        Object.entries(versions).map(([n, v]) => [
          n,
          { createdTime: v.created_time, deletionTime: v.deletion_time ?? '', destroyed: Boolean(v.destroyed) },
        ]),
      ),
    };
  }

  async readSecret(path: string, version?: number): Promise<KvSecret | undefined> {
    const apiPath = this.kvPath('data', path) + (version ? `?version=${version}` : '');
    const res = await this.call('GET', apiPath, undefined, 'read');
    if (res.status === 404) {
      // A deleted or destroyed version answers 404 with its metadata.
      const d = safeJson(res.body)?.data as { metadata?: Record<string, unknown> } | undefined;
      return d?.metadata ? { data: undefined, metadata: versionInfo(d.metadata) } : undefined;
    }
    if (res.status !== 200) throw this.unexpected('GET', apiPath, res);
    const d = (
      JSON.parse(res.body) as { data: { data: Record<string, unknown> | null; metadata: Record<string, unknown> } }
    ).data;
    return { data: d.data ?? undefined, metadata: versionInfo(d.metadata) };
  }

  async writeSecret(path: string, data: Record<string, string>, cas: number): Promise<KvVersionInfo> {
    const apiPath = this.kvPath('data', path);
    const res = await this.call('POST', apiPath, { options: { cas }, data }, cas === 0 ? 'create' : 'update');
    if (res.status === 400) {
      const errs = vaultErrors(res.body);
      if (errs.some((e) => e.includes('check-and-set parameter did not match')))
        throw new VaultError(
          'cas-mismatch',
          `${apiPath}: another writer changed the secret (check-and-set expected version ${cas}); nothing overwritten`,
          400,
        );
      throw new VaultError('bad-request', `POST ${apiPath} refused (400): ${errs.join('; ')}`, 400);
    }
    if (res.status !== 200) throw this.unexpected('POST', apiPath, res);
    return versionInfo((JSON.parse(res.body) as { data: Record<string, unknown> }).data);
  }

  async writeCustomMetadata(path: string, customMetadata: Record<string, string>): Promise<void> {
    const apiPath = this.kvPath('metadata', path);
    const res = await this.call('POST', apiPath, { custom_metadata: customMetadata }, 'update');
    if (res.status === 400)
      throw new VaultError('bad-request', `POST ${apiPath} refused (400): ${vaultErrors(res.body).join('; ')}`, 400);
    if (res.status !== 204 && res.status !== 200) throw this.unexpected('POST', apiPath, res);
  }

  private async sign(apiPath: string, what: string, r: PkiSignRequest): Promise<PkiSigned> {
    const body = {
      csr: r.csr,
      common_name: r.commonName,
      alt_names: r.altNames.join(','),
      ip_sans: r.ipSans.join(','),
      uri_sans: r.uriSans.join(','),
      ttl: r.ttl,
      format: 'pem',
      ...(r.maxPathLength !== undefined ? { max_path_length: r.maxPathLength } : {}),
    };
    const res = await this.call('POST', apiPath, body, 'update');
    if (res.status === 400) {
      const errs = vaultErrors(res.body);
      const name = errs
        .map((e) => /(?:common name|subject alternate name|email address) (\S+) not allowed by this role/.exec(e)?.[1])
        .find(Boolean);
      const ipOrUri = errs.find((e) => /(IP|URI) Subject Alternative Names/.test(e));
      throw new VaultError(
        'pki-refused',
        `${what} refused the request: ${name ? `the role does not allow the name "${name}"` : ipOrUri ? `the role does not allow these ${/IP/.test(ipOrUri) ? 'IP' : 'URI'} SANs (${r[/IP/.test(ipOrUri) ? 'ipSans' : 'uriSans'].join(', ')})` : "see Vault's reason"} (${errs.join('; ')})`,
        400,
      );
    }
    if (res.status !== 200) throw this.unexpected('POST', apiPath, res);
    const d = (JSON.parse(res.body) as { data: Record<string, unknown> }).data;
    return {
      certificate: String(d.certificate ?? ''),
      issuingCa: String(d.issuing_ca ?? ''),
      caChain: Array.isArray(d.ca_chain) ? d.ca_chain.map(String) : [],
      serialNumber: String(d.serial_number ?? ''),
    };
  }

  signCsr(mount: string, role: string, request: PkiSignRequest): Promise<PkiSigned> {
    return this.sign(`${mount}/sign/${role}`, `Vault PKI role ${mount}/roles/${role}`, request);
  }

  signIntermediate(mount: string, request: PkiSignRequest): Promise<PkiSigned> {
    return this.sign(`${mount}/root/sign-intermediate`, `Vault PKI ${mount}/root/sign-intermediate`, request);
  }

  /** Revokes the token this client obtained (never an operator's token). */
  async revokeOwnToken(): Promise<void> {
    const t = await this.shared.token?.catch(() => undefined);
    if (!t?.own) return;
    this.shared.token = undefined;
    const res = await this.exchange('POST', 'auth/token/revoke-self', undefined, t.id);
    if (res.status !== 204 && res.status !== 200)
      throw new VaultError(
        'server',
        `revoking the rotator's token at ${this.settings.address} failed (${res.status})`,
        res.status,
      );
  }

  private unexpected(method: string, apiPath: string, res: RawResponse): VaultError {
    return new VaultError(
      'server',
      `${method} ${apiPath}: unexpected ${res.status}: ${vaultErrors(res.body).join('; ')}`,
      res.status,
    );
  }
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

function versionInfo(m: Record<string, unknown>): KvVersionInfo {
  return {
    version: Number(m.version ?? 0),
    createdTime: String(m.created_time ?? ''),
    deletionTime: String(m.deletion_time ?? ''),
    destroyed: Boolean(m.destroyed),
  };
}

/**
 * The Vault connections of one run: one client per entry's settings, one login per Vault (address, namespace, auth
 * mount, role), every token obtained revoked on close. Revocation failures are reported, not thrown.
 */
export function createVaultSessions(
  options: VaultClientOptions & { readonly onRevokeError?: (message: string) => void },
): VaultSessions {
  const logins = new Map<string, { token?: Promise<Token> }>();
  const clients: VaultClient[] = [];
  return {
    forEntry(settings) {
      const loginKey = JSON.stringify([
        settings.address,
        settings.namespace ?? '',
        settings.authMount,
        settings.role,
        settings.iamServerId ?? '',
      ]);
      if (!logins.has(loginKey)) logins.set(loginKey, {});
      const client = new VaultClient(settings, options, logins.get(loginKey));
      clients.push(client);
      return client;
    },
    async close() {
      const seen = new Set<object>();
      for (const c of clients) {
        const key = JSON.stringify([
          c.settings.address,
          c.settings.namespace ?? '',
          c.settings.authMount,
          c.settings.role,
          c.settings.iamServerId ?? '',
        ]);
        const shared = logins.get(key)!;
        if (seen.has(shared)) continue;
        seen.add(shared);
        try {
          await c.revokeOwnToken();
        } catch (err) {
          options.onRevokeError?.((err as Error).message);
        }
      }
    },
  };
}
