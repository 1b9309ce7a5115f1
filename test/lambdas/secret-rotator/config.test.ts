import {
  durationMinutes,
  formatDuration,
  secretRotatorConfig,
  secretRotatorConfigWarnings,
} from '../../../lambdas/secret-rotator/config';

const minimal = {
  name: 'payments-mtls',
  vault: { address: 'https://vault.example.com:8200', role: 'platform-ops-secret-rotator', path: 'mtls/payments' },
  certificate: {
    commonName: 'payments.mesh.local',
    dnsNames: ['payments.payments.svc.cluster.local'],
    ttl: '720h',
    issuer: { type: 'vault-pki', mount: 'pki_int', role: 'mesh' },
  },
  renewBefore: '240h',
};

function parse(secret: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return secretRotatorConfig.safeParse({ enabled: true, secrets: [secret], ...extra });
}
function issues(result: ReturnType<typeof parse>) {
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
const withCert = (cert: Record<string, unknown>) => ({
  ...minimal,
  certificate: { ...minimal.certificate, ...cert },
});

describe('secretRotatorConfig', () => {
  it('accepts the minimal entry of the issue as written and fills every default', () => {
    const r = parse(minimal);
    expect(issues(r)).toEqual([]);
    const s = r.data!.secrets[0];
    expect(s.vault).toMatchObject({ kvMount: 'secret', authMount: 'aws' });
    expect(s.key).toBe('ecdsa-p256');
    expect(s.adopt).toBe(false);
    expect(s.fields).toEqual({ cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' });
    expect(s.certificate.usages).toEqual(['serverAuth', 'clientAuth']);
    expect(s.certificate.isCA).toBe(false);
    expect(r.data!.schedule).toBe('rate(1 day)');
    expect(r.data!.watch).toEqual([]);
  });

  it('is idempotent: the parsed config parses again to itself (it is serialised into the function)', () => {
    const first = parse(withCert({ ttl: '30d' }));
    const again = secretRotatorConfig.parse(JSON.parse(JSON.stringify(first.data)));
    expect(again).toEqual(first.data);
  });

  it.each([
    ['30d', 43200],
    ['720h', 43200],
    ['45m', 45],
    ['1d', 1440],
  ])('reads duration %s as %i minutes', (text, minutes) => {
    expect(durationMinutes(text)).toBe(minutes);
  });

  it.each([
    // ttl, renewBefore default
    ['720h', '10d'],
    ['30d', '10d'],
    ['90d', '30d'],
    ['24h', '8h'],
    ['1h', '20m'],
    ['45m', '15m'],
    ['10m', '3m'],
  ])('renewBefore defaults to a third of ttl %s: %s', (ttl, expected) => {
    const { renewBefore: _drop, ...rest } = withCert({ ttl });
    const r = parse(rest);
    expect(issues(r)).toEqual([]);
    expect(r.data!.secrets[0].renewBefore).toBe(expected);
  });

  it('formats minutes in the largest whole unit', () => {
    expect([formatDuration(14400), formatDuration(480), formatDuration(90)]).toEqual(['10d', '8h', '90m']);
  });

  it.each([
    [
      'a duration in seconds',
      withCert({ ttl: '3600s' }),
      'certificate.ttl: must be a duration such as 30d, 720h or 45m',
    ],
    ['a duration with spaces', withCert({ ttl: '30 d' }), 'certificate.ttl: must be a duration'],
    ['a zero duration', withCert({ ttl: '0h' }), 'certificate.ttl: must be a duration'],
    [
      'a ttl under 10 minutes',
      { ...withCert({ ttl: '5m' }), renewBefore: '1m' },
      'certificate.ttl: must be at least 10m',
    ],
    [
      'renewBefore not shorter than ttl',
      { ...minimal, renewBefore: '30d' },
      'renewBefore: must be shorter than certificate.ttl (720h)',
    ],
    ['an unknown key type', { ...minimal, key: 'rsa-1024' }, 'key: Invalid option'],
    [
      'an unknown issuer type',
      withCert({ issuer: { type: 'acme' } }),
      'certificate.issuer.type: Invalid discriminator value',
    ],
    [
      'a vault-pki issuer without role',
      withCert({ issuer: { type: 'vault-pki', mount: 'pki' } }),
      'certificate.issuer.role',
    ],
    [
      'a kv-ca issuer at the secret path',
      withCert({ issuer: { type: 'kv-ca', path: 'mtls/payments' } }),
      'certificate.issuer.path: the CA must live at another path',
    ],
    ['an unknown field', { ...minimal, rotateEvery: '7d' }, ': Unrecognized key: "rotateEvery"'],
    [
      'a path with a leading slash',
      { ...minimal, vault: { ...minimal.vault, path: '/mtls/x' } },
      'vault.path: must be "/"-separated',
    ],
    [
      'a path with ..',
      { ...minimal, vault: { ...minimal.vault, path: 'mtls/../x' } },
      'vault.path: must be "/"-separated',
    ],
    [
      'a non-URL address',
      { ...minimal, vault: { ...minimal.vault, address: 'vault:8200' } },
      'vault.address: must be an http:// or https:// URL',
    ],
    [
      'an ftp address',
      { ...minimal, vault: { ...minimal.vault, address: 'ftp://vault' } },
      'vault.address: must be an http:// or https:// URL',
    ],
    [
      'a CA bundle that is a key',
      {
        ...minimal,
        vault: {
          ...minimal.vault,
          caCertPem: '-----BEGIN CERTIFICATE-----x-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----',
        },
      },
      'vault.caCertPem: must not contain a private key',
    ],
    [
      'a CA bundle over http',
      {
        ...minimal,
        vault: {
          ...minimal.vault,
          address: 'http://127.0.0.1:8200',
          caCertPem: '-----BEGIN CERTIFICATE-----x-----END CERTIFICATE-----',
        },
      },
      'vault.caCertPem: needs an https:// address',
    ],
    [
      'a bad IP SAN',
      withCert({ ipAddresses: ['10.0.0.300'] }),
      'certificate.ipAddresses.0: must be an IPv4 or IPv6 address',
    ],
    ['a bad DNS SAN', withCert({ dnsNames: ['bad name'] }), 'certificate.dnsNames.0: must be a DNS name'],
    ['pathLen without isCA', withCert({ pathLen: 0 }), 'certificate.pathLen: only applies with isCA: true'],
    ['an unknown usage', withCert({ usages: ['codeSigning'] }), 'certificate.usages.0'],
    [
      'two fields with one name',
      { ...minimal, fields: { cert: 'a', key: 'a' } },
      'fields: cert, key and ca must be three different fields',
    ],
    ['an upper-case name', { ...minimal, name: 'Payments' }, 'name: must be 1-63 lower-case'],
  ])('rejects %s, naming the field', (_what, secret, expected) => {
    const found = issues(parse(secret as Record<string, unknown>));
    expect(
      found.filter((i) => i.startsWith(`secrets.0${expected.startsWith(':') ? '' : '.'}${expected}`)),
    ).toHaveLength(1);
  });

  it.each(['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa-2048', 'rsa-3072', 'rsa-4096'])('accepts key type %s', (key) => {
    expect(issues(parse({ ...minimal, key }))).toEqual([]);
  });

  it('accepts each issuer kind and fills kv-ca field defaults', () => {
    const kv = parse(withCert({ issuer: { type: 'kv-ca', path: 'mesh/trust-anchor' } }));
    expect(kv.data!.secrets[0].certificate.issuer).toEqual({
      type: 'kv-ca',
      path: 'mesh/trust-anchor',
      certField: 'tls.crt',
      keyField: 'tls.key',
    });
    expect(issues(parse(withCert({ issuer: { type: 'none' } })))).toEqual([]);
  });

  it('gives a CA certificate no extended key usage unless asked', () => {
    const r = parse(withCert({ isCA: true, pathLen: 0 }));
    expect(r.data!.secrets[0].certificate.usages).toEqual([]);
  });

  it('rejects duplicate names across secrets and watch, and two entries on one path', () => {
    const r = secretRotatorConfig.safeParse({
      enabled: true,
      secrets: [minimal, { ...minimal, name: 'other' }],
      watch: [{ name: 'payments-mtls', vault: minimal.vault }],
    });
    const found = issues(r);
    expect(found).toContain('watch.0.name: duplicate name "payments-mtls" (secrets[0])');
    expect(found).toContain('secrets.1.vault.path: same Vault path as secrets[0]: two entries would rotate one secret');
  });

  it('accepts http:// for a dev Vault, with a warning naming the entry', () => {
    const r = parse(
      { ...minimal, vault: { ...minimal.vault, address: 'http://127.0.0.1:8200/' } },
      { watch: [{ name: 'anchor', vault: { ...minimal.vault, path: 'mesh/anchor' } }] },
    );
    expect(issues(r)).toEqual([]);
    expect(r.data!.secrets[0].vault.address).toBe('http://127.0.0.1:8200');
    const warnings = secretRotatorConfigWarnings(r.data!);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^secrets\[0\] \(payments-mtls\): vault.address http:\/\/127.0.0.1:8200 is plain http/);
  });

  it('validates watch entries and the VPC block', () => {
    const r = secretRotatorConfig.safeParse({
      enabled: true,
      watch: [{ name: 'anchor', vault: { ...minimal.vault, path: 'mesh/anchor' } }],
      vpc: { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], subnetIds: [] },
    });
    const found = issues(r);
    expect(found).toContain('vpc.vpcId: must be a VPC id (vpc- and 8 or 17 hex digits)');
    expect(found.some((i) => i.startsWith('vpc.subnetIds'))).toBe(true);
    const ok = secretRotatorConfig.parse({ enabled: true, watch: [{ name: 'anchor', vault: minimal.vault }] });
    expect(ok.watch[0].field).toBe('tls.crt');
  });
});
