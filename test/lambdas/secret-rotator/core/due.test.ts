import { readCertificate } from '../../../../lambdas/secret-rotator/core/certificate';
import { decideDue, type WantedCertificate } from '../../../../lambdas/secret-rotator/core/due';
import { requestedNames } from '../../../../lambdas/secret-rotator/core/names';
import { makeCa, makeLeaf, type TestCa } from '../../../doubles/test-ca';

const HOUR = 3_600_000;
const wanted: WantedCertificate = {
  keyType: 'ecdsa-p256',
  names: requestedNames({
    commonName: 'payments.mesh.local',
    dnsNames: ['payments.payments.svc.cluster.local'],
    ipAddresses: [],
    uris: [],
  }),
  usages: ['serverAuth', 'clientAuth'],
  isCA: false,
  renewBeforeMs: 240 * HOUR,
};

let ca: TestCa;
beforeAll(async () => {
  ca = await makeCa();
});

describe('decideDue', () => {
  const now = new Date();

  it.each([
    ['fresh (29 days left)', 720, false, /^valid until .* \(29\.\d days\); renews from /],
    ['inside renewBefore (9 days left)', 9 * 24 + 1, true, /within renewBefore/],
    ['just outside renewBefore (10.5 days left)', 252 + 1, false, /^valid until/],
  ])('%s', async (_what, validHours, due, reason) => {
    const leaf = await makeLeaf(ca, { notBefore: new Date(now.getTime() - 60_000), validMs: validHours * HOUR });
    const d = decideDue(wanted, { kind: 'certificate', facts: readCertificate(leaf.certPem) }, now);
    expect(d.due).toBe(due);
    expect(d.reason).toMatch(reason);
    expect(d.notAfter).toBeInstanceOf(Date);
  });

  it('expired', async () => {
    const leaf = await makeLeaf(ca, { notBefore: new Date(now.getTime() - 48 * HOUR), validMs: 24 * HOUR });
    const d = decideDue(wanted, { kind: 'certificate', facts: readCertificate(leaf.certPem) }, now);
    expect(d).toMatchObject({ due: true, daysLeft: -1 });
    expect(d.reason).toMatch(/^expired at /);
  });

  it.each([
    ['another key type', { keyType: 'ecdsa-p384' as const }, 'key type is ecdsa-p384, wanted ecdsa-p256'],
    ['a missing SAN', { dnsNames: [] }, 'DNS SANs missing: payments.payments.svc.cluster.local'],
    [
      'an extra SAN',
      { dnsNames: ['payments.payments.svc.cluster.local', 'evil.example.com'] },
      'DNS SANs not asked for: evil.example.com',
    ],
    ['another common name', { commonName: 'other.mesh.local' }, 'common name is "other.mesh.local"'],
    [
      'server usage only',
      { usages: ['serverAuth' as const] },
      'extended key usages are [serverAuth], wanted [clientAuth, serverAuth]',
    ],
  ])('a fresh certificate with %s is due', async (_what, opts, reason) => {
    const leaf = await makeLeaf(ca, opts);
    const d = decideDue(wanted, { kind: 'certificate', facts: readCertificate(leaf.certPem) }, now);
    expect(d.due).toBe(true);
    expect(d.reason).toContain(reason);
  });

  it('nothing at the path, unreadable data, and --force are due', async () => {
    expect(decideDue(wanted, { kind: 'none' }, now)).toEqual({ due: true, reason: 'no key material at the path yet' });
    expect(decideDue(wanted, { kind: 'unreadable', reason: 'no PEM certificate found' }, now).reason).toBe(
      'the current data is unusable: no PEM certificate found',
    );
    const leaf = await makeLeaf(ca);
    const forced = decideDue(wanted, { kind: 'certificate', facts: readCertificate(leaf.certPem) }, now, true);
    expect(forced).toMatchObject({ due: true, reason: 'forced (--force)' });
  });

  it('a key-only secret is due by its recorded expiry or key type', () => {
    const keyWanted = { ...wanted, names: undefined, usages: [] };
    const key = { kind: 'key' as const, keyType: 'ecdsa-p256' as const, fingerprint: 'ab' };
    expect(decideDue(keyWanted, { ...key, notAfter: new Date(now.getTime() + 20 * 24 * HOUR) }, now).due).toBe(false);
    expect(decideDue(keyWanted, { ...key, notAfter: new Date(now.getTime() + 5 * 24 * HOUR) }, now).due).toBe(true);
    expect(decideDue(keyWanted, { ...key, notAfter: undefined }, now).reason).toBe(
      'no recorded expiry for the current key',
    );
    expect(decideDue(keyWanted, { ...key, keyType: 'rsa-2048', notAfter: undefined }, now).reason).toBe(
      'key type is rsa-2048, wanted ecdsa-p256',
    );
  });
});
