import type { PrunerTarget } from '../../../lambdas/backup-pruner/job';
import { runPruner } from '../../../lambdas/backup-pruner/job';
import { summarizeRun } from '../../../lambdas/backup-pruner/event';
import { MemoryObjectStore, VersionedMemoryObjectStore } from '../../doubles/memory-object-store';
import { NOW, PREFIX, backupInfoText, folder, seg } from './fixtures';

const target: PrunerTarget = {
  name: 'db',
  bucket: 'b',
  prefix: PREFIX,
  layout: 'barman',
  retention: '30d',
  keepLast: 3,
  graceDays: 7,
  purgeVersions: false,
};

/** Backups ended 60, 45 (deleted), 35 (window edge) and 1 day ago, on logs 1..4, with 4 WAL segments per log. */
function bucket(): Map<string, { size: number; body: string; lastModified?: Date }> {
  const m = new Map<string, { size: number; body: string; lastModified?: Date }>();
  [60, 45, 35, 1].forEach((days, i) => {
    const f = folder({ endedDaysAgo: days, log: i + 1 });
    for (const o of f.objects)
      m.set(o.key, {
        size: o.size,
        body: o.key.endsWith('backup.info') ? backupInfoText({ endedDaysAgo: days, log: i + 1 }) : 'x',
      });
    for (let s = 0; s < 4; s++)
      m.set(`${PREFIX}wals/${seg(1, i + 1, s).slice(0, 16)}/${seg(1, i + 1, s)}`, { size: 16, body: 'w' });
  });
  return m;
}

