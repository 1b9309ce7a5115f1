/**
 * Key material: key pairs (node:crypto's WebCrypto), CSRs and locally signed certificates (@peculiar/x509).
 * Nothing here logs or returns a private key except as the `privateKeyPem` of a generated key, which only the KV
 * write ever receives.
 */
import { createHash, createPrivateKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
import type { CertUsage, KeyType } from '../config';
import type { CertificateNames } from './names';
import { x509 } from './x509';

const subtle = webcrypto.subtle;

/** WebCrypto parameters for generating, importing and signing with each key type. */
export function keyAlgorithm(keyType: KeyType): {
  generate: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | Algorithm;
  import: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | Algorithm;
  sign: Algorithm | webcrypto.EcdsaParams;
} {
  switch (keyType) {
    case 'ecdsa-p256':
      return {
        generate: { name: 'ECDSA', namedCurve: 'P-256' } as webcrypto.EcKeyGenParams,
        import: { name: 'ECDSA', namedCurve: 'P-256' } as webcrypto.EcKeyImportParams,
        sign: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams,
      };
    case 'ecdsa-p384':
      return {
        generate: { name: 'ECDSA', namedCurve: 'P-384' } as webcrypto.EcKeyGenParams,
        import: { name: 'ECDSA', namedCurve: 'P-384' } as webcrypto.EcKeyImportParams,
        sign: { name: 'ECDSA', hash: 'SHA-384' } as webcrypto.EcdsaParams,
      };
    case 'ed25519':
      return { generate: { name: 'Ed25519' }, import: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096': {
      const bits = Number(keyType.slice(4));
      const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      return {
        generate: {
          ...rsa,
          modulusLength: bits,
          publicExponent: new Uint8Array([1, 0, 1]),
        } as webcrypto.RsaHashedKeyGenParams,
        import: rsa as webcrypto.RsaHashedImportParams,
        sign: rsa,
      };
    }
  }
}

/** The key type of a key, or undefined for one the rotator does not generate (e.g. RSA-1024, Ed448). */
export function keyTypeOf(key: KeyObject): KeyType | undefined {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return d.namedCurve === 'prime256v1' ? 'ecdsa-p256' : d.namedCurve === 'secp384r1' ? 'ecdsa-p384' : undefined;
    case 'ed25519':
      return 'ed25519';
    case 'rsa':
      return d.modulusLength === 2048 || d.modulusLength === 3072 || d.modulusLength === 4096
        ? (`rsa-${d.modulusLength}` as KeyType)
        : undefined;
    default:
      return undefined;
  }
}

export interface GeneratedKey {
  readonly keyType: KeyType;
  readonly keys: CryptoKeyPair;
  /** PKCS#8 PEM. Goes to KV only. */
  readonly privateKeyPem: string;
  /** SPKI PEM. */
  readonly publicKeyPem: string;
}

const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END ${label}-----\n`;

/** Generates a fresh key pair of the given type. */
export async function generateKey(keyType: KeyType): Promise<GeneratedKey> {
  const alg = keyAlgorithm(keyType);
  const keys = (await subtle.generateKey(alg.generate, true, ['sign', 'verify'])) as CryptoKeyPair;
  return {
    keyType,
    keys,
    privateKeyPem: pem('PRIVATE KEY', await subtle.exportKey('pkcs8', keys.privateKey)),
    publicKeyPem: pem('PUBLIC KEY', await subtle.exportKey('spki', keys.publicKey)),
  };
}

/** Imports a PEM private key (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY") for signing. */
export async function importSigningKey(privateKeyPem: string): Promise<{ key: CryptoKey; keyType: KeyType }> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(privateKeyPem);
  } catch {
    throw new Error('the CA private key is not a readable PEM private key');
  }
  const keyType = keyTypeOf(keyObject);
  if (!keyType)
    throw new Error(`the CA key type (${keyObject.asymmetricKeyType}) is not one the rotator can sign with`);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await subtle.importKey('pkcs8', der, keyAlgorithm(keyType).import, false, ['sign']);
  return { key, keyType };
}

/** SHA-256 of a public key's SPKI DER, hex: the fingerprint of a key-only secret. */
export function publicKeyFingerprint(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** What a certificate should say, whoever signs it. */
export interface CertificateSpec {
  readonly names: CertificateNames;
  readonly usages: readonly CertUsage[];
  readonly isCA: boolean;
  readonly pathLen?: number;
}

const EKU_OID: Record<CertUsage, string> = {
  serverAuth: x509.ExtendedKeyUsage.serverAuth,
  clientAuth: x509.ExtendedKeyUsage.clientAuth,
};

function sanExtension(names: CertificateNames): x509.Extension[] {
  const items: x509.JsonGeneralName[] = [
    ...names.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...names.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ...names.uris.map((value) => ({ type: 'url' as const, value })),
  ];
  return items.length > 0 ? [new x509.SubjectAlternativeNameExtension(items, false)] : [];
}

function usageExtensions(spec: CertificateSpec): x509.Extension[] {
  const out: x509.Extension[] = [];
  out.push(
    spec.isCA
      ? new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        )
      : // digitalSignature is all TLS 1.3 and ECDHE need (keyEncipherment is for RSA key transport, obsolete).
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  );
  if (spec.usages.length > 0)
    out.push(
      new x509.ExtendedKeyUsageExtension(
        spec.usages.map((u) => EKU_OID[u]),
        false,
      ),
    );
  return out;
}

/** A PKCS#10 CSR carrying the common name and every SAN (Vault takes them from the CSR by default). */
export async function buildCsr(spec: CertificateSpec, key: GeneratedKey): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [spec.names.commonName] }],
    keys: key.keys,
    signingAlgorithm: keyAlgorithm(key.keyType).sign,
    extensions: [...sanExtension(spec.names), ...usageExtensions(spec)],
  });
  return csr.toString('pem');
}

/** A random positive 128-bit serial number, hex. */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  if (bytes[0] === 0) bytes[0] = 0x01;
  return bytes.toString('hex');
}

export interface SignParams {
  readonly spec: CertificateSpec;
  /** The subject's public key (a CryptoKey, or a CSR's public key). */
  readonly publicKey: x509.PublicKeyType;
  /** The issuing CA certificate (PEM); omit for a self-signed certificate (then signingKey is the subject's). */
  readonly issuerCertPem?: string;
  readonly signingKey: CryptoKey;
  readonly signingKeyType: KeyType;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly serialNumber?: string;
}

/** Signs a certificate with a CA key held by the caller (the kv-ca issuer, and the Vault stand-in in tests). */
export async function signCertificate(p: SignParams): Promise<string> {
  const issuer = p.issuerCertPem ? new x509.X509Certificate(p.issuerCertPem) : undefined;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(p.spec.isCA, p.spec.isCA ? p.spec.pathLen : undefined, true),
    ...usageExtensions(p.spec),
    ...sanExtension(p.spec.names),
    await x509.SubjectKeyIdentifierExtension.create(p.publicKey),
  ];
  if (issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: p.serialNumber ?? randomSerial(),
    subject: [{ CN: [p.spec.names.commonName] }],
    issuer: issuer ? issuer.subject : [{ CN: [p.spec.names.commonName] }],
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    publicKey: p.publicKey,
    signingKey: p.signingKey,
    signingAlgorithm: keyAlgorithm(p.signingKeyType).sign,
    extensions,
  });
  return `${cert.toString('pem').trimEnd()}\n`;
}

/** Splits a PEM bundle into its certificates, in order. */
export function splitPemCertificates(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((c) => `${c}\n`) ?? [];
}
