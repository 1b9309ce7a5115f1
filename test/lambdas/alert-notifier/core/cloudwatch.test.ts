import { classifyCnpg } from '../../../../lambdas/alert-notifier/core/cnpg';
import type { InboundMessage, Notification } from '../../../../lambdas/alert-notifier/types';
import { parseInbound } from '../../../../lambdas/alert-notifier/core/parse';
import { fixtureJson, fixtureText, ROUTES_CONFIG, snsMessage } from '../../../doubles/alert-notifier-events';

const field = (n: Notification, label: string) => n.fields.find((f) => f.label === label)?.value;
const parse = (m: InboundMessage) => classifyCnpg(parseInbound(m), ROUTES_CONFIG.runbooks);

describe('parseInbound: CloudWatch alarms (SNS and EventBridge)', () => {
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
    expect(n.cnpg).toEqual({ signal: 'backup-failed', cluster: 'orders-db', namespace: 'databases' });
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
});

describe('a lone surrogate in an alarm name (issue 9 item 4: a name cut mid-emoji)', () => {
  const cut = 'orders-db-🔥'.slice(0, -1); // ends in a lone high surrogate
  it('SNS alarm: the record renders and the console link is built', () => {
    const alarm = fixtureJson('cloudwatch-metric-alarm.json');
    const n = parseInbound(
      snsMessage(JSON.stringify({ ...alarm, AlarmName: cut, AlarmArn: `arn:aws:cloudwatch:eu-west-1:1:alarm:${cut}` })),
    );
    expect(n.name).toBe(cut);
    expect(n.links[0].url).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/orders-db-%EF%BF%BD',
    );
  });

  it('EventBridge alarm event: the record renders and the console link is built', () => {
    const event = fixtureJson('eventbridge-alarm-state-change.json') as { detail: Record<string, unknown> };
    const n = parseInbound({
      via: 'eventbridge',
      event: { ...event, detail: { ...event.detail, alarmName: cut } },
      attributes: {},
    });
    expect(n.links[0].url).toMatch(/#alarmsV2:alarm\/orders-db-%EF%BF%BD$/);
  });
});
