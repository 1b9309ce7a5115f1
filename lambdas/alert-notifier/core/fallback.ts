import { cutAt, sanitizeText } from '../../shared/text';
import { asArray, text, TOO_DEEP, tryStringify, type JsonRecord } from './json';
import type { Notification } from '../types';

/** The most characters of an unrecognised body shown (in a code block). */
export const MAX_FALLBACK_BODY = 2_000;

/**
 * Printable text for Slack through the shared sanitiser: control characters, bidi overrides and invalid UTF-16
 * (binary garbage) become a middle dot (U+FFFD too, the mark of bytes that were not UTF-8); line breaks are kept.
 */
export function printable(raw: string, max = MAX_FALLBACK_BODY): string {
  return sanitizeText(raw.replace(/\ufffd/g, '\u00b7'), { max, multiline: true, replacement: '\u00b7' });
}

/** Cuts text to `max` characters, saying how much was left out. */
export function clip(raw: string, max: number): string {
  if (raw.length <= max) return raw;
  const note = `\n… (${raw.length - max} more characters)`;
  return cutAt(raw, Math.max(0, max - note.length)) + note;
}

/** Anything we do not recognise: subject and a pretty-printed, truncated body. Never throws. */
export function parseFallback(body: string, parsed: unknown, subject: string | undefined): Notification {
  let shown: string;
  if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) {
    // Pretty-print at most what will be shown: a 256 KB body is cut before stringifying twice. A body too deeply
    // nested to serialise again is shown raw.
    shown = body.length > 50_000 ? body : (tryStringify(parsed, 2) ?? body);
  } else shown = body;
  const name =
    subject && subject.trim() !== '' ? subject.trim() : body.trim() === '' ? 'Empty notification' : 'Notification';
  return {
    kind: 'fallback',
    name: printable(name),
    state: 'UNKNOWN',
    enteredAlarm: false,
    severity: 'info',
    fields: [],
    items: [],
    links: [],
    tags: {},
    signals: [subject ?? '', body.slice(0, 4000)],
    body: printable(clip(shown, MAX_FALLBACK_BODY)),
  };
}

/** An EventBridge event of a kind we have no dedicated parser for: its detail-type, source, resources and detail. */
export function parseGenericEvent(event: JsonRecord): Notification {
  const detailType = text(event['detail-type']) ?? 'EventBridge event';
  const resources = asArray(event.resources)
    .map(text)
    .filter((r): r is string => r !== undefined);
  const detail = tryStringify(event.detail ?? {}, 2) ?? TOO_DEEP;
  return {
    kind: 'eventbridge',
    name: printable(detailType),
    state: 'INFO',
    enteredAlarm: false,
    severity: 'info',
    fields: [
      { label: 'Source', value: text(event.source) ?? 'unknown' },
      ...(resources.length > 0 ? [{ label: 'Resources', value: resources.slice(0, 5).join('\n') }] : []),
    ],
    items: [],
    links: [],
    tags: {},
    signals: [detailType, detail.slice(0, 4000)],
    account: text(event.account),
    region: text(event.region),
    time: text(event.time),
    body: printable(clip(detail, MAX_FALLBACK_BODY)),
  };
}
