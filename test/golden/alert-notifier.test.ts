/**
 * Golden previews (issue 13): the Slack JSON the notifier renders for every rule of the CloudNativePG cluster chart
 * (firing and resolved, as AMP delivers them in its three forms), for CNPG failover events, for every fixture and for
 * the ops events of every job, kept under test/golden/alert-notifier/ and compared here, so a change in wording is a
 * visible diff. Regenerate after an intended change: UPDATE_GOLDEN=1 npx jest test/golden
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CNPG_CHART_RULES } from '../../lambdas/alert-notifier/core/cnpg-rules';
import { prepareMessage } from '../../lambdas/alert-notifier/core/prepare';
import { escapeMrkdwn } from '../../lambdas/alert-notifier/core/render-slack';
import type { InboundMessage } from '../../lambdas/alert-notifier/types';
import { FIXTURES, fixtureMessage, snsMessage } from '../doubles/alert-notifier-events';
import { slackLimitViolations } from '../doubles/slack-limits';

const DIR = join(__dirname, 'alert-notifier');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const CONFIG = {
  routes: [
    { name: 'oncall', match: { severities: ['critical' as const] }, mention: 'here' as const },
    { name: 'platform', match: {}, mention: 'none' as const },
  ],
  defaultRoute: 'platform',
  runbooks: {
    failover: 'https://runbooks.example.com/cnpg/failover?cluster={cluster}',
    'backup-failed': 'https://runbooks.example.com/cnpg/backup?ns={namespace}&cluster={cluster}',
  },
};

const render = (m: InboundMessage) => prepareMessage(m, CONFIG);

function golden(name: string, value: unknown) {
  const file = join(DIR, `${name}.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (UPDATE || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** The chart's severity of each rule (its labels say it; this table only says which is which). */
const critical = (rule: string) => /Critical$|HACritical|Offline|MetricsAbsent/.test(rule);

/** One chart alert as the rule would fire it for prod/pg-main (description with quotes, as the chart writes it). */
function chartAlert(rule: string, status: 'firing' | 'resolved') {
  const labels: Record<string, string> = {
    alertname: rule,
    severity: critical(rule) ? 'critical' : 'warning',
    namespace: 'prod',
    cnpg_cluster: 'pg-main',
    // The logical-replication rules also carry the PodMonitor's job (which once won over cnpg_cluster).
    ...(/Logical/.test(rule) ? { job: 'prod/pg-main-cluster-podmonitor' } : {}),
  };
  const runbook = CNPG_CHART_RULES[rule].runbook;
  const annotations: Record<string, string> = {
    summary: `${rule} summary`,
    description: `CloudNativePG Cluster "prod/pg-main" reports ${rule}. Check the "pg-main" cluster now; end of description.`,
    ...(runbook ? { runbook_url: runbook } : {}),
  };
  return { status, labels, annotations, startsAt: '2026-11-21T10:00:00Z', endsAt: '0001-01-01T00:00:00Z' };
}

type Form = 'text' | 'json' | 'aws-guide';

/** The notification AMP sends through SNS, in each of its three forms. */
function amp(rule: string, status: 'firing' | 'resolved', form: Form): InboundMessage {
  const alert = chartAlert(rule, status);
  const subject = status === 'firing' ? `[FIRING:1] ${rule}` : `[RESOLVED] ${rule}`;
  if (form === 'text') {
    const pairs = (m: Record<string, string>) =>
      Object.entries(m)
        .map(([k, v]) => ` - ${k} = ${v}`)
        .join('\n');
    const body = `${alert.annotations.summary}\n\nAlerts ${status === 'firing' ? 'Firing' : 'Resolved'}:\nLabels:\n${pairs(alert.labels)}\nAnnotations:\n${pairs(alert.annotations)}\nSource: \n`;
    return snsMessage(body, { subject });
  }
  const group = {
    receiver: 'sns',
    status,
    alerts: [alert],
    groupLabels: { alertname: rule },
    commonLabels: alert.labels,
    commonAnnotations: alert.annotations,
  };
  if (form === 'json') return snsMessage(JSON.stringify(group), { subject });
  // The AWS AMP guide's template: values written without escaping (quotes in descriptions break the JSON).
  const raw = (m: Record<string, string>) =>
    `{${Object.entries(m)
      .map(([k, v]) => `"${k}":"${v}"`)
      .join(',')}}`;
  const a = `{"status":"${status}","labels":${raw(alert.labels)},"annotations":${raw(alert.annotations)},"startsAt":"${alert.startsAt}","endsAt":"${alert.endsAt}"}`;
  const body = `{"receiver":"sns","status":"${status}","alerts":[${a}],"groupLabels":{"alertname":"${rule}"},"commonLabels":${raw(alert.labels)},"commonAnnotations":${raw(alert.annotations)}}`;
  return snsMessage(body, { subject });
}

const rules = Object.keys(CNPG_CHART_RULES);

