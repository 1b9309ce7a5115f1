import type { EbsAuditActionsConfig } from '../../../../lambdas/ebs-audit/config';
import {
  applyDailyDeleteCap,
  deletionDate,
  formatMark,
  parseMark,
  parseMarkDate,
  planActions as planActionsWith,
  recheckBeforeDelete,
  type PlanInput,
} from '../../../../lambdas/ebs-audit/core/actions';
import { classifyVolume } from '../../../../lambdas/ebs-audit/core/volumes';
import type { ClassificationRules, MarkedVolumeElsewhere, PlannedAction } from '../../../../lambdas/ebs-audit/types';

const MARK = 'platform-ops:ebs-audit:delete-after';
const rules: ClassificationRules = {
  ownerTags: ['owner'],
  excludeTag: { key: 'audit:keep', value: 'true' },
  markTagKey: MARK,
};
const now = new Date('2026-11-23T06:00:00Z');
/** The mark of the recheck tests: marked 2026-11-06, due 2026-11-20. */
const M = '2026-11-06T00:00:00Z/2026-11-20';
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
const vol = (id: string, tags: Record<string, string> = {}, account = A, size = 10, lastDatapoint?: Date) =>
  classifyVolume(
    { volumeId: id, volumeType: 'gp2', sizeGiB: size, tags },
    { account, region: 'us-east-1' },
    lastDatapoint,
    rules,
    now,
  );
/** A mark as the suite writes it: `<marked-at>/<delete-after>`, marked at midnight UTC of `markedOn`. */
const mk = (markedOn: string, deleteAfter: string) => `${markedOn}T00:00:00Z/${deleteAfter}`;
/** No scope had failing metrics unless a test says so. */
const planActions = (input: Omit<PlanInput, 'metricsFailed'> & Partial<Pick<PlanInput, 'metricsFailed'>>) =>
  planActionsWith({ metricsFailed: [], ...input });

