import { parseOpsEvent } from '../../shared/ops-event';
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
import type { InboundMessage, Notification } from '../types';
import { parseOpsEventNotification } from './ops-events';

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
