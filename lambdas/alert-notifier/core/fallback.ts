import { asArray, text, type JsonRecord } from './json';
import type { Notification } from '../types';

/** The most characters of an unrecognised body shown (in a code block). */
export const MAX_FALLBACK_BODY = 2_000;

/** Control characters (except tab/newline/CR), the replacement character and lone surrogates. */
const UNPRINTABLE = new RegExp(
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are replaced
  '[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\ufffd]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  'g',
);

/** Replaces control characters and invalid UTF-16 (binary garbage) so Slack gets printable text. */
export function printable(raw: string): string {
  return raw.replace(UNPRINTABLE, '\u00b7');
}

/** Cuts text to `max` characters, saying how much was left out. */
export function clip(raw: string, max: number): string {
  if (raw.length <= max) return raw;
  const note = `\n… (${raw.length - max} more characters)`;
  return raw.slice(0, Math.max(0, max - note.length)) + note;
}

/** Anything we do not recognise: subject and a pretty-printed, truncated body. Never throws. */
export function parseFallback(body: string, parsed: unknown, subject: string | undefined): Notification {
  let shown: string;
  if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) {
    // Pretty-print at most what will be shown: a 256 KB body is cut before stringifying twice.
    shown = body.length > 50_000 ? body : JSON.stringify(parsed, null, 2);
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
    body: clip(printable(shown), MAX_FALLBACK_BODY),
  };
}

/** An EventBridge event of a kind we have no dedicated parser for: its detail-type, source, resources and detail. */
export function parseGenericEvent(event: JsonRecord): Notification {
  const detailType = text(event['detail-type']) ?? 'EventBridge event';
  const resources = asArray(event.resources)
    .map(text)
    .filter((r): r is string => r !== undefined);
  const detail = JSON.stringify(event.detail ?? {}, null, 2) ?? '{}';
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
    body: clip(printable(detail), MAX_FALLBACK_BODY),
  };
}
