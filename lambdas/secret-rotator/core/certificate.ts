/** Reading a certificate (or key) found in KV into plain facts the due decision and verification use. */
import { createPublicKey, X509Certificate } from 'node:crypto';
import type { CertUsage, KeyType } from '../config';
import { keyTypeOf, publicKeyFingerprint, splitPemCertificates } from './material';
import { normaliseNames, type CertificateNames } from './names';
import { x509 } from './x509';

export interface CertificateFacts {
  readonly names: CertificateNames;
  readonly keyType: KeyType | undefined;
  /** Key algorithm as node reports it, for messages when keyType is undefined. */
  readonly keyAlgorithm: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Serial number, upper-case hex as node prints it. */
  readonly serial: string;
  /** SHA-256 of the DER certificate, lower-case hex without colons. */
  readonly fingerprint: string;
  readonly isCA: boolean;
  readonly pathLen: number | undefined;
  /** Extended key usages the rotator knows, plus any other OID as given. */
  readonly usages: readonly (CertUsage | string)[];
  readonly keyUsageDigitalSignature: boolean;
  readonly keyUsageCertSign: boolean;
  readonly issuer: string;
}

const EKU_NAMES: Record<string, CertUsage> = {
  [x509.ExtendedKeyUsage.serverAuth]: 'serverAuth',
  [x509.ExtendedKeyUsage.clientAuth]: 'clientAuth',
};

export const fingerprintOf = (cert: X509Certificate) => cert.fingerprint256.replace(/:/g, '').toLowerCase();

/** Facts of the first certificate of a PEM bundle. Throws (without echoing the input) when it is not one. */
export function readCertificate(pemText: string): CertificateFacts {
  const first = splitPemCertificates(pemText)[0];
  if (!first) throw new Error('no PEM certificate found');
  let cert: X509Certificate;
  let parsed: x509.X509Certificate;
  try {
    cert = new X509Certificate(first);
    parsed = new x509.X509Certificate(first);
  } catch {
    throw new Error('the PEM certificate cannot be parsed');
  }
  const san = parsed.getExtension(x509.SubjectAlternativeNameExtension);
  const items = san?.names.toJSON() ?? [];
  const cn = parsed.subjectName.getField('CN')[0] ?? '';
  const eku = parsed.getExtension(x509.ExtendedKeyUsageExtension);
  const ku = parsed.getExtension(x509.KeyUsagesExtension);
  const bc = parsed.getExtension(x509.BasicConstraintsExtension);
  return {
    names: normaliseNames({
      commonName: cn,
      dnsNames: items.filter((i) => i.type === 'dns').map((i) => i.value),
      ipAddresses: items.filter((i) => i.type === 'ip').map((i) => i.value),
      uris: items.filter((i) => i.type === 'url').map((i) => i.value),
    }),
    keyType: keyTypeOf(cert.publicKey),
    keyAlgorithm: cert.publicKey.asymmetricKeyType ?? 'unknown',
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    serial: cert.serialNumber.toUpperCase(),
    fingerprint: fingerprintOf(cert),
    isCA: cert.ca,
    pathLen: bc?.ca ? bc.pathLength : undefined,
    usages: (eku?.usages ?? []).map((u) => EKU_NAMES[String(u)] ?? String(u)),
    keyUsageDigitalSignature: ku ? (ku.usages & x509.KeyUsageFlags.digitalSignature) !== 0 : false,
    keyUsageCertSign: ku ? (ku.usages & x509.KeyUsageFlags.keyCertSign) !== 0 : false,
    issuer: cert.issuer,
  };
}

/** Key type and fingerprint of a PEM public or private key (key-only secrets). Never echoes the input. */
export function readKey(pemText: string): { keyType: KeyType | undefined; fingerprint: string } {
  try {
    const pub = createPublicKey(pemText);
    return { keyType: keyTypeOf(pub), fingerprint: publicKeyFingerprint(pub) };
  } catch {
    throw new Error('the PEM key cannot be parsed');
  }
}
