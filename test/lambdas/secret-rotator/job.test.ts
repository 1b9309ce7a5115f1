import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createVaultSessions, VaultError } from '../../../lambdas/secret-rotator/adapters/vault';
import { MANAGED_BY, secretRotatorConfig, type SecretRotatorConfig } from '../../../lambdas/secret-rotator/config';
import { buildRotatorEvents } from '../../../lambdas/secret-rotator/event';
import { runSecretRotator, type RotatorJobContext } from '../../../lambdas/secret-rotator/job';
import type { VaultSessions } from '../../../lambdas/secret-rotator/ports';
import { makeCa, makeLeaf, type TestCa } from '../../doubles/test-ca';
import { TEST_CREDENTIALS, VaultStandIn } from '../../doubles/vault-stand-in';

const ROLE = 'platform-ops-secret-rotator';
const HOUR = 3_600_000;
let vault: VaultStandIn;
let root: TestCa;
let intermediate: TestCa;

beforeAll(async () => {
  root = await makeCa('Mesh Root CA');
  intermediate = await makeCa('Mesh Intermediate CA', { parent: root });
});

beforeEach(async () => {
  vault = new VaultStandIn();
  vault.addLoginRole(
    ROLE,
    {
      boundIamPrincipalArn: TEST_CREDENTIALS.arn,
      policy: {
        'secret/data/mtls/*': ['create', 'read', 'update'],
        'secret/metadata/mtls/*': ['create', 'read', 'update'],
        'secret/data/mesh/trust-anchor': ['read'],
        'pki_int/sign/mesh': ['update'],
        'pki_root/root/sign-intermediate': ['update'],
      },
    },
    TEST_CREDENTIALS,
  );
  vault.addPkiMount('pki_int', intermediate, [intermediate.certPem, root.certPem]);
  vault.addPkiRole('pki_int', 'mesh', {
    allowedDomains: ['mesh.local', 'svc.cluster.local'],
    allowSubdomains: true,
    allowedUriSans: ['spiffe://mesh.local/*'],
  });
  vault.addPkiMount('pki_root', root);
  await vault.start();
});
afterEach(() => vault.stop());

function config(secrets: Record<string, unknown>[], extra: Record<string, unknown> = {}): SecretRotatorConfig {
  return secretRotatorConfig.parse({ enabled: true, dryRun: false, secrets, ...extra });
}
function entry(over: Record<string, unknown> = {}, cert: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'payments-mtls',
    vault: { address: vault.address, role: ROLE, path: 'mtls/payments' },
    certificate: {
      commonName: 'payments.mesh.local',
      dnsNames: ['payments.payments.svc.cluster.local'],
      uris: ['spiffe://mesh.local/ns/payments/sa/api'],
      ttl: '720h',
      issuer: { type: 'vault-pki', mount: 'pki_int', role: 'mesh' },
      ...cert,
    },
    renewBefore: '240h',
    ...over,
  };
}

const sessions = (): VaultSessions =>
  createVaultSessions({
    auth: { kind: 'aws-iam', credentials: TEST_CREDENTIALS },
    timeoutMs: 2000,
    remainingMs: () => 60_000,
    baseBackoffMs: 1,
    sleep: async () => undefined,
  });
const ctx = (over: Partial<RotatorJobContext> = {}): RotatorJobContext => ({
  clock: () => new Date(),
  dryRun: false,
  runId: 'run-1',
  remainingMs: () => 60_000,
  ...over,
});
const run = (cfg: SecretRotatorConfig, over: Partial<RotatorJobContext> = {}) =>
  runSecretRotator(cfg, sessions(), ctx(over));
const writes = () => vault.requests.filter((r) => r.method !== 'GET' && r.path.startsWith('/v1/secret/'));

