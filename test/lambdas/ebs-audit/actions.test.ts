import type { EbsAuditActionsConfig } from '../../../lib/config/ebs-audit';
import {
  deletionDate,
  parseMarkDate,
  planActions,
  recheckBeforeDelete,
  type MarkedVolumeElsewhere,
  type PlannedAction,
} from '../../../lambdas/ebs-audit/actions';
import { classifyVolume, type ClassificationRules } from '../../../lambdas/ebs-audit/volumes';

const MARK = 'platform-ops:ebs-audit:delete-after';
const rules: ClassificationRules = {
  ownerTags: ['owner'],
  excludeTag: { key: 'audit:keep', value: 'true' },
  markTagKey: MARK,
};
const now = new Date('2026-11-23T06:00:00Z');
const A = '111111111111';
const P = '999999999999';
const config: EbsAuditActionsConfig = {
  mark: true,
  delete: true,
  graceDays: 14,
  snapshotBeforeDelete: true,
  protectedAccounts: [P],
  maxMarksPerRun: 100,
  maxDeletesPerRun: 20,
  dryRun: false,
};
const vol = (id: string, tags: Record<string, string> = {}, account = A, size = 10) =>
  classifyVolume(
    { volumeId: id, volumeType: 'gp2', sizeGiB: size, tags },
    { account, region: 'us-east-1' },
    undefined,
    rules,
    now,
  );

describe('planActions', () => {
  test('marks unmarked volumes with a date at least graceDays away', () => {
    const plan = planActions({ volumes: [vol('vol-1')], markedElsewhere: [], config, now });
    expect(plan.mark).toEqual([
      expect.objectContaining({ action: 'mark', volumeId: 'vol-1', deleteAfter: '2026-12-08', reason: 'unattached' }),
    ]);
    expect(plan.delete).toEqual([]);
  });

  test.each([
    ['excluded volume: nothing at all', vol('vol-x', { 'audit:keep': 'true', [MARK]: '2026-01-01' }), [], [], [], []],
    ['marked, date not reached: pending', vol('vol-p', { [MARK]: '2026-11-24' }), [], [], [], []],
    ['marked, date reached today: delete', vol('vol-d', { [MARK]: '2026-11-23' }), [], [], ['vol-d'], []],
    ['unreadable mark: skipped', vol('vol-u', { [MARK]: 'next week' }), [], [], [], ['vol-u']],
    ['impossible date: skipped', vol('vol-u', { [MARK]: '2026-02-30' }), [], [], [], ['vol-u']],
    ['protected account: skipped', vol('vol-q', { [MARK]: '2026-01-01' }, P), [], [], [], ['vol-q']],
    ['protected account, unmarked: not marked', vol('vol-q', {}, P), [], [], [], ['vol-q']],
  ])('%s', (_n, v, mark, unmark, del, skipped) => {
    const plan = planActions({ volumes: [v], markedElsewhere: [], config, now });
    expect(plan.mark.map((a) => a.volumeId)).toEqual(mark);
    expect(plan.unmark.map((a) => a.volumeId)).toEqual(unmark);
    expect(plan.delete.map((a) => a.volumeId)).toEqual(del);
    expect(plan.skipped.map((a) => a.volumeId)).toEqual(skipped);
  });

  test('a marked volume seen in-use is unmarked; other states are left alone', () => {
    const elsewhere: MarkedVolumeElsewhere[] = [
      { account: A, region: 'us-east-1', volumeId: 'vol-back', state: 'in-use', markedDeleteAfter: '2026-11-01' },
      { account: A, region: 'us-east-1', volumeId: 'vol-creating', state: 'creating', markedDeleteAfter: '2026-11-01' },
      { account: P, region: 'us-east-1', volumeId: 'vol-prot', state: 'in-use', markedDeleteAfter: '2026-11-01' },
    ];
    const plan = planActions({ volumes: [], markedElsewhere: elsewhere, config, now });
    expect(plan.unmark).toEqual([
      expect.objectContaining({ volumeId: 'vol-back', reason: 're-attached since marking' }),
    ]);
    expect(plan.skipped.map((s) => [s.volumeId, s.reason])).toEqual([
      ['vol-creating', 'state creating: left as is'],
      ['vol-prot', 'protected account'],
    ]);
  });

  test('deletes are capped per run, oldest marks then most expensive first', () => {
    const volumes = [
      vol('vol-new-cheap', { [MARK]: '2026-11-20' }, A, 1),
      vol('vol-old', { [MARK]: '2026-10-01' }, A, 1),
      vol('vol-new-dear', { [MARK]: '2026-11-20' }, A, 500),
    ];
    const plan = planActions({ volumes, markedElsewhere: [], config: { ...config, maxDeletesPerRun: 2 }, now });
    expect(plan.delete.map((a) => a.volumeId)).toEqual(['vol-old', 'vol-new-dear']);
    expect(plan.delete.every((a) => a.snapshot === true)).toBe(true);
    expect(plan.skipped).toEqual([
      expect.objectContaining({ volumeId: 'vol-new-cheap', reason: 'cap of 2 deletes per run reached' }),
    ]);
  });

  test('tag changes are capped, unmarks first', () => {
    const plan = planActions({
      volumes: [vol('vol-1'), vol('vol-2')],
      markedElsewhere: [
        { account: A, region: 'us-east-1', volumeId: 'vol-back', state: 'in-use', markedDeleteAfter: 'x' },
      ],
      config: { ...config, maxMarksPerRun: 2 },
      now,
    });
    expect(plan.unmark.map((a) => a.volumeId)).toEqual(['vol-back']);
    expect(plan.mark.map((a) => a.volumeId)).toEqual(['vol-1']);
    expect(plan.skipped.map((a) => [a.volumeId, a.reason])).toEqual([
      ['vol-2', 'cap of 2 tag changes per run reached'],
    ]);
  });

  test('mark off → empty plan; delete off → due volumes reported, not deleted; snapshot setting carried', () => {
    const due = vol('vol-d', { [MARK]: '2026-11-01' });
    expect(
      planActions({
        volumes: [due, vol('v')],
        markedElsewhere: [],
        config: { ...config, mark: false, delete: false },
        now,
      }),
    ).toMatchObject({
      mark: [],
      delete: [],
      skipped: [],
    });
    const noDelete = planActions({ volumes: [due], markedElsewhere: [], config: { ...config, delete: false }, now });
    expect(noDelete.delete).toEqual([]);
    expect(noDelete.skipped[0].reason).toBe('past its date, but actions.delete is off');
    const noSnap = planActions({
      volumes: [due],
      markedElsewhere: [],
      config: { ...config, snapshotBeforeDelete: false },
      now,
    });
    expect(noSnap.delete[0].snapshot).toBe(false);
  });
});

