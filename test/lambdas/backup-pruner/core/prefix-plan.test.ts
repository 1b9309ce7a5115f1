import { PrefixPlanner } from '../../../../lambdas/backup-pruner/core/prefix-plan';
import { parseRetention, windowStart } from '../../../../lambdas/backup-pruner/core/retention';
import { DAY, NOW } from '../fixtures';

describe('PrefixPlanner', () => {
  const obj = (name: string, days: number) => ({
    key: `dumps/${name}`,
    size: 100,
    lastModified: new Date(NOW.getTime() - days * DAY),
  });
  const plan = (objects: ReturnType<typeof obj>[], keepLast: number, maxKeys = 1000) => {
    const planner = new PrefixPlanner('dumps/', windowStart(NOW, parseRetention('14d')), keepLast, maxKeys);
    objects.forEach((o) => planner.add(o));
    return planner.result('14d');
  };

  it('deletes objects older than the retention', () => {
    const r = plan([obj('a', 30), obj('b', 20), obj('c', 10), obj('d', 5), obj('e', 1)], 2);
    expect(r.deleteKeys).toEqual(['dumps/a', 'dumps/b']);
    expect(r).toMatchObject({ objectsToDelete: 2, bytesToFree: 200, total: 5, keptInsideRetention: 3 });
  });

  it('always keeps the newest keepLast even when they are all old', () => {
    const r = plan([obj('e', 50), obj('a', 90), obj('c', 70), obj('d', 60), obj('b', 80)], 3);
    expect(r.deleteKeys).toEqual(['dumps/a', 'dumps/b']);
    expect(
      r.backups
        .filter((b) => b.action === 'keep')
        .map((b) => b.id)
        .sort(),
    ).toEqual(['dumps/c', 'dumps/d', 'dumps/e']);
    expect(r.backups.find((b) => b.id === 'dumps/c')?.reason).toMatch(/newest 3 \(keepLast\)/);
  });

  it('counts beyond maxKeys without holding the keys', () => {
    const objects = Array.from({ length: 50 }, (_, i) => obj(`o${String(i).padStart(2, '0')}`, 100 + i));
    const r = plan(objects, 3, 10);
    expect(r.objectsToDelete).toBe(47);
    expect(r.deleteKeys).toHaveLength(10);
    expect(r.keysTruncated).toBe(true);
  });

  describe('groups objects into dumps by their immediate sub-folder', () => {
    /** A directory-format dump (pg_dump -Fd): several files in one folder, all written at about the same time. */
    const dirDump = (folder: string, days: number, files = 4) =>
      Array.from({ length: files }, (_, i) => ({
        key: `dumps/${folder}/${i === 0 ? 'toc.dat' : `${3000 + i}.dat.gz`}`,
        size: 100,
        lastModified: new Date(NOW.getTime() - days * DAY - i * 1000),
      }));

    it('keepLast counts dumps, not objects: three directory-format dumps all stay', () => {
      const r = plan([...dirDump('2025-05-01', 60), ...dirDump('2025-05-02', 59), ...dirDump('2025-05-03', 58)], 3);
      expect(r.deleteKeys).toEqual([]);
      expect(r.objectsToDelete).toBe(0);
      expect(r.backups.map((b) => [b.id, b.action, b.objects])).toEqual([
        ['dumps/2025-05-03/', 'keep', 4],
        ['dumps/2025-05-02/', 'keep', 4],
        ['dumps/2025-05-01/', 'keep', 4],
      ]);
    });

    it('deletes whole old dumps beyond keepLast and keeps whole ones', () => {
      const r = plan(
        [...dirDump('a', 60), ...dirDump('b', 50), ...dirDump('c', 40), ...dirDump('d', 30), ...dirDump('e', 1)],
        2,
      );
      expect(r.deleteKeys).toEqual([...dirDump('a', 60), ...dirDump('b', 50), ...dirDump('c', 40)].map((o) => o.key));
      expect(r).toMatchObject({ objectsToDelete: 12, bytesToFree: 1200, total: 20, dumps: 5 });
      expect(r.backups.find((b) => b.id === 'dumps/d/')).toMatchObject({ action: 'keep', objects: 4 });
    });

    it("a dump's age is its newest object: one fresh file keeps the whole folder", () => {
      const stale = dirDump('db1', 60);
      const fresh = { ...stale[3], key: 'dumps/db1/zz-latest.dat.gz', lastModified: new Date(NOW.getTime() - DAY) };
      const r = plan([...dirDump('db0', 70), ...stale, fresh, ...dirDump('db2', 65)], 1);
      expect(r.backups.find((b) => b.id === 'dumps/db1/')).toMatchObject({ action: 'keep', objects: 5 });
      expect(r.deleteKeys.some((k) => k.startsWith('dumps/db1/'))).toBe(false);
      // db1 is the newest dump; db0 and db2 go whole.
      expect(r.deleteKeys).toHaveLength(8);
    });

    it('several databases under one prefix: each keeps its folder whole', () => {
      const r = plan([...dirDump('orders', 90, 3), ...dirDump('users', 80, 3), obj('loose.sql', 100)], 2);
      expect(r.deleteKeys).toEqual(['dumps/loose.sql']);
    });

    it('objects directly under the prefix are each their own dump', () => {
      const r = plan([obj('a.sql', 30), obj('b.sql', 20), ...dirDump('c', 25, 2)], 1);
      expect(r.backups.find((b) => b.id === 'dumps/b.sql')?.action).toBe('keep');
      expect(r.deleteKeys).toEqual(['dumps/a.sql', 'dumps/c/toc.dat', 'dumps/c/3001.dat.gz']);
    });

    it('a dump with an object without LastModified is kept', () => {
      const d = dirDump('x', 90);
      const r = plan([{ ...d[0], lastModified: undefined } as unknown as ReturnType<typeof obj>, ...d.slice(1)], 0);
      expect(r.deleteKeys).toEqual([]);
      expect(r.backups[0]).toMatchObject({ id: 'dumps/x/', action: 'keep', reason: 'no LastModified: kept' });
    });

    it('refuses when a sub-folder comes back after other keys (listing not in order)', () => {
      const r = plan([...dirDump('a', 90, 2), obj('b.sql', 80), ...dirDump('a', 85, 1)], 1);
      expect(r.refused).toMatch(/nothing deleted: the store listed dumps\/a\/ again/);
      expect(r.deleteKeys).toEqual([]);
      expect(r.objectsToDelete).toBe(0);
    });
  });

  describe('refuses a prefix that holds another layout', () => {
    it.each([
      ['a barman backup.info', 'orders-db/base/20250101T000000/backup.info', /barman base\/<id>\/backup\.info/],
      ['a barman WAL', 'orders-db/wals/0000000100000001/000000010000000100000002.gz', /barman wals\/ folder/],
      ['a WAL directly under wals/', 'wals/00000001.history', /barman wals\/ folder/],
      ['a Velero manifest', 'velero/backups/b1/velero-backup.json', /Velero velero-backup\.json/],
    ])('%s', (_name, rel, reason) => {
      const r = plan([obj('old.sql', 90), obj(rel, 80), obj('new.sql', 1)], 1);
      expect(r.refused).toMatch(reason);
      expect(r.refused).toContain(`dumps/${rel}`);
      expect(r.deleteKeys).toEqual([]);
      expect(r.objectsToDelete).toBe(0);
    });

    it('a plain file named backup.info or a folder named base is not a catalog', () => {
      const r = plan([obj('backup.info', 90), obj('base/x.sql', 80), obj('new.sql', 1)], 1);
      expect(r.refused).toBeUndefined();
      expect(r.deleteKeys).toEqual(['dumps/backup.info', 'dumps/base/x.sql']);
    });
  });
});
