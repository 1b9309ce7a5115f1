/**
 * Verification before anything is written: the certificate matches the new key, chains to the issuing CA, carries
 * exactly the requested names and usages, and is valid for the asked time. Any problem means nothing is written.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readCertificate } from './certificate';
import { shapeProblems, type WantedCertificate } from './due';
import { splitPemCertificates } from './material';

export interface IssuedMaterial {
  readonly certificatePem: string;
  /** The issuing chain, issuing CA first. */
  readonly chainPem: string;
  readonly privateKeyPem: string;
}

/** How far validity may differ from `now` / `now + ttl` (clock skew, Vault's 30 s back-dating, run time). */
export const VALIDITY_TOLERANCE_MS = 10 * 60_000;

export function verifyIssued(
  material: IssuedMaterial,
  wanted: WantedCertificate & { readonly ttlMs: number },
  now: Date,
): string[] {
  const problems: string[] = [];
  let leaf: X509Certificate;
  try {
    const first = splitPemCertificates(material.certificatePem);
    if (first.length === 0) return ['the issued certificate is not PEM'];
    leaf = new X509Certificate(first[0]);
  } catch {
    return ['the issued certificate cannot be parsed'];
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(material.privateKeyPem)))
      problems.push('the certificate does not match the generated private key');
  } catch {
    problems.push('the certificate and the generated private key cannot be compared (different key algorithms)');
  }

  const chain = splitPemCertificates(material.chainPem);
  if (chain.length === 0) problems.push('no issuing CA certificate came with the certificate');
  else {
    try {
      const certs = chain.map((c) => new X509Certificate(c));
      let child = leaf;
      certs.forEach((ca, i) => {
        const what = i === 0 ? 'the certificate' : `chain certificate ${i}`;
        if (!ca.ca) problems.push(`chain certificate ${i + 1} (${ca.subject.replace(/\n/g, ', ')}) is not a CA`);
        if (!child.checkIssued(ca) || !child.verify(ca.publicKey))
          problems.push(`${what} is not signed by chain certificate ${i + 1} (${ca.subject.replace(/\n/g, ', ')})`);
        child = ca;
      });
      if (new Date(certs[0].validTo) < new Date(leaf.validTo))
        problems.push(
          `the certificate outlives its issuing CA (CA valid until ${new Date(certs[0].validTo).toISOString()})`,
        );
      if (new Date(certs[0].validTo) <= now) problems.push('the issuing CA has expired');
    } catch {
      problems.push('the issuing chain cannot be parsed');
    }
  }

  const facts = readCertificate(material.certificatePem);
  problems.push(...shapeProblems(wanted, facts));
  if (!wanted.isCA && !facts.keyUsageDigitalSignature) problems.push('key usage lacks digitalSignature');
  if (wanted.isCA && !facts.keyUsageCertSign) problems.push('key usage lacks keyCertSign');
  if (facts.notBefore.getTime() > now.getTime() + VALIDITY_TOLERANCE_MS)
    problems.push(`not valid before ${facts.notBefore.toISOString()} (in the future)`);
  const expected = now.getTime() + wanted.ttlMs;
  if (Math.abs(facts.notAfter.getTime() - expected) > VALIDITY_TOLERANCE_MS)
    problems.push(
      `valid until ${facts.notAfter.toISOString()}, asked ${new Date(expected).toISOString()} (ttl ${Math.round(wanted.ttlMs / 3_600_000)}h): a PKI role max_ttl or the CA's own expiry may cap it`,
    );
  return problems;
}
