/**
 * A loopback Vault stand-in for the secret-rotator tests, CLI tests and benchmark (no Vault binary can be
 * installed here). It serves the parts of Vault's HTTP API the rotator uses, following the documented behaviour:
 *
 * - HTTP API overview, status codes and the `{"errors": [...]}` body; `X-Vault-Token`, `X-Vault-Namespace`:
 *   developer.hashicorp.com/vault/api-docs (sections "HTTP Status Codes", "Namespaces")
 * - KV v2: developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2 (read/create-update secret with `options.cas`,
 *   read/create-update metadata with `custom_metadata`, `max_versions`, `cas_required`; versions and deletion);
 *   the CAS rules and messages follow vault-plugin-secrets-kv path_data.go (a mismatch is 400 "check-and-set
 *   parameter did not match the current version"; `cas: 0` writes only when `current_version` is 0, which also holds
 *   for a key that has metadata but no version); custom_metadata limits (64 keys, 128-byte keys, 512-byte values)
 *   follow path_metadata.go
 * - PKI: developer.hashicorp.com/vault/api-docs/secret/pki ("Sign certificate" `/sign/:name`, "Sign intermediate"
 *   `/root/sign-intermediate`; response fields `certificate`, `issuing_ca`, `ca_chain`, `serial_number`,
 *   `expiration`); role checks with Vault's error texts ("common name %s not allowed by this role", "subject alternate
 *   name %s not allowed by this role", IP/URI SAN messages), names taken from the CSR (`use_csr_common_name`,
 *   `use_csr_sans`, both true by default), the common name added to the DNS SANs, ttl capped at the role's max_ttl
 * - AWS auth, IAM method: developer.hashicorp.com/vault/api-docs/auth/aws ("Login": `iam_http_request_method`,
 *   `iam_request_url`, `iam_request_body`, `iam_request_headers` base64 of the JSON headers; `iam_server_id_header_value`
 *   must be among the signed headers). Where Vault forwards the signed request to STS, the stand-in recomputes the
 *   SigV4 signature with the test credentials' secret key, so a wrongly signed login fails as it would at STS.
 * - Token: developer.hashicorp.com/vault/api-docs/auth/token ("Revoke a token (self)": POST auth/token/revoke-self, 204)
 * - Sealed: 503 `{"errors":["Vault is sealed"]}`; a performance standby may answer 429 (sys/health doc).
 *
 * Policies are simplified to `path glob → capabilities` per login role.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes, X509Certificate } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { signCertificate } from '../../lambdas/secret-rotator/core/material';
import { requestedNames } from '../../lambdas/secret-rotator/core/names';
import { x509 } from '../../lambdas/secret-rotator/core/x509';
import type { TestCa } from './test-ca';

export type Capability = 'create' | 'read' | 'update' | 'delete' | 'list' | 'patch' | 'sudo';

export interface StandInRole {
  /** ARN the caller identity must equal (`bound_iam_principal_arn`). */
  readonly boundIamPrincipalArn: string;
  /** Path glob (Vault policy style, `*` at the end) → capabilities. */
  readonly policy: Record<string, Capability[]>;
  readonly ttlSeconds?: number;
}

export interface StandInPkiRole {
  readonly allowedDomains: string[];
  readonly allowSubdomains?: boolean;
  readonly allowBareDomains?: boolean;
  readonly allowAnyName?: boolean;
  readonly allowIpSans?: boolean;
  readonly allowedUriSans?: string[];
  readonly maxTtlSeconds?: number;
}

export interface StandInCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** What GetCallerIdentity would return for these credentials. */
  readonly arn: string;
}

interface KvVersion {
  data: Record<string, unknown>;
  createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}
interface KvKey {
  currentVersion: number;
  oldestVersion: number;
  maxVersions: number;
  casRequired: boolean;
  customMetadata: Record<string, string>;
  createdTime: string;
  updatedTime: string;
  versions: Map<number, KvVersion>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly namespace?: string;
  readonly status: number;
}

/** A hook run before a request is handled; return a status and body to answer instead. */
export type Interceptor = (req: {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
}) => { status: number; body?: unknown } | undefined | void;

const errors = (...messages: string[]) => ({ errors: messages });
const KV_MAX_VERSIONS_DEFAULT = 10;

