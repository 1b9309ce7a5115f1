import { isWebUrl } from './links';
import { asArray, asRecord, isoTime, stringMap, text, tryParseJson, type JsonRecord } from './json';
import type { Notification, NotificationField, NotificationItem, NotificationLink, Severity } from '../types';

/** One alert of an Alertmanager notification. */
export interface AlertmanagerAlert {
  readonly status: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt?: string | undefined;
  readonly endsAt?: string | undefined;
  readonly generatorURL?: string | undefined;
}

export interface AlertmanagerGroup {
  readonly status: string;
  readonly receiver?: string | undefined;
  readonly alerts: readonly AlertmanagerAlert[];
  readonly commonLabels: Record<string, string>;
  readonly commonAnnotations: Record<string, string>;
  /** True when the message was cut (AMP truncates at 256 KB) or not valid JSON and was salvaged. */
  readonly partial: boolean;
  readonly format: 'json' | 'salvaged-json' | 'text';
}

/** The most alerts listed one by one; the rest are counted. */
export const MAX_LISTED_ALERTS = 10;

/** Label keys shown in an alert's title after the alert name, when present. */
const TITLE_LABELS = ['cluster', 'cnpg_io_cluster', 'namespace', 'pod', 'instance', 'job'];

function alertFromRecord(record: JsonRecord): AlertmanagerAlert {
  return {
    status: text(record.status) ?? 'unknown',
    labels: stringMap(record.labels),
    annotations: stringMap(record.annotations),
    startsAt: text(record.startsAt),
    endsAt: text(record.endsAt),
    generatorURL: text(record.generatorURL),
  };
}

export function isAlertmanagerJson(message: JsonRecord): boolean {
  return Array.isArray(message.alerts) && (typeof message.status === 'string' || typeof message.receiver === 'string');
}

export function groupFromJson(message: JsonRecord): AlertmanagerGroup {
  return {
    status: text(message.status) ?? 'unknown',
    receiver: text(message.receiver),
    alerts: asArray(message.alerts)
      .map(asRecord)
      .filter((a): a is JsonRecord => a !== undefined)
      .map(alertFromRecord),
    commonLabels: stringMap(message.commonLabels),
    commonAnnotations: stringMap(message.commonAnnotations),
    partial: false,
    format: 'json',
  };
}

/** Looks like the JSON template's output (possibly cut or with unescaped quotes in annotations). */
export function looksLikeAlertmanagerJson(body: string): boolean {
  const head = body.trimStart().slice(0, 4000);
  return head.startsWith('{') && /"alerts"\s*:/.test(head) && /"(receiver|status)"\s*:/.test(head);
}

