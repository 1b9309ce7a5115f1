import { classifyCnpg } from '../../../../lambdas/alert-notifier/core/cnpg';
import type { InboundMessage, Notification } from '../../../../lambdas/alert-notifier/types';
import { parseInbound } from '../../../../lambdas/alert-notifier/core/parse';
import { fixtureText, ROUTES_CONFIG, snsMessage } from '../../../doubles/alert-notifier-events';

const field = (n: Notification, label: string) => n.fields.find((f) => f.label === label)?.value;
const parse = (m: InboundMessage) => classifyCnpg(parseInbound(m), ROUTES_CONFIG.runbooks);

describe('parseInbound: Alertmanager notifications (text, JSON, salvaged JSON)', () => {
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
    expect(n.cnpg).toEqual({ signal: 'failover', cluster: 'orders-db', namespace: 'databases' });
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
    expect(n.cnpg).toEqual({
      signal: 'backup-failed',
      cluster: 'billing-db',
      namespace: 'databases',
      what: 'backup failed',
    });
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
});
