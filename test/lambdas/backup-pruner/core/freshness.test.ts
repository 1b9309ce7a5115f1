import { FRESHNESS_METRICS } from '../../../../lambdas/shared/backup-freshness';
import { freshnessMetrics } from '../../../../lambdas/backup-pruner/core/freshness';
import type { RunReport } from '../../../../lambdas/backup-pruner/types';
import { DAY, NOW } from '../fixtures';

describe('freshnessMetrics', () => {
  const report = (freshness: object | undefined, layout = 'barman') =>
    ({ targets: [{ target: 'db', layout, freshness }] }) as unknown as RunReport;

  it('reports backup age, FAILED count since the newest DONE and WAL age per server', () => {
    const data = freshnessMetrics(
      report({
        newestDoneEndTime: new Date(NOW.getTime() - DAY),
        failedSinceNewestDone: 2,
        newestWalAt: new Date(NOW.getTime() - 60_000),
      }),
      NOW,
    );
    expect(data).toEqual([
      { target: 'db', name: FRESHNESS_METRICS.backupAge, unit: 'Seconds', value: 86_400 },
      { target: 'db', name: FRESHNESS_METRICS.failedSinceDone, unit: 'Count', value: 2 },
      { target: 'db', name: FRESHNESS_METRICS.walAge, unit: 'Seconds', value: 60 },
    ]);
  });

  it('leaves out what is unknown so the missing-data alarms fire, and ignores other layouts', () => {
    expect(freshnessMetrics(report({ failedSinceNewestDone: 3 }), NOW)).toEqual([]);
    expect(freshnessMetrics(report({ newestDoneEndTime: NOW, failedSinceNewestDone: 0 }, 'velero'), NOW)).toEqual([]);
  });
});
