import { secretRotatorConfig } from '../../../lambdas/secret-rotator/config';
import { buildRotatorEvents } from '../../../lambdas/secret-rotator/event';
import type { RotatorRunResult } from '../../../lambdas/secret-rotator/types';
import { buildOpsEvent } from '../../../lambdas/shared/ops-event';

const vault = { address: 'https://vault.example.com:8200', role: 'r' };
const config = secretRotatorConfig.parse({
  enabled: true,
  alarmDaysLeft: 14,
  secrets: ['a', 'b', 'c'].map((name) => ({
    name,
    vault: { ...vault, path: `mtls/${name}` },
    certificate: {
      commonName: `${name}.mesh.local`,
      ttl: '720h',
      issuer: { type: 'vault-pki', mount: 'pki', role: 'mesh' },
    },
  })),
  watch: [
    { name: 'anchor', vault: { ...vault, path: 'mesh/anchor' } },
    { name: 'gone', vault: { ...vault, path: 'mesh/gone' } },
  ],
});
const result: RotatorRunResult = {
  dryRun: false,
  results: [
    {
      secret: 'a',
      kind: 'managed',
      action: 'rotated',
      reason: 'expires soon',
      version: 4,
      notAfter: '2027-01-01T00:00:00.000Z',
      daysLeft: 30,
      serial: 'AB',
      fingerprint: 'f',
      notes: [],
    },
    {
      secret: 'b',
      kind: 'managed',
      action: 'failed',
      reason: 'Vault PKI role refused',
      version: 2,
      notAfter: '2026-12-03T00:00:00.000Z',
      daysLeft: 1.5,
      notes: [],
    },
    {
      secret: 'c',
      kind: 'managed',
      action: 'skipped',
      reason: 'valid until',
      version: 1,
      notAfter: '2027-01-01T00:00:00.000Z',
      daysLeft: 29,
      notes: [],
    },
  ],
  watched: [
    {
      secret: 'anchor',
      kind: 'watched',
      action: 'watched',
      reason: 'valid',
      version: 1,
      notAfter: '2026-12-12T00:00:00.000Z',
      daysLeft: 10,
    },
    { secret: 'gone', kind: 'watched', action: 'failed', reason: 'secret/mesh/gone holds no readable data' },
  ],
};

describe('buildRotatorEvents', () => {
  it('one event per rotation, failure, failed watch and certificate under the threshold, with valid ops-event shape', () => {
    const events = buildRotatorEvents(result, config);
    expect(events.map((e) => [e.kind, e.severity, e.details?.secret])).toEqual([
      ['rotated', 'info', 'a'],
      ['rotation-failed', 'critical', 'b'],
      ['watch-failed', 'warning', 'gone'],
      ['expiring', 'critical', 'b'],
      ['expiring', 'warning', 'anchor'],
    ]);
    expect(events[0].summary).toBe('Rotated a: version 4, serial AB, valid until 2027-01-01T00:00:00.000Z');
    expect(events[3].summary).toBe(
      'Managed certificate b expires in 1.5 days (2026-12-03T00:00:00.000Z): the rotation is not happening',
    );
    expect(Object.keys(events[1].details!).slice(0, 3)).toEqual(['secret', 'daysLeft', 'notAfter']);
    expect(events[1].details).not.toHaveProperty('written');
    for (const e of events)
      expect(() => buildOpsEvent(e, { account: '1', region: 'r', now: new Date() })).not.toThrow();
  });

  it('says EXPIRED for a certificate past its date', () => {
    const expired = {
      ...result,
      results: [{ ...result.results[2], daysLeft: -2, notAfter: '2026-11-30T00:00:00.000Z' }],
      watched: [],
    };
    expect(buildRotatorEvents(expired, config)[0].summary).toBe(
      'Managed certificate c EXPIRED at 2026-11-30T00:00:00.000Z',
    );
  });
});