/** End index (exclusive) of the JSON object starting at `start`, or -1 when the text ends first. */
function objectEnd(body: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Where a value of the AWS-guide template ends: a quote followed by `,"key":` or the object's `}`. */
const VALUE_END = /[ \t\r\n]{0,16}(?:,[ \t\r\n]{0,16}"[A-Za-z_][A-Za-z0-9_]{0,127}"[ \t\r\n]{0,16}:|\})/y;
const KEY_START = /"([A-Za-z_][A-Za-z0-9_]{0,127})"[ \t\r\n]{0,16}:[ \t\r\n]{0,16}(")?/g;
const SECTION = /^(labels|annotations|commonLabels|commonAnnotations|groupLabels)$/;

/** `"key": "value"` pairs of JSON whose values were not escaped, by section (`labels`, `annotations`, top level). */
interface LooseObject {
  readonly top: Record<string, string>;
  readonly sections: Record<string, Record<string, string>>;
}

/**
 * Reads `"key": "value"` pairs from JSON-template output that is not valid JSON (the AWS AMP guide's template does not
 * escape values, so a quote or newline in a description breaks it). A value runs to the quote that is followed by
 * `,"nextKey":` or by the `}` closing its object, so a description with quotes in it is recovered whole; pairs
 * inside `"labels": {...}` and `"annotations": {...}` are kept apart. Linear in the text: every quote is checked once
 * with a bounded pattern.
 */
export function looseObject(text: string): LooseObject {
  const top: Record<string, string> = {};
  const sections: Record<string, Record<string, string>> = {};
  let section: string | undefined;
  KEY_START.lastIndex = 0;
  for (let m = KEY_START.exec(text); m !== null; m = KEY_START.exec(text)) {
    const key = m[1];
    if (m[2] === undefined) {
      // `"key": {` opens a section; any other value (number, list) is skipped.
      const brace = /^\{/.test(text.slice(KEY_START.lastIndex, KEY_START.lastIndex + 1));
      section = brace && SECTION.test(key) ? key : section;
      if (brace && SECTION.test(key)) sections[key] ??= {};
      continue;
    }
    const start = KEY_START.lastIndex;
    let end = text.indexOf('"', start);
    for (; end >= 0; end = text.indexOf('"', end + 1)) {
      VALUE_END.lastIndex = end + 1;
      if (VALUE_END.test(text)) break;
    }
    const value = text.slice(start, end < 0 ? text.length : end);
    const target = section ? sections[section] : top;
    target[key] ??= value;
    if (end < 0) break;
    KEY_START.lastIndex = end + 1;
    if (/^[ \t\r\n]{0,16}\}/.test(text.slice(end + 1, end + 20))) section = undefined;
  }
  return { top, sections };
}

/** Key/value pairs of `"key": "value"` from text that is not valid JSON, all sections together. */
function loosePairs(fragment: string): Record<string, string> {
  const { top, sections } = looseObject(fragment);
  return { ...Object.assign({}, ...Object.values(sections)), ...top } as Record<string, string>;
}

function objectAfterKey(body: string, key: string): JsonRecord | undefined {
  const at = body.search(new RegExp(`"${key}"\\s*:\\s*\\{`));
  if (at < 0) return undefined;
  const start = body.indexOf('{', at);
  const end = objectEnd(body, start);
  if (end < 0) return undefined;
  return asRecord(tryParseJson(body.slice(start, end))) ?? loosePairs(body.slice(start, end));
}

/**
 * Salvages what it can from JSON-template output that is truncated (AMP cuts messages above 256 KB) or invalid
 * (the template does not escape quotes or newlines in annotations): every complete alert object, parsed strictly
 * when possible and loosely otherwise.
 */
export function salvageAlertmanagerJson(body: string): AlertmanagerGroup {
  const status = /"status"\s*:\s*"([a-z]+)"/.exec(body)?.[1] ?? 'unknown';
  const receiver = /"receiver"\s*:\s*"([^"]*)"/.exec(body)?.[1];
  const alerts: AlertmanagerAlert[] = [];
  const listAt = body.search(/"alerts"\s*:\s*\[/);
  let complete = false;
  if (listAt >= 0) {
    let i = body.indexOf('[', listAt) + 1;
    for (;;) {
      while (i < body.length && /[\s,]/.test(body[i])) i++;
      if (i >= body.length) break;
      if (body[i] === ']') {
        complete = true;
        break;
      }
      if (body[i] !== '{') break;
      const end = objectEnd(body, i);
      if (end < 0) break;
      const fragment = body.slice(i, end);
      const parsed = asRecord(tryParseJson(fragment));
      if (parsed) alerts.push(alertFromRecord(parsed));
      else {
        const loose = looseObject(fragment);
        const { status: alertStatus, startsAt, endsAt, generatorURL, fingerprint: _f, ...rest } = loose.top;
        alerts.push({
          status: alertStatus ?? status,
          labels: { ...rest, ...loose.sections.labels },
          annotations: { ...loose.sections.annotations },
          startsAt,
          endsAt,
          generatorURL,
        });
      }
      i = end;
    }
  }
  return {
    status,
    receiver,
    alerts,
    commonLabels: stringMap(objectAfterKey(body, 'commonLabels')),
    commonAnnotations: stringMap(objectAfterKey(body, 'commonAnnotations')),
    partial: !complete || tryParseJson(body) === undefined,
    format: 'salvaged-json',
  };
}

