import { FRESHNESS_METRICS, TARGET_DIMENSION } from '../../shared/backup-freshness';
import { chartRule } from './cnpg-rules';
import { encodeUriPart } from './links';
import type { CnpgSignal, Notification, NotificationLink } from '../types';

/**
 * Every pattern below runs over text of any origin (alarm descriptions, alert annotations of up to 256 KB), so none may
 * backtrack without bound: each repetition has an upper bound, so a pattern does a bounded amount of work per starting
 * position and runs in time linear in its text; and each piece of text it sees is cut to MAX_SCANNED first.
 */
/** Texts that name a CNPG failover on their own (metric, Kubernetes event reasons, chart rule names). */
const FAILOVER_SPECIFIC = [
  /cnpg_pg_replication_in_recovery/,
  /\bFailingOver\b/,
  /\bFailoverTarget\b/,
  /HACritical/,
  /CNPG\w{0,64}Failover/i,
  /Failing over/,
];
/** Texts that name a CNPG backup or WAL-archiving failure on their own. */
const BACKUP_SPECIFIC = [
  /\bLastBackupFailed\b/,
  /last_failed_backup_timestamp/,
  /CNPG\w{0,64}BackupFailed/i,
  /\bLastFailedArchiveTime\b/,
  /pg_stat_archiver_(failed_count|last_failed_time)/,
  /ContinuousArchiving/,
];
/** Generic words that count only when the message is otherwise about CNPG/PostgreSQL. */
const FAILOVER_GENERIC = [/fail-?over/i];
const BACKUP_GENERIC = [
  /backup[\s_-]{0,8}(failed|failure|fail)/i,
  /wal[\s_-]{0,8}archiv\w{0,32}[\s_-]{0,8}(failed|failure|fail)/i,
  /archiv\w{0,32} fail/i,
];
const CNPG_CONTEXT = /cnpg|cloudnative-?pg|postgres/i;

/** The most characters of one text (a description, a signal, a tag) the classifier looks at. */
export const MAX_SCANNED = 4_000;
/** Kubernetes names are at most 253 characters; longer values are not names. */
const MAX_NAME = 253;

/** Label/tag/dimension keys that name the CNPG cluster, best first. */
const CLUSTER_KEYS = [
  // The CloudNativePG chart's rules label every alert with it.
  'cnpg_cluster',
  'cnpg_io_cluster',
  'cnpg.io/cluster',
  'cnpg-cluster',
  'cnpgCluster',
  'cluster_name',
  'pg_cluster',
  'cluster',
  'target',
  // backup-pruner's freshness metrics name the barman server by its target name.
  TARGET_DIMENSION,
];

const BACKUP_PRUNER_SERVICE = 'backup-pruner';
const FRESHNESS_METRIC_NAMES: ReadonlySet<string> = new Set(Object.values(FRESHNESS_METRICS));

export type RunbookLinks = Partial<Record<CnpgSignal, string>>;

function clusterFromPod(pod: string | undefined): string | undefined {
  const match = pod && pod.length <= MAX_NAME ? /^([a-z0-9][a-z0-9-]{0,252}?)-\d{1,6}$/.exec(pod) : null;
  return match?.[1];
}

/** The CNPG cluster the message is about: a label/tag/dimension, else derived from a pod name (`<cluster>-<n>`). */
export function cnpgClusterName(n: Notification): string | undefined {
  const maps = [n.tags, n.dimensions ?? {}];
  for (const key of CLUSTER_KEYS) {
    for (const map of maps) {
      const value = map[key];
      if (value && value.trim() !== '') return value.trim();
    }
  }
  for (const map of maps) {
    const fromPod = clusterFromPod(map.pod ?? map.EKS_PodName ?? map.PodName);
    if (fromPod) return fromPod;
  }
  const fromText = /Failing over from ([a-z0-9][a-z0-9-]{0,252}?)-\d{1,6}\b/.exec(
    n.signals.map((s) => s.slice(0, MAX_SCANNED)).join('\n'),
  );
  return fromText?.[1];
}