describe('recheckBeforeDelete', () => {
  const planned: PlannedAction = {
    action: 'delete',
    account: A,
    region: 'us-east-1',
    volumeId: 'vol-d',
    deleteAfter: '2026-11-20',
    reason: '',
  };
  const r = { markTagKey: MARK, excludeTag: rules.excludeTag };
  test.each([
    ['still available and due', { state: 'available', tags: { [MARK]: '2026-11-20' } }, undefined],
    ['re-attached since marking', { state: 'in-use', tags: { [MARK]: '2026-11-20' } }, 're-attached since marking'],
    ['gone', undefined, 'volume no longer exists'],
    ['deleting', { state: 'deleting', tags: { [MARK]: '2026-11-20' } }, 'state is deleting, not available'],
    ['mark removed', { state: 'available', tags: {} }, 'mark tag removed since the scan'],
    [
      'mark moved',
      { state: 'available', tags: { [MARK]: '2026-12-20' } },
      'mark changed to "2026-12-20" since the scan',
    ],
    [
      'excluded meanwhile',
      { state: 'available', tags: { [MARK]: '2026-11-20', 'audit:keep': 'true' } },
      'excluded since the scan',
    ],
  ])('%s', (_n, current, expected) => {
    expect(recheckBeforeDelete(current, planned, r, now)).toBe(expected);
  });
});

test('dates', () => {
  expect(deletionDate(new Date('2026-11-23T00:00:00Z'), 14)).toBe('2026-12-07');
  expect(deletionDate(new Date('2026-11-23T00:00:01Z'), 14)).toBe('2026-12-08');
  expect(parseMarkDate('2026-12-07')?.toISOString()).toBe('2026-12-07T00:00:00.000Z');
  expect(parseMarkDate('2026-13-01')).toBeUndefined();
  expect(parseMarkDate(null)).toBeUndefined();
});
