/**
 * The Prometheus rules of the CloudNativePG `cluster` Helm chart (cloudnative-pg/charts,
 * charts/cluster/prometheus_rules/*.yaml), by alert name: the signal an on-call engineer cares about, what happened
 * in a few words for the header, and the chart's own runbook. Every rule labels the cluster `cnpg_cluster` (with
 * `namespace` and `severity`); the severity comes from the alert, never from this table.
 */
import type { CnpgSignal } from '../types';

export interface CnpgChartRule {
  readonly signal: CnpgSignal;
  /** What happened, for a header: "no standby replicas (HA critical)". */
  readonly what: string;
  /** The chart's runbook page. */
  readonly runbook?: string;
}

const RUNBOOKS = 'https://github.com/cloudnative-pg/charts/blob/main/charts/cluster/docs/runbooks';
const runbook = (page: string) => `${RUNBOOKS}/${page}.md`;

export const CNPG_CHART_RULES: Readonly<Record<string, CnpgChartRule>> = {
  CNPGClusterHACritical: {
    signal: 'failover',
    what: 'no standby replicas (HA critical)',
    runbook: runbook('CNPGClusterHACritical'),
  },
  CNPGClusterHAWarning: {
    signal: 'failover',
    what: 'few standby replicas (HA warning)',
    runbook: runbook('CNPGClusterHAWarning'),
  },
  CNPGClusterOffline: {
    signal: 'availability',
    what: 'no running instances (offline)',
    runbook: runbook('CNPGClusterOffline'),
  },
  CNPGInstanceMetricsAbsent: {
    signal: 'availability',
    what: 'instance metrics absent (exporter hung)',
    runbook: runbook('CNPGInstanceMetricsAbsent'),
  },
  CNPGClusterInstancesOnSameNode: {
    signal: 'availability',
    what: 'instances on the same node',
    runbook: runbook('CNPGClusterInstancesOnSameNode'),
  },
  CNPGClusterZoneSpreadWarning: {
    signal: 'availability',
    what: 'instances in the same zone',
    runbook: runbook('CNPGClusterZoneSpreadWarning'),
  },
  // The chart ships no runbook for backups: the configured `backup-failed` runbook applies.
  CNPGClusterBackupFailed: { signal: 'backup-failed', what: 'backup failed' },
  CNPGClusterHighReplicationLag: {
    signal: 'replication',
    what: 'high replication lag',
    runbook: runbook('CNPGClusterHighReplicationLag'),
  },
  CNPGClusterPhysicalReplicationLagWarning: {
    signal: 'replication',
    what: 'high physical replication lag',
    runbook: runbook('CNPGClusterPhysicalReplicationLag'),
  },
  CNPGClusterPhysicalReplicationLagCritical: {
    signal: 'replication',
    what: 'high physical replication lag',
    runbook: runbook('CNPGClusterPhysicalReplicationLag'),
  },
  CNPGClusterLogicalReplicationErrors: {
    signal: 'replication',
    what: 'logical replication errors',
    runbook: runbook('CNPGClusterLogicalReplicationErrors'),
  },
  CNPGClusterLogicalReplicationErrorsCritical: {
    signal: 'replication',
    what: 'logical replication errors',
    runbook: runbook('CNPGClusterLogicalReplicationErrors'),
  },
  CNPGClusterLogicalReplicationLagging: {
    signal: 'replication',
    what: 'logical replication lagging',
    runbook: runbook('CNPGClusterLogicalReplicationLagging'),
  },
  CNPGClusterLogicalReplicationLaggingCritical: {
    signal: 'replication',
    what: 'logical replication lagging',
    runbook: runbook('CNPGClusterLogicalReplicationLagging'),
  },
  CNPGClusterLogicalReplicationStopped: {
    signal: 'replication',
    what: 'logical replication stopped',
    runbook: runbook('CNPGClusterLogicalReplicationStopped'),
  },
  CNPGClusterLogicalReplicationStoppedCritical: {
    signal: 'replication',
    what: 'logical replication stopped',
    runbook: runbook('CNPGClusterLogicalReplicationStopped'),
  },
  CNPGClusterHighConnectionsWarning: {
    signal: 'capacity',
    what: 'connections near the maximum',
    runbook: runbook('CNPGClusterHighConnectionsWarning'),
  },
  CNPGClusterHighConnectionsCritical: {
    signal: 'capacity',
    what: 'connections at the maximum',
    runbook: runbook('CNPGClusterHighConnectionsCritical'),
  },
  CNPGClusterLowDiskSpaceWarning: {
    signal: 'capacity',
    what: 'low disk space',
    runbook: runbook('CNPGClusterLowDiskSpaceWarning'),
  },
  CNPGClusterLowDiskSpaceCritical: {
    signal: 'capacity',
    what: 'disk space critical',
    runbook: runbook('CNPGClusterLowDiskSpaceCritical'),
  },
};

/** The chart rule an alert name names (own keys only). */
export function chartRule(alertname: string | undefined): CnpgChartRule | undefined {
  return alertname !== undefined && Object.hasOwn(CNPG_CHART_RULES, alertname)
    ? CNPG_CHART_RULES[alertname]
    : undefined;
}
