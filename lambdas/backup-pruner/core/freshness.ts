import { FRESHNESS_METRICS } from '../../shared/backup-freshness';
import type { RunReport } from '../types';

export interface FreshnessDatum {
  readonly target: string;
  readonly name: (typeof FRESHNESS_METRICS)[keyof typeof FRESHNESS_METRICS];
  readonly unit: 'Seconds' | 'Count';
  readonly value: number;
}

/**
 * Freshness of each barman server, from the run's report. A value that cannot be known (no DONE backup, no WAL,
 * the listing failed) is left out on purpose: the alarms treat missing data as breaching, so silence alarms too.
 */
export function freshnessMetrics(report: RunReport, now: Date): FreshnessDatum[] {
  const out: FreshnessDatum[] = [];
  for (const t of report.targets) {
    if (t.layout !== 'barman' || !t.freshness) continue;
    const f = t.freshness;
    if (f.newestDoneEndTime) {
      out.push({
        target: t.target,
        name: FRESHNESS_METRICS.backupAge,
        unit: 'Seconds',
        value: Math.max(0, Math.round((now.getTime() - f.newestDoneEndTime.getTime()) / 1000)),
      });
      out.push({
        target: t.target,
        name: FRESHNESS_METRICS.failedSinceDone,
        unit: 'Count',
        value: f.failedSinceNewestDone,
      });
    }
    if (f.newestWalAt) {
      out.push({
        target: t.target,
        name: FRESHNESS_METRICS.walAge,
        unit: 'Seconds',
        value: Math.max(0, Math.round((now.getTime() - f.newestWalAt.getTime()) / 1000)),
      });
    }
  }
  return out;
}
