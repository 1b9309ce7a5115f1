import {
  classifyCnpg,
  cnpgClusterName,
  detectCnpgSignal,
  runbookUrl,
} from '../../../../lambdas/alert-notifier/core/cnpg';
import type { Notification } from '../../../../lambdas/alert-notifier/types';

const base: Notification = {
  kind: 'cloudwatch-alarm',
  name: 'some-alarm',
  state: 'ALARM',
  previousState: 'OK',
  enteredAlarm: true,
  severity: 'warning',
  fields: [],
  items: [],
  links: [],
  tags: {},
  signals: [],
};

describe('CNPG classification', () => {
  it.each<[string, Partial<Notification>, string | undefined]>([
    ['replication role metric', { signals: ['cnpg_pg_replication_in_recovery'] }, 'failover'],
    [
      'Kubernetes FailingOver event reason',
      { signals: ["FailingOver: Current primary isn't healthy, initiating a failover from orders-db-1"] },
      'failover',
    ],
    ['FailoverTarget event', { reason: 'FailoverTarget: Failing over from orders-db-1 to orders-db-2' }, 'failover'],
    ['HA critical chart rule', { name: 'CNPGClusterHACritical' }, 'failover'],
    ['generic "failover" with CNPG context', { name: 'postgres orders failover' }, 'failover'],
    ['generic "failover" without CNPG context (e.g. RDS) is not CNPG', { name: 'rds-failover-event' }, undefined],
    [
      'LastBackupFailed condition',
      { reason: 'Cluster condition LastBackupSucceeded=False reason LastBackupFailed' },
      'backup-failed',
    ],
    [
      'in-core failed-backup metric',
      { signals: ['cnpg_collector_last_failed_backup_timestamp > cnpg_collector_last_available_backup_timestamp'] },
      'backup-failed',
    ],
    [
      'barman plugin failed-backup metric',
      { signals: ['barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp'] },
      'backup-failed',
    ],
    ['WAL archiving rule', { name: 'LastFailedArchiveTime' }, 'backup-failed'],
    ['archiver failures metric', { signals: ['cnpg_pg_stat_archiver_failed_count'] }, 'backup-failed'],
    [
      'generic "backup failed" with a CNPG cluster label',
      { name: 'backup failed', tags: { cnpg_io_cluster: 'x' } },
      'backup-failed',
    ],
    [
      'AWS Backup job failure is never a CNPG backup failure',
      { kind: 'backup-job', name: 'Backup job failed: postgres volume' },
      undefined,
    ],
    [
      'backup-pruner freshness alarm (newest backup too old)',
      { dimensions: { service: 'backup-pruner', Target: 'orders-db' }, signals: ['NewestBackupAgeSeconds'] },
      'backup-failed',
    ],
    [
      'backup-pruner freshness alarm (WAL too old)',
      { dimensions: { service: 'backup-pruner', Target: 'orders-db' }, signals: ['NewestWalAgeSeconds'] },
      'backup-failed',
    ],
    [
      'same metric name from another service is not ours',
      { dimensions: { service: 'other' }, signals: ['NewestBackupAgeSeconds'] },
      undefined,
    ],
    [
      'backup-pruner run outcome (a refused prune) is not a backup failure',
      { kind: 'ops-event', severity: 'warning', tags: { source: 'backup-pruner', kind: 'prune-refused' } },
      undefined,
    ],
    ['plain CPU alarm', { name: 'orders-api-cpu', signals: ['CPUUtilization'] }, undefined],
  ])('%s → %s', (_name, patch, signal) => {
    expect(detectCnpgSignal({ ...base, ...patch })).toBe(signal);
  });

  it.each<[string, Partial<Notification>, string | undefined]>([
    ['cnpg_io_cluster label', { tags: { cnpg_io_cluster: 'orders-db', cluster: 'prod-eks' } }, 'orders-db'],
    ['cnpg-cluster alarm tag', { tags: { 'cnpg-cluster': 'orders-db' } }, 'orders-db'],
    ['dimension', { dimensions: { cnpg_io_cluster: 'billing-db' } }, 'billing-db'],
    ['pod label', { tags: { pod: 'orders-db-3' } }, 'orders-db'],
    ['event text', { signals: ['Failing over from orders-db-1 to orders-db-2'] }, 'orders-db'],
    ['ops event target', { dimensions: { target: 'orders-db' } }, 'orders-db'],
    ['nothing', {}, undefined],
  ])('cluster from %s', (_name, patch, cluster) => {
    expect(cnpgClusterName({ ...base, ...patch })).toBe(cluster);
  });

  it('runbook template gets the URL-encoded cluster; no template, no link', () => {
    expect(runbookUrl('https://r.example/{cluster}?c={cluster}', 'a b')).toBe('https://r.example/a%20b?c=a%20b');
    const n = classifyCnpg(
      { ...base, signals: ['cnpg_pg_replication_in_recovery'], tags: { cnpg_io_cluster: 'db' } },
      {},
    );
    expect(n.cnpg).toEqual({ signal: 'failover', cluster: 'db' });
    expect(n.links).toEqual([]);
  });
});

describe('runbook links from names with lone surrogates (issue 9 item 4)', () => {
  it('a cluster name cut mid-emoji is encoded, never "URI malformed"', () => {
    expect(runbookUrl('https://runbooks.example.com/x?cluster={cluster}', 'pg-🔥'.slice(0, -1))).toBe(
      'https://runbooks.example.com/x?cluster=pg-%EF%BF%BD',
    );
  });
});