/** Which CNPG signal, if any, the message carries. Backup jobs of AWS Backup are never CNPG backups. */
export function detectCnpgSignal(n: Notification): CnpgSignal | undefined {
  const rule = chartRule(n.tags.alertname ?? n.name);
  if (rule) return rule.signal;
  const haystack = [
    n.name,
    n.description ?? '',
    n.reason ?? '',
    ...n.signals,
    ...Object.entries(n.tags).map(([k, v]) => `${k}=${v}`),
  ]
    .map((text) => text.slice(0, MAX_SCANNED))
    .join('\n');
  const isCnpg =
    CNPG_CONTEXT.test(haystack) ||
    CLUSTER_KEYS.slice(0, 6).some((k) => n.tags[k] !== undefined || n.dimensions?.[k] !== undefined);
  if (FAILOVER_SPECIFIC.some((re) => re.test(haystack)) || (isCnpg && FAILOVER_GENERIC.some((re) => re.test(haystack))))
    return 'failover';
  if (n.kind === 'backup-job' || n.kind === 'backup-notification') return undefined;
  if (BACKUP_SPECIFIC.some((re) => re.test(haystack)) || (isCnpg && BACKUP_GENERIC.some((re) => re.test(haystack))))
    return 'backup-failed';
  // Our own backup-freshness alarms (backup-pruner's stack): a stale backup or WAL, or a job that stopped reporting.
  if (n.dimensions?.service === BACKUP_PRUNER_SERVICE && n.signals.some((s) => FRESHNESS_METRIC_NAMES.has(s))) {
    return 'backup-failed';
  }
  return undefined;
}

/**
 * A runbook URL with `{cluster}` and `{namespace}` filled in (URL-encoded). Undefined when there is no template, or
 * when a placeholder the template uses has no value: never a link with an empty `cluster=`.
 */
export function runbookUrl(
  template: string | undefined,
  cluster: string | undefined,
  namespace?: string | undefined,
): string | undefined {
  if (template === undefined) return undefined;
  const values: Record<string, string | undefined> = { '{cluster}': cluster, '{namespace}': namespace };
  let url = template;
  for (const [placeholder, value] of Object.entries(values)) {
    if (!url.includes(placeholder)) continue;
    if (value === undefined || value.trim() === '') return undefined;
    url = url.replaceAll(placeholder, encodeUriPart(value.trim()));
  }
  return url;
}

/** The old and new primary of a failover event ("Failing over from pg-main-1 to pg-main-2"). */
function failoverPods(n: Notification): { from: string; to: string } | undefined {
  const text = [n.name, n.description ?? '', n.reason ?? '', ...n.signals]
    .map((t) => t.slice(0, MAX_SCANNED))
    .join('\n');
  const m = /Failing over from ([a-z0-9][a-z0-9.-]{0,252}) to ([a-z0-9][a-z0-9.-]{0,252})/.exec(text);
  return m ? { from: m[1], to: m[2] } : undefined;
}

/**
 * Adds the CNPG signal, cluster, namespace and runbook links to a notification about CNPG: a rule of the CNPG chart
 * (by name, with the chart's runbook), else one the patterns recognise. The configured runbook of the signal comes
 * first. A failover event is at least a warning, never an unknown state.
 */
export function classifyCnpg(n: Notification, runbooks: RunbookLinks): Notification {
  const signal = detectCnpgSignal(n);
  if (!signal) return n;
  const rule = chartRule(n.tags.alertname ?? n.name);
  const cluster = cnpgClusterName(n);
  const namespace = n.tags.namespace?.trim() || n.dimensions?.namespace?.trim() || undefined;
  const failover = signal === 'failover' ? failoverPods(n) : undefined;
  const configured = runbookUrl(runbooks[signal], cluster, namespace);
  const chart = rule?.runbook;
  const first: NotificationLink[] = [
    ...(configured ? [{ text: 'Runbook', url: configured }] : []),
    ...(chart && !n.links.some((l) => l.url === chart) ? [{ text: 'Chart runbook', url: chart }] : []),
  ];
  const links = [...first, ...n.links.filter((l) => !first.some((f) => f.url === l.url))];
  // A failover told by an event (no alarm state of its own) is at least a warning, never an unknown state.
  const event = signal === 'failover' && (n.state === 'UNKNOWN' || n.state === 'INFO');
  return {
    ...n,
    ...(event
      ? { state: 'WARNING' as const, rawState: undefined, severity: n.severity === 'critical' ? 'critical' : 'warning' }
      : {}),
    cnpg: { signal, cluster, namespace, what: rule?.what, failover },
    links,
  };
}
