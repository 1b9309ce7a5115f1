import { classifyCnpg } from '../../../lambdas/alert-notifier/cnpg';
import type { Notification } from '../../../lambdas/alert-notifier/model';
import { parseInbound, type InboundMessage } from '../../../lambdas/alert-notifier/parse';
import { fixtureJson, fixtureText, ROUTES_CONFIG, snsMessage } from './helpers';

const field = (n: Notification, label: string) => n.fields.find((f) => f.label === label)?.value;
const parse = (m: InboundMessage) => classifyCnpg(parseInbound(m), ROUTES_CONFIG.runbooks);

describe('parseInbound: one fixture per input kind', () => {
  it('SNS metric alarm: region from AlarmArn (not the display name), metric, threshold, console link, null description', () => {
    const n = parse(
      snsMessage(fixtureText('cloudwatch-metric-alarm.json'), {
        subject: 'ALARM: "orders-db-cpu-high" in EU (Ireland)',
      }),
    );
    expect(n).toMatchObject({
      kind: 'cloudwatch-alarm',
      name: 'orders-db-cpu-high',
      state: 'ALARM',
      previousState: 'OK',
      enteredAlarm: true,
      region: 'eu-west-1',
      account: '123456789012',
      time: '2026-11-21T10:05:07.418Z',
      description: undefined,
      severity: 'warning',
    });
    expect(field(n, 'Metric')).toBe(
      'ContainerInsights pod_cpu_utilization (ClusterName=prod-eks, Namespace=databases, PodName=orders-db-1), average over 1 min',
    );
    expect(field(n, 'Threshold')).toBe('>= 90 for 2 of 3 periods of 1 min');
    expect(n.links).toEqual([
      {
        text: 'Open alarm',
        url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/orders-db-cpu-high',
      },
    ]);
    expect(n.cnpg).toBeUndefined();
  });

  it('SNS metric-math alarm: expressions listed, tags read, recognised as a CNPG failover with cluster and runbook', () => {
    const n = parse(snsMessage(fixtureText('cloudwatch-metric-math-alarm.json')));
    expect(field(n, 'Metric math')).toBe(
      'e1 = ABS(DIFF(m1)) (role changes) [alarmed]\nm1 = ContainerInsights/Prometheus cnpg_pg_replication_in_recovery (cnpg_io_cluster=orders-db), Sum over 1 min',
    );
    expect(field(n, 'Metric')).toBeUndefined();
    expect(field(n, 'Threshold')).toBe('> 0 for 1 of 1 periods of 1 min');
    expect(n.tags).toEqual({ team: 'dba', severity: 'critical', 'cnpg-cluster': 'orders-db' });
    expect(n.severity).toBe('critical');
    expect(n.cnpg).toEqual({ signal: 'failover', cluster: 'orders-db' });
    expect(n.links[0]).toEqual({
      text: 'Runbook',
      url: 'https://runbooks.example.com/cnpg/failover?cluster=orders-db',
    });
  });

  it('SNS composite alarm: rule and triggering children, no Trigger', () => {
    const n = parse(snsMessage(fixtureText('cloudwatch-composite-alarm.json')));
    expect(field(n, 'Rule')).toBe('ALARM("orders-db-cpu-high") OR ALARM("orders-db-storage-latency")');
    expect(n.items).toEqual([
      {
        title: 'orders-db-cpu-high',
        state: 'ALARM',
        lines: [{ label: 'State', value: 'ALARM since 2026-11-21T10:05:07.418Z' }],
      },
    ]);
    expect(n.state).toBe('ALARM');
  });

  it('EventBridge alarm state change: camelCase, reasonData JSON string, dimensions object, region code from the event', () => {
    const n = parse({ via: 'eventbridge', event: fixtureJson('eventbridge-alarm-state-change.json'), attributes: {} });
    expect(n).toMatchObject({
      kind: 'cloudwatch-alarm-event',
      name: 'orders-db-wal-archive-failures',
      state: 'ALARM',
      previousState: 'OK',
      region: 'eu-central-1',
    });
    expect(field(n, 'Metric')).toBe(
      'ContainerInsights/Prometheus cnpg_pg_stat_archiver_failed_count (cnpg_io_cluster=orders-db, namespace=databases), maximum over 1 min',
    );
    expect(field(n, 'Threshold')).toBe('0');
    expect(field(n, 'Recent datapoints')).toBe('3');
    expect(n.tags).toEqual({ team: 'dba' });
    expect(n.cnpg).toEqual({ signal: 'backup-failed', cluster: 'orders-db' });
    expect(n.links.map((l) => l.url)).toContain(
      'https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#alarmsV2:alarm/orders-db-wal-archive-failures',
    );
  });

  it('EventBridge composite alarm recovery: triggering alarms from reasonData, ALARM → OK', () => {
    const n = parse({
      via: 'eventbridge',
      event: fixtureJson('eventbridge-composite-alarm-state-change.json'),
      attributes: {},
    });
    expect(n).toMatchObject({ state: 'OK', previousState: 'ALARM', enteredAlarm: false, region: 'us-east-1' });
    expect(field(n, 'Rule')).toBe('ALARM(payments-5xx) OR ALARM(payments-latency)');
    expect(n.items[0]).toMatchObject({ title: 'payments-5xx', state: 'OK' });
  });

  it('EventBridge alarm event forwarded through SNS (Subject null, Message is the event) parses the same', () => {
    const direct = parse({
      via: 'eventbridge',
      event: fixtureJson('eventbridge-alarm-state-change.json'),
      attributes: {},
    });
    const viaSns = parse(snsMessage(fixtureText('eventbridge-alarm-state-change.json')));
    expect(viaSns).toEqual(direct);
  });

  it('AWS Backup job FAILED: unquoted status message, resource, vault, job link', () => {
    const n = parse({ via: 'eventbridge', event: fixtureJson('backup-job-failed.json'), attributes: {} });
    expect(n).toMatchObject({
      kind: 'backup-job',
      name: 'Backup job failed: volume/vol-0a1b2c3d4e5f67890',
      state: 'ALARM',
      severity: 'critical',
      reason:
        'Backup job failed because backup vault arn:aws:backup:eu-west-1:123456789012:backup-vault:prod-vault does not exist.',
    });
    expect(field(n, 'Vault')).toBe('prod-vault');
    expect(field(n, 'Retries')).toBe('1');
    expect(n.links[0].url).toBe(
      'https://eu-west-1.console.aws.amazon.com/backup/home?region=eu-west-1#/jobs/backup/details/4D0F2A9E-5C8B-4E3F-9A1B-7C6D5E4F3A2B',
    );
    expect(n.cnpg).toBeUndefined();
  });

  it.each([
    ['ABORTED', '"Backup job was stopped by user."', 'WARNING', 'Backup job was aborted'],
    ['EXPIRED', undefined, 'ALARM', 'Backup job expired before it could run'],
    ['COMPLETED', '"Windows VSS backup attempt failed"', 'WARNING', 'Backup job completed with issues'],
    ['COMPLETED', undefined, 'OK', 'Backup job completed'],
    ['RUNNING', undefined, 'INFO', 'Backup job is running'],
    ['EXPLODED', undefined, 'UNKNOWN', 'Backup job changed state to EXPLODED'],
  ])('AWS Backup job state %s (message %s) → %s', (state, statusMessage, expected, name) => {
    const event = fixtureJson('backup-job-failed.json');
    const detail = { ...(event.detail as Record<string, unknown>), state, statusMessage };
    const n = parse({ via: 'eventbridge', event: { ...event, detail }, attributes: {} });
    expect(n.state).toBe(expected);
    expect(n.name.startsWith(name)).toBe(true);
  });

  it('AWS Backup vault notification (plain text, attributes)', () => {
    const n = parse(
      snsMessage(fixtureText('backup-vault-notification.txt'), {
        subject: 'Notification from AWS Backup',
        attributes: {
          EventType: 'BACKUP_JOB',
          State: 'FAILED',
          AccountId: '123456789012',
          Id: '4D0F2A9E-5C8B-4E3F-9A1B-7C6D5E4F3A2B',
        },
      }),
    );
    expect(n).toMatchObject({
      kind: 'backup-notification',
      name: 'An AWS Backup job failed',
      state: 'ALARM',
      account: '123456789012',
      region: 'eu-west-1',
    });
    expect(field(n, 'Event')).toBe('BACKUP_JOB');
    expect(field(n, 'BackupJob ID')).toBe('4D0F2A9E-5C8B-4E3F-9A1B-7C6D5E4F3A2B');
  });

  it('Alertmanager default plain text: labels, annotations, source; CNPG failover from the rule expression', () => {
    const n = parse(snsMessage(fixtureText('alertmanager-text.txt'), { subject: '[FIRING:1] CNPGFailoverOccurred' }));
    expect(n).toMatchObject({
      kind: 'alertmanager',
      name: 'CNPGFailoverOccurred',
      state: 'ALARM',
      enteredAlarm: true,
      severity: 'critical',
    });
    expect(n.items).toHaveLength(1);
    expect(n.items[0].title).toBe('CNPGFailoverOccurred (orders-db, databases, orders-db-2)');
    expect(n.items[0].lines.find((l) => l.label === 'Labels')?.value).toBe(
      'cnpg_io_cluster=orders-db, namespace=databases, pod=orders-db-2, severity=critical',
    );
    expect(n.cnpg).toEqual({ signal: 'failover', cluster: 'orders-db' });
    expect(n.links.map((l) => l.text)).toEqual(['Runbook', 'Runbook', 'Source']);
  });

  it('Alertmanager resolved plain text reads as recovery', () => {
    const body = fixtureText('alertmanager-text.txt').replace('Alerts Firing:', 'Alerts Resolved:');
    const n = parse(snsMessage(body));
    expect(n).toMatchObject({ state: 'OK', previousState: 'ALARM', enteredAlarm: false });
  });

  it('Alertmanager JSON template: CNPG backup failure with cluster and both runbooks', () => {
    const n = parse(
      snsMessage(fixtureText('alertmanager-json.txt'), { subject: '[FIRING:1] CNPGClusterBackupFailed' }),
    );
    expect(n).toMatchObject({
      kind: 'alertmanager',
      name: 'CNPGClusterBackupFailed',
      state: 'ALARM',
      severity: 'warning',
      description: 'CNPG cluster billing-db: backup failed',
    });
    expect(n.cnpg).toEqual({ signal: 'backup-failed', cluster: 'billing-db' });
    expect(n.links.map((l) => l.url)).toEqual([
      'https://runbooks.example.com/cnpg/backup-failed?cluster=billing-db',
      'https://github.com/cloudnative-pg/charts/blob/main/charts/cluster/docs/runbooks/CNPGClusterBackupFailed.md',
      expect.stringContaining('https://prometheus.example.internal/graph'),
    ]);
  });

  it('Alertmanager JSON truncated by AMP: complete alerts kept, marked partial', () => {
    const alert = (i: number) =>
      `{"status": "firing","labels": {"alertname": "CNPGClusterHACritical", "cnpg_io_cluster": "orders-db", "pod": "orders-db-${i}", "severity": "critical"},"annotations": {"summary": "no standby for orders-db"},"startsAt": "2026-11-21T10:00:00Z","endsAt": "0001-01-01T00:00:00Z","generatorURL": "https://p/graph","fingerprint": "f${i}"}`;
    const full = `{"receiver": "sns","status": "firing","alerts": [${[1, 2, 3].map(alert).join(', ')}],"commonLabels": {"alertname": "CNPGClusterHACritical"}}`;
    const cut = full.slice(0, full.indexOf('"fingerprint": "f3"') - 40);
    const n = parse(snsMessage(cut, { attributes: { truncated: 'true' } }));
    expect(n.kind).toBe('alertmanager');
    expect(n.items.map((i) => i.title)).toEqual([
      'CNPGClusterHACritical (orders-db, orders-db-1)',
      'CNPGClusterHACritical (orders-db, orders-db-2)',
    ]);
    expect(field(n, 'Note')).toMatch(/truncated or malformed/);
    expect(n.cnpg?.signal).toBe('failover');
  });

  it('Alertmanager JSON made invalid by an unescaped quote in an annotation: salvaged loosely', () => {
    const body = `{"receiver": "sns","status": "firing","alerts": [{"status": "firing","labels": {"alertname": "DiskFull", "instance": "node-1"},"annotations": {"description": "disk "data" is full"},"startsAt": "2026-11-21T10:00:00Z"}]}`;
    const n = parse(snsMessage(body));
    expect(n.kind).toBe('alertmanager');
    expect(n.state).toBe('ALARM');
    expect(n.name).toBe('DiskFull');
  });

  it('ops event from the suite: severity, summary, details, source/kind tags; a prune outcome is not a CNPG signal', () => {
    const n = parse(snsMessage(fixtureText('ops-event.json')));
    expect(n).toMatchObject({
      kind: 'ops-event',
      name: 'backup-pruner: prune-refused',
      state: 'WARNING',
      severity: 'warning',
      description: 'backup-pruner: 3 target(s); 0 of 0 planned object(s) deleted; refused: orders-db',
      tags: { source: 'backup-pruner', kind: 'prune-refused' },
    });
    expect(field(n, 'objectsToDelete')).toBe('0');
    expect(n.cnpg).toBeUndefined();
  });

  it("backup-pruner's freshness alarm is a CNPG backup failure for the target's cluster", () => {
    const n = parse(snsMessage(fixtureText('cloudwatch-freshness-alarm.json')));
    expect(n).toMatchObject({ kind: 'cloudwatch-alarm', state: 'ALARM', region: 'eu-west-1' });
    expect(n.cnpg).toEqual({ signal: 'backup-failed', cluster: 'orders-db' });
  });

  it('other EventBridge events: detail-type, source, resources and the detail', () => {
    const n = parse({ via: 'eventbridge', event: fixtureJson('eventbridge-other.json'), attributes: {} });
    expect(n).toMatchObject({ kind: 'eventbridge', name: 'EC2 Instance State-change Notification', state: 'INFO' });
    expect(n.body).toContain('"state": "terminated"');
  });

  it('anything else: subject and pretty-printed body', () => {
    const n = parse(snsMessage(fixtureText('unknown-json.json'), { subject: 'Amazon S3 Notification' }));
    expect(n).toMatchObject({ kind: 'fallback', name: 'Amazon S3 Notification' });
    expect(n.body).toContain('"Event": "s3:TestEvent"');
  });

  it('a text message containing "AlarmName" is not mistaken for an alarm (anchor bug)', () => {
    const n = parse(snsMessage('Please check AlarmName orders-db-cpu-high, it flaps'));
    expect(n.kind).toBe('fallback');
  });
});