/** The default AMP template: "Alerts Firing:" / "Alerts Resolved:" lists of Labels / Annotations / Source. */
export function looksLikeAlertmanagerText(body: string): boolean {
  // Character classes that cannot overlap the newline that follows them: no backtracking over long blank runs.
  return (
    /^Alerts (Firing|Resolved):[ \t\r]*$/m.test(body) || /^Labels:(?:[ \t\r]*\n){1,4}[ \t]*- alertname = /m.test(body)
  );
}

export function groupFromText(body: string, truncated: boolean): AlertmanagerGroup {
  const alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    generatorURL?: string;
  }[] = [];
  let section = 'firing';
  let part: 'labels' | 'annotations' | undefined;
  let current: (typeof alerts)[number] | undefined;
  const preamble: string[] = [];
  for (const line of body.split(/\r?\n/)) {
    const header = /^Alerts (Firing|Resolved):\s*$/.exec(line);
    if (header) {
      section = header[1].toLowerCase();
      current = undefined;
      continue;
    }
    if (/^Labels:\s*$/.test(line)) {
      current = { status: section === 'firing' ? 'firing' : 'resolved', labels: {}, annotations: {} };
      alerts.push(current);
      part = 'labels';
      continue;
    }
    if (/^Annotations:\s*$/.test(line) && current) {
      part = 'annotations';
      continue;
    }
    const source = /^Source:\s*(\S*)/.exec(line);
    if (source && current) {
      current.generatorURL = source[1] || undefined;
      part = undefined;
      continue;
    }
    const pair = /^\s*- ([^=]+?) = (.*)$/.exec(line);
    if (pair && current && part) {
      current[part][pair[1].trim()] = pair[2];
      continue;
    }
    if (!current && alerts.length === 0 && line.trim() !== '') preamble.push(line.trim());
  }
  const firing = alerts.some((a) => a.status === 'firing');
  const commonAnnotations: Record<string, string> = {};
  if (preamble.length > 0) commonAnnotations.summary = preamble.join(' ');
  return {
    status: alerts.length === 0 ? 'unknown' : firing ? 'firing' : 'resolved',
    alerts,
    commonLabels: commonEntries(alerts.map((a) => a.labels)),
    commonAnnotations,
    partial: truncated,
    format: 'text',
  };
}

function commonEntries(maps: readonly Record<string, string>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const [first, ...rest] = maps;
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

/** Alertmanager/Prometheus severity label values → ours. */
export function severityFromLabel(raw: string | undefined): Severity {
  switch ((raw ?? '').toLowerCase()) {
    case 'critical':
    case 'page':
    case 'high':
    case 'error':
    case 'emergency':
      return 'critical';
    case 'info':
    case 'informational':
    case 'low':
    case 'none':
      return 'info';
    default:
      return 'warning';
  }
}

/** The PromQL expression Prometheus puts in a generator URL (`...graph?g0.expr=<expr>`), for classification. */
function exprFromGeneratorUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get('g0.expr') ?? undefined;
  } catch {
    return undefined;
  }
}

function alertTitle(alert: AlertmanagerAlert): string {
  const name = alert.labels.alertname ?? 'alert';
  const where = TITLE_LABELS.map((k) => alert.labels[k]).filter((v): v is string => v !== undefined);
  return where.length > 0 ? `${name} (${where.join(', ')})` : name;
}

