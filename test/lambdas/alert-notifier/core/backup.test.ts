import { classifyCnpg } from '../../../../lambdas/alert-notifier/core/cnpg';
import type { InboundMessage, Notification } from '../../../../lambdas/alert-notifier/types';
import { parseInbound } from '../../../../lambdas/alert-notifier/core/parse';
import { fixtureJson, fixtureText, ROUTES_CONFIG, snsMessage } from '../../../doubles/alert-notifier-events';

const field = (n: Notification, label: string) => n.fields.find((f) => f.label === label)?.value;
const parse = (m: InboundMessage) => classifyCnpg(parseInbound(m), ROUTES_CONFIG.runbooks);

describe('parseInbound: AWS Backup jobs and vault notifications', () => {
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
});

describe('AWS Backup transition key', () => {
  it('AWS Backup job events: keyed by job id, and not keyed at all without a job or event id', () => {
    const job = fixtureJson('backup-job-failed.json') as { id?: string; detail: Record<string, unknown> };
    const keyed = parseInbound({ via: 'eventbridge', event: job, attributes: {} }).transitionKey;
    expect(keyed).toBe(`backup|${String(job.detail.backupJobId)}|FAILED`);
    const { backupJobId: _omit, ...detail } = job.detail;
    const anonymous = { ...job, id: undefined, detail };
    expect(parseInbound({ via: 'eventbridge', event: anonymous, attributes: {} }).transitionKey).toBeUndefined();
  });
});
