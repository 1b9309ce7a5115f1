/**
 * One run of the rotator, shared by the Lambda handler and the CLI. Per managed secret (one at a time; one failure
 * never stops the others), the Secrets Manager rotation discipline on KV v2:
 *   1. read the current version, its data and the key's metadata; refuse data the rotator did not write (unless
 *      adopt); finish the metadata of a write a crashed run left behind; decide due / not due from the certificate
 *   2. generate the key pair and get the certificate signed (Vault PKI sign / sign-intermediate, a CA at another KV
 *      path, or none for a key pair)
 *   3. verify: the certificate matches the key, chains to the CA, carries exactly the names and usages, validity
 *   4. record the pending fingerprint in custom_metadata, write the data with `cas = <version read in 1>`, then record
 *      `managed_by`, `rotation_id`, `rotated_at`, `not_after`, `serial`, `fingerprint_sha256`
 *   5. read back and compare the fingerprint; check the previous version is still readable
 *   6. a retried run sees the fresh certificate and writes nothing (and a lost write response is recognised by its
 *      pending fingerprint rather than written twice)
 * Watched secrets are only read, for their expiry.
 */
import { randomUUID } from 'node:crypto';
import {
  durationMinutes,
  MANAGED_BY,
  type ManagedSecretConfig,
  type SecretRotatorConfig,
  type WatchedSecretConfig,
} from './config';
import { readCertificate, readKey } from './core/certificate';
import { daysLeft, decideDue, wantedCertificate, type CurrentMaterial } from './core/due';
import {
  buildCsr,
  generateKey,
  importSigningKey,
  signCertificate,
  splitPemCertificates,
  type GeneratedKey,
} from './core/material';
import { requestedNames } from './core/names';
import { decideOwnership, META } from './core/ownership';
import { redact } from './core/redact';
import { verifyIssued } from './core/verify';
import type { KvMetadata, VaultPort, VaultSessions } from './ports';
import type { RotationResult, RotatorRunResult, WatchResult } from './types';

export interface RotatorJobContext {
  readonly clock: () => Date;
  readonly dryRun: boolean;
  /** Rotate even when not due (CLI --force). */
  readonly force?: boolean;
  /** Only these managed secrets (CLI --secret); watched secrets are skipped when set. */
  readonly only?: readonly string[];
  /** Names this run's writes in custom_metadata.rotation_id. */
  readonly runId: string;
  /** Milliseconds left before the run must stop starting rotations. */
  readonly remainingMs: () => number;
}

/** Minimum time a rotation needs (key generation, signing, three writes, read-back) to be started. */
const ROTATION_BUDGET_MS = 15_000;

class StepError extends Error {}

interface Current {
  readonly meta: KvMetadata | undefined;
  readonly version: number;
  readonly live: boolean;
  readonly material: CurrentMaterial;
  readonly fingerprint: string | undefined;
}

function readMaterial(
  entry: ManagedSecretConfig,
  data: Readonly<Record<string, unknown>> | undefined,
  custom: Readonly<Record<string, string>>,
): { material: CurrentMaterial; fingerprint?: string } {
  if (!data) return { material: { kind: 'none' } };
  if (entry.certificate.issuer.type === 'none') {
    const keyPem = data[entry.fields.key];
    if (typeof keyPem !== 'string')
      return { material: { kind: 'unreadable', reason: `field "${entry.fields.key}" holds no PEM key` } };
    try {
      const { keyType, fingerprint } = readKey(keyPem);
      const recorded =
        fingerprint === custom[META.fingerprint] && custom[META.notAfter] ? new Date(custom[META.notAfter]) : undefined;
      return {
        material: {
          kind: 'key',
          keyType,
          fingerprint,
          notAfter: recorded && !Number.isNaN(recorded.getTime()) ? recorded : undefined,
        },
        fingerprint,
      };
    } catch (err) {
      return { material: { kind: 'unreadable', reason: `field "${entry.fields.key}": ${(err as Error).message}` } };
    }
  }
  const certPem = data[entry.fields.cert];
  if (typeof certPem !== 'string')
    return { material: { kind: 'unreadable', reason: `field "${entry.fields.cert}" holds no PEM certificate` } };
  try {
    const facts = readCertificate(certPem);
    return { material: { kind: 'certificate', facts }, fingerprint: facts.fingerprint };
  } catch (err) {
    return { material: { kind: 'unreadable', reason: `field "${entry.fields.cert}": ${(err as Error).message}` } };
  }
}