describe('runPruner', () => {
  it('deletes in the safe order: data objects, then backup.info, then WALs', async () => {
    const store = new MemoryObjectStore(bucket());
    const report = await runPruner({
      targets: [target],
      storeFor: () => store,
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 100,
    });
    expect(report.targets[0].errors).toEqual([]);
    expect(store.deleteOrder).toHaveLength(3);
    const [data, infos, wals] = store.deleteOrder;
    expect(data.every((k) => k.endsWith('.tar.gz'))).toBe(true);
    expect(infos.every((k) => k.endsWith('backup.info'))).toBe(true);
    expect(infos).toHaveLength(2);
    // WALs before the window-edge backup's begin_wal (log 3, segment 2).
    expect(wals).toEqual(
      [...[0, 1, 2, 3].flatMap((s) => [1, 2].map((l) => [l, s])), [3, 0], [3, 1]]
        .map(([l, s]) => `${PREFIX}wals/${seg(1, l, s).slice(0, 16)}/${seg(1, l, s)}`)
        .sort(),
    );
    expect(report.deleted).toBe(report.objectsToDelete);
  });

  it('keeps backup.info when a data object is refused, and then deletes no WAL', async () => {
    const oldestId = folder({ endedDaysAgo: 60 }).id;
    const store: MemoryObjectStore = new MemoryObjectStore(
      bucket(),
      (k: string): boolean => k.endsWith('data.tar.gz') && k.includes(oldestId),
    );
    const report = await runPruner({
      targets: [target],
      storeFor: () => store,
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 100,
    });
    const t = report.targets[0];
    const oldest = folder({ endedDaysAgo: 60 }).id;
    expect(t.errors.map((e) => e.code)).toEqual(['AccessDenied']);
    expect(store.objects.has(`${PREFIX}base/${oldest}/backup.info`)).toBe(true);
    expect(store.deleteOrder).toHaveLength(2);
    expect(t.warnings.join('\n')).toMatch(/WAL deletion skipped: backup\(s\) \d+T\d+ were not fully deleted/);
    expect(summarizeRun(report)).toMatchObject({ kind: 'prune-errors', severity: 'warning' });
  });

  it('refuses the whole run when the plan exceeds maxDeletesPerRun', async () => {
    const store = new MemoryObjectStore(bucket());
    const before = store.objects.size;
    const report = await runPruner({
      targets: [target],
      storeFor: () => store,
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 5,
    });
    expect(report.capExceeded).toEqual({ planned: 14, cap: 5 });
    expect(report.targets[0].refused).toMatch(/plans 14 deletions, above maxDeletesPerRun 5/);
    expect(store.objects.size).toBe(before);
    expect(store.requests.delete).toBe(0);
    expect(summarizeRun(report).kind).toBe('prune-cap-exceeded');
  });

  it('dry run deletes nothing and says what would go', async () => {
    const store = new MemoryObjectStore(bucket());
    const report = await runPruner({
      targets: [target],
      storeFor: () => store,
      now: NOW,
      dryRun: true,
      maxDeletesPerRun: 100,
    });
    expect(store.requests.delete).toBe(0);
    expect(report.objectsToDelete).toBe(14); // 2 backups × (data + backup.info) + 10 WALs
    expect(summarizeRun(report)).toEqual({
      kind: 'prune-planned',
      severity: 'info',
      summary: expect.stringMatching(/1 target\(s\) dry run; 14 object\(s\) .* would be deleted/),
    });
  });

  it('stops cleanly between delete batches when time runs out and says how to resume', async () => {
    const store = new MemoryObjectStore(bucket());
    // Time runs out right after the first delete request (the data phase).
    const report = await runPruner({
      targets: [target, { ...target, name: 'db2' }],
      storeFor: () => store,
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 100,
      shouldStop: () => store.requests.delete >= 1,
    });
    expect(store.requests.delete).toBe(1);
    expect(report.targets[0].resume).toMatch(
      /stopped for time during the manifests phase with 12 object\(s\) not attempted; .* next run re-plans/,
    );
    expect(report.targets[1].resume).toMatch(/not executed: time ran out/);
    // The data objects are gone but every backup.info is still there: the next run finds the same backups to finish.
    expect([...store.objects.keys()].filter((k) => k.endsWith('backup.info'))).toHaveLength(4);
    expect(summarizeRun(report).summary).toMatch(/stopped for time; the next run resumes/);
  });

  it('targets not planned before time ran out are reported as not started', async () => {
    let checks = 0;
    const store = new MemoryObjectStore(bucket());
    const report = await runPruner({
      targets: [target, { ...target, name: 'db2' }],
      storeFor: () => store,
      now: NOW,
      dryRun: true,
      maxDeletesPerRun: 100,
      shouldStop: () => ++checks > 2,
    });
    expect(report.notStarted).toEqual(['db2']);
    expect(report.targets.map((t) => t.target)).toEqual(['db']);
  });

  it('one unreadable backup.info refuses only its own target', async () => {
    const broken = bucket();
    const infoKey = [...broken.keys()].find((k) => k.endsWith('backup.info')) as string;
    broken.set(infoKey, { size: 3, body: '5b2\r\n' });
    const other = { ...target, name: 'dumps', layout: 'prefix' as const, prefix: 'dumps/' };
    const store = new MemoryObjectStore(broken);
    const report = await runPruner({
      targets: [target, other],
      storeFor: () => store,
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 100,
    });
    expect(report.targets[0].refused).toMatch(/nothing deleted: base\/.*backup.info: line 1 is not key=value/);
    expect(report.targets[0].deleted).toBe(0);
    expect(report.targets[1].refused).toBeUndefined();
    expect(summarizeRun(report).kind).toBe('prune-refused');
  });

  it('a prefix target around a barman server folder is refused and deletes nothing', async () => {
    const objects = bucket();
    // Every object is months old: an age-only prune would delete all but the newest one.
    for (const o of objects.values()) o.lastModified = new Date(NOW.getTime() - 90 * 86_400_000);
    const store = new MemoryObjectStore(objects);
    const before = store.objects.size;
    const around = { ...target, name: 'dumps', layout: 'prefix' as const, prefix: 'cnpg/', keepLast: 1 };
    const report = await runPruner({
      targets: [around],
      storeFor: () => store,
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 1000,
    });
    expect(report.targets[0].refused).toMatch(/nothing deleted: cnpg\/orders-db\/base\/.*backup\.info is a barman/);
    expect(report.targets[0].deleted).toBe(0);
    expect(store.objects.size).toBe(before);
    expect(store.requests.delete).toBe(0);
  });

  it('leaves alone WAL-named objects that are not at wals/<16-hex folder>/<name>', async () => {
    const objects = bucket();
    const w = seg(1, 1, 0);
    const misplaced = [
      `${PREFIX}wals/${w}`, // directly under wals/
      `${PREFIX}wals/${w}.gz`,
      `${PREFIX}wals/${w.slice(0, 15)}/${w}`, // not the hash dir barman writes
      `${PREFIX}wals/${w.slice(0, 16)}/nested/${w}`,
      `${PREFIX}wals/0000000100000002/${w}`, // under another segment's hash dir
      `${PREFIX}wals/${w.slice(0, 16)}/00000001.history`,
    ];
    for (const k of misplaced) objects.set(k, { size: 16, body: 'w' });
    const store = new MemoryObjectStore(objects);
    const report = await runPruner({
      targets: [target],
      storeFor: () => store,
      now: NOW,
      dryRun: false,
      maxDeletesPerRun: 100,
    });
    const t = report.targets[0];
    expect(misplaced.filter((k) => !store.objects.has(k))).toEqual([]);
    expect(t.wal?.kept.unrecognised).toBe(misplaced.length);
    expect(t.warnings.join('\n')).toMatch(/6 object\(s\) under wals\/ are not WAL names barman writes; left alone/);
    // The WALs in their right place still go.
    expect(store.objects.has(`${PREFIX}wals/${w.slice(0, 16)}/${w}`)).toBe(false);
  });

  describe('purgeVersions', () => {
    const versioned = { ...target, purgeVersions: true };

    it('counts purged versions against maxDeletesPerRun: above what is left, no version is purged', async () => {
      // The plan deletes 14 objects; 2 versions per key would purge 28 more; the cap leaves 20 for versions.
      const store = new VersionedMemoryObjectStore(bucket(), 2);
      const report = await runPruner({
        targets: [versioned],
        storeFor: () => store,
        now: NOW,
        dryRun: false,
        maxDeletesPerRun: 34,
      });
      const t = report.targets[0];
      expect(t.deleted).toBe(14);
      expect(store.purgeCalls[0].maxVersions).toBe(20);
      expect(t.versionsDeleted).toBeLessThanOrEqual(20);
      expect(t.deleted + t.versionsDeleted).toBeLessThanOrEqual(34);
      expect(t.warnings.join('\n')).toMatch(/versions not purged .* above maxDeletesPerRun \(\d+ left for versions\)/);
    });

    it('purges every version when the cap allows it', async () => {
      const store = new VersionedMemoryObjectStore(bucket(), 2);
      const report = await runPruner({
        targets: [versioned],
        storeFor: () => store,
        now: NOW,
        dryRun: false,
        maxDeletesPerRun: 100,
      });
      expect(report.targets[0].versionsDeleted).toBe(28);
      expect(store.purgeCalls.map((c) => c.maxVersions)).toEqual([86, 82, 78]);
      expect(report.targets[0].warnings).toEqual([]);
    });

    it('keeps the purge errors when the run stops for time in the versions phase', async () => {
      const store = new VersionedMemoryObjectStore(bucket(), 2, true);
      const report = await runPruner({
        targets: [versioned],
        storeFor: () => store,
        now: NOW,
        dryRun: false,
        maxDeletesPerRun: 100,
      });
      const t = report.targets[0];
      expect(t.errors).toEqual([
        expect.objectContaining({ code: 'AccessDenied', versionId: 'v1', message: 'locked version' }),
      ]);
      expect(t.resume).toMatch(/stopped for time during the versions phase/);
    });

    it('a store that cannot list versions is refused while planning: nothing deleted, the next target still runs', async () => {
      const noVersions = new VersionedMemoryObjectStore(bucket(), 2);
      noVersions.versionListingError = Object.assign(
        new Error('A header you provided implies functionality that is not implemented'),
        { name: 'NotImplemented' },
      );
      const plain = new MemoryObjectStore(bucket());
      const report = await runPruner({
        targets: [versioned, { ...target, name: 'db2' }],
        storeFor: (t) => (t.name === 'db' ? noVersions : plain),
        now: NOW,
        dryRun: false,
        maxDeletesPerRun: 100,
      });
      const [first, second] = report.targets;
      expect(first.refused).toMatch(
        /purgeVersions needs ListObjectVersions, which s3:\/\/b\/.* refused \(NotImplemented: A header/,
      );
      expect(first.refused).toMatch(/turn purgeVersions off/);
      expect(first.deleted).toBe(0);
      expect(noVersions.deleteOrder).toEqual([]);
      expect(first.backups.length).toBeGreaterThan(0);
      expect(second.deleted).toBe(14);
      expect(summarizeRun(report)).toMatchObject({ kind: 'prune-refused', severity: 'warning' });
    });
  });

  describe('a phase that throws', () => {
    class ThrowingPurgeStore extends VersionedMemoryObjectStore {
      override async purgeVersions(): Promise<never> {
        throw Object.assign(new Error('S3Client.ListObjectVersionsCommand timed out after 60000 ms'), {
          name: 'TimeoutError',
        });
      }
    }

    it('is reported per target with what was already deleted; later targets still run', async () => {
      const failing = new ThrowingPurgeStore(bucket(), 2);
      const plain = new MemoryObjectStore(bucket());
      const report = await runPruner({
        targets: [
          { ...target, purgeVersions: true },
          { ...target, name: 'db2' },
        ],
        storeFor: (t) => (t.name === 'db' ? failing : plain),
        now: NOW,
        dryRun: false,
        maxDeletesPerRun: 100,
      });
      const [first, second] = report.targets;
      expect(first.deleted).toBe(14);
      expect(first.failed).toMatch(
        /^the versions phase failed after 14 object\(s\) and 0 version\(s\) were deleted: TimeoutError: S3Client\.ListObjectVersionsCommand timed out/,
      );
      expect(second.deleted).toBe(14);
      expect(second.failed).toBeUndefined();
      expect(report.deleted).toBe(28);
      expect(summarizeRun(report)).toMatchObject({ kind: 'prune-failed', severity: 'warning' });
      expect(summarizeRun(report).summary).toMatch(/failed: db(;|$)/);
    });
  });
});
