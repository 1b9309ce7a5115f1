import { versionPurges } from '../../../../lambdas/backup-pruner/core/versions';

const plan = (layout: 'barman' | 'velero' | 'prefix') => ({
  prefix: 'pg/db/',
  layout,
  backupDeletions: [
    { id: 'b1', dataKeys: ['pg/db/base/b1/data.tar'], manifestKey: 'pg/db/base/b1/backup.info', bytes: 1 },
    { id: 'b2', dataKeys: ['pg/db/base/b2/data.tar'], manifestKey: 'pg/db/base/b2/backup.info', bytes: 1 },
    // A deletion whose folder is the prefix itself is never swept (it would list the whole target).
    { id: 'flat', dataKeys: ['pg/db/flat.tar'], bytes: 1 },
  ],
});

describe('versionPurges', () => {
  it('sweeps exactly the folders of fully deleted backups, selecting only their keys', () => {
    const purges = versionPurges(plan('barman'), new Set(['b1', 'flat']), new Set());
    expect(purges.map((p) => p.prefix)).toEqual(['pg/db/base/b1/']);
    expect(purges[0].select('pg/db/base/b1/data.tar')).toBe(true);
    expect(purges[0].select('pg/db/base/b1/backup.info')).toBe(true);
    expect(purges[0].select('pg/db/base/b1/other')).toBe(false);
  });

  it('sweeps the deleted loose keys under wals/ for barman and under the prefix otherwise', () => {
    const loose = new Set(['pg/db/wals/0000000100000001/000000010000000100000001']);
    const barman = versionPurges(plan('barman'), new Set(), loose);
    expect(barman.map((p) => p.prefix)).toEqual(['pg/db/wals/']);
    expect(barman[0].select([...loose][0])).toBe(true);
    expect(barman[0].select('pg/db/wals/other')).toBe(false);
    expect(versionPurges(plan('prefix'), new Set(), loose).map((p) => p.prefix)).toEqual(['pg/db/']);
    expect(versionPurges(plan('prefix'), new Set(), new Set())).toEqual([]);
  });
});
