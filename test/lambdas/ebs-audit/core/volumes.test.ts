import { classifyVolume, compareByCost, estimateDetachedSince } from '../../../../lambdas/ebs-audit/core/volumes';
import type { ClassificationRules, ScannedVolume } from '../../../../lambdas/ebs-audit/types';

const rules: ClassificationRules = {
  ownerTags: ['owner', 'team', 'OwnerContact'],
  excludeTag: { key: 'audit:keep', value: 'true' },
  markTagKey: 'platform-ops:ebs-audit:delete-after',
};
const now = new Date('2026-11-23T06:00:00Z');
const where = { account: '111111111111', region: 'us-east-1' };
const vol = (tags: Record<string, string>, extra: Partial<ScannedVolume> = {}): ScannedVolume => ({
  volumeId: 'vol-0123456789abcdef0',
  state: 'available',
  volumeType: 'gp3',
  sizeGiB: 100,
  iops: 3000,
  throughputMiBps: 125,
  createTime: new Date('2025-01-01T00:00:00Z'),
  tags,
  ...extra,
});

describe('classifyVolume', () => {
  test.each([
    ['first configured owner tag wins', { team: 'data', owner: 'alice' }, 'alice', 'owner'],
    ['falls back to the next tag', { team: 'data' }, 'data', 'team'],
    ['keys match case-insensitively', { Owner: 'bob' }, 'bob', 'Owner'],
    [
      'an empty value does not count',
      { owner: '  ', OwnerContact: 'ops@example.com' },
      'ops@example.com',
      'OwnerContact',
    ],
    ['no owner tag', { Name: 'x' }, null, null],
  ])('owner: %s', (_n, tags, owner, ownerTag) => {
    const v = classifyVolume(vol(tags), where, undefined, rules, now);
    expect(v.owner).toBe(owner);
    expect(v.ownerTag).toBe(ownerTag);
  });

  test.each([
    ['PVC tag', { 'kubernetes.io/created-for/pvc/name': 'data-pg-1' }, true],
    ['CSI cluster tag', { 'ebs.csi.aws.com/cluster': 'true' }, true],
    ['CSIVolumeName', { CSIVolumeName: 'pvc-1234' }, true],
    ['plain', { Name: 'scratch' }, false],
  ])('kubernetes flag: %s', (_n, tags, expected) => {
    expect(classifyVolume(vol(tags), where, undefined, rules, now).kubernetes).toBe(expected);
  });

  test('CloudFormation stack, Name, mark and exclusion', () => {
    const v = classifyVolume(
      vol({
        'aws:cloudformation:stack-name': 'legacy-app',
        Name: 'db-data',
        'audit:keep': 'TRUE',
        'platform-ops:ebs-audit:delete-after': '2026-12-01',
      }),
      where,
      undefined,
      rules,
      now,
    );
    expect(v).toMatchObject({
      cloudformationStack: 'legacy-app',
      name: 'db-data',
      excluded: true,
      markedDeleteAfter: '2026-12-01',
      monthlyCostUsd: 8,
    });
  });

  test.each([
    ['exact value', 'true', true],
    ['other value', 'false', false],
  ])('exclusion by tag value: %s', (_n, value, excluded) => {
    expect(classifyVolume(vol({ 'audit:keep': value }), where, undefined, rules, now).excluded).toBe(excluded);
  });

  test.each([
    ['key in another case: Audit:Keep=true', { 'Audit:Keep': 'true' }, true],
    ['key upper case, value upper case, padded: AUDIT:KEEP= TRUE ', { 'AUDIT:KEEP': ' TRUE ' }, true],
    ['two spellings, one says true', { 'audit:keep': 'false', 'Audit:Keep': 'true' }, true],
    ['key in another case, other value', { 'Audit:Keep': 'no' }, false],
    ['a different key', { 'audit:keeper': 'true' }, false],
  ])('A5: exclude tag key matched case-insensitively: %s', (_n, tags, excluded) => {
    expect(classifyVolume(vol(tags), where, undefined, rules, now).excluded).toBe(excluded);
  });

  test('unpriced region gives a null cost and the reason', () => {
    const v = classifyVolume(vol({}), { account: '1', region: 'eu-central-1' }, undefined, rules, now);
    expect(v.monthlyCostUsd).toBeNull();
    expect(v.costNote).toBe('unknown: no price list for region eu-central-1');
  });

  test('detached since: end of the hour of the last datapoint, in days', () => {
    const v = classifyVolume(vol({}), where, new Date('2026-10-01T13:00:00Z'), rules, now);
    expect(v.detachedSince).toBe('2026-10-01T14:00:00.000Z');
    expect(v.detachedDays).toBe(52);
  });
});

describe('estimateDetachedSince', () => {
  test.each([
    [
      'no datapoint, old volume',
      undefined,
      new Date('2024-01-01T00:00:00Z'),
      'unknown',
      /no VolumeIdleTime datapoint in the last 455 days/,
    ],
    [
      'no datapoint, young volume',
      undefined,
      new Date('2026-11-01T00:00:00Z'),
      'unknown',
      /since creation on 2026-11-01: possibly never attached/,
    ],
    ['no datapoint, no create time', undefined, undefined, 'unknown', /in the last 455 days/],
    [
      'datapoint',
      new Date('2026-11-20T10:00:00Z'),
      undefined,
      '2026-11-20T11:00:00.000Z',
      /last VolumeIdleTime datapoint/,
    ],
    [
      'datapoint in the current hour is capped at now',
      new Date('2026-11-23T05:30:00Z'),
      undefined,
      '2026-11-23T06:00:00.000Z',
      /last/,
    ],
  ])('%s', (_n, last, created, expected, note) => {
    const e = estimateDetachedSince(last, now, created);
    expect(e.detachedSince === 'unknown' ? 'unknown' : e.detachedSince.toISOString()).toBe(expected);
    expect(e.note).toMatch(note);
  });
});

test('compareByCost: highest first, unpriced last, stable by account/region/id', () => {
  const mk = (id: string, cost: number | null, account = 'a') => ({
    ...classifyVolume(vol({}, { volumeId: id }), { account, region: 'r' }, undefined, rules, now),
    monthlyCostUsd: cost,
  });
  const sorted = [mk('v1', null), mk('v2', 5), mk('v3', 50), mk('v4', 5, '0'), mk('v0', null)].sort(compareByCost);
  expect(sorted.map((v) => v.volumeId)).toEqual(['v3', 'v4', 'v2', 'v0', 'v1']);
});