export class VaultStandIn {
  readonly kv = new Map<string, Map<string, KvKey>>();
  readonly pki = new Map<string, { ca: TestCa; chain: string[]; roles: Map<string, StandInPkiRole> }>();
  readonly roles = new Map<string, StandInRole>();
  readonly credentials = new Map<string, StandInCredentials>();
  readonly tokens = new Map<string, { role: string; policy: Record<string, Capability[]>; expiresAt: number }>();
  readonly revoked: string[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly interceptors: Interceptor[] = [];
  /** Answer this many upcoming requests with 503 "Vault is sealed". */
  sealedFor = 0;
  /** Answer this many upcoming requests with 429 (a standby). */
  standbyFor = 0;
  /** When set, logins must carry this X-Vault-AWS-IAM-Server-ID value among the signed headers. */
  iamServerId: string | undefined;
  /** When set, every request must carry this X-Vault-Namespace. */
  namespace: string | undefined;
  /** Clock used for versions and certificates. */
  now: () => Date = () => new Date();
  private server: Server | undefined;
  address = '';

  /** Starts on a loopback port; with `tls` it serves HTTPS with that certificate and key. */
  async start(tls?: { certPem: string; keyPem: string }): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = tls ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    this.address = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return this.address;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  // ---- set-up helpers -------------------------------------------------------------------------------------------

  addLoginRole(name: string, role: StandInRole, credentials: StandInCredentials): void {
    this.roles.set(name, role);
    this.credentials.set(credentials.accessKeyId, credentials);
  }

  /** A token for tests of the operator path (VAULT_TOKEN). */
  issueToken(policy: Record<string, Capability[]>, ttlSeconds = 3600): string {
    const token = `hvs.${randomBytes(18).toString('base64url')}`;
    this.tokens.set(token, { role: '(token)', policy, expiresAt: Date.now() + ttlSeconds * 1000 });
    return token;
  }

  addPkiMount(mount: string, ca: TestCa, chain: string[] = [ca.certPem]): void {
    this.pki.set(mount, { ca, chain, roles: new Map() });
  }

  addPkiRole(mount: string, name: string, role: StandInPkiRole): void {
    this.pki.get(mount)!.roles.set(name, role);
  }

  private key(mount: string, path: string): KvKey | undefined {
    return this.kv.get(mount)?.get(path);
  }

  /** Writes a version as another client would (no CAS), for foreign data and concurrent writers. */
  putSecret(
    mount: string,
    path: string,
    data: Record<string, unknown>,
    customMetadata?: Record<string, string>,
  ): number {
    const k = this.ensureKey(mount, path);
    this.addVersion(k, data);
    if (customMetadata) k.customMetadata = { ...customMetadata };
    return k.currentVersion;
  }

  /** Reads a version's data (undefined when missing or deleted). */
  getSecret(mount: string, path: string, version?: number): Record<string, unknown> | undefined {
    const k = this.key(mount, path);
    const v = k?.versions.get(version ?? k.currentVersion);
    return v && !v.deletionTime && !v.destroyed ? v.data : undefined;
  }

  getMetadata(mount: string, path: string): KvKey | undefined {
    return this.key(mount, path);
  }

  softDeleteCurrent(mount: string, path: string): void {
    const k = this.key(mount, path)!;
    k.versions.get(k.currentVersion)!.deletionTime = this.now().toISOString();
  }

  private ensureKey(mount: string, path: string): KvKey {
    if (!this.kv.has(mount)) this.kv.set(mount, new Map());
    const m = this.kv.get(mount)!;
    let k = m.get(path);
    if (!k) {
      const t = this.now().toISOString();
      k = {
        currentVersion: 0,
        oldestVersion: 0,
        maxVersions: 0,
        casRequired: false,
        customMetadata: {},
        createdTime: t,
        updatedTime: t,
        versions: new Map(),
      };
      m.set(path, k);
    }
    return k;
  }

  private addVersion(k: KvKey, data: Record<string, unknown>): KvVersion {
    const t = this.now().toISOString();
    const v: KvVersion = { data, createdTime: t, deletionTime: '', destroyed: false };
    k.currentVersion += 1;
    k.versions.set(k.currentVersion, v);
    if (k.oldestVersion === 0) k.oldestVersion = k.currentVersion;
    k.updatedTime = t;
    const keep = k.maxVersions || KV_MAX_VERSIONS_DEFAULT;
    while (k.versions.size > keep) {
      k.versions.delete(k.oldestVersion);
      k.oldestVersion += 1;
    }
    return v;
  }

  // ---- HTTP --------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const namespace = req.headers['x-vault-namespace'] as string | undefined;
    const send = (status: number, body?: unknown) => {
      this.requests.push({ method, path: url.pathname, namespace, status });
      if (body === undefined) {
        res.writeHead(status).end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    let body: Record<string, unknown> | undefined;
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(400, errors('failed to parse JSON input'));
      }
    }
    for (const hook of this.interceptors) {
      const r = hook({ method, path: url.pathname, body });
      if (r) return send(r.status, r.body);
    }
    if (this.sealedFor > 0) {
      this.sealedFor -= 1;
      return send(503, errors('Vault is sealed'));
    }
    if (this.standbyFor > 0) {
      this.standbyFor -= 1;
      return send(429, errors('standby node'));
    }
    if (!url.pathname.startsWith('/v1/')) return send(404, errors());
    if (this.namespace !== undefined && namespace !== this.namespace) return send(403, errors('permission denied'));
    const path = url.pathname.slice(4);
    try {
      if (method === 'POST' && /^auth\/[^/]+\/login$/.test(path)) return send(...(await this.login(path, body)));
      const token = this.tokens.get(String(req.headers['x-vault-token'] ?? ''));
      if (!token || token.expiresAt < Date.now()) return send(403, errors('permission denied'));
      const tokenId = String(req.headers['x-vault-token']);
      if (method === 'POST' && path === 'auth/token/revoke-self') {
        this.tokens.delete(tokenId);
        this.revoked.push(tokenId);
        return send(204);
      }
      const allowed = (p: string, cap: Capability) => policyAllows(token.policy, p, cap);
      const kv = /^(.+?)\/(data|metadata)\/(.+)$/.exec(path);
      if (kv && !this.pki.has(kv[1])) {
        const [, mount, kind, key] = kv;
        if (kind === 'data') return send(...this.kvData(method, mount, key, url, body, allowed, path));
        return send(...this.kvMetadata(method, mount, key, body, allowed, path));
      }
      const sign = /^(.+?)\/(sign\/([^/]+)|root\/sign-intermediate)$/.exec(path);
      if (sign && method !== 'GET' && this.pki.has(sign[1])) {
        if (!allowed(path, 'update')) return send(403, errors('1 error occurred:\n\t* permission denied\n\n'));
        return send(...(await this.pkiSign(sign[1], sign[3], body ?? {})));
      }
      return send(404, errors(`no handler for route "${path}". route entry not found.`));
    } catch (err) {
      return send(500, errors(`internal error: ${(err as Error).message}`));
    }
  }