async function readCurrent(entry: ManagedSecretConfig, vault: VaultPort): Promise<Current> {
  const meta = await vault.readMetadata(entry.vault.path);
  const version = meta?.currentVersion ?? 0;
  const secret = version > 0 ? await vault.readSecret(entry.vault.path) : undefined;
  const { material, fingerprint } = readMaterial(entry, secret?.data, meta?.customMetadata ?? {});
  return {
    meta,
    version: secret?.metadata.version || version,
    live: secret?.data !== undefined,
    material,
    fingerprint,
  };
}

interface Issued {
  readonly key: GeneratedKey;
  readonly certificatePem?: string;
  readonly chainPem?: string;
}

async function issue(entry: ManagedSecretConfig, vault: VaultPort, now: Date): Promise<Issued> {
  const c = entry.certificate;
  const key = await generateKey(entry.key);
  const spec = { names: requestedNames(c), usages: c.usages, isCA: c.isCA, pathLen: c.pathLen };
  const ttlMinutes = durationMinutes(c.ttl);
  switch (c.issuer.type) {
    case 'none':
      return { key };
    case 'vault-pki': {
      const request = {
        csr: await buildCsr(spec, key),
        commonName: spec.names.commonName,
        altNames: spec.names.dnsNames,
        ipSans: spec.names.ipAddresses,
        uriSans: spec.names.uris,
        ttl: `${ttlMinutes}m`,
        ...(c.isCA && c.pathLen !== undefined ? { maxPathLength: c.pathLen } : {}),
      };
      const signed = c.isCA
        ? await vault.signIntermediate(c.issuer.mount, request)
        : await vault.signCsr(c.issuer.mount, c.issuer.role, request);
      const chain = signed.caChain.length > 0 ? signed.caChain : [signed.issuingCa];
      return { key, certificatePem: ensureNewline(signed.certificate), chainPem: chain.map(ensureNewline).join('') };
    }
    case 'kv-ca': {
      const issuer = c.issuer;
      const ca = await vault.readSecret(issuer.path);
      const caCert = ca?.data?.[issuer.certField];
      const caKey = ca?.data?.[issuer.keyField];
      if (typeof caCert !== 'string' || typeof caKey !== 'string')
        throw new StepError(
          `the CA at ${entry.vault.kvMount}/${issuer.path} has no "${issuer.certField}" and "${issuer.keyField}" fields`,
        );
      const caCerts = splitPemCertificates(caCert);
      if (caCerts.length === 0)
        throw new StepError(
          `the CA at ${entry.vault.kvMount}/${issuer.path} field "${issuer.certField}" is not a PEM certificate`,
        );
      const signer = await importSigningKey(caKey).catch((err: Error) => {
        throw new StepError(`the CA at ${entry.vault.kvMount}/${issuer.path}: ${err.message}`);
      });
      const certificatePem = await signCertificate({
        spec,
        publicKey: key.keys.publicKey,
        issuerCertPem: caCerts[0],
        signingKey: signer.key,
        signingKeyType: signer.keyType,
        notBefore: new Date(now.getTime() - 30_000),
        notAfter: new Date(now.getTime() + ttlMinutes * 60_000),
      });
      return { key, certificatePem, chainPem: caCerts.join('') };
    }
  }
}

const ensureNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);

function withoutPending(custom: Readonly<Record<string, string>>): Record<string, string> {
  const { [META.pendingFingerprint]: _f, [META.pendingRotationId]: _r, ...rest } = custom;
  return rest;
}