describe('alarm states', () => {
  const base = fixtureJson('cloudwatch-metric-alarm.json');
  it.each([
    ['ALARM', 'OK', 'ALARM', true],
    ['OK', 'ALARM', 'OK', false],
    ['INSUFFICIENT_DATA', 'OK', 'INSUFFICIENT_DATA', false],
    ['ALARM', 'ALARM', 'ALARM', false],
    ['MAINTENANCE', 'OK', 'UNKNOWN', false],
  ])('%s from %s → state %s, entered alarm %s', (now, before, state, entered) => {
    const n = parseInbound(snsMessage(JSON.stringify({ ...base, NewStateValue: now, OldStateValue: before })));
    expect(n.state).toBe(state);
    expect(n.enteredAlarm).toBe(entered);
    if (state === 'UNKNOWN') expect(n.rawState).toBe(now);
  });

  it.each([
    [
      'aws-cn',
      'cn-north-1',
      'https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/a%20b%2Fc',
    ],
    [
      'aws-us-gov',
      'us-gov-west-1',
      'https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#alarmsV2:alarm/a%20b%2Fc',
    ],
    [
      'aws',
      'ap-southeast-2',
      'https://ap-southeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-southeast-2#alarmsV2:alarm/a%20b%2Fc',
    ],
  ])('console link in partition %s region %s', (partition, region, url) => {
    const n = parseInbound(
      snsMessage(
        JSON.stringify({
          ...base,
          AlarmName: 'a b/c',
          AlarmArn: `arn:${partition}:cloudwatch:${region}:123456789012:alarm:a b/c`,
        }),
      ),
    );
    expect(n.links[0].url).toBe(url);
    expect(n.region).toBe(region);
  });
});

