/** Due or not due, decided from the certificate currently in KV (not from a calendar). */
import { durationMs, type CertUsage, type KeyType, type ManagedSecretConfig } from '../config';
import type { CertificateFacts } from './certificate';
import { diffNames, requestedNames, type CertificateNames } from './names';

import { DAY_MS } from '../../shared/time';

/** What the entry asks for, as the due check and verification see it. */
export interface WantedCertificate {
  readonly keyType: KeyType;
  /** Undefined for a key-only secret (issuer none). */
  readonly names?: CertificateNames;
  readonly usages: readonly CertUsage[];
  readonly isCA: boolean;
  readonly pathLen?: number;
  readonly renewBeforeMs: number;
}

/** What an entry asks for, from its config. */
export function wantedCertificate(entry: ManagedSecretConfig): WantedCertificate & { readonly ttlMs: number } {
  const c = entry.certificate;
  return {
    keyType: entry.key,
    names: c.issuer.type === 'none' ? undefined : requestedNames(c),
    usages: c.issuer.type === 'none' ? [] : c.usages,
    isCA: c.isCA,
    pathLen: c.pathLen,
    renewBeforeMs: durationMs(entry.renewBefore),
    ttlMs: durationMs(c.ttl),
  };
}

export type CurrentMaterial =
  | { readonly kind: 'none' }
  | { readonly kind: 'unreadable'; readonly reason: string }
  | { readonly kind: 'certificate'; readonly facts: CertificateFacts }
  | {
      readonly kind: 'key';
      readonly keyType: KeyType | undefined;
      readonly fingerprint: string;
      /** A key has no expiry of its own: the rotator records one (rotated_at + ttl) in custom_metadata. */
      readonly notAfter: Date | undefined;
    };

export interface DueDecision {
  readonly due: boolean;
  readonly reason: string;
  readonly notAfter?: Date;
  readonly daysLeft?: number;
}

/** Days from `now` to `notAfter`, one decimal, rounded toward zero (negative when expired). */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.trunc(((notAfter.getTime() - now.getTime()) / DAY_MS) * 10) / 10 + 0;
}

/** Differences between the certificate's shape and the entry, one line each. */
export function shapeProblems(wanted: WantedCertificate, facts: CertificateFacts): string[] {
  const out: string[] = [];
  if (facts.keyType !== wanted.keyType)
    out.push(`key type is ${facts.keyType ?? facts.keyAlgorithm}, wanted ${wanted.keyType}`);
  if (wanted.names) out.push(...diffNames(wanted.names, facts.names));
  if (facts.isCA !== wanted.isCA) out.push(wanted.isCA ? 'is not a CA certificate' : 'is a CA certificate');
  if (wanted.isCA && wanted.pathLen !== undefined && facts.pathLen !== wanted.pathLen)
    out.push(`path length is ${facts.pathLen ?? 'unlimited'}, wanted ${wanted.pathLen}`);
  const usages = [...facts.usages].sort();
  const want = [...wanted.usages].sort();
  if (usages.join(',') !== want.join(','))
    out.push(`extended key usages are [${usages.join(', ')}], wanted [${want.join(', ')}]`);
  return out;
}

export function decideDue(wanted: WantedCertificate, current: CurrentMaterial, now: Date, force = false): DueDecision {
  const expiry =
    current.kind === 'certificate' ? current.facts.notAfter : current.kind === 'key' ? current.notAfter : undefined;
  const left = expiry ? { notAfter: expiry, daysLeft: daysLeft(expiry, now) } : {};
  if (force) return { due: true, reason: 'forced (--force)', ...left };
  switch (current.kind) {
    case 'none':
      return { due: true, reason: 'no key material at the path yet' };
    case 'unreadable':
      return { due: true, reason: `the current data is unusable: ${current.reason}` };
    case 'key':
      if (current.keyType !== wanted.keyType)
        return { due: true, reason: `key type is ${current.keyType ?? 'unknown'}, wanted ${wanted.keyType}`, ...left };
      break;
    case 'certificate': {
      const problems = shapeProblems(wanted, current.facts);
      if (problems.length > 0)
        return { due: true, reason: `the certificate does not match the entry: ${problems.join('; ')}`, ...left };
      break;
    }
  }
  if (!expiry) return { due: true, reason: 'no recorded expiry for the current key' };
  const renewFrom = new Date(expiry.getTime() - wanted.renewBeforeMs);
  if (expiry <= now) return { due: true, reason: `expired at ${expiry.toISOString()}`, ...left };
  if (renewFrom <= now)
    return {
      due: true,
      reason: `expires at ${expiry.toISOString()}, within renewBefore (from ${renewFrom.toISOString()})`,
      ...left,
    };
  return {
    due: false,
    reason: `valid until ${expiry.toISOString()} (${left.daysLeft} days); renews from ${renewFrom.toISOString()}`,
    ...left,
  };
}