describe('runSecretRotator against the Vault stand-in', () => {
  it('first write: cas 0, kubernetes.io/tls fields, a certificate Vault signed for the new key, metadata recorded', async () => {
    const result = await run(config([entry()]));
    const r = result.results[0];
    expect(r).toMatchObject({ action: 'rotated', version: 1, due: true, reason: 'no key material at the path yet' });
    const data = vault.getSecret('secret', 'mtls/payments')!;
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    const cert = new X509Certificate(String(data['tls.crt']));
    expect(cert.checkPrivateKey(createPrivateKey(String(data['tls.key'])))).toBe(true);
    expect(cert.verify(new X509Certificate(intermediate.certPem).publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe(
      'DNS:payments.mesh.local, DNS:payments.payments.svc.cluster.local, URI:spiffe://mesh.local/ns/payments/sa/api',
    );
    expect(String(data['tls.key'])).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(String(data['ca.crt'])).toBe(`${intermediate.certPem}${root.certPem}`);
    const meta = vault.getMetadata('secret', 'mtls/payments')!;
    expect(meta.customMetadata).toEqual({
      managed_by: MANAGED_BY,
      rotation_id: expect.stringMatching(/^run-1\//),
      rotated_at: r.rotatedAt,
      not_after: new Date(cert.validTo).toISOString(),
      serial: cert.serialNumber.toUpperCase(),
      fingerprint_sha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    });
    expect(vault.revoked).toHaveLength(1);
  });

  it('not due: nothing written, and a retried invocation produces no second version', async () => {
    await run(config([entry()]));
    const before = writes().length;
    const again = await run(config([entry()]));
    expect(again.results[0]).toMatchObject({ action: 'skipped', due: false, version: 1 });
    expect(again.results[0].reason).toMatch(/^valid until .* \(29\.\d days\); renews from/);
    expect(writes().length).toBe(before);
    expect(vault.getMetadata('secret', 'mtls/payments')!.currentVersion).toBe(1);
  });

  it('due: a new version written with cas = the version read, the previous version still readable', async () => {
    await run(config([entry()]));
    const later = () => new Date(Date.now() + 21 * 24 * HOUR);
    // The stand-in signs with the real clock: rotate as if 21 days had passed (inside renewBefore of 10 days).
    const r = (await run(config([entry()]), { clock: later })).results[0];
    expect(r.action).toBe('failed'); // the certificate Vault issues "now" is then 21 days short: verification refuses it
    expect(r.reason).toMatch(/verification of the new certificate failed: valid until .*; nothing written$/);
    expect(vault.getMetadata('secret', 'mtls/payments')!.currentVersion).toBe(1);
    vault.now = later;
    const ok = (await run(config([entry()]), { clock: later })).results[0];
    expect(ok).toMatchObject({ action: 'rotated', version: 2 });
    expect(ok.reason).toMatch(/within renewBefore/);
    expect(vault.getSecret('secret', 'mtls/payments', 1)).toBeDefined();
    expect(ok.notes).toEqual([]);
  });

  it('CAS conflict: another writer wins between read and write; nothing overwritten', async () => {
    vault.interceptors.push(({ method, path, body }) => {
      if (
        method === 'POST' &&
        path === '/v1/secret/data/mtls/payments' &&
        (body?.options as { cas?: number })?.cas === 0
      ) {
        vault.interceptors.length = 0;
        vault.putSecret('secret', 'mtls/payments', { 'tls.crt': 'someone else' });
      }
    });
    const r = (await run(config([entry()]))).results[0];
    expect(r.action).toBe('failed');
    expect(r.reason).toBe(
      'another writer changed secret/mtls/payments (now version 1, expected 0); nothing overwritten',
    );
    expect(vault.getSecret('secret', 'mtls/payments')).toEqual({ 'tls.crt': 'someone else' });
    expect(vault.getMetadata('secret', 'mtls/payments')!.customMetadata).toEqual({});
  });

  it('crash between the data write and the metadata write: the next run repairs the metadata, no second version', async () => {
    let metadataWrites = 0;
    vault.interceptors.push(({ method, path }) => {
      if (method === 'POST' && path === '/v1/secret/metadata/mtls/payments' && ++metadataWrites === 2)
        return { status: 500, body: { errors: ['internal error'] } };
      return undefined;
    });
    const first = (await run(config([entry()]))).results[0];
    expect(first.action).toBe('failed');
    expect(first.reason).toMatch(
      /^version 1 was written but recording its metadata failed .* the next run recognises it/,
    );
    expect(first.written).toEqual(['version 1 of secret/mtls/payments']);
    const custom = vault.getMetadata('secret', 'mtls/payments')!.customMetadata;
    expect(custom.managed_by).toBeUndefined();
    expect(custom.pending_fingerprint).toBeDefined();

    const second = (await run(config([entry()]))).results[0];
    expect(second).toMatchObject({ action: 'skipped', due: false, version: 1 });
    expect(second.notes[0]).toMatch(/version 1 is the rotator's write run-1\/\w+ whose metadata was not recorded/);
    const repaired = vault.getMetadata('secret', 'mtls/payments')!;
    expect(repaired.currentVersion).toBe(1);
    expect(repaired.customMetadata).toMatchObject({
      managed_by: MANAGED_BY,
      fingerprint_sha256: custom.pending_fingerprint,
    });
    expect(repaired.customMetadata.pending_fingerprint).toBeUndefined();
  });

  it('a write whose response was lost is recognised on the CAS retry, not written twice', async () => {
    let dropped = false;
    vault.interceptors.push(({ method, path, body }) => {
      if (!dropped && method === 'POST' && path === '/v1/secret/data/mtls/payments') {
        dropped = true;
        // The write lands, but the client sees a 503 and retries with the same cas.
        vault.putSecret('secret', 'mtls/payments', body!.data as Record<string, unknown>);
        return { status: 503, body: { errors: ['Vault is sealed'] } };
      }
      return undefined;
    });
    const r = (await run(config([entry()]))).results[0];
    expect(r).toMatchObject({ action: 'rotated', version: 1 });
    expect(r.notes).toContain('the write had landed although its response was lost; not written again');
    expect(vault.getMetadata('secret', 'mtls/payments')!.currentVersion).toBe(1);
  });

  it('foreign data is refused unless the entry adopts it', async () => {
    vault.putSecret('secret', 'mtls/payments', { 'tls.crt': 'hand-made', 'tls.key': 'x' });
    const r = (await run(config([entry()]))).results[0];
    expect(r.action).toBe('failed');
    expect(r.reason).toMatch(/holds data the rotator did not write .* refusing to overwrite it \(set adopt: true/);
    expect(vault.getMetadata('secret', 'mtls/payments')!.currentVersion).toBe(1);
    const adopted = (await run(config([entry({ adopt: true })]))).results[0];
    expect(adopted).toMatchObject({ action: 'rotated', version: 2 });
    expect(adopted.notes[0]).toMatch(/adopting it/);
  });

  it('a later version by someone else on a managed path is refused', async () => {
    await run(config([entry()]));
    const ca = await makeCa('Other CA');
    const leaf = await makeLeaf(ca);
    vault.putSecret('secret', 'mtls/payments', { 'tls.crt': leaf.certPem });
    const r = (await run(config([entry()]))).results[0];
    expect(r.action).toBe('failed');
    expect(r.reason).toMatch(/version 2 was written by someone else after the rotator's last rotation/);
  });

  it('PKI refusal: the refused name is named and nothing is written', async () => {
    const r = (await run(config([entry({}, { dnsNames: ['payments.example.com'] })]))).results[0];
    expect(r.action).toBe('failed');
    expect(r.reason).toContain(
      'Vault PKI role pki_int/roles/mesh refused the request: the role does not allow the name "payments.example.com"',
    );
    expect(r.reason).toMatch(/nothing written$/);
    expect(vault.getMetadata('secret', 'mtls/payments')).toBeUndefined();
  });

  it('sealed Vault: retried then failed cleanly; one failure does not stop the other secrets', async () => {
    vault.sealedFor = 2;
    const ok = await run(config([entry()]));
    expect(ok.results[0].action).toBe('rotated');
    vault.sealedFor = 1000;
    const cfg = config([
      entry({ name: 'a' }),
      entry({ name: 'b', vault: { address: vault.address, role: ROLE, path: 'mtls/b' } }),
    ]);
    const failed = await run(cfg);
    expect(failed.results.map((r) => r.action)).toEqual(['failed', 'failed']);
    expect(failed.results[0].reason).toMatch(
      /is sealed or unavailable \(503: Vault is sealed\); gave up after 5 attempt/,
    );
  });

  it('verification mismatch: a certificate for another key is refused and nothing written', async () => {
    const other = await makeLeaf(intermediate, {
      dnsNames: ['payments.payments.svc.cluster.local'],
      uris: ['spiffe://mesh.local/ns/payments/sa/api'],
    });
    vault.interceptors.push(({ path }) =>
      path === '/v1/pki_int/sign/mesh'
        ? {
            status: 200,
            body: {
              data: {
                certificate: other.certPem,
                issuing_ca: intermediate.certPem,
                ca_chain: [intermediate.certPem],
                serial_number: '01',
              },
            },
          }
        : undefined,
    );
    const r = (await run(config([entry()]))).results[0];
    expect(r.action).toBe('failed');
    expect(r.reason).toBe(
      'verification of the new certificate failed: the certificate does not match the generated private key; nothing written',
    );
    expect(vault.getMetadata('secret', 'mtls/payments')).toBeUndefined();
  });

  it('kv-ca issuer: signs locally with a CA kept at another KV path', async () => {
    const anchor = await makeCa('mesh trust anchor', { keyType: 'ecdsa-p384' });
    vault.putSecret('secret', 'mesh/trust-anchor', { 'tls.crt': anchor.certPem, 'tls.key': anchor.key.privateKeyPem });
    const r = (
      await run(
        config([entry({ key: 'ecdsa-p384' }, { uris: [], issuer: { type: 'kv-ca', path: 'mesh/trust-anchor' } })]),
      )
    ).results[0];
    expect(r).toMatchObject({ action: 'rotated', version: 1 });
    const data = vault.getSecret('secret', 'mtls/payments')!;
    const cert = new X509Certificate(String(data['tls.crt']));
    expect(cert.verify(new X509Certificate(anchor.certPem).publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });

  it('an isCA entry (a mesh identity issuer) goes through root/sign-intermediate with its path length', async () => {
    const r = (
      await run(
        config([
          entry(
            { name: 'linkerd-issuer', vault: { address: vault.address, role: ROLE, path: 'mtls/linkerd-issuer' } },
            {
              commonName: 'identity.linkerd.cluster.local',
              dnsNames: [],
              uris: [],
              isCA: true,
              pathLen: 0,
              ttl: '2160h',
              issuer: { type: 'vault-pki', mount: 'pki_root', role: 'unused' },
            },
          ),
        ]),
      )
    ).results[0];
    expect(r).toMatchObject({ action: 'rotated' });
    const cert = new X509Certificate(String(vault.getSecret('secret', 'mtls/linkerd-issuer')!['tls.crt']));
    expect(cert.ca).toBe(true);
    expect(vault.requests.some((q) => q.path === '/v1/pki_root/root/sign-intermediate')).toBe(true);
  });

  it('issuer none: a key pair, due again by the recorded expiry', async () => {
    const e = entry({ key: 'ed25519' }, { issuer: { type: 'none' }, dnsNames: [], uris: [] });
    const r = (await run(config([e]))).results[0];
    expect(r).toMatchObject({ action: 'rotated', version: 1 });
    const data = vault.getSecret('secret', 'mtls/payments')!;
    expect(String(data['tls.key'])).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(String(data['tls.crt'])).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect((await run(config([e]))).results[0]).toMatchObject({ action: 'skipped', due: false });
    const later = (await run(config([e]), { clock: () => new Date(Date.now() + 25 * 24 * HOUR) })).results[0];
    expect(later).toMatchObject({ action: 'rotated', version: 2 });
  });

  it('dry run: decides and reports, writes nothing', async () => {
    const result = await run(config([entry()]), { dryRun: true });
    expect(result.results[0]).toMatchObject({ action: 'would-rotate', due: true });
    expect(result.results[0].reason).toBe('no key material at the path yet (dry run: nothing written)');
    expect(writes()).toEqual([]);
  });

  it('--force rotates a fresh certificate; --secret selects entries', async () => {
    await run(config([entry()]));
    const forced = await run(
      config([entry(), entry({ name: 'other', vault: { address: vault.address, role: ROLE, path: 'mtls/other' } })]),
      { force: true, only: ['payments-mtls'] },
    );
    expect(forced.results).toHaveLength(1);
    expect(forced.results[0]).toMatchObject({ action: 'rotated', version: 2, reason: 'forced (--force)' });
  });

  it('warns when max_versions drops the previous version', async () => {
    await run(config([entry()]));
    vault.getMetadata('secret', 'mtls/payments')!.maxVersions = 1;
    const r = (await run(config([entry()]), { force: true })).results[0];
    expect(r.action).toBe('rotated');
    expect(r.notes).toContain(
      'the previous version 1 is no longer readable (max_versions 1): consumers that reload late lose it',
    );
  });

  it('watches a certificate it does not manage', async () => {
    const anchor = await makeCa('mesh trust anchor', { validMs: 10 * 24 * HOUR });
    vault.putSecret('secret', 'mesh/trust-anchor', { 'tls.crt': anchor.certPem });
    const result = await run(
      config([], {
        watch: [{ name: 'trust-anchor', vault: { address: vault.address, role: ROLE, path: 'mesh/trust-anchor' } }],
      }),
    );
    expect(result.watched[0]).toMatchObject({ action: 'watched', version: 1 });
    expect(result.watched[0].daysLeft).toBeCloseTo(9.9, 0);
  });

  it('the private key never appears in results, events or errors', async () => {
    const cfg = config([
      entry(),
      entry(
        { name: 'bad', vault: { address: vault.address, role: ROLE, path: 'mtls/bad' } },
        { dnsNames: ['x.example.com'] },
      ),
    ]);
    const result = await run(cfg);
    const key = String(vault.getSecret('secret', 'mtls/payments')!['tls.key']);
    const body = key.split('\n').slice(1, -2).join('');
    const events = buildRotatorEvents(result, cfg);
    for (const text of [JSON.stringify(result), JSON.stringify(events)]) {
      expect(text).not.toContain('PRIVATE KEY');
      for (const line of key.split('\n').slice(1, -2)) expect(text).not.toContain(line);
      expect(text).not.toContain(body.slice(0, 40));
    }
    // A Vault error that echoed a key would be redacted too.
    expect(new VaultError('server', `oops ${key}`).message).not.toContain(body.slice(0, 40));
  });
});