describe('planActions', () => {
  test('marks unmarked volumes with a date at least graceDays away', () => {
    const plan = planActions({ volumes: [vol('vol-1')], markedElsewhere: [], config, now });
    expect(plan.mark).toEqual([
      expect.objectContaining({
        action: 'mark',
        volumeId: 'vol-1',
        deleteAfter: '2026-12-08',
        markValue: '2026-11-23T06:00:00Z/2026-12-08',
        reason: 'unattached',
      }),
    ]);
    expect(plan.delete).toEqual([]);
  });

  test.each([
    [
      'excluded volume: nothing at all',
      vol('vol-x', { 'audit:keep': 'true', [MARK]: mk('2025-12-01', '2026-01-01') }),
      [],
      [],
      [],
      [],
    ],
    ['marked, date not reached: pending', vol('vol-p', { [MARK]: mk('2026-11-10', '2026-11-24') }), [], [], [], []],
    [
      'marked, date reached today: delete',
      vol('vol-d', { [MARK]: mk('2026-11-09', '2026-11-23') }),
      [],
      [],
      ['vol-d'],
      [],
    ],
    // A mark the suite did not write is never due: it is re-marked with a full grace period from now.
    ['unreadable mark: re-marked', vol('vol-u', { [MARK]: 'next week' }), ['vol-u'], [], [], []],
    ['impossible date: re-marked', vol('vol-u', { [MARK]: mk('2026-02-01', '2026-02-30') }), ['vol-u'], [], [], []],
    ['old date-only mark, past: re-marked', vol('vol-o', { [MARK]: '2026-11-01' }), ['vol-o'], [], [], []],
    [
      'human-set short grace: re-marked',
      vol('vol-h', { [MARK]: mk('2026-11-20', '2026-11-21') }),
      ['vol-h'],
      [],
      [],
      [],
    ],
    [
      'marked in the future: re-marked',
      vol('vol-f', { [MARK]: mk('2026-12-01', '2026-12-20') }),
      ['vol-f'],
      [],
      [],
      [],
    ],
    [
      'A5: excluded by Audit:Keep=true (key in another case): nothing at all',
      vol('vol-x', { 'Audit:Keep': 'true', [MARK]: mk('2025-12-01', '2026-01-01') }),
      [],
      [],
      [],
      [],
    ],
    ['protected account: skipped', vol('vol-q', { [MARK]: mk('2025-12-01', '2026-01-01') }, P), [], [], [], ['vol-q']],
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
      vol('vol-new-cheap', { [MARK]: mk('2026-11-06', '2026-11-20') }, A, 1),
      vol('vol-old', { [MARK]: mk('2026-09-17', '2026-10-01') }, A, 1),
      vol('vol-new-dear', { [MARK]: mk('2026-11-06', '2026-11-20') }, A, 500),
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
    const due = vol('vol-d', { [MARK]: mk('2026-10-18', '2026-11-01') });
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
    markValue: M,
    markedAt: '2026-11-06T00:00:00Z',
    detachedSince: 'unknown',
    reason: '',
  };
  const r = { markTagKey: MARK, excludeTag: rules.excludeTag, graceDays: 14 };
  test.each([
    ['still available and due', { state: 'available', tags: { [MARK]: M } }, undefined],
    ['re-attached since marking', { state: 'in-use', tags: { [MARK]: M } }, 're-attached since marking'],
    ['gone', undefined, 'volume no longer exists'],
    ['deleting', { state: 'deleting', tags: { [MARK]: M } }, 'state is deleting, not available'],
    ['mark removed', { state: 'available', tags: {} }, 'mark tag removed since the scan'],
    [
      'mark moved',
      { state: 'available', tags: { [MARK]: '2026-12-20' } },
      'mark changed to "2026-12-20" since the scan',
    ],
    [
      'excluded meanwhile',
      { state: 'available', tags: { [MARK]: M, 'audit:keep': 'true' } },
      'excluded since the scan',
    ],
    [
      'A5: excluded meanwhile, key in another case',
      { state: 'available', tags: { [MARK]: M, 'Audit:Keep': 'TRUE' } },
      'excluded since the scan',
    ],
  ])('%s', (_n, current, expected) => {
    expect(recheckBeforeDelete(current, planned, r, now)).toBe(expected);
  });

  test.each([
    ['fresh estimate: never attached', 'no-datapoint' as const, undefined],
    ['fresh estimate: last attached before the mark', new Date('2026-11-05T11:00:00Z'), undefined],
    [
      'fresh estimate: attached after the mark',
      new Date('2026-11-20T11:00:00Z'),
      'attached after it was marked (last attached until 2026-11-20T11:00:00.000Z, marked 2026-11-06T00:00:00Z)',
    ],
    [
      'fresh estimate: metrics failed',
      'metrics-failed' as const,
      'CloudWatch metrics could not be read right before the delete: a re-attach since marking cannot be ruled out',
    ],
  ])('%s', (_n, fresh, expected) => {
    expect(recheckBeforeDelete({ state: 'available', tags: { [MARK]: M } }, planned, r, now, fresh)).toBe(expected);
  });

  test('the planned detach estimate is checked too, and a mark the suite did not write stops the delete', () => {
    const attachedLater = { ...planned, detachedSince: '2026-11-20T11:00:00.000Z' };
    expect(recheckBeforeDelete({ state: 'available', tags: { [MARK]: M } }, attachedLater, r, now)).toMatch(
      /^attached after it was marked/,
    );
    const oldFormat = { ...planned, markValue: '2026-11-20' };
    expect(recheckBeforeDelete({ state: 'available', tags: { [MARK]: '2026-11-20' } }, oldFormat, r, now)).toBe(
      'mark value "2026-11-20" is not <marked-at>/<delete-after> as the suite writes it',
    );
  });
});

describe('A1: re-attached and detached again between two runs (weekly job)', () => {
  // Marked 2026-11-09 with delete date 2026-11-23; attached, written and detached on 11-20 with no run seeing it
  // in-use; on 11-23 the last VolumeIdleTime datapoint (11-20 10:00) is after the mark.
  const marked = mk('2026-11-09', '2026-11-23');
  test.each([
    [
      'attached after marking → re-marked with a fresh grace period, not deleted',
      new Date('2026-11-20T10:00:00Z'),
      [],
      { mark: ['vol-r'], del: [], skipped: [] as string[] },
    ],
    [
      'last attached before marking → deleted',
      new Date('2026-11-08T10:00:00Z'),
      [],
      { mark: [], del: ['vol-r'], skipped: [] },
    ],
    ['no datapoint in 455 days (never attached) → deleted', undefined, [], { mark: [], del: ['vol-r'], skipped: [] }],
    [
      'metrics FAILED for the scope → delete skipped with a warning',
      undefined,
      [{ account: A, region: 'us-east-1' }],
      { mark: [], del: [], skipped: ['vol-r'] },
    ],
    [
      'metrics failed in another region only → deleted',
      undefined,
      [{ account: A, region: 'eu-west-1' }],
      { mark: [], del: ['vol-r'], skipped: [] },
    ],
  ])('%s', (_n, lastDatapoint, metricsFailed, expected) => {
    const plan = planActions({
      volumes: [vol('vol-r', { [MARK]: marked }, A, 10, lastDatapoint)],
      markedElsewhere: [],
      config,
      now,
      metricsFailed,
    });
    expect(plan.mark.map((a) => a.volumeId)).toEqual(expected.mark);
    expect(plan.delete.map((a) => a.volumeId)).toEqual(expected.del);
    expect(plan.skipped.map((a) => a.volumeId)).toEqual(expected.skipped);
  });

  test('the re-mark says why and restarts the grace period from now; the delete carries the mark it checked', () => {
    const reattached = planActions({
      volumes: [vol('vol-r', { [MARK]: marked }, A, 10, new Date('2026-11-20T10:00:00Z'))],
      markedElsewhere: [],
      config,
      now,
    });
    expect(reattached.mark[0]).toMatchObject({
      markValue: '2026-11-23T06:00:00Z/2026-12-08',
      deleteAfter: '2026-12-08',
      reason:
        'attached after it was marked (last attached until 2026-11-20T11:00:00.000Z, marked 2026-11-09T00:00:00Z):' +
        ' re-marked with a fresh grace period',
    });
    const due = planActions({ volumes: [vol('vol-r', { [MARK]: marked })], markedElsewhere: [], config, now });
    expect(due.delete[0]).toMatchObject({
      markValue: marked,
      markedAt: '2026-11-09T00:00:00Z',
      deleteAfter: '2026-11-23',
      detachedSince: 'unknown',
    });
    const failed = planActions({
      volumes: [vol('vol-r', { [MARK]: marked })],
      markedElsewhere: [],
      config,
      now,
      metricsFailed: [{ account: A, region: 'us-east-1' }],
    });
    expect(failed.skipped[0].reason).toMatch(/^detached-since unknown: CloudWatch metrics could not be read/);
  });

  test('a not-yet-due mark is renewed too when the volume was attached after marking', () => {
    const plan = planActions({
      volumes: [vol('vol-r', { [MARK]: mk('2026-11-16', '2026-11-30') }, A, 10, new Date('2026-11-20T10:00:00Z'))],
      markedElsewhere: [],
      config,
      now,
    });
    expect(plan.mark.map((a) => a.markValue)).toEqual(['2026-11-23T06:00:00Z/2026-12-08']);
    expect(plan.pendingCount).toBe(0);
  });
});

test('dates', () => {
  expect(deletionDate(new Date('2026-11-23T00:00:00Z'), 14)).toBe('2026-12-07');
  expect(deletionDate(new Date('2026-11-23T00:00:01Z'), 14)).toBe('2026-12-08');
  expect(parseMarkDate('2026-12-07')?.toISOString()).toBe('2026-12-07T00:00:00.000Z');
  expect(parseMarkDate('2026-13-01')).toBeUndefined();
  expect(parseMarkDate(null)).toBeUndefined();
  expect(formatMark(new Date('2026-11-09T00:00:00.123Z'), 14)).toEqual({
    value: '2026-11-09T00:00:00Z/2026-11-23',
    deleteAfter: '2026-11-23',
  });
  expect(parseMark('2026-11-09T00:00:00Z/2026-11-23', 14, now).mark?.markedAt.toISOString()).toBe(
    '2026-11-09T00:00:00.000Z',
  );
  expect(parseMark('2026-11-09T00:00:00Z/2026-11-23', 15, now).problem).toBe(
    'mark value "2026-11-09T00:00:00Z/2026-11-23" gives less than the 15-day grace period',
  );
  expect(parseMark('2026-11-09T25:00:00Z/2026-11-30', 14, now).problem).toMatch(/impossible date/);
  expect(parseMark(undefined, 14, now).problem).toMatch(/is not <marked-at>\/<delete-after>/);
});

describe('A3: applyDailyDeleteCap', () => {
  const due = ['vol-a', 'vol-b', 'vol-c'].map((id) => vol(id, { [MARK]: mk('2026-11-06', '2026-11-20') }));
  const plan = planActions({ volumes: due, markedElsewhere: [], config, now });
  test.each([
    ['nothing recorded today: the whole plan', 0, ['vol-a', 'vol-b', 'vol-c']],
    ['19 of 20 recorded today: one more', 19, ['vol-a']],
    ['cap reached today: none', 20, []],
    ['more than the cap recorded: none', 25, []],
    ['count unknown: none (doubt means do nothing)', undefined, []],
  ])('%s', (_n, deletesToday, expected) => {
    const capped = applyDailyDeleteCap(plan, deletesToday, 20);
    expect(capped.delete.map((a) => a.volumeId)).toEqual(expected);
    expect(capped.skipped).toHaveLength(3 - expected.length);
  });
});