  private kvData(
    method: string,
    mount: string,
    path: string,
    url: URL,
    body: Record<string, unknown> | undefined,
    allowed: (p: string, c: Capability) => boolean,
    fullPath: string,
  ): [number, unknown?] {
    const k = this.key(mount, path);
    if (method === 'GET') {
      if (!allowed(fullPath, 'read')) return [403, errors('1 error occurred:\n\t* permission denied\n\n')];
      if (!k || k.currentVersion === 0) return [404, errors()];
      const n = url.searchParams.has('version')
        ? Number(url.searchParams.get('version')) || k.currentVersion
        : k.currentVersion;
      const v = k.versions.get(n);
      if (!v) return [404, errors()];
      const metadata = {
        created_time: v.createdTime,
        custom_metadata: Object.keys(k.customMetadata).length ? k.customMetadata : null,
        deletion_time: v.deletionTime,
        destroyed: v.destroyed,
        version: n,
      };
      if (v.deletionTime || v.destroyed) return [404, { data: { data: null, metadata } }];
      return [200, { data: { data: v.data, metadata } }];
    }
    if (method === 'POST' || method === 'PUT') {
      if (!allowed(fullPath, k && k.currentVersion > 0 ? 'update' : 'create'))
        return [403, errors('1 error occurred:\n\t* permission denied\n\n')];
      if (!body || typeof body.data !== 'object' || body.data === null) return [400, errors('no data provided')];
      const options = (body.options ?? {}) as Record<string, unknown>;
      const current = k?.currentVersion ?? 0;
      if (options.cas !== undefined) {
        if (Number(options.cas) !== current)
          return [400, errors('check-and-set parameter did not match the current version')];
      } else if (k?.casRequired) return [400, errors('check-and-set parameter required for this call')];
      const key = this.ensureKey(mount, path);
      const v = this.addVersion(key, body.data as Record<string, unknown>);
      return [
        200,
        {
          data: {
            created_time: v.createdTime,
            custom_metadata: Object.keys(key.customMetadata).length ? key.customMetadata : null,
            deletion_time: '',
            destroyed: false,
            version: key.currentVersion,
          },
        },
      ];
    }
    return [405, errors('unsupported operation')];
  }

