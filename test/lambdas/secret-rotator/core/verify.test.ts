import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WantedCertificate } from '../../../../lambdas/secret-rotator/core/due';
import { buildCsr, generateKey, signCertificate } from '../../../../lambdas/secret-rotator/core/material';
import { requestedNames } from '../../../../lambdas/secret-rotator/core/names';
import { verifyIssued } from '../../../../lambdas/secret-rotator/core/verify';
import { x509 } from '../../../../lambdas/secret-rotator/core/x509';
import { makeCa, makeLeaf, type TestCa } from '../../../doubles/test-ca';

const HOUR = 3_600_000;
const names = requestedNames({
  commonName: 'payments.mesh.local',
  dnsNames: ['payments.payments.svc.cluster.local'],
  ipAddresses: ['10.0.0.7', '::1'],
  uris: ['spiffe://mesh.local/ns/payments/sa/api'],
});
const wanted: WantedCertificate & { ttlMs: number } = {
  keyType: 'ecdsa-p256',
  names,
  usages: ['serverAuth', 'clientAuth'],
  isCA: false,
  renewBeforeMs: 240 * HOUR,
  ttlMs: 720 * HOUR,
};

let root: TestCa;
let intermediate: TestCa;
beforeAll(async () => {
  root = await makeCa('Test Root CA', { keyType: 'ecdsa-p384' });
  intermediate = await makeCa('Test Intermediate CA', { parent: root });
});

async function issue(opts: Parameters<typeof makeLeaf>[1] = {}) {
  const now = new Date();
  const leaf = await makeLeaf(intermediate, {
    dnsNames: ['payments.payments.svc.cluster.local'],
    ipAddresses: ['10.0.0.7', '::1'],
    uris: ['spiffe://mesh.local/ns/payments/sa/api'],
    notBefore: now,
    validMs: 720 * HOUR,
    ...opts,
  });
  return {
    now,
    leaf,
    material: {
      certificatePem: leaf.certPem,
      chainPem: intermediate.certPem + root.certPem,
      privateKeyPem: leaf.key.privateKeyPem,
    },
  };
}

