/**
 * Ops events from a run's result, shared by the handler (published) and the CLI (shown): `rotated` (info),
 * `rotation-failed` (critical), `expiring` (warning, critical under 3 days or expired) and `watch-failed` (warning).
 * Every text goes through `redact`, so no key material can reach SNS or Slack.
 */
import type { OpsEventInput } from '../shared/ops-event';
import type { SecretRotatorConfig } from './config';
import { redactDeep } from './core/redact';
import type { RotatorRunResult } from './types';

export const SECRET_ROTATOR_SOURCE = 'secret-rotator';

/** Metric names and the per-secret dimension; emitted by the handler; the alarms in lib/jobs/secret-rotator.ts use the same. */
export const ROTATOR_METRICS = {
  daysLeft: 'CertificateDaysLeft',
  failures: 'RotationFailures',
  rotations: 'Rotations',
  secretDimension: 'Secret',
} as const;

/** Below this many days an `expiring` event is critical. */
export const CRITICAL_DAYS_LEFT = 3;

function location(config: SecretRotatorConfig, name: string): string | undefined {
  const e = config.secrets.find((s) => s.name === name) ?? config.watch.find((w) => w.name === name);
  return e ? `${e.vault.address} ${e.vault.kvMount}/${e.vault.path}` : undefined;
}

const cut = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

export function buildRotatorEvents(result: RotatorRunResult, config: SecretRotatorConfig): OpsEventInput[] {
  const events: OpsEventInput[] = [];
  for (const r of result.results) {
    const where = location(config, r.secret);
    if (r.action === 'rotated') {
      events.push({
        source: SECRET_ROTATOR_SOURCE,
        kind: 'rotated',
        severity: 'info',
        summary: `Rotated ${r.secret}: version ${r.version}, serial ${r.serial ?? '(key only)'}, valid until ${r.notAfter}`,
        details: {
          secret: r.secret,
          vault: where,
          version: r.version,
          serial: r.serial,
          notAfter: r.notAfter,
          fingerprintSha256: r.fingerprint,
          reason: r.reason,
          notes: r.notes,
        },
      });
    } else if (r.action === 'failed') {
      events.push({
        source: SECRET_ROTATOR_SOURCE,
        kind: 'rotation-failed',
        severity: 'critical',
        summary: cut(`Rotation of ${r.secret} failed: ${r.reason}`, 480),
        details: {
          secret: r.secret,
          vault: where,
          reason: r.reason,
          written: r.written ?? [],
          currentVersion: r.version,
          notAfter: r.notAfter,
          daysLeft: r.daysLeft,
          notes: r.notes,
        },
      });
    }
  }
  for (const w of result.watched) {
    if (w.action === 'failed')
      events.push({
        source: SECRET_ROTATOR_SOURCE,
        kind: 'watch-failed',
        severity: 'warning',
        summary: cut(`Cannot read watched certificate ${w.secret}: ${w.reason}`, 480),
        details: { secret: w.secret, vault: location(config, w.secret), reason: w.reason },
      });
  }
  const expiring = [
    ...result.results.filter((r) => r.action !== 'rotated').map((r) => ({ ...r, kind: 'managed' as const })),
    ...result.watched.map((w) => ({ ...w, kind: 'watched' as const })),
  ].filter((x) => x.daysLeft !== undefined && x.daysLeft < config.alarmDaysLeft);
  for (const x of expiring) {
    const days = x.daysLeft!;
    events.push({
      source: SECRET_ROTATOR_SOURCE,
      kind: 'expiring',
      severity: days < CRITICAL_DAYS_LEFT ? 'critical' : 'warning',
      summary:
        days <= 0
          ? `${x.kind === 'managed' ? 'Managed' : 'Watched'} certificate ${x.secret} EXPIRED at ${x.notAfter}`
          : `${x.kind === 'managed' ? 'Managed' : 'Watched'} certificate ${x.secret} expires in ${days} days (${x.notAfter})${x.kind === 'managed' ? ': the rotation is not happening' : ''}`,
      details: {
        secret: x.secret,
        kind: x.kind,
        vault: location(config, x.secret),
        notAfter: x.notAfter,
        daysLeft: days,
        thresholdDays: config.alarmDaysLeft,
        serial: x.serial,
        reason: x.reason,
      },
    });
  }
  return events.map((e) => redactDeep(e));
}
