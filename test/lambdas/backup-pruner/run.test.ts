import type { StoredObject } from '../../../lambdas/backup-pruner/plan-types';
import type { PrunerTarget } from '../../../lambdas/backup-pruner/pruner';
import { runPruner, summarizeRun } from '../../../lambdas/backup-pruner/run';
import type { DeleteError, DeleteOutcome, ObjectStore, RequestCounts } from '../../../lambdas/backup-pruner/s3-store';
import { NOW, PREFIX, backupInfoText, folder, seg } from './fixtures';

/** An in-memory bucket with the ObjectStore contract; `refuse` makes chosen keys fail like an Object Lock refusal. */
class MemoryStore implements ObjectStore {
  readonly requests: RequestCounts = { list: 0, get: 0, delete: 0, listVersions: 0 };
  readonly deleteOrder: string[][] = [];
  constructor(
    readonly objects: Map<string, { size: number; body: string; lastModified?: Date }>,
    private readonly refuse: (key: string) => boolean = () => false,
  ) {}
  async *listPages(prefix: string): AsyncIterable<StoredObject[]> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (let i = 0; i < keys.length || i === 0; i += 1000) {
      this.requests.list++;
      yield keys.slice(i, i + 1000).map((key) => ({
        key,
        size: this.objects.get(key)?.size ?? 0,
        lastModified: this.objects.get(key)?.lastModified,
      }));
    }
  }
  async getText(key: string): Promise<string> {
    this.requests.get++;
    const o = this.objects.get(key);
    if (!o) throw new Error(`NoSuchKey ${key}`);
    return o.body;
  }
  async deleteKeys(keys: readonly string[], shouldStop: () => boolean = () => false): Promise<DeleteOutcome> {
    const deletedKeys = new Set<string>();
    const errors: DeleteError[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      if (shouldStop()) return { deleted: deletedKeys.size, deletedKeys, errors, notAttempted: keys.length - i };
      this.requests.delete++;
      const batch = keys.slice(i, i + 1000);
      this.deleteOrder.push(batch);
      for (const k of batch) {
        if (this.refuse(k)) errors.push({ key: k, code: 'AccessDenied', message: 'locked' });
        else {
          this.objects.delete(k);
          deletedKeys.add(k);
        }
      }
    }
    return { deleted: deletedKeys.size, deletedKeys, errors, notAttempted: 0 };
  }
  async purgeVersions(
    _prefix: string,
    _select: (key: string) => boolean,
    _shouldStop?: () => boolean,
    _maxVersions?: number,
  ): Promise<DeleteOutcome> {
    this.requests.listVersions++;
    return { deleted: 0, deletedKeys: new Set(), errors: [], notAttempted: 0 };
  }
}

/**
 * A versioned bucket: every deleted key leaves `versionsPerKey` noncurrent versions/markers. purgeVersions honours
 * maxVersions as the S3 port does (lists first, deletes none above it); `purgeFailure` makes a purge report an error
 * and stop for time.
 */
class VersionedMemoryStore extends MemoryStore {
  readonly purgeCalls: { prefix: string; maxVersions?: number }[] = [];
  private readonly gone = new Set<string>();
  constructor(
    objects: Map<string, { size: number; body: string; lastModified?: Date }>,
    private readonly versionsPerKey: number,
    private readonly purgeFailure = false,
  ) {
    super(objects);
  }
  override async deleteKeys(keys: readonly string[], shouldStop?: () => boolean): Promise<DeleteOutcome> {
    const out = await super.deleteKeys(keys, shouldStop);
    out.deletedKeys.forEach((k) => this.gone.add(k));
    return out;
  }
  override async purgeVersions(
    prefix: string,
    select: (key: string) => boolean,
    _shouldStop?: () => boolean,
    maxVersions = Number.POSITIVE_INFINITY,
  ): Promise<DeleteOutcome> {
    this.requests.listVersions++;
    this.purgeCalls.push({ prefix, maxVersions });
    const keys = [...this.gone].filter((k) => k.startsWith(prefix) && select(k));
    const found = keys.length * this.versionsPerKey;
    const none = { deleted: 0, deletedKeys: new Set<string>(), errors: [] };
    if (found > maxVersions) return { ...none, notAttempted: 0, overCap: { found, cap: maxVersions } };
    if (this.purgeFailure) {
      return {
        ...none,
        errors: [{ key: keys[0], versionId: 'v1', code: 'AccessDenied', message: 'locked version' }],
        notAttempted: found - 1,
        stopped: true,
      };
    }
    keys.forEach((k) => this.gone.delete(k));
    return { ...none, deleted: found, deletedKeys: new Set(keys), notAttempted: 0 };
  }
}

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
    const store = new MemoryStore(bucket());
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
    const store: MemoryStore = new MemoryStore(
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
    const store = new MemoryStore(bucket());
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
    const store = new MemoryStore(bucket());
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
    const store = new MemoryStore(bucket());
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
    const store = new MemoryStore(bucket());
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
    const store = new MemoryStore(broken);
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
    const store = new MemoryStore(objects);
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
    const store = new MemoryStore(objects);
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
      const store = new VersionedMemoryStore(bucket(), 2);
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
      const store = new VersionedMemoryStore(bucket(), 2);
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
      const store = new VersionedMemoryStore(bucket(), 2, true);
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
  });
});