/** The custom_metadata recorded for a certificate (or key) the rotator wrote. */
function finalMetadata(
  previous: Readonly<Record<string, string>>,
  rec: { rotationId: string; rotatedAt: string; notAfter: string; serial: string; fingerprint: string },
): Record<string, string> {
  return {
    ...withoutPending(previous),
    [META.managedBy]: MANAGED_BY,
    [META.rotationId]: rec.rotationId,
    [META.rotatedAt]: rec.rotatedAt,
    [META.notAfter]: rec.notAfter,
    [META.serial]: rec.serial,
    [META.fingerprint]: rec.fingerprint,
  };
}

/** One managed secret. Never throws: every failure becomes a `failed` result saying what was done before it. */
export async function rotateSecret(
  entry: ManagedSecretConfig,
  vault: VaultPort,
  ctx: RotatorJobContext & { readonly capReached?: boolean },
): Promise<RotationResult> {
  const notes: string[] = [];
  const written: string[] = [];
  const where = `${entry.vault.kvMount}/${entry.vault.path}`;
  const fail = (reason: string, extra: Partial<RotationResult> = {}): RotationResult => ({
    secret: entry.name,
    kind: 'managed',
    action: 'failed',
    reason: redact(reason),
    notes,
    ...(written.length ? { written } : {}),
    ...extra,
  });
  let current: Current;
  try {
    current = await readCurrent(entry, vault);
  } catch (err) {
    return fail(`reading ${where}: ${(err as Error).message}`);
  }
  const now = ctx.clock();
  const custom = current.meta?.customMetadata ?? {};
  const wanted = wantedCertificate(entry);
  const ownership = decideOwnership({
    currentVersion: current.version,
    live: current.live,
    fingerprint: current.fingerprint,
    customMetadata: custom,
    adopt: entry.adopt,
  });
  const facts = current.material.kind === 'certificate' ? current.material.facts : undefined;
  const state = {
    version: current.version || undefined,
    ...(current.material.kind === 'certificate'
      ? {
          notAfter: current.material.facts.notAfter.toISOString(),
          daysLeft: daysLeft(current.material.facts.notAfter, now),
          serial: current.material.facts.serial,
        }
      : {}),
    ...(current.material.kind === 'key' && current.material.notAfter
      ? { notAfter: current.material.notAfter.toISOString(), daysLeft: daysLeft(current.material.notAfter, now) }
      : {}),
    ...(custom[META.rotatedAt] ? { rotatedAt: custom[META.rotatedAt] } : {}),
  };
  if (ownership.kind === 'foreign') return fail(`${where}: ${ownership.note}`, state);
  if (ownership.kind === 'adopted' || ownership.kind === 'empty') notes.push(ownership.note);

  // A write whose metadata was not recorded (crash between the two writes), or a missing marker: finish it.
  if (ownership.kind === 'owned' && ownership.repairMetadata) {
    if (ctx.dryRun) notes.push(`${ownership.note} (dry run: not recorded)`);
    else {
      try {
        const notAfter = facts?.notAfter ?? (current.material.kind === 'key' ? current.material.notAfter : undefined);
        await vault.writeCustomMetadata(
          entry.vault.path,
          finalMetadata(custom, {
            rotationId: custom[META.pendingRotationId] ?? custom[META.rotationId] ?? ctx.runId,
            rotatedAt:
              custom[META.pendingFingerprint] === current.fingerprint
                ? (current.meta?.versions[String(current.version)]?.createdTime ?? now.toISOString())
                : (custom[META.rotatedAt] ?? now.toISOString()),
            notAfter: notAfter?.toISOString() ?? custom[META.notAfter] ?? '',
            serial: facts?.serial ?? '',
            fingerprint: current.fingerprint ?? '',
          }),
        );
        written.push(`custom_metadata of version ${current.version} (repaired)`);
        notes.push(ownership.note);
      } catch (err) {
        return fail(`repairing the metadata of ${where}: ${(err as Error).message}`, state);
      }
    }
  }

  const due = decideDue(wanted, current.material, now, ctx.force);
  if (!due.due)
    return {
      secret: entry.name,
      kind: 'managed',
      action: 'skipped',
      reason: due.reason,
      due: false,
      notes,
      ...(written.length ? { written } : {}),
      ...state,
    };
  if (ctx.dryRun)
    return {
      secret: entry.name,
      kind: 'managed',
      action: 'would-rotate',
      reason: `${due.reason} (dry run: nothing written)`,
      due: true,
      notes,
      ...state,
    };
  if (ctx.capReached)
    return {
      secret: entry.name,
      kind: 'managed',
      action: 'skipped',
      reason: `${due.reason}; the per-run rotation cap is reached, next run`,
      due: true,
      notes,
      ...state,
    };
  if (ctx.remainingMs() < ROTATION_BUDGET_MS)
    return {
      secret: entry.name,
      kind: 'managed',
      action: 'skipped',
      reason: `${due.reason}; not enough time left in this run, next run`,
      due: true,
      notes,
      ...state,
    };

  // 2. key + certificate
  let issued: Issued;
  const issuedAt = ctx.clock();
  try {
    issued = await issue(entry, vault, issuedAt);
  } catch (err) {
    return fail(`issuing for ${where}: ${(err as Error).message}; nothing written`, state);
  }
  // 3. verify before writing
  let newFacts: ReturnType<typeof readCertificate> | undefined;
  let fingerprint: string;
  let notAfter: Date;
  if (issued.certificatePem) {
    const problems = verifyIssued(
      {
        certificatePem: issued.certificatePem,
        chainPem: issued.chainPem ?? '',
        privateKeyPem: issued.key.privateKeyPem,
      },
      wanted,
      issuedAt,
    );
    if (problems.length > 0)
      return fail(`verification of the new certificate failed: ${problems.join('; ')}; nothing written`, state);
    newFacts = readCertificate(issued.certificatePem);
    fingerprint = newFacts.fingerprint;
    notAfter = newFacts.notAfter;
  } else {
    fingerprint = readKey(issued.key.publicKeyPem).fingerprint;
    notAfter = new Date(issuedAt.getTime() + wanted.ttlMs);
  }
  const rotationId = `${ctx.runId}/${randomUUID().slice(0, 8)}`;
  const data: Record<string, string> = issued.certificatePem
    ? {
        [entry.fields.cert]: issued.certificatePem,
        [entry.fields.key]: issued.key.privateKeyPem,
        [entry.fields.ca]: issued.chainPem ?? '',
      }
    : { [entry.fields.key]: issued.key.privateKeyPem, [entry.fields.cert]: issued.key.publicKeyPem };

  // 4. pending marker, CAS write, final metadata
  try {
    await vault.writeCustomMetadata(entry.vault.path, {
      ...withoutPending(custom),
      [META.pendingFingerprint]: fingerprint,
      [META.pendingRotationId]: rotationId,
    });
  } catch (err) {
    return fail(`recording the pending rotation on ${where}: ${(err as Error).message}; nothing written`, state);
  }
  let newVersion: number;
  try {
    newVersion = (await vault.writeSecret(entry.vault.path, data, current.version)).version;
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === 'cas-mismatch') {
      // Either another writer won, or this very write landed and only its response was lost (then it is ours).
      const after = await readCurrent(entry, vault).catch(() => undefined);
      if (after?.fingerprint === fingerprint) {
        newVersion = after.version;
        notes.push('the write had landed although its response was lost; not written again');
      } else {
        await clearPending(vault, entry, rotationId).catch(() => undefined);
        return fail(
          `another writer changed ${where} (now version ${after?.version ?? 'unknown'}, expected ${current.version}); nothing overwritten`,
          state,
        );
      }
    } else {
      return fail(`writing ${where}: ${e.message}; the pending marker stays and the next run retries`, state);
    }
  }
  written.push(`version ${newVersion} of ${where}`);
  const rotatedAt = ctx.clock().toISOString();
  const serial = newFacts?.serial ?? '';
  const result = {
    version: newVersion,
    notAfter: notAfter.toISOString(),
    daysLeft: daysLeft(notAfter, ctx.clock()),
    serial: serial || undefined,
    fingerprint,
    rotatedAt,
  };
  try {
    const latest = (await vault.readMetadata(entry.vault.path))?.customMetadata ?? {};
    await vault.writeCustomMetadata(
      entry.vault.path,
      finalMetadata(latest, { rotationId, rotatedAt, notAfter: notAfter.toISOString(), serial, fingerprint }),
    );
    written.push(`custom_metadata of version ${newVersion}`);
  } catch (err) {
    return fail(
      `version ${newVersion} was written but recording its metadata failed (${(err as Error).message}); the next run recognises it by its pending fingerprint and records it`,
      result,
    );
  }

  // 5. read back, and check the previous version stays readable for consumers that reload late
  try {
    const back = await readCurrent(entry, vault);
    if (back.fingerprint !== fingerprint || back.version !== newVersion)
      return fail(
        `read-back of ${where} found version ${back.version} with another certificate than the one written (version ${newVersion})`,
        result,
      );
    if (current.version > 0 && current.live) {
      const prev = back.meta?.versions[String(current.version)];
      if (!prev || prev.deletionTime || prev.destroyed)
        notes.push(
          `the previous version ${current.version} is no longer readable (max_versions ${back.meta?.maxVersions || 'mount default'}): consumers that reload late lose it`,
        );
      else if (back.meta?.maxVersions === 1)
        notes.push('max_versions is 1: the next rotation drops the previous version at once');
    }
  } catch (err) {
    return fail(
      `version ${newVersion} was written and recorded, but reading it back failed: ${(err as Error).message}`,
      result,
    );
  }
  return {
    secret: entry.name,
    kind: 'managed',
    action: 'rotated',
    reason: due.reason,
    due: true,
    notes,
    written,
    ...result,
  };
}

