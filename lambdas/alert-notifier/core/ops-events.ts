import type { OpsEvent } from '../../shared/ops-event';
import type { Notification, NotificationField, NotificationState } from '../types';
import { TOO_DEEP, tryStringify } from './json';

const STATE_BY_SEVERITY: Record<OpsEvent['severity'], NotificationState> = {
  critical: 'ALARM',
  warning: 'WARNING',
  info: 'INFO',
};

/** Compact text for one detail value (objects as one-line JSON, cut). */
function detailValue(value: unknown): string {
  const raw = typeof value === 'string' ? value : (tryStringify(value) ?? TOO_DEEP);
  const textValue = raw ?? String(value);
  return textValue.length > 300 ? `${textValue.slice(0, 299)}…` : textValue;
}

/** The suite's own ops events (DESIGN.md contract), rendered like any alarm. */
export function parseOpsEventNotification(event: OpsEvent): Notification {
  const entries = Object.entries(event.details);
  const fields: NotificationField[] = entries
    .slice(0, 8)
    .map(([key, value]) => ({ label: key, value: detailValue(value) }));
  if (entries.length > 8)
    fields.push({
      label: 'More details',
      value: entries
        .slice(8)
        .map(([k]) => k)
        .join(', '),
    });
  const state = STATE_BY_SEVERITY[event.severity];
  const dimensions: Record<string, string> = {};
  for (const [key, value] of entries)
    if (typeof value === 'string' || typeof value === 'number') dimensions[key] = String(value);
  return {
    kind: 'ops-event',
    name: `${event.source}: ${event.kind}`,
    state,
    enteredAlarm: state === 'ALARM',
    severity: event.severity,
    severityFromInput: true,
    description: event.summary,
    fields,
    items: [],
    links: [],
    tags: { source: event.source, kind: event.kind },
    dimensions,
    signals: [event.source, event.kind, event.summary],
    account: event.account,
    region: event.region,
    time: event.time,
  };
}
