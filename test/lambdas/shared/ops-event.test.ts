import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  MAX_OPS_EVENT_BYTES,
  OpsEventPublisher,
  buildOpsEvent,
  opsEventSubject,
  parseOpsEvent,
  serializeOpsEvent,
} from '../../../lambdas/shared/ops-event';

const context = { account: '123456789012', region: 'eu-west-1', now: new Date('2026-11-21T10:00:00Z') };

describe('ops events', () => {
  it('builds a valid event with account, region and time from the run context', () => {
    const event = buildOpsEvent(
      {
        source: 'backup-pruner',
        kind: 'prune-planned',
        severity: 'info',
        summary: 'Would delete 3 backups',
        details: { n: 3 },
      },
      context,
    );
    expect(event).toEqual({
      source: 'backup-pruner',
      kind: 'prune-planned',
      severity: 'info',
      summary: 'Would delete 3 backups',
      details: { n: 3 },
      account: '123456789012',
      region: 'eu-west-1',
      time: '2026-11-21T10:00:00.000Z',
    });
    expect(parseOpsEvent(JSON.parse(serializeOpsEvent(event)))).toEqual(event);
  });

  it('rejects a bad severity or kind, naming the field', () => {
    expect(() => buildOpsEvent({ source: 'x', kind: 'ok', severity: 'fatal' as never, summary: 's' }, context)).toThrow(
      /severity/,
    );
    expect(() => buildOpsEvent({ source: 'x', kind: 'Has Spaces', severity: 'info', summary: 's' }, context)).toThrow(
      /kind/,
    );
  });

  it('does not mistake other JSON for an ops event', () => {
    expect(parseOpsEvent({ AlarmName: 'x', NewStateValue: 'ALARM' })).toBeUndefined();
    expect(parseOpsEvent('text')).toBeUndefined();
  });

  it('cuts a long summary and replaces oversized details so the message fits SNS', () => {
    const event = buildOpsEvent(
      {
        source: 'ebs-audit',
        kind: 'report',
        severity: 'warning',
        summary: 'x'.repeat(800),
        details: { rows: 'y'.repeat(300_000) },
      },
      context,
    );
    expect(event.summary).toHaveLength(500);
    const body = serializeOpsEvent(event);
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_OPS_EVENT_BYTES);
    const parsed = JSON.parse(body);
    expect(parsed.details).toMatchObject({ truncated: true, keys: ['rows'] });
    expect(parsed.summary).toBe(event.summary);
  });

  it('publishes with a safe subject and filterable attributes', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const event = buildOpsEvent(
      { source: 'ebs-audit', kind: 'report', severity: 'critical', summary: 'über' },
      context,
    );
    const id = await new OpsEventPublisher(new SNSClient({}), 'arn:aws:sns:eu-west-1:123456789012:ops').publish(event);
    expect(id).toBe('m-1');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      Subject: '[CRITICAL] ebs-audit: report',
      MessageAttributes: expect.objectContaining({ severity: { DataType: 'String', StringValue: 'critical' } }),
    });
    expect(opsEventSubject({ ...event, kind: 'x'.repeat(200) })).toHaveLength(100);
    sns.restore();
  });
});
