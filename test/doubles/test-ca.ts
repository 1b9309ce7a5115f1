/** Real test CAs and certificates for the secret-rotator tests, built with the rotator's own key/cert code. */
import type { CertUsage, KeyType } from '../../lambdas/secret-rotator/config';
import { generateKey, signCertificate, type GeneratedKey } from '../../lambdas/secret-rotator/core/material';
import { requestedNames } from '../../lambdas/secret-rotator/core/names';

export interface TestCa {
  readonly certPem: string;
  readonly key: GeneratedKey;
}

const HOUR = 3_600_000;

export async function makeCa(
  commonName = 'Test Root CA',
  opts: { keyType?: KeyType; notBefore?: Date; validMs?: number; parent?: TestCa } = {},
): Promise<TestCa> {
  const key = await generateKey(opts.keyType ?? 'ecdsa-p256');
  const notBefore = opts.notBefore ?? new Date(Date.now() - HOUR);
  const certPem = await signCertificate({
    spec: {
      names: requestedNames({ commonName, dnsNames: [], ipAddresses: [], uris: [] }),
      usages: [],
      isCA: true,
    },
    publicKey: key.keys.publicKey,
    issuerCertPem: opts.parent?.certPem,
    signingKey: (opts.parent?.key ?? key).keys.privateKey,
    signingKeyType: (opts.parent?.key ?? key).keyType,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (opts.validMs ?? 3650 * 24 * HOUR)),
  });
  return { certPem, key };
}

export interface LeafOptions {
  readonly commonName?: string;
  readonly dnsNames?: string[];
  readonly ipAddresses?: string[];
  readonly uris?: string[];
  readonly keyType?: KeyType;
  readonly usages?: CertUsage[];
  readonly isCA?: boolean;
  readonly notBefore?: Date;
  readonly validMs?: number;
}

/** A leaf signed by `ca`, with its key. */
export async function makeLeaf(ca: TestCa, o: LeafOptions = {}): Promise<{ certPem: string; key: GeneratedKey }> {
  const key = await generateKey(o.keyType ?? 'ecdsa-p256');
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const certPem = await signCertificate({
    spec: {
      names: requestedNames({
        commonName: o.commonName ?? 'payments.mesh.local',
        dnsNames: o.dnsNames ?? ['payments.payments.svc.cluster.local'],
        ipAddresses: o.ipAddresses ?? [],
        uris: o.uris ?? [],
      }),
      usages: o.usages ?? ['serverAuth', 'clientAuth'],
      isCA: o.isCA ?? false,
    },
    publicKey: key.keys.publicKey,
    issuerCertPem: ca.certPem,
    signingKey: ca.key.keys.privateKey,
    signingKeyType: ca.key.keyType,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (o.validMs ?? 720 * HOUR)),
  });
  return { certPem, key };
}