async function clearPending(vault: VaultPort, entry: ManagedSecretConfig, rotationId: string): Promise<void> {
  const meta = await vault.readMetadata(entry.vault.path);
  if (meta && meta.customMetadata[META.pendingRotationId] === rotationId)
    await vault.writeCustomMetadata(entry.vault.path, withoutPending(meta.customMetadata));
}

export async function watchSecret(entry: WatchedSecretConfig, vault: VaultPort, now: Date): Promise<WatchResult> {
  const where = `${entry.vault.kvMount}/${entry.vault.path}`;
  try {
    const secret = await vault.readSecret(entry.vault.path);
    if (!secret?.data)
      return { secret: entry.name, kind: 'watched', action: 'failed', reason: `${where} holds no readable data` };
    const pem = secret.data[entry.field];
    if (typeof pem !== 'string')
      return {
        secret: entry.name,
        kind: 'watched',
        action: 'failed',
        reason: `${where} has no field "${entry.field}"`,
        version: secret.metadata.version,
      };
    const facts = readCertificate(pem);
    const left = daysLeft(facts.notAfter, now);
    return {
      secret: entry.name,
      kind: 'watched',
      action: 'watched',
      reason:
        left <= 0
          ? `expired at ${facts.notAfter.toISOString()}`
          : `valid until ${facts.notAfter.toISOString()} (${left} days)`,
      version: secret.metadata.version,
      notAfter: facts.notAfter.toISOString(),
      daysLeft: left,
      serial: facts.serial,
    };
  } catch (err) {
    return {
      secret: entry.name,
      kind: 'watched',
      action: 'failed',
      reason: redact(`reading ${where}: ${(err as Error).message}`),
    };
  }
}

/** The whole run: every managed secret (one at a time), then every watched one; Vault tokens revoked at the end. */
export async function runSecretRotator(
  config: SecretRotatorConfig,
  sessions: VaultSessions,
  ctx: RotatorJobContext,
): Promise<RotatorRunResult> {
  const results: RotationResult[] = [];
  const watched: WatchResult[] = [];
  const selected = ctx.only ? config.secrets.filter((s) => ctx.only!.includes(s.name)) : config.secrets;
  let rotations = 0;
  try {
    for (const entry of selected) {
      const r = await rotateSecret(entry, sessions.forEntry(entry.vault), {
        ...ctx,
        capReached: rotations >= config.maxRotationsPerRun,
      });
      if (r.action === 'rotated') rotations += 1;
      results.push(r);
    }
    if (!ctx.only)
      for (const w of config.watch) watched.push(await watchSecret(w, sessions.forEntry(w.vault), ctx.clock()));
  } finally {
    await sessions.close();
  }
  return { dryRun: ctx.dryRun, results, watched };
}