  private kvMetadata(
    method: string,
    mount: string,
    path: string,
    body: Record<string, unknown> | undefined,
    allowed: (p: string, c: Capability) => boolean,
    fullPath: string,
  ): [number, unknown?] {
    const k = this.key(mount, path);
    if (method === 'GET') {
      if (!allowed(fullPath, 'read')) return [403, errors('1 error occurred:\n\t* permission denied\n\n')];
      if (!k) return [404, errors()];
      return [
        200,
        {
          data: {
            cas_required: k.casRequired,
            created_time: k.createdTime,
            current_version: k.currentVersion,
            custom_metadata: Object.keys(k.customMetadata).length ? k.customMetadata : null,
            delete_version_after: '0s',
            max_versions: k.maxVersions,
            oldest_version: k.oldestVersion,
            updated_time: k.updatedTime,
            versions: Object.fromEntries(
              [...k.versions].map(([n, v]) => [
                String(n),
                { created_time: v.createdTime, deletion_time: v.deletionTime, destroyed: v.destroyed },
              ]),
            ),
          },
        },
      ];
    }
    if (method === 'POST' || method === 'PUT') {
      if (!allowed(fullPath, k ? 'update' : 'create'))
        return [403, errors('1 error occurred:\n\t* permission denied\n\n')];
      const b = body ?? {};
      const custom = b.custom_metadata as Record<string, unknown> | undefined;
      if (custom !== undefined) {
        const entries = Object.entries(custom);
        const problems: string[] = [];
        if (entries.length > 64) problems.push('payload must contain at most 64 keys');
        for (const [key, value] of entries) {
          if (Buffer.byteLength(key) > 128) problems.push(`length of key "${key}" is greater than 128 bytes`);
          if (typeof value !== 'string') problems.push(`value of key "${key}" must be a string`);
          else if (Buffer.byteLength(value) > 512)
            problems.push(`length of value for key "${key}" is greater than 512 bytes`);
        }
        if (problems.length) return [400, errors(...problems)];
      }
      const key = this.ensureKey(mount, path);
      if (b.max_versions !== undefined) key.maxVersions = Number(b.max_versions);
      if (b.cas_required !== undefined) key.casRequired = Boolean(b.cas_required);
      if (custom !== undefined) key.customMetadata = { ...(custom as Record<string, string>) };
      key.updatedTime = this.now().toISOString();
      return [204];
    }
    return [405, errors('unsupported operation')];
  }

