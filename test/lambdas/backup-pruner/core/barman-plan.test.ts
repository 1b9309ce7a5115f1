import { planBarmanRetention } from '../../../../lambdas/backup-pruner/core/barman-plan';
import { parseRetention } from '../../../../lambdas/backup-pruner/core/retention';
import { classifyWal } from '../../../../lambdas/backup-pruner/core/wal';
import { type BackupSpec, DAY, NOW, PREFIX, backupId, folder, seg } from '../fixtures';

interface Scenario {
  readonly name: string;
  readonly backups: readonly BackupSpec[];
  readonly retention?: string;
  readonly minRedundancy?: number;
  readonly deleteFailedOlderThanDays?: number;
  /** Expected action per backup, in the order given. */
  readonly expected: readonly ('keep' | 'delete')[];
  readonly reason?: RegExp[];
}

const scenarios: Scenario[] = [
  {
    name: 'keeps every DONE backup inside the window, the newest one before it, and deletes older ones',
    backups: [
      { endedDaysAgo: 50 },
      { endedDaysAgo: 40 },
      { endedDaysAgo: 35 },
      { endedDaysAgo: 20 },
      { endedDaysAgo: 1 },
    ],
    expected: ['delete', 'delete', 'keep', 'keep', 'keep'],
    reason: [
      /older than the newest DONE backup before the window start/,
      /older than/,
      /recovery to the window edge needs it/,
      /inside the recovery window/,
      /newest DONE/,
    ],
  },
  {
    name: 'the PITR-critical backup just before the window is kept even when it ended a minute before the window start',
    backups: [{ endedDaysAgo: 30 + 2 / 1440 }, { endedDaysAgo: 30 + 1 / 1440 }, { endedDaysAgo: 29 }],
    expected: ['delete', 'keep', 'keep'],
  },
  {
    name: 'a backup that ended exactly at the window start is inside the window (the next older one is the PITR base)',
    backups: [{ endedDaysAgo: 40 }, { endedDaysAgo: 31 }, { endedDaysAgo: 30 }, { endedDaysAgo: 10 }],
    expected: ['delete', 'keep', 'keep', 'keep'],
  },
  {
    name: 'the newest DONE backup is never deleted however old it is',
    backups: [{ endedDaysAgo: 200 }, { endedDaysAgo: 100 }],
    expected: ['delete', 'keep'],
    reason: [/older than/, /newest DONE backup \(never deleted\)/],
  },
  {
    name: 'minRedundancy keeps the newest N DONE backups whatever their age',
    backups: [{ endedDaysAgo: 100 }, { endedDaysAgo: 90 }, { endedDaysAgo: 80 }, { endedDaysAgo: 70 }],
    minRedundancy: 3,
    expected: ['delete', 'keep', 'keep', 'keep'],
    reason: [/older than/, /minRedundancy/, /minRedundancy/, /newest DONE/],
  },
  {
    name: 'FAILED and STARTED backups are never deleted by the window',
    backups: [
      { endedDaysAgo: 90, status: 'FAILED' },
      { endedDaysAgo: 80, status: 'STARTED' },
      { endedDaysAgo: 60 },
      { endedDaysAgo: 50 },
      { endedDaysAgo: 1 },
    ],
    expected: ['keep', 'keep', 'delete', 'keep', 'keep'],
    reason: [/status FAILED: never deleted/, /status STARTED/, /older than/, /window edge/, /newest/],
  },
  {
    name: 'opt-in: FAILED backups older than the age are deleted, newer ones kept',
    backups: [{ endedDaysAgo: 90, status: 'FAILED' }, { endedDaysAgo: 3, status: 'FAILED' }, { endedDaysAgo: 1 }],
    deleteFailedOlderThanDays: 14,
    expected: ['delete', 'keep', 'keep'],
    reason: [/FAILED and older than 14 days/, /status FAILED/, /newest/],
  },
  {
    name: 'a base/<id>/ without backup.info is never deleted',
    backups: [{ endedDaysAgo: 90, noInfo: true }, { endedDaysAgo: 60 }, { endedDaysAgo: 50 }, { endedDaysAgo: 1 }],
    expected: ['keep', 'delete', 'keep', 'keep'],
    reason: [/no backup.info: in progress or broken/, /older/, /window edge/, /newest/],
  },
  {
    name: 'keep annotations are honoured outside the window',
    backups: [
      { endedDaysAgo: 90, keep: 'full' },
      { endedDaysAgo: 80, keep: 'standalone' },
      { endedDaysAgo: 70 },
      { endedDaysAgo: 60 },
      { endedDaysAgo: 1 },
    ],
    expected: ['keep', 'keep', 'delete', 'keep', 'keep'],
    reason: [/keep annotation \(full\)/, /keep annotation \(standalone\)/, /older/, /window edge/, /newest/],
  },
  {
    name: 'WAITING_FOR_WALS and SYNCING are left alone',
    backups: [
      { endedDaysAgo: 80, status: 'WAITING_FOR_WALS' },
      { endedDaysAgo: 70, status: 'SYNCING' },
      { endedDaysAgo: 1 },
    ],
    expected: ['keep', 'keep', 'keep'],
  },
  {
    name: '"4w" is a 28-day window and "1m" a 31-day one',
    backups: [{ endedDaysAgo: 40 }, { endedDaysAgo: 29 }, { endedDaysAgo: 27 }],
    retention: '4w',
    expected: ['delete', 'keep', 'keep'],
  },
  {
    name: 'with "1m" (31 days) a backup that ended 30 days ago is inside the window',
    backups: [{ endedDaysAgo: 40 }, { endedDaysAgo: 32 }, { endedDaysAgo: 30 }],
    retention: '1m',
    expected: ['delete', 'keep', 'keep'],
  },
];

