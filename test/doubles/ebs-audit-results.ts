/** A small audit result (two accounts, three scopes, one gap) shared by the report, summary and event tests. */
import { classifyVolume } from '../../lambdas/ebs-audit/core/volumes';
import type { AuditResult, ClassificationRules } from '../../lambdas/ebs-audit/types';

export const rules: ClassificationRules = {
  ownerTags: ['owner'],
  excludeTag: { key: 'audit:keep', value: 'true' },
  markTagKey: 'platform-ops:ebs-audit:delete-after',
};
export const now = new Date('2026-11-23T06:00:00Z');

export const mkVolume = (
  id: string,
  account: string,
  region: string,
  size: number,
  tags: Record<string, string> = {},
) =>
  classifyVolume(
    { volumeId: id, volumeType: 'gp2', sizeGiB: size, tags, createTime: new Date('2026-01-01T00:00:00Z') },
    { account, region },
    undefined,
    rules,
    now,
  );

export const sampleVolumes = [
  ...Array.from({ length: 12 }, (_, i) => mkVolume(`vol-a${i}`, '111111111111', 'us-east-1', (i + 1) * 100)),
  mkVolume('vol-b1', '222222222222', 'us-east-1', 50, { 'audit:keep': 'true' }),
  mkVolume('vol-b2', '222222222222', 'eu-west-1', 999),
];
export const sampleResult: AuditResult = {
  runId: 'run-1',
  startedAt: now.toISOString(),
  finishedAt: now.toISOString(),
  auditedScopes: [
    { account: '111111111111', region: 'us-east-1' },
    { account: '222222222222', region: 'us-east-1' },
    { account: '222222222222', region: 'eu-west-1' },
  ],
  volumes: sampleVolumes,
  notAudited: [
    {
      account: '333333333333',
      region: '*',
      stage: 'assume-role',
      errorCode: 'AccessDenied',
      reason: 'not authorized',
    },
  ],
  warnings: [],
};
