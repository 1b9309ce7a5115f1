import {
  parseVeleroManifest,
  planVeleroRetention,
  type VeleroBackupFolder,
} from '../../../../lambdas/backup-pruner/core/velero-plan';
import { DAY, NOW } from '../fixtures';

const manifest = (expiration: string | undefined, phase = 'Completed') =>
  JSON.stringify({
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: 'x' },
    status: { phase, ...(expiration ? { expiration } : {}) },
  });

const veleroFolder = (name: string, text: string | undefined): VeleroBackupFolder => {
  const base = `velero/backups/${name}/`;
  const objects = [`${name}.tar.gz`, `${name}-logs.gz`, ...(text !== undefined ? ['velero-backup.json'] : [])].map(
    (f) => ({ key: base + f, size: 10 }),
  );
  return { name, objects, manifest: text === undefined ? undefined : parseVeleroManifest(text) };
};

const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY).toISOString();

describe('planVeleroRetention', () => {
  it.each([
    ['not expired yet', manifest(daysAgo(-5)), 'keep', /not expired/],
    ['expired within the grace', manifest(daysAgo(3)), 'keep', /within the 7-day grace/],
    ['expired exactly at the grace edge', manifest(daysAgo(7)), 'keep', /within the 7-day grace/],
    ['expired longer ago than the grace', manifest(daysAgo(8)), 'delete', /more than the 7-day grace/],
    ['no expiration', manifest(undefined), 'keep', /never expires/],
    ['unparseable manifest', '{"kind": "Backup", ', 'keep', /unreadable: not JSON/],
    ['not a Backup', JSON.stringify({ kind: 'Restore' }), 'keep', /not "Backup"/],
    ['bad expiration', JSON.stringify({ kind: 'Backup', status: { expiration: 'soon' } }), 'keep', /not a timestamp/],
    ['no manifest', undefined, 'keep', /no velero-backup.json/],
  ])('%s → %s', (_name, text, action, reason) => {
    const plan = planVeleroRetention({
      folders: [veleroFolder('b1', text)],
      now: NOW,
      graceDays: 7,
      prefix: 'velero/',
    });
    expect(plan.backups[0].action).toBe(action);
    expect(plan.backups[0].reason).toMatch(reason);
    expect(plan.deletions.length).toBe(action === 'delete' ? 1 : 0);
  });

  it.each([
    ['a bare number', '0'],
    ['a small number', '12'],
    ['a year', '2025'],
    ['free text', 'June 1'],
    ['a zone-less timestamp', '2020-01-01T00:00:00'],
    ['a date only', '2020-01-01'],
    ['a space instead of T', '2020-01-01 00:00:00Z'],
    ['an out-of-range time', '2020-01-01T25:61:61Z'],
    ['an impossible date', '2020-02-30T00:00:00Z'],
    ['an out-of-range offset', '2020-01-01T00:00:00+99:99'],
    ['a number', 12],
  ])('status.expiration %s (%p) is refused: kept with the reason', (_name, expiration) => {
    const text = JSON.stringify({ kind: 'Backup', status: { phase: 'Completed', expiration } });
    expect(parseVeleroManifest(text)).toEqual({
      ok: false,
      error: expect.stringMatching(/status\.expiration .* is not a timestamp \(RFC 3339 with Z or a UTC offset\)/),
    });
    const plan = planVeleroRetention({
      folders: [veleroFolder('b1', text)],
      now: NOW,
      graceDays: 7,
      prefix: 'velero/',
    });
    expect(plan.backups[0].action).toBe('keep');
    expect(plan.backups[0].reason).toMatch(/unreadable: status\.expiration/);
    expect(plan.deletions).toEqual([]);
  });

  it.each([
    ['2025-06-01T00:00:00Z', '2025-06-01T00:00:00.000Z'],
    ['2025-06-01T02:00:00.123456+02:00', '2025-06-01T00:00:00.123Z'],
    ['2025-05-31T19:00:00-05:00', '2025-06-01T00:00:00.000Z'],
  ])('status.expiration %s is read as %s', (expiration, iso) => {
    const parsed = parseVeleroManifest(JSON.stringify({ kind: 'Backup', status: { expiration } }));
    expect(parsed.ok && parsed.expiration?.toISOString()).toBe(iso);
  });

  it('deletes data objects first and velero-backup.json last', () => {
    const plan = planVeleroRetention({
      folders: [veleroFolder('old', manifest(daysAgo(30)))],
      now: NOW,
      graceDays: 7,
      prefix: 'velero/',
    });
    expect(plan.deletions).toEqual([
      {
        id: 'old',
        dataKeys: ['velero/backups/old/old.tar.gz', 'velero/backups/old/old-logs.gz'],
        manifestKey: 'velero/backups/old/velero-backup.json',
        bytes: 30,
      },
    ]);
  });

  it('the manifest is exactly <prefix>backups/<name>/velero-backup.json: a nested one is a data object', () => {
    const f = veleroFolder('old', manifest(daysAgo(30)));
    const nested = { key: 'velero/backups/old/restic/old/velero-backup.json', size: 5 };
    const plan = planVeleroRetention({
      folders: [{ ...f, objects: [nested, ...f.objects] }],
      now: NOW,
      graceDays: 7,
      prefix: 'velero/',
    });
    expect(plan.deletions[0]).toMatchObject({
      manifestKey: 'velero/backups/old/velero-backup.json',
      dataKeys: [nested.key, 'velero/backups/old/old.tar.gz', 'velero/backups/old/old-logs.gz'],
    });
  });

  it('one bad manifest does not stop the others', () => {
    const plan = planVeleroRetention({
      folders: [veleroFolder('a', 'garbage'), veleroFolder('b', manifest(daysAgo(30)))],
      now: NOW,
      graceDays: 7,
      prefix: 'velero/',
    });
    expect(plan.backups.map((b) => b.action)).toEqual(['keep', 'delete']);
    expect(plan.warnings).toHaveLength(1);
  });
});