describe('planBarmanRetention', () => {
  it.each(scenarios)('$name', (s) => {
    const folders = s.backups.map((b) => folder(b));
    const plan = planBarmanRetention({
      folders,
      now: NOW,
      retention: parseRetention(s.retention ?? '30d'),
      minRedundancy: s.minRedundancy,
      deleteFailedOlderThanDays: s.deleteFailedOlderThanDays,
      graceDays: 7,
      prefix: PREFIX,
    });
    expect(plan.refused).toBeUndefined();
    const byId = new Map(plan.backups.map((b) => [b.id, b]));
    expect(folders.map((f) => byId.get(f.id)?.action)).toEqual(s.expected);
    s.reason?.forEach((re, i) => expect(byId.get(folders[i].id)?.reason).toMatch(re));
    // Deletions list exactly the deleted backups, data first then backup.info.
    expect(plan.deletions.map((d) => d.id)).toEqual(
      folders.filter((_, i) => s.expected[i] === 'delete').map((f) => f.id),
    );
    for (const d of plan.deletions) {
      expect(d.manifestKey).toMatch(/backup\.info$/);
      expect(d.dataKeys.some((k) => k.endsWith('backup.info'))).toBe(false);
    }
  });

  it('the manifest is exactly <prefix>base/<id>/backup.info: a nested backup.info is a data object, deleted first', () => {
    const old = folder({ endedDaysAgo: 90 });
    const nested = { key: `${PREFIX}base/${old.id}/a/${old.id}/backup.info`, size: 7 };
    const withNested = { ...old, objects: [nested, ...old.objects] };
    const folders = [withNested, folder({ endedDaysAgo: 60 }), folder({ endedDaysAgo: 1 })];
    const plan = planBarmanRetention({
      folders,
      now: NOW,
      retention: parseRetention('30d'),
      graceDays: 7,
      prefix: PREFIX,
    });
    expect(plan.deletions[0]).toMatchObject({
      id: old.id,
      manifestKey: `${PREFIX}base/${old.id}/backup.info`,
      dataKeys: [nested.key, `${PREFIX}base/${old.id}/data.tar.gz`],
    });
  });

  it('refuses the whole target when any backup.info cannot be parsed', () => {
    const folders = [
      folder({ endedDaysAgo: 90 }),
      folder({ endedDaysAgo: 80, infoText: '5b2\r\nstatus=DONE\n' }),
      folder({ endedDaysAgo: 1 }),
    ];
    const plan = planBarmanRetention({
      folders,
      now: NOW,
      retention: parseRetention('30d'),
      graceDays: 7,
      prefix: PREFIX,
    });
    expect(plan.refused).toMatch(/nothing deleted: base\/\d{8}T\d{6}\/backup\.info: line 1 is not key=value: "5b2"/);
    expect(plan.deletions).toEqual([]);
    expect(plan.backups.every((b) => b.action === 'keep')).toBe(true);
    expect(plan.walPolicy.cutoff).toBeUndefined();
  });

  it('refuses when a backup.info could not be read at all (the lister reports it as a parse failure)', () => {
    const folders = [
      { ...folder({ endedDaysAgo: 90 }), info: { ok: false as const, error: 'cannot read: AccessDenied' } },
      folder({ endedDaysAgo: 1 }),
    ];
    const plan = planBarmanRetention({
      folders,
      now: NOW,
      retention: parseRetention('30d'),
      graceDays: 7,
      prefix: PREFIX,
    });
    expect(plan.refused).toContain('cannot read: AccessDenied');
    expect(plan.deletions).toEqual([]);
  });

  it('refuses when backups of two PostgreSQL systems share the prefix', () => {
    const folders = [folder({ endedDaysAgo: 90, systemid: '111' }), folder({ endedDaysAgo: 1, systemid: '222' })];
    const plan = planBarmanRetention({
      folders,
      now: NOW,
      retention: parseRetention('30d'),
      graceDays: 7,
      prefix: PREFIX,
    });
    expect(plan.refused).toMatch(/2 different PostgreSQL systems/);
  });

  describe('refuses when backup ids and end times are in different orders', () => {
    /** The folder renamed to `id` (objects moved with it), its backup.info unchanged. */
    const renamed = (f: ReturnType<typeof folder>, id: string) => ({
      ...f,
      id,
      objects: f.objects.map((o) => ({ ...o, key: o.key.replace(`/base/${f.id}/`, `/base/${id}/`) })),
    });

    it('a renamed folder: an in-window backup whose id sorts first is not deleted', () => {
      const inWindow = renamed(folder({ endedDaysAgo: 1, log: 3 }), '20240101T000000');
      const folders = [inWindow, folder({ endedDaysAgo: 60, log: 1 }), folder({ endedDaysAgo: 40, log: 2 })];
      const plan = planBarmanRetention({
        folders,
        now: NOW,
        retention: parseRetention('30d'),
        graceDays: 7,
        prefix: PREFIX,
      });
      expect(plan.refused).toMatch(/nothing deleted: DONE backups in id order and in end_time order disagree/);
      expect(plan.refused).toContain('20240101T000000');
      expect(plan.deletions).toEqual([]);
      expect(plan.backups.every((b) => b.action === 'keep')).toBe(true);
      expect(plan.walPolicy.cutoff).toBeUndefined();
    });

    it('a time-zone change: ids an hour off reorder two backups', () => {
      const a = folder({ endedDaysAgo: 40, log: 1 });
      const b = folder({ endedDaysAgo: 40 - 1 / 48, log: 2 }); // ended 30 minutes later
      // b's id was written in a zone 2 hours behind: it sorts before a.
      const bId = backupId(new Date(NOW.getTime() - (40 - 1 / 48) * DAY - 600_000 - 2 * 3_600_000));
      const folders = [a, renamed(b, bId), folder({ endedDaysAgo: 1, log: 3 })];
      const plan = planBarmanRetention({
        folders,
        now: NOW,
        retention: parseRetention('30d'),
        graceDays: 7,
        prefix: PREFIX,
      });
      expect(bId < a.id).toBe(true);
      expect(plan.refused).toMatch(/id order and in end_time order disagree/);
      expect(plan.deletions).toEqual([]);
    });

    it('FAILED backups out of order do not refuse the plan', () => {
      const failed = renamed(folder({ endedDaysAgo: 1, status: 'FAILED' }), '20240101T000000');
      const folders = [failed, folder({ endedDaysAgo: 60, log: 1 }), folder({ endedDaysAgo: 40, log: 2 })];
      const plan = planBarmanRetention({
        folders,
        now: NOW,
        retention: parseRetention('30d'),
        graceDays: 7,
        prefix: PREFIX,
      });
      expect(plan.refused).toBeUndefined();
    });
  });

  it('reports a base/<id>/ without backup.info only once it is older than the grace period', () => {
    const folders = [
      folder({ endedDaysAgo: 10, noInfo: true }),
      folder({ endedDaysAgo: 0.1, noInfo: true }),
      folder({ endedDaysAgo: 1 }),
    ];
    const plan = planBarmanRetention({
      folders,
      now: NOW,
      retention: parseRetention('30d'),
      graceDays: 7,
      prefix: PREFIX,
    });
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toMatch(
      new RegExp(`base/${folders[0].id}/ has no backup.info .* 10\\.0 days old \\(grace 7 days\\)`),
    );
  });

  it('reports freshness: the newest DONE backup and the FAILED ones since', () => {
    const folders = [
      folder({ endedDaysAgo: 5, status: 'FAILED' }),
      folder({ endedDaysAgo: 3 }),
      folder({ endedDaysAgo: 2, status: 'FAILED' }),
      folder({ endedDaysAgo: 1, status: 'FAILED' }),
    ];
    const plan = planBarmanRetention({
      folders,
      now: NOW,
      retention: parseRetention('30d'),
      graceDays: 7,
      prefix: PREFIX,
    });
    expect(plan.freshness.newestDoneBackupId).toBe(folders[1].id);
    expect(plan.freshness.newestDoneEndTime).toEqual(new Date(NOW.getTime() - 3 * DAY));
    expect(plan.freshness.failedSinceNewestDone).toBe(2);
  });

  describe('WAL policy', () => {
    it('cuts at the begin_wal of the oldest retained backup', () => {
      const folders = [
        folder({ endedDaysAgo: 60, log: 1 }),
        folder({ endedDaysAgo: 40, log: 2 }),
        folder({ endedDaysAgo: 1, log: 3 }),
      ];
      const plan = planBarmanRetention({
        folders,
        now: NOW,
        retention: parseRetention('30d'),
        graceDays: 7,
        prefix: PREFIX,
      });
      expect(plan.walPolicy.cutoff).toBe(seg(1, 2, 2));
    });

    it('a keep:full backup holds the cutoff at its own begin_wal', () => {
      const folders = [
        folder({ endedDaysAgo: 90, log: 1, keep: 'full' }),
        folder({ endedDaysAgo: 60, log: 2 }),
        folder({ endedDaysAgo: 40, log: 3 }),
        folder({ endedDaysAgo: 1, log: 4 }),
      ];
      const plan = planBarmanRetention({
        folders,
        now: NOW,
        retention: parseRetention('30d'),
        graceDays: 7,
        prefix: PREFIX,
      });
      expect(plan.walPolicy.cutoff).toBe(seg(1, 1, 2));
    });

    it('a keep:standalone backup only protects its own WAL range', () => {
      const folders = [
        folder({ endedDaysAgo: 90, log: 1, keep: 'standalone' }),
        folder({ endedDaysAgo: 60, log: 2 }),
        folder({ endedDaysAgo: 40, log: 3 }),
        folder({ endedDaysAgo: 1, log: 4 }),
      ];
      const plan = planBarmanRetention({
        folders,
        now: NOW,
        retention: parseRetention('30d'),
        graceDays: 7,
        prefix: PREFIX,
      });
      expect(plan.walPolicy.cutoff).toBe(seg(1, 3, 2));
      expect(plan.walPolicy.protectedRanges).toEqual([
        { from: seg(1, 1, 2), to: seg(1, 1, 4), backupId: folders[0].id },
      ]);
    });

    describe('a keep:standalone backup the window needs keeps its whole WAL chain', () => {
      const plan7d = (folders: ReturnType<typeof folder>[], minRedundancy?: number) =>
        planBarmanRetention({
          folders,
          now: NOW,
          retention: parseRetention('7d'),
          minRedundancy,
          graceDays: 7,
          prefix: PREFIX,
        });

      it('scenario A: the standalone backup is the window-edge backup: WALs from it to the next backup stay', () => {
        const folders = [
          folder({ endedDaysAgo: 10, log: 1 }),
          folder({ endedDaysAgo: 8, log: 2, keep: 'standalone' }),
          folder({ endedDaysAgo: 2, log: 3 }),
        ];
        const plan = plan7d(folders);
        expect(plan.backups.map((b) => b.action)).toEqual(['delete', 'keep', 'keep']);
        expect(plan.walPolicy.cutoff).toBe(seg(1, 2, 2));
        expect(plan.walPolicy.protectedRanges).toEqual([]);
        // WALs after S's end_wal and before B's begin_wal: recovery from 7 days ago to B replays them.
        for (const s of [5, 0x80, 0xff]) expect(classifyWal(seg(1, 2, s), plan.walPolicy).action).toBe('keep');
        expect(classifyWal(seg(1, 3, 1), plan.walPolicy).action).toBe('keep');
        // A's WALs before S's begin_wal are what the deleted backup alone needed.
        expect(classifyWal(seg(1, 1, 5), plan.walPolicy).action).toBe('delete');
      });

      it('scenario B: a standalone backup inside the window with no backup deleted: no WAL is deleted', () => {
        const folders = [folder({ endedDaysAgo: 5, log: 1, keep: 'standalone' }), folder({ endedDaysAgo: 1, log: 2 })];
        const plan = plan7d(folders);
        expect(plan.deletions).toEqual([]);
        expect(plan.walPolicy.cutoff).toBeUndefined();
        expect(plan.walPolicy.noCutoffReason).toMatch(/no DONE backup is deleted in this run/);
        for (const s of [1, 5, 0xff]) expect(classifyWal(seg(1, 1, s), plan.walPolicy).action).toBe('keep');
      });

      it('a standalone backup inside the window keeps the chain when an older backup is deleted', () => {
        const folders = [
          folder({ endedDaysAgo: 20, log: 1 }),
          folder({ endedDaysAgo: 10, log: 2 }),
          folder({ endedDaysAgo: 5, log: 3, keep: 'standalone' }),
          folder({ endedDaysAgo: 1, log: 4 }),
        ];
        const plan = plan7d(folders);
        expect(plan.backups.map((b) => b.action)).toEqual(['delete', 'keep', 'keep', 'keep']);
        expect(plan.walPolicy.cutoff).toBe(seg(1, 2, 2));
        expect(classifyWal(seg(1, 3, 5), plan.walPolicy).action).toBe('keep');
      });

      it('a standalone backup kept by minRedundancy keeps its whole WAL chain', () => {
        const folders = [
          folder({ endedDaysAgo: 40, log: 1 }),
          folder({ endedDaysAgo: 30, log: 2, keep: 'standalone' }),
          folder({ endedDaysAgo: 20, log: 3 }),
          folder({ endedDaysAgo: 1, log: 4 }),
        ];
        const plan = plan7d(folders, 3);
        expect(plan.backups.map((b) => b.action)).toEqual(['delete', 'keep', 'keep', 'keep']);
        expect(plan.walPolicy.cutoff).toBe(seg(1, 2, 2));
        expect(plan.walPolicy.protectedRanges).toEqual([]);
        expect(classifyWal(seg(1, 2, 9), plan.walPolicy).action).toBe('keep');
      });
    });

    it('a run that deletes no backup deletes no WAL, even WALs older than every backup', () => {
      const folders = [folder({ endedDaysAgo: 20, log: 3 }), folder({ endedDaysAgo: 1, log: 4 })];
      const plan = planBarmanRetention({
        folders,
        now: NOW,
        retention: parseRetention('30d'),
        graceDays: 7,
        prefix: PREFIX,
      });
      expect(plan.deletions).toEqual([]);
      expect(plan.walPolicy.cutoff).toBeUndefined();
      expect(classifyWal(seg(1, 1, 5), plan.walPolicy).action).toBe('keep');
    });

    it('deleting only a FAILED backup deletes no WAL', () => {
      const folders = [
        folder({ endedDaysAgo: 90, log: 1, status: 'FAILED' }),
        folder({ endedDaysAgo: 20, log: 3 }),
        folder({ endedDaysAgo: 1, log: 4 }),
      ];
      const plan = planBarmanRetention({
        folders,
        now: NOW,
        retention: parseRetention('30d'),
        deleteFailedOlderThanDays: 14,
        graceDays: 7,
        prefix: PREFIX,
      });
      expect(plan.deletions.map((d) => d.id)).toEqual([folders[0].id]);
      expect(plan.walPolicy.cutoff).toBeUndefined();
    });

    it('no DONE backup: no cutoff, no WAL deleted', () => {
      const plan = planBarmanRetention({
        folders: [folder({ endedDaysAgo: 1, status: 'FAILED' })],
        now: NOW,
        retention: parseRetention('30d'),
        graceDays: 7,
        prefix: PREFIX,
      });
      expect(plan.walPolicy.cutoff).toBeUndefined();
      expect(plan.walPolicy.noCutoffReason).toMatch(/no retained DONE backup/);
    });

    it('protects every timeline a retained backup is on', () => {
      const folders = [
        folder({ endedDaysAgo: 60, timeline: 1, log: 5 }),
        folder({ endedDaysAgo: 40, timeline: 2, log: 6 }),
        folder({ endedDaysAgo: 1, timeline: 3, log: 7 }),
      ];
      const plan = planBarmanRetention({
        folders,
        now: NOW,
        retention: parseRetention('30d'),
        graceDays: 7,
        prefix: PREFIX,
      });
      expect(plan.walPolicy.cutoff).toBe(seg(2, 6, 2));
      expect(plan.walPolicy.protectedTimelines).toEqual([2, 3]);
    });
  });
});
