import { asArray, asRecord, text, type JsonRecord } from './json';
import type { InboundBatch, InboundMessage, RejectedRecord } from '../types';

/** What a value is, in words: `a list`, `null`, `a string`... */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'undefined' ? 'missing' : `a ${typeof value}`;
}

function snsAttributes(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, attr] of Object.entries(asRecord(raw) ?? {})) {
    const value = text(asRecord(attr)?.Value);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Splits a Lambda event into messages: every SNS record, or one direct EventBridge event. Records that cannot be
 * read are returned as rejections naming the field, so the caller logs them and goes on with the rest.
 */
export function extractInbound(event: unknown): InboundBatch {
  const root = asRecord(event);
  if (!root)
    return {
      messages: [],
      rejected: [{ index: -1, reason: `event is ${describeValue(event)}, not an object` }],
    };
  if (typeof root['detail-type'] === 'string' && typeof root.source === 'string') {
    return {
      messages: [{ index: 0, message: { via: 'eventbridge', event: root, messageId: text(root.id), attributes: {} } }],
      rejected: [],
    };
  }
  if (!('Records' in root))
    return {
      messages: [],
      rejected: [{ index: -1, reason: 'event has neither Records (SNS) nor detail-type (EventBridge)' }],
    };
  if (!Array.isArray(root.Records)) return { messages: [], rejected: [{ index: -1, reason: 'Records is not a list' }] };
  if (root.Records.length === 0) return { messages: [], rejected: [{ index: -1, reason: 'Records is empty' }] };
  const messages: { index: number; message: InboundMessage }[] = [];
  const rejected: RejectedRecord[] = [];
  asArray(root.Records).forEach((raw, index) => {
    const record = asRecord(raw);
    const sns: JsonRecord | undefined = asRecord(record?.Sns);
    if (!sns) {
      rejected.push({
        index,
        reason: `Records[${index}].Sns is missing (EventSource ${String(record?.EventSource ?? 'unknown')})`,
      });
      return;
    }
    if (typeof sns.Message !== 'string') {
      rejected.push({ index, reason: `Records[${index}].Sns.Message is missing or not text` });
      return;
    }
    messages.push({
      index,
      message: {
        via: 'sns',
        body: sns.Message,
        subject: text(sns.Subject),
        topicArn: text(sns.TopicArn),
        messageId: text(sns.MessageId),
        attributes: snsAttributes(sns.MessageAttributes),
      },
    });
  });
  return { messages, rejected };
}
