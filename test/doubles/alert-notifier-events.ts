/** Alert-notifier inputs for tests and benches: fixture files, SNS-to-Lambda events, a routes config. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { InboundMessage } from '../../lambdas/alert-notifier/types';

export const FIXTURES = path.join(__dirname, '../fixtures/alert-notifier');

export function fixtureText(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

export const ALARMS_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:platform-ops-alarms';
export const OPS_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:platform-ops-ops-events';

export interface SnsMessageSpec {
  readonly body: string;
  readonly subject?: string | null;
  readonly topicArn?: string;
  readonly messageId?: string;
  readonly attributes?: Record<string, string>;
}

let counter = 0;

/** An SNS-to-Lambda event (documented shape) carrying the given messages. */
export function snsEvent(...messages: SnsMessageSpec[]) {
  return {
    Records: messages.map((m) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${m.topicArn ?? ALARMS_TOPIC}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
      Sns: {
        Type: 'Notification',
        MessageId: m.messageId ?? `95df01b4-ee98-5cb9-9903-4c221d41eb5e-${++counter}`,
        TopicArn: m.topicArn ?? ALARMS_TOPIC,
        Subject: m.subject === undefined ? null : m.subject,
        Message: m.body,
        Timestamp: '2026-11-21T10:05:08.000Z',
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
        UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
        MessageAttributes: Object.fromEntries(
          Object.entries(m.attributes ?? {}).map(([k, v]) => [k, { Type: 'String', Value: v }]),
        ),
      },
    })),
  };
}

/** An inbound SNS message as extractInbound would produce it. */
export function snsMessage(body: string, extra: Partial<InboundMessage> = {}): InboundMessage {
  return { via: 'sns', body, topicArn: ALARMS_TOPIC, messageId: 'm-1', attributes: {}, ...extra };
}

export const ROUTES_CONFIG = {
  routes: [
    { name: 'oncall', match: { severities: ['critical' as const] }, mention: 'here' as const },
    { name: 'dba', match: { tag: { key: 'team', value: 'dba' } }, mention: 'none' as const },
    { name: 'platform', match: {}, mention: 'channel' as const },
  ],
  defaultRoute: 'platform',
  runbooks: {
    failover: 'https://runbooks.example.com/cnpg/failover?cluster={cluster}',
    'backup-failed': 'https://runbooks.example.com/cnpg/backup-failed?cluster={cluster}',
  },
};

/** How a fixture (file name, content) reaches the notifier: EventBridge events directly, the rest through SNS. */
export function fixtureMessage(fixture: string, content = fixtureText(fixture)): InboundMessage {
  if (fixture.startsWith('eventbridge-') || fixture === 'backup-job-failed.json') {
    return { via: 'eventbridge', event: JSON.parse(content) as Record<string, unknown>, attributes: {} };
  }
  if (fixture === 'backup-vault-notification.txt') {
    return snsMessage(content, { subject: 'Notification from AWS Backup', attributes: { State: 'FAILED' } });
  }
  return snsMessage(content);
}
