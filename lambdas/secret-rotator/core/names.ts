/** The names a certificate must carry, normalised so a requested set and a certificate's set compare exactly. */
import { isIP } from 'node:net';

export interface CertificateNames {
  readonly commonName: string;
  /** DNS SANs, lower-case, sorted, without duplicates. */
  readonly dnsNames: readonly string[];
  /** IP SANs in canonical text (IPv6 compressed, lower-case), sorted. */
  readonly ipAddresses: readonly string[];
  /** URI SANs as written, sorted. */
  readonly uris: readonly string[];
}

const DNS_LIKE = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Canonical text of an IP address: `::ffff:0:1` style for IPv6, as URL parsing writes it. */
export function canonicalIp(ip: string): string {
  if (isIP(ip) === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return ip;
}

const sortedUnique = (items: readonly string[]) => [...new Set(items)].sort();

/**
 * The names requested by a config entry. The common name is also a DNS SAN when it is a host name: Vault adds it
 * (unless the role sets `exclude_cn_from_sans`), and TLS clients match SANs only.
 */
export function requestedNames(cert: {
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly uris: readonly string[];
}): CertificateNames {
  const cnIsDns = DNS_LIKE.test(cert.commonName) && isIP(cert.commonName) === 0;
  return {
    commonName: cert.commonName,
    dnsNames: sortedUnique([...(cnIsDns ? [cert.commonName] : []), ...cert.dnsNames].map((n) => n.toLowerCase())),
    ipAddresses: sortedUnique(cert.ipAddresses.map(canonicalIp)),
    uris: sortedUnique(cert.uris),
  };
}

export function normaliseNames(names: CertificateNames): CertificateNames {
  return {
    commonName: names.commonName,
    dnsNames: sortedUnique(names.dnsNames.map((n) => n.toLowerCase())),
    ipAddresses: sortedUnique(names.ipAddresses.map(canonicalIp)),
    uris: sortedUnique(names.uris),
  };
}

/** Differences between what is wanted and what a certificate carries, one line each; empty when equal. */
export function diffNames(wanted: CertificateNames, actual: CertificateNames): string[] {
  const out: string[] = [];
  if (wanted.commonName !== actual.commonName)
    out.push(`common name is "${actual.commonName}", wanted "${wanted.commonName}"`);
  const diff = (kind: string, w: readonly string[], a: readonly string[]) => {
    const missing = w.filter((n) => !a.includes(n));
    const extra = a.filter((n) => !w.includes(n));
    if (missing.length) out.push(`${kind} missing: ${missing.join(', ')}`);
    if (extra.length) out.push(`${kind} not asked for: ${extra.join(', ')}`);
  };
  diff('DNS SANs', wanted.dnsNames, actual.dnsNames);
  diff('IP SANs', wanted.ipAddresses, actual.ipAddresses);
  diff('URI SANs', wanted.uris, actual.uris);
  return out;
}