describe('verifyIssued', () => {
  it('accepts a certificate that matches its key, chains to the CA and carries exactly the names and usages', async () => {
    const { now, material } = await issue();
    expect(verifyIssued(material, wanted, now)).toEqual([]);
  });

  it('is confirmed by openssl verify (purpose sslserver and sslclient) when openssl is installed', async () => {
    const { material } = await issue();
    let hasOpenssl = true;
    try {
      execFileSync('openssl', ['version']);
    } catch {
      hasOpenssl = false;
    }
    if (!hasOpenssl) return; // Debian's openssl is on the build machine; the node checks above still ran.
    const dir = mkdtempSync(join(tmpdir(), 'rot-verify-'));
    writeFileSync(join(dir, 'root.pem'), root.certPem);
    writeFileSync(join(dir, 'int.pem'), intermediate.certPem);
    writeFileSync(join(dir, 'leaf.pem'), material.certificatePem);
    for (const purpose of ['sslserver', 'sslclient']) {
      const out = execFileSync('openssl', [
        'verify',
        '-CAfile',
        join(dir, 'root.pem'),
        '-untrusted',
        join(dir, 'int.pem'),
        '-purpose',
        purpose,
        join(dir, 'leaf.pem'),
      ]);
      expect(out.toString()).toContain('leaf.pem: OK');
    }
  });

  it('refuses a certificate for another key', async () => {
    const { now, material } = await issue();
    const other = await generateKey('ecdsa-p256');
    expect(verifyIssued({ ...material, privateKeyPem: other.privateKeyPem }, wanted, now)).toEqual([
      'the certificate does not match the generated private key',
    ]);
  });

  it('refuses a certificate from another CA', async () => {
    const { now, material } = await issue();
    const stranger = await makeCa('Stranger CA');
    const problems = verifyIssued({ ...material, chainPem: stranger.certPem }, wanted, now);
    expect(problems).toContain('the certificate is not signed by chain certificate 1 (CN=Stranger CA)');
  });

  it('refuses a missing chain', async () => {
    const { now, material } = await issue();
    expect(verifyIssued({ ...material, chainPem: '' }, wanted, now)).toEqual([
      'no issuing CA certificate came with the certificate',
    ]);
  });

  it.each([
    [
      'an extra DNS name',
      { dnsNames: ['payments.payments.svc.cluster.local', 'admin.mesh.local'] },
      'DNS SANs not asked for: admin.mesh.local',
    ],
    ['a missing URI', { uris: [] }, 'URI SANs missing: spiffe://mesh.local/ns/payments/sa/api'],
    ['a missing IP', { ipAddresses: ['10.0.0.7'] }, 'IP SANs missing: ::1'],
    [
      'server usage only',
      { usages: ['serverAuth' as const] },
      'extended key usages are [serverAuth], wanted [clientAuth, serverAuth]',
    ],
    ['a shorter validity (role max_ttl)', { validMs: 72 * HOUR }, 'a PKI role max_ttl or the CA'],
    ['a future start', { notBefore: new Date(Date.now() + 2 * HOUR) }, '(in the future)'],
    ['another key type', { keyType: 'rsa-2048' as const }, 'key type is rsa-2048, wanted ecdsa-p256'],
    ['a CA flag', { isCA: true, usages: [] }, 'is a CA certificate'],
  ])('refuses %s', async (_what, opts, problem) => {
    const { now, material } = await issue(opts);
    const problems = verifyIssued(material, wanted, new Date(Math.min(now.getTime(), Date.now())));
    expect(problems.some((p) => p.includes(problem))).toBe(true);
  });

  it('refuses a certificate that outlives its issuing CA', async () => {
    const shortCa = await makeCa('Short CA', { validMs: 24 * HOUR, parent: root });
    const now = new Date();
    const leaf = await makeLeaf(shortCa, {
      notBefore: now,
      validMs: 720 * HOUR,
      dnsNames: ['payments.payments.svc.cluster.local'],
      ipAddresses: ['10.0.0.7', '::1'],
      uris: ['spiffe://mesh.local/ns/payments/sa/api'],
    });
    const problems = verifyIssued(
      { certificatePem: leaf.certPem, chainPem: shortCa.certPem, privateKeyPem: leaf.key.privateKeyPem },
      wanted,
      now,
    );
    expect(problems.some((p) => p.startsWith('the certificate outlives its issuing CA'))).toBe(true);
  });

  it.each(['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa-2048'] as const)(
    'builds a CSR with %s that carries the common name and every SAN, signed by its key',
    async (keyType) => {
      const key = await generateKey(keyType);
      const pem = await buildCsr({ names, usages: ['serverAuth', 'clientAuth'], isCA: false }, key);
      const csr = new x509.Pkcs10CertificateRequest(pem);
      expect(await csr.verify()).toBe(true);
      expect(csr.subject).toBe('CN=payments.mesh.local');
      const san = (csr.getExtension('2.5.29.17') as x509.SubjectAlternativeNameExtension).names.toJSON();
      expect(san.map((n) => `${n.type}:${n.value}`).sort()).toEqual([
        'dns:payments.mesh.local',
        'dns:payments.payments.svc.cluster.local',
        'ip:10.0.0.7',
        'ip:::1',
        'url:spiffe://mesh.local/ns/payments/sa/api',
      ]);
      expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    },
  );

  it('verifies a locally signed CA certificate with its path length', async () => {
    const key = await generateKey('ecdsa-p256');
    const now = new Date();
    const caNames = requestedNames({
      commonName: 'identity.linkerd.cluster.local',
      dnsNames: [],
      ipAddresses: [],
      uris: [],
    });
    const certPem = await signCertificate({
      spec: { names: caNames, usages: [], isCA: true, pathLen: 0 },
      publicKey: key.keys.publicKey,
      issuerCertPem: root.certPem,
      signingKey: root.key.keys.privateKey,
      signingKeyType: root.key.keyType,
      notBefore: now,
      notAfter: new Date(now.getTime() + 720 * HOUR),
    });
    const caWanted = { ...wanted, names: caNames, usages: [], isCA: true, pathLen: 0 };
    expect(
      verifyIssued(
        { certificatePem: certPem, chainPem: root.certPem, privateKeyPem: key.privateKeyPem },
        caWanted,
        now,
      ),
    ).toEqual([]);
    expect(
      verifyIssued(
        { certificatePem: certPem, chainPem: root.certPem, privateKeyPem: key.privateKeyPem },
        { ...caWanted, pathLen: 1 },
        now,
      ),
    ).toEqual(['path length is 0, wanted 1']);
  });
});
