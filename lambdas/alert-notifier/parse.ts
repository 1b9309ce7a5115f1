import { parseOpsEvent } from '../shared/ops-event';
import {
  groupFromJson,
  groupFromText,
  isAlertmanagerJson,
  looksLikeAlertmanagerJson,
  looksLikeAlertmanagerText,
  notificationFromAlertmanager,
  salvageAlertmanagerJson,
} from './alertmanager';
import { isBackupJobEvent, parseBackupJobEvent, parseBackupNotification } from './backup';
import { isCloudWatchAlarmMessage, parseCloudWatchAlarm, parseCloudWatchAlarmEvent } from './cloudwatch';
import { parseFallback, parseGenericEvent } from './fallback';
import { arnParts, asRecord, tryParseJson, type JsonRecord } from './json';
import type { Notification } from './model';
import { parseOpsEventNotification } from './ops-events';

/** One message to render, whatever carried it. */
export interface InboundMessage {
  /** `sns` when it came in an SNS record, `eventbridge` when the event invoked us directly. */
  readonly via: 'sns' | 'eventbridge';
  /** SNS Message (text); for direct EventBridge events the event itself is in `event`. */
  readonly body?: string;
  readonly event?: JsonRecord;
  readonly subject?: string | undefined;
  readonly topicArn?: string | undefined;
  /** SNS MessageId or EventBridge event id: the duplicate-delivery key. */
  readonly messageId?: string | undefined;
  /** SNS message attributes, values as text (AMP sets `truncated`/`modified`; AWS Backup sets `State`...). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** An EventBridge event (direct, or forwarded through SNS). */
export function parseEventBridgeEvent(event: JsonRecord): Notification {
  if (event['detail-type'] === 'CloudWatch Alarm State Change' && event.source === 'aws.cloudwatch')
    return parseCloudWatchAlarmEvent(event);
  if (isBackupJobEvent(event)) return parseBackupJobEvent(event);
  return parseGenericEvent(event);
}

function isEventBridgeEvent(value: JsonRecord): boolean {
  return typeof value['detail-type'] === 'string' && typeof value.source === 'string' && 'detail' in value;
}

/**
 * Turns one inbound message into a notification: recognises CloudWatch alarms (SNS and EventBridge), AWS Backup jobs,
 * Alertmanager notifications (JSON, salvaged JSON, plain text), ops events, other EventBridge events, and falls back
 * to a readable dump for anything else. Never throws on any input.
 */
export function parseInbound(message: InboundMessage): Notification {
  if (message.event) return parseEventBridgeEvent(message.event);
  const body = message.body ?? '';
  const parsed = tryParseJson(body);
  const record = asRecord(parsed);
  if (record) {
    if (isCloudWatchAlarmMessage(record)) return parseCloudWatchAlarm(record);
    if (isEventBridgeEvent(record)) return parseEventBridgeEvent(record);
    const ops = parseOpsEvent(record);
    if (ops) return parseOpsEventNotification(ops);
    if (isAlertmanagerJson(record)) return notificationFromAlertmanager(groupFromJson(record), message.subject);
    return parseFallback(body, parsed, message.subject);
  }
  if (parsed === undefined) {
    if (message.subject === 'Notification from AWS Backup') {
      return parseBackupNotification(body, message.attributes, arnParts(message.topicArn)?.region);
    }
    if (looksLikeAlertmanagerJson(body))
      return notificationFromAlertmanager(salvageAlertmanagerJson(body), message.subject);
    if (looksLikeAlertmanagerText(body)) {
      return notificationFromAlertmanager(
        groupFromText(body, message.attributes.truncated === 'true'),
        message.subject,
      );
    }
  }
  return parseFallback(body, parsed, message.subject);
}
