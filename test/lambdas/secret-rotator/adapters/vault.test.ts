import { createServer } from 'node:net';
import {
  createVaultSessions,
  VaultClient,
  VaultError,
  type VaultClientOptions,
} from '../../../../lambdas/secret-rotator/adapters/vault';
import { buildCsr, generateKey, signCertificate } from '../../../../lambdas/secret-rotator/core/material';
import { requestedNames } from '../../../../lambdas/secret-rotator/core/names';
import { makeCa, type TestCa } from '../../../doubles/test-ca';
import { TEST_CREDENTIALS, VaultStandIn } from '../../../doubles/vault-stand-in';

const ROLE = 'platform-ops-secret-rotator';
const settings = { role: ROLE, kvMount: 'secret', authMount: 'aws' };
let vault: VaultStandIn;
let ca: TestCa;

const options = (extra: Partial<VaultClientOptions> = {}): VaultClientOptions => ({
  auth: { kind: 'aws-iam', credentials: TEST_CREDENTIALS },
  timeoutMs: 2000,
  remainingMs: () => 10_000,
  baseBackoffMs: 1,
  ...extra,
});

beforeAll(async () => {
  ca = await makeCa('Mesh Intermediate CA');
});
beforeEach(async () => {
  vault = new VaultStandIn();
  vault.addLoginRole(
    ROLE,
    {
      boundIamPrincipalArn: TEST_CREDENTIALS.arn,
      policy: { 'secret/*': ['create', 'read', 'update'], 'pki_int/sign/mesh': ['update'] },
    },
    TEST_CREDENTIALS,
  );
  vault.addPkiMount('pki_int', ca);
  vault.addPkiRole('pki_int', 'mesh', { allowedDomains: ['mesh.local'], allowSubdomains: true });
  await vault.start();
});
afterEach(() => vault.stop());

const client = (extra: Partial<VaultClientOptions> = {}, conn: Record<string, unknown> = {}) =>
  new VaultClient({ address: vault.address, ...settings, ...conn }, options(extra));

