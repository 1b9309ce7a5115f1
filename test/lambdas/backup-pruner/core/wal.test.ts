import { WalTallier, classifyWal, parseWalName, type WalPolicy } from '../../../../lambdas/backup-pruner/core/wal';
import { seg } from '../fixtures';

const policy = (over: Partial<WalPolicy> = {}): WalPolicy => ({
  cutoff: seg(2, 0x10, 0x40),
  protectedTimelines: [2],
  protectedRanges: [],
  ...over,
});

describe('parseWalName', () => {
  it.each([
    [seg(1, 2, 0xa9), 'segment'],
    [`${seg(1, 2, 0xa9)}.gz`, 'segment'],
    [`${seg(1, 2, 0xa9)}.zst`, 'segment'],
    [`${seg(1, 2, 0xa9)}.partial`, 'partial'],
    [`${seg(1, 2, 0xa9)}.partial.gz`, 'partial'],
    [`${seg(1, 2, 0xa9)}.00000028.backup`, 'backup-label'],
    [`${seg(1, 2, 0xa9)}.00000028.backup.bz2`, 'backup-label'],
    ['00000002.history', 'history'],
    ['00000002.history.gz', 'history'],
  ])('%s is a %s', (name, kind) => {
    expect(parseWalName(name)?.kind).toBe(kind);
  });

  it.each(['README', `${seg(1, 2, 3)}.tmp`, seg(1, 2, 0xab).toLowerCase(), `${seg(1, 2, 3)}.gz.gz`, ''])(
    '%s is not a WAL',
    (name) => {
      expect(parseWalName(name)).toBeUndefined();
    },
  );
});

describe('classifyWal', () => {
  it.each([
    ['a segment before the cutoff', `${seg(2, 0x10, 0x3f)}.gz`, 'delete'],
    ['the cutoff segment itself', `${seg(2, 0x10, 0x40)}.gz`, 'at-or-after-cutoff'],
    ['a segment after the cutoff', seg(2, 0x11, 0), 'at-or-after-cutoff'],
    ['a .partial before the cutoff', `${seg(2, 0x0f, 0xff)}.partial`, 'delete'],
    ['a .backup label before the cutoff', `${seg(2, 0x10, 0x3f)}.00000028.backup`, 'delete'],
    ['a .backup label of the cutoff segment', `${seg(2, 0x10, 0x40)}.00000028.backup`, 'at-or-after-cutoff'],
    ['an old-timeline segment (sorts before the cutoff)', seg(1, 0x99, 0), 'delete'],
    ['any .history file', '00000001.history', 'history'],
    ['a later timeline', seg(3, 0, 1), 'at-or-after-cutoff'],
    ['an unrecognised file', 'notes.txt', 'unrecognised'],
  ])('%s', (_name, file, expected) => {
    const verdict = classifyWal(file, policy());
    expect(verdict.action === 'delete' ? 'delete' : verdict.reason).toBe(expected);
  });

  it('keeps WALs of a timeline a retained backup needs, even below the cutoff', () => {
    const verdict = classifyWal(seg(1, 0x05, 0), policy({ protectedTimelines: [1, 2] }));
    expect(verdict).toEqual({ action: 'keep', reason: 'timeline' });
  });

  it('keeps the WAL range of a keep:standalone backup', () => {
    const p = policy({ protectedRanges: [{ from: seg(2, 1, 2), to: seg(2, 1, 4), backupId: 'x' }] });
    expect(classifyWal(seg(2, 1, 3), p)).toEqual({ action: 'keep', reason: 'standalone' });
    expect(classifyWal(`${seg(2, 1, 4)}.00000028.backup`, p)).toEqual({ action: 'keep', reason: 'standalone' });
    expect(classifyWal(seg(2, 1, 5), p)).toEqual({ action: 'delete' });
  });

  it('deletes nothing without a cutoff', () => {
    expect(classifyWal(seg(1, 0, 1), { noCutoffReason: 'x', protectedTimelines: [], protectedRanges: [] })).toEqual({
      action: 'keep',
      reason: 'no-cutoff',
    });
  });
});

describe('WalTallier', () => {
  it('counts everything but holds only up to maxKeys deletable keys', () => {
    const tally = new WalTallier(policy(), 2);
    const at = new Date('2025-01-01T00:00:00Z');
    for (let i = 0; i < 5; i++) tally.add(`w/${i}`, seg(2, 1, i), 10, at);
    tally.add('w/h', '00000002.history', 1, new Date('2026-01-01T00:00:00Z'));
    tally.add('w/new', seg(2, 0x20, 0), 10, new Date('2025-02-01T00:00:00Z'));
    const r = tally.result();
    expect(r).toMatchObject({
      total: 7,
      totalBytes: 61,
      toDelete: 5,
      bytesToFree: 50,
      keys: ['w/0', 'w/1'],
      keysTruncated: true,
    });
    expect(r.kept).toEqual({ history: 1, 'at-or-after-cutoff': 1 });
    // The history file does not count as archiving activity.
    expect(r.newestArchivedAt).toEqual(new Date('2025-02-01T00:00:00Z'));
  });
});