describe('alarm transition key (same transition by SNS and EventBridge is sent once)', () => {
  const sns = fixtureJson('cloudwatch-metric-alarm.json');
  const ev = fixtureJson('eventbridge-alarm-state-change.json');
  const evState = (ev.detail as { state: Record<string, unknown> }).state;
  const withoutEventTimes = () => {
    const { time: _t, ...rest } = ev;
    const { timestamp: _s, ...state } = evState;
    return { ...rest, detail: { ...(ev.detail as object), state } };
  };
  it.each<[string, InboundMessage, string | undefined]>([
    [
      'SNS alarm with StateChangeTime',
      snsMessage(JSON.stringify(sns)),
      `${String(sns.AlarmArn)}|ALARM|2026-11-21T10:05:07.418Z`,
    ],
    [
      'SNS alarm without StateChangeTime',
      snsMessage(JSON.stringify({ ...sns, StateChangeTime: undefined })),
      undefined,
    ],
    ['SNS alarm without AlarmArn', snsMessage(JSON.stringify({ ...sns, AlarmArn: undefined })), undefined],
    [
      'EventBridge alarm event without any time',
      { via: 'eventbridge', event: withoutEventTimes(), attributes: {} },
      undefined,
    ],
  ])('%s → %s', (_n, message, key) => {
    expect(parseInbound(message).transitionKey).toBe(key);
  });

  it('AWS Backup job events: keyed by job id, and not keyed at all without a job or event id', () => {
    const job = fixtureJson('backup-job-failed.json') as { id?: string; detail: Record<string, unknown> };
    const keyed = parseInbound({ via: 'eventbridge', event: job, attributes: {} }).transitionKey;
    expect(keyed).toBe(`backup|${String(job.detail.backupJobId)}|FAILED`);
    const { backupJobId: _omit, ...detail } = job.detail;
    const anonymous = { ...job, id: undefined, detail };
    expect(parseInbound({ via: 'eventbridge', event: anonymous, attributes: {} }).transitionKey).toBeUndefined();
  });
});