  private async pkiSign(
    mount: string,
    roleName: string | undefined,
    b: Record<string, unknown>,
  ): Promise<[number, unknown?]> {
    const pki = this.pki.get(mount)!;
    const intermediate = roleName === undefined;
    const role = intermediate
      ? { allowedDomains: [], allowAnyName: true, allowIpSans: true, allowedUriSans: ['*'] }
      : pki.roles.get(roleName);
    if (!role) return [400, errors(`unknown role: ${roleName}`)];
    if (typeof b.csr !== 'string') return [400, errors('"csr" is empty')];
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(b.csr);
    } catch {
      return [400, errors('certificate request could not be parsed')];
    }
    if (!(await csr.verify())) return [400, errors('request signature invalid')];
    const csrCn = csr.subjectName.getField('CN')[0] ?? '';
    const sanExt = csr.getExtension('2.5.29.17') as x509.SubjectAlternativeNameExtension | null;
    const csrSans = sanExt?.names.toJSON() ?? [];
    // use_csr_common_name / use_csr_sans default to true: names come from the CSR.
    const cn = csrCn || String(b.common_name ?? '');
    const dns = [...new Set([cn, ...csrSans.filter((n) => n.type === 'dns').map((n) => n.value)].filter(Boolean))];
    const ips = csrSans.filter((n) => n.type === 'ip').map((n) => n.value);
    const uris = csrSans.filter((n) => n.type === 'url').map((n) => n.value);
    const nameAllowed = (name: string) =>
      role.allowAnyName ||
      role.allowedDomains.some(
        (d) =>
          ((role as StandInPkiRole).allowBareDomains && name === d) ||
          ((role as StandInPkiRole).allowSubdomains && name.endsWith(`.${d}`)),
      );
    if (!intermediate) {
      if (!nameAllowed(cn)) return [400, errors(`common name ${cn} not allowed by this role`)];
      const bad = dns.find((n) => !nameAllowed(n));
      if (bad) return [400, errors(`subject alternate name ${bad} not allowed by this role`)];
      if (ips.length && !role.allowIpSans)
        return [
          400,
          errors('IP Subject Alternative Names are not allowed in this role, but was provided some via CSR'),
        ];
      if (uris.length && !(role.allowedUriSans ?? []).length)
        return [400, errors('URI Subject Alternative Names are not allowed in this role, but were provided via CSR')];
      if (uris.some((u) => !(role.allowedUriSans ?? []).some((g) => globMatch(g, u))))
        return [400, errors('URI Subject Alternative Names were provided via CSR which are not valid for this role')];
    }
    const ttlSeconds = parseVaultTtl(String(b.ttl ?? '')) ?? 30 * 86400;
    const maxTtl = (role as StandInPkiRole).maxTtlSeconds ?? 32 * 86400 * 365;
    const caCert = new X509Certificate(pki.ca.certPem);
    const now = this.now();
    const notAfter = new Date(now.getTime() + Math.min(ttlSeconds, maxTtl) * 1000);
    if (notAfter > new Date(caCert.validTo))
      return [
        400,
        errors(
          `cannot satisfy request, as TTL would result in notAfter of ${notAfter.toISOString()} that is beyond the expiration of the CA certificate at ${new Date(caCert.validTo).toISOString()}`,
        ),
      ];
    const certificate = await signCertificate({
      spec: {
        names: requestedNames({ commonName: cn, dnsNames: dns, ipAddresses: ips, uris }),
        usages: intermediate ? [] : ['serverAuth', 'clientAuth'],
        isCA: intermediate,
        pathLen:
          intermediate && b.max_path_length !== undefined && Number(b.max_path_length) >= 0
            ? Number(b.max_path_length)
            : undefined,
      },
      publicKey: csr.publicKey,
      issuerCertPem: pki.ca.certPem,
      signingKey: pki.ca.key.keys.privateKey,
      signingKeyType: pki.ca.key.keyType,
      notBefore: new Date(now.getTime() - 30_000),
      notAfter,
    });
    const serial = new X509Certificate(certificate).serialNumber.toLowerCase().match(/.{2}/g)!.join(':');
    return [
      200,
      {
        data: {
          certificate: certificate.trim(),
          issuing_ca: pki.ca.certPem.trim(),
          ca_chain: pki.chain.map((c) => c.trim()),
          serial_number: serial,
          expiration: Math.floor(notAfter.getTime() / 1000),
        },
      },
    ];
  }

  private async login(path: string, b: Record<string, unknown> | undefined): Promise<[number, unknown?]> {
    if (!b) return [400, errors('missing request body')];
    const roleName = String(b.role ?? '');
    const role = this.roles.get(roleName);
    if (!role) return [400, errors(`entry for role ${roleName} not found`)];
    if (b.iam_http_request_method !== 'POST') return [400, errors('iam_http_request_method must be POST')];
    const decode = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '');
    const url = decode(b.iam_request_url);
    const reqBody = decode(b.iam_request_body);
    if (!/^https:\/\/sts(\.[a-z0-9-]+)?\.amazonaws\.com\/$/.test(url)) return [400, errors('url is invalid')];
    if (reqBody !== 'Action=GetCallerIdentity&Version=2011-06-15')
      return [400, errors('iam_request_body error: invalid request body')];
    let headers: Record<string, string | string[]>;
    try {
      headers = JSON.parse(decode(b.iam_request_headers)) as Record<string, string | string[]>;
    } catch {
      return [400, errors('error parsing iam_request_headers')];
    }
    const header = (name: string) => {
      const hit = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
      return hit ? (Array.isArray(hit[1]) ? hit[1][0] : hit[1]) : undefined;
    };
    const auth = header('authorization') ?? '';
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/sts\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m) return [400, errors('invalid Authorization header in the signed request')];
    const [, accessKeyId, , region, signedHeaderList, signature] = m;
    const signed = signedHeaderList.split(';');
    for (const required of ['host', 'x-amz-date'])
      if (!signed.includes(required)) return [400, errors(`${required} is not a signed header`)];
    if (this.iamServerId !== undefined) {
      if (header('x-vault-aws-iam-server-id') !== this.iamServerId)
        return [400, errors('expected X-Vault-AWS-IAM-Server-ID header value did not match')];
      if (!signed.includes('x-vault-aws-iam-server-id'))
        return [400, errors('X-Vault-AWS-IAM-Server-ID header is not signed')];
    }
    const creds = this.credentials.get(accessKeyId);
    if (!creds)
      return [400, errors('error making upstream request: received error code 403 from STS: InvalidClientTokenId')];
    if (
      creds.sessionToken &&
      (header('x-amz-security-token') !== creds.sessionToken || !signed.includes('x-amz-security-token'))
    )
      return [
        400,
        errors(
          'error making upstream request: received error code 403 from STS: the security token is missing or not signed',
        ),
      ];
    // What STS does: recompute the signature over the same request with the secret key.
    const amzDate = header('x-amz-date') ?? '';
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const u = new URL(url);
    const unsigned: Record<string, string> = {};
    for (const name of signed) unsigned[name] = header(name) ?? '';
    const again = await new SignatureV4({
      service: 'sts',
      region,
      credentials: { accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
      sha256: Hash.bind(null, 'sha256'),
    }).sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'https:',
        hostname: u.hostname,
        path: u.pathname,
        headers: unsigned,
        body: reqBody,
      }),
      {
        signingDate,
      },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(again.headers.authorization))?.[1];
    if (expected !== signature)
      return [400, errors('error making upstream request: received error code 403 from STS: SignatureDoesNotMatch')];
    if (Math.abs(signingDate.getTime() - Date.now()) > 15 * 60_000)
      return [400, errors('error making upstream request: received error code 403 from STS: Signature expired')];
    if (creds.arn !== role.boundIamPrincipalArn)
      return [403, errors(`IAM Principal "${creds.arn}" does not belong to the role "${roleName}"`)];
    const ttl = role.ttlSeconds ?? 900;
    const token = `hvs.${randomBytes(18).toString('base64url')}`;
    this.tokens.set(token, { role: roleName, policy: role.policy, expiresAt: Date.now() + ttl * 1000 });
    void path;
    return [
      200,
      {
        auth: {
          client_token: token,
          accessor: randomBytes(12).toString('hex'),
          policies: ['default', roleName],
          lease_duration: ttl,
          renewable: true,
          metadata: { role: roleName, account_id: creds.arn.split(':')[4] },
        },
      },
    ];
  }
}

function globMatch(glob: string, value: string): boolean {
  if (glob.endsWith('*')) return value.startsWith(glob.slice(0, -1));
  return glob === value;
}

function policyAllows(policy: Record<string, Capability[]>, path: string, cap: Capability): boolean {
  return Object.entries(policy).some(([glob, caps]) => globMatch(glob, path) && caps.includes(cap));
}

/** Vault TTL text: seconds as a number or "<n>s|m|h". */
function parseVaultTtl(text: string): number | undefined {
  const m = /^(\d+)(s|m|h)?$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? 's'];
}

/** Test AWS credentials for the stand-in's AWS auth: a Lambda-like role session with a session token. */
export const TEST_CREDENTIALS: StandInCredentials = {
  accessKeyId: 'ASIATESTROTATOR00001',
  secretAccessKey: 'test-secret-access-key-for-the-stand-in',
  sessionToken: 'test-session-token',
  arn: 'arn:aws:iam::123456789012:role/platform-ops-secret-rotator-fn',
};