describe('VaultClient against the loopback Vault stand-in', () => {
  it('logs in with a SigV4-signed GetCallerIdentity, signs the server id header, and revokes only its own token', async () => {
    vault.iamServerId = 'vault.example.com';
    const sessions = createVaultSessions(options());
    const c = sessions.forEntry({ address: vault.address, ...settings, iamServerId: 'vault.example.com' });
    expect(await c.readMetadata('mtls/none')).toBeUndefined();
    expect(vault.tokens.size).toBe(1);
    await sessions.close();
    expect(vault.revoked).toHaveLength(1);
    expect(vault.tokens.size).toBe(0);
  });

  it('fails login clearly when the server id is missing, the signature is wrong, or the principal is not bound', async () => {
    vault.iamServerId = 'vault.example.com';
    await expect(client().readMetadata('x')).rejects.toThrow(
      /role "platform-ops-secret-rotator"\) refused \(400\): expected X-Vault-AWS-IAM-Server-ID header value did not match/,
    );
    vault.iamServerId = undefined;
    const wrong = { ...TEST_CREDENTIALS, secretAccessKey: 'not-the-secret' };
    await expect(client({ auth: { kind: 'aws-iam', credentials: wrong } }).readMetadata('x')).rejects.toThrow(
      /SignatureDoesNotMatch/,
    );
    vault.roles.set(ROLE, { ...vault.roles.get(ROLE)!, boundIamPrincipalArn: 'arn:aws:iam::123456789012:role/other' });
    await expect(client().readMetadata('x')).rejects.toMatchObject({ code: 'login-failed', status: 403 });
  });

  it('sends X-Vault-Namespace on every request when configured', async () => {
    vault.namespace = 'platform/mesh';
    await expect(client().readMetadata('x')).rejects.toMatchObject({ code: 'login-failed' });
    expect(await client({}, { namespace: 'platform/mesh' }).readMetadata('x')).toBeUndefined();
    expect(vault.requests.filter((r) => r.status !== 403).every((r) => r.namespace === 'platform/mesh')).toBe(true);
  });

  it('writes with check-and-set and maps a CAS mismatch', async () => {
    const c = client();
    expect((await c.writeSecret('mtls/a', { 'tls.crt': 'x' }, 0)).version).toBe(1);
    await expect(c.writeSecret('mtls/a', { 'tls.crt': 'y' }, 0)).rejects.toMatchObject({ code: 'cas-mismatch' });
    expect((await c.writeSecret('mtls/a', { 'tls.crt': 'y' }, 1)).version).toBe(2);
    await c.writeCustomMetadata('mtls/a', { managed_by: 'me' });
    const meta = await c.readMetadata('mtls/a');
    expect(meta).toMatchObject({ currentVersion: 2, oldestVersion: 1, customMetadata: { managed_by: 'me' } });
    expect((await c.readSecret('mtls/a', 1))?.data).toEqual({ 'tls.crt': 'x' });
    vault.softDeleteCurrent('secret', 'mtls/a');
    expect(await c.readSecret('mtls/a')).toMatchObject({ data: undefined, metadata: { version: 2 } });
  });

  it('names the path and the capability on 403', async () => {
    vault.roles.set(ROLE, { ...vault.roles.get(ROLE)!, policy: { 'secret/data/*': ['read'] } });
    const c = client();
    await expect(c.writeSecret('mtls/a', { a: 'b' }, 0)).rejects.toThrow(
      'permission denied: POST secret/data/mtls/a needs the "create" capability on "secret/data/mtls/a" in the policy of Vault role "platform-ops-secret-rotator"',
    );
    await expect(c.readMetadata('mtls/a')).rejects.toThrow('needs the "read" capability on "secret/metadata/mtls/a"');
  });

  it('names the name a PKI role refused', async () => {
    const key = await generateKey('ecdsa-p256');
    const names = requestedNames({
      commonName: 'payments.mesh.local',
      dnsNames: ['payments.evil.com'],
      ipAddresses: [],
      uris: [],
    });
    const csr = await buildCsr({ names, usages: ['serverAuth', 'clientAuth'], isCA: false }, key);
    const req = { csr, commonName: names.commonName, altNames: names.dnsNames, ipSans: [], uriSans: [], ttl: '720h' };
    await expect(client().signCsr('pki_int', 'mesh', req)).rejects.toThrow(
      'Vault PKI role pki_int/roles/mesh refused the request: the role does not allow the name "payments.evil.com"',
    );
  });

  it('retries a sealed Vault with backoff and succeeds when it unseals; fails cleanly when it stays sealed', async () => {
    const waits: number[] = [];
    vault.sealedFor = 2;
    expect(await client({ sleep: async (ms) => void waits.push(ms) }).readMetadata('x')).toBeUndefined();
    expect(waits).toHaveLength(2);
    vault.sealedFor = 100;
    const err = await client({ sleep: async () => undefined, maxAttempts: 3 })
      .readMetadata('x')
      .catch((e: VaultError) => e);
    expect(err).toBeInstanceOf(VaultError);
    expect(err).toMatchObject({ code: 'sealed', status: 503 });
    expect((err as Error).message).toMatch(
      /is sealed or unavailable \(503: Vault is sealed\); gave up after 3 attempt/,
    );
    vault.sealedFor = 0;
    vault.standbyFor = 1;
    expect(await client().readMetadata('x')).toBeUndefined();
  });

  it('never waits past the run deadline', async () => {
    vault.sealedFor = 100;
    let left = 300;
    const c = client({ remainingMs: () => left, baseBackoffMs: 200, sleep: async (ms) => void (left -= ms) });
    const err = await c.readMetadata('x').catch((e: Error) => e);
    expect((err as Error).message).toMatch(/sealed/);
    expect(left).toBeGreaterThan(0);
  });

  it('times out a call that gets no answer', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const c = new VaultClient(
      { address: `http://127.0.0.1:${port}`, ...settings },
      options({ timeoutMs: 150, maxAttempts: 2 }),
    );
    await expect(c.readMetadata('x')).rejects.toThrow(
      /no answer from http:\/\/127.0.0.1:\d+ within 150 ms; gave up after 2/,
    );
    server.close();
  });

  it('talks TLS to a Vault whose certificate is signed by the configured CA bundle, and refuses without it', async () => {
    const tlsCa = await makeCa('Vault TLS CA');
    const key = await generateKey('ecdsa-p256');
    const now = new Date();
    const certPem = await signCertificate({
      spec: {
        names: requestedNames({ commonName: 'vault.local', dnsNames: [], ipAddresses: ['127.0.0.1'], uris: [] }),
        usages: ['serverAuth'],
        isCA: false,
      },
      publicKey: key.keys.publicKey,
      issuerCertPem: tlsCa.certPem,
      signingKey: tlsCa.key.keys.privateKey,
      signingKeyType: tlsCa.key.keyType,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 3_600_000),
    });
    const tlsVault = new VaultStandIn();
    tlsVault.addLoginRole(
      ROLE,
      { boundIamPrincipalArn: TEST_CREDENTIALS.arn, policy: { 'secret/*': ['read'] } },
      TEST_CREDENTIALS,
    );
    const address = await tlsVault.start({ certPem, keyPem: key.privateKeyPem });
    try {
      const good = new VaultClient({ address, ...settings, caCertPem: tlsCa.certPem }, options());
      expect(await good.readMetadata('x')).toBeUndefined();
      const bad = new VaultClient({ address, ...settings }, options({ maxAttempts: 1 }));
      await expect(bad.readMetadata('x')).rejects.toMatchObject({ code: 'network' });
    } finally {
      await tlsVault.stop();
    }
  });

  it('uses an operator token as given and never revokes it', async () => {
    const token = vault.issueToken({ 'secret/*': ['read'] });
    const sessions = createVaultSessions(options({ auth: { kind: 'token', token } }));
    expect(await sessions.forEntry({ address: vault.address, ...settings }).readMetadata('x')).toBeUndefined();
    await sessions.close();
    expect(vault.revoked).toEqual([]);
    expect(vault.requests.some((r) => r.path.includes('login'))).toBe(false);
  });
});
