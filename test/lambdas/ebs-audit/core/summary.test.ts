import { summarizeAudit } from '../../../../lambdas/ebs-audit/core/summary';
import { sampleResult as result } from '../../../doubles/ebs-audit-results';

describe('summarizeAudit', () => {
  test('totals, top 10, per account, not-audited', () => {
    const s = summarizeAudit(result);
    // account 1: 100+200+...+1200 GiB gp2 at 0.10 = 780; account 2: 50 GiB = 5 (excluded), 999 GiB eu-west-1 unpriced
    expect(s).toMatchObject({
      volumeCount: 14,
      excludedCount: 1,
      unpricedCount: 1,
      totalSizeGiB: 7800 + 50 + 999,
      totalMonthlyCostUsd: 785,
      reviewableMonthlyCostUsd: 780,
      auditedScopes: 3,
    });
    expect(s.top10.map((t) => t.volumeId)).toEqual([
      'vol-a11',
      'vol-a10',
      'vol-a9',
      'vol-a8',
      'vol-a7',
      'vol-a6',
      'vol-a5',
      'vol-a4',
      'vol-a3',
      'vol-a2',
    ]);
    expect(s.perAccount).toEqual([
      { account: '111111111111', volumes: 12, sizeGiB: 7800, monthlyCostUsd: 780, unpriced: 0 },
      { account: '222222222222', volumes: 2, sizeGiB: 1049, monthlyCostUsd: 5, unpriced: 1 },
    ]);
    expect(s.notAudited).toHaveLength(1);
  });
});