export function notificationFromAlertmanager(group: AlertmanagerGroup, subject?: string): Notification {
  const firing = group.status.toLowerCase() === 'firing';
  const resolved = group.status.toLowerCase() === 'resolved';
  const single = group.alerts.length === 1 ? group.alerts[0] : undefined;
  const labels = single ? { ...group.commonLabels, ...single.labels } : group.commonLabels;
  const annotations = single ? { ...group.commonAnnotations, ...single.annotations } : group.commonAnnotations;
  const names = [...new Set(group.alerts.map((a) => a.labels.alertname).filter((n): n is string => n !== undefined))];
  const name =
    labels.alertname ??
    (names.length === 1
      ? names[0]
      : names.length > 1
        ? `${names.length} alerts: ${names.slice(0, 3).join(', ')}`
        : undefined) ??
    subject ??
    'Prometheus alert';
  const items: NotificationItem[] = group.alerts.slice(0, MAX_LISTED_ALERTS).map((alert) => {
    const lines: NotificationField[] = [];
    if (alert.annotations.summary) lines.push({ label: 'Summary', value: alert.annotations.summary });
    if (alert.annotations.description) lines.push({ label: 'Description', value: alert.annotations.description });
    const shownLabels = Object.entries(alert.labels).filter(([k]) => k !== 'alertname');
    if (shownLabels.length > 0)
      lines.push({ label: 'Labels', value: shownLabels.map(([k, v]) => `${k}=${v}`).join(', ') });
    const otherAnnotations = Object.entries(alert.annotations).filter(
      ([k]) => !['summary', 'description', 'runbook_url'].includes(k),
    );
    if (otherAnnotations.length > 0)
      lines.push({ label: 'Annotations', value: otherAnnotations.map(([k, v]) => `${k}=${v}`).join(', ') });
    if (alert.startsAt) lines.push({ label: 'Since', value: isoTime(alert.startsAt) ?? alert.startsAt });
    if (alert.annotations.runbook_url) lines.push({ label: 'Runbook', value: alert.annotations.runbook_url });
    return {
      title: alertTitle(alert),
      state: alert.status === 'resolved' ? 'OK' : alert.status === 'firing' ? 'ALARM' : 'UNKNOWN',
      lines,
    };
  });
  const fields: NotificationField[] = [];
  const firingCount = group.alerts.filter((a) => a.status === 'firing').length;
  fields.push({ label: 'Alerts', value: `${firingCount} firing, ${group.alerts.length - firingCount} resolved` });
  if (group.receiver) fields.push({ label: 'Receiver', value: group.receiver });
  if (group.alerts.length > MAX_LISTED_ALERTS)
    fields.push({ label: 'Not listed', value: `${group.alerts.length - MAX_LISTED_ALERTS} more alerts` });
  if (group.partial)
    fields.push({ label: 'Note', value: 'the notification was truncated or malformed; some alerts may be missing' });
  const links: NotificationLink[] = [];
  const runbooks = [
    ...new Set([annotations.runbook_url, ...group.alerts.map((a) => a.annotations.runbook_url)].filter(isWebUrl)),
  ];
  runbooks.slice(0, 2).forEach((url) => links.push({ text: 'Runbook', url }));
  const source = group.alerts.map((a) => a.generatorURL).find(isWebUrl);
  if (source) links.push({ text: 'Source', url: source });
  const signals = [
    ...names,
    ...group.alerts.flatMap((a) => [
      exprFromGeneratorUrl(a.generatorURL) ?? '',
      ...Object.values(a.labels),
      a.annotations.summary ?? '',
      a.annotations.description ?? '',
    ]),
  ].filter((s) => s !== '');
  const state = firing ? 'ALARM' : resolved ? 'OK' : 'UNKNOWN';
  return {
    kind: 'alertmanager',
    name,
    state,
    previousState: resolved ? 'ALARM' : undefined,
    rawState: state === 'UNKNOWN' ? group.status : undefined,
    enteredAlarm: firing,
    severity: severityFromLabel(labels.severity),
    severityFromInput: labels.severity !== undefined,
    description: annotations.summary ?? annotations.description ?? annotations.message,
    reason: annotations.summary && annotations.description ? annotations.description : undefined,
    fields,
    items,
    links,
    tags: labels,
    signals,
    time: isoTime(single?.startsAt),
  };
}