describe('every CNPG chart rule, in the three forms AMP sends, firing and resolved', () => {
  const cases = rules.flatMap((rule) =>
    (['text', 'json', 'aws-guide'] as const).flatMap((form) =>
      (['firing', 'resolved'] as const).map((status) => [rule, form, status] as const),
    ),
  );
  it.each(cases)('%s (%s, %s)', (rule, form, status) => {
    const { payload } = render(amp(rule, status, form));
    const blocks = payload.attachments[0].blocks;
    const header = blocks[0].type === 'header' ? blocks[0].text.text : '';
    const all = JSON.stringify(payload);
    expect(header).toContain('CNPG prod/pg-main');
    expect(header).not.toMatch(/UNKNOWN|INFO|ALARM/);
    const runbook = CNPG_CHART_RULES[rule].runbook;
    if (runbook) expect(all).toContain(`<${runbook}|`);
    expect(all).not.toMatch(/cluster=[|>&"]/);
    expect(all).toContain('end of description.');
    expect(all).toContain('Check the \\"pg-main\\" cluster now');
    if (status === 'firing') {
      expect(payload.attachments[0].color).toBe(critical(rule) ? '#D40E0D' : '#ECB22E');
      expect(header.startsWith(critical(rule) ? '🔴' : '⚠️')).toBe(true);
    } else {
      expect(header.startsWith('✅ Recovered: CNPG prod/pg-main')).toBe(true);
    }
    expect(slackLimitViolations(payload)).toEqual([]);
  });

  it.each(rules)('%s: golden preview (JSON form, firing and resolved)', (rule) => {
    golden(`chart-${rule}`, {
      firing: render(amp(rule, 'firing', 'json')).payload,
      resolved: render(amp(rule, 'resolved', 'json')).payload,
    });
  });
});

/** A CNPG operator event on the Cluster, as a Kubernetes event exporter publishes it to SNS. */
function k8sEvent(reason: string, message: string): InboundMessage {
  return snsMessage(
    JSON.stringify({
      kind: 'Event',
      type: 'Normal',
      reason,
      message,
      involvedObject: { kind: 'Cluster', name: 'pg-main', namespace: 'prod', apiVersion: 'postgresql.cnpg.io/v1' },
      source: { component: 'cloudnative-pg' },
      firstTimestamp: '2026-11-21T10:00:00Z',
    }),
    { subject: `CNPG event: ${reason} pg-main` },
  );
}

describe('CNPG operator events', () => {
  it.each([
    ['FailoverTarget', 'Failing over from pg-main-1 to pg-main-2'],
    ['FailingOver', "Current primary isn't healthy, initiating a failover from pg-main-1"],
  ])('%s: at least a warning, read at a glance, golden', (reason, message) => {
    const { notification, payload } = render(k8sEvent(reason, message));
    const header = payload.attachments[0].blocks[0];
    expect(notification.severity).not.toBe('info');
    expect(JSON.stringify(header)).not.toMatch(/UNKNOWN|❔/);
    if (reason === 'FailoverTarget')
      expect(header).toMatchObject({ text: { text: '🔁 CNPG pg-main failed over: pg-main-1 → pg-main-2' } });
    golden(`event-${reason}`, payload);
  });
});

describe('every fixture', () => {
  const fixtures = readdirSync(FIXTURES).sort();
  it.each(fixtures)('%s', (fixture) => {
    golden(`fixture-${fixture.replace(/\.\w+$/, '')}`, render(fixtureMessage(fixture)).payload);
  });
});

/** The ops events of the two new jobs, through the generic ops-event path. */
const OPS_EVENTS: [string, string, 'info' | 'warning' | 'critical', string, Record<string, unknown>][] = [
  [
    'node-autoscaler',
    'scaled-out',
    'info',
    'eks-prod/workers: 3 → 5 nodes (CPU 82% > 70%)',
    { group: 'workers', from: 3, to: 5 },
  ],
  [
    'node-autoscaler',
    'scaled-in',
    'info',
    'eks-prod/workers: 5 → 4 nodes (CPU 31% < 40%)',
    { group: 'workers', from: 5, to: 4 },
  ],
  [
    'node-autoscaler',
    'conflict',
    'warning',
    'eks-prod/workers: desired size changed by someone else; holding',
    { group: 'workers' },
  ],
  [
    'node-autoscaler',
    'capacity-exhausted',
    'critical',
    'eks-prod/workers: at max size 10 with 7 pending pods',
    { group: 'workers', max: 10, pendingPods: 7 },
  ],
  [
    'node-autoscaler',
    'error',
    'critical',
    'eks-prod: could not read node utilisation (AccessDenied)',
    { stage: 'read-metrics', code: 'AccessDenied' },
  ],
  [
    'secret-rotator',
    'rotated',
    'info',
    'kv/mtls/orders: new certificate, expires 2027-02-19',
    { path: 'kv/mtls/orders', version: 7 },
  ],
  [
    'secret-rotator',
    'rotation-failed',
    'critical',
    'kv/mtls/orders: check-and-set write refused (version moved)',
    { path: 'kv/mtls/orders', stage: 'write' },
  ],
  [
    'secret-rotator',
    'expiring',
    'warning',
    'kv/mtls/payments: certificate expires in 5 days',
    { path: 'kv/mtls/payments', daysLeft: 5 },
  ],
];

describe('ops events of every job render through the generic ops-event path', () => {
  it.each(OPS_EVENTS)('%s %s', (source, kind, severity, summary, details) => {
    const event = {
      source,
      kind,
      severity,
      summary,
      details,
      account: '123456789012',
      region: 'eu-west-1',
      time: '2026-11-21T10:00:00Z',
    };
    const { notification, payload } = render(snsMessage(JSON.stringify(event)));
    expect(notification).toMatchObject({ kind: 'ops-event', severity });
    expect(notification.cnpg).toBeUndefined();
    expect(payload.text).toContain(`${source}: ${kind}`);
    expect(payload.text).toContain(escapeMrkdwn(summary));
    expect(payload.attachments[0].color).toBe({ info: '#1D9BD1', warning: '#ECB22E', critical: '#D40E0D' }[severity]);
    expect(slackLimitViolations(payload)).toEqual([]);
    golden(`ops-${source}-${kind}`, payload);
  });
});
