import { alarmConsoleUrl } from './links';
import { arnParts, asArray, asRecord, isoTime, num, stringMap, text, tryParseJson, type JsonRecord } from './json';
import type { Notification, NotificationField, NotificationItem, NotificationState, Severity } from '../types';

const COMPARISON: Record<string, string> = {
  GreaterThanOrEqualToThreshold: '>=',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
  LessThanLowerThreshold: 'below the band',
  GreaterThanUpperThreshold: 'above the band',
};

/** Maps an alarm state text to a known state; anything else is UNKNOWN (the raw text is kept by the caller). */
export function alarmState(raw: unknown): NotificationState {
  if (typeof raw !== 'string') return 'UNKNOWN';
  const upper = raw.trim().toUpperCase();
  if (upper === 'ALARM' || upper === 'OK' || upper === 'INSUFFICIENT_DATA') return upper;
  return 'UNKNOWN';
}

/** `severity` (or `Severity`) tag when it names one of ours. */
export function severityFromTags(tags: Record<string, string>, fallback: Severity): Severity {
  const raw = (tags.severity ?? tags.Severity ?? '').toLowerCase();
  if (raw === 'critical' || raw === 'warning' || raw === 'info') return raw;
  return fallback;
}

function formatDimensions(dims: Record<string, string>): string {
  const entries = Object.entries(dims);
  return entries.length === 0 ? '' : ` (${entries.map(([k, v]) => `${k}=${v}`).join(', ')})`;
}

function formatPeriod(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

/** A CloudWatch alarm's name from its ARN (`...:alarm:<name>`). */
export function alarmNameFromArn(arn: string | undefined): string | undefined {
  const parts = arnParts(arn);
  if (!parts || !parts.resource.startsWith('alarm:')) return undefined;
  return parts.resource.slice('alarm:'.length);
}

interface MetricDescription {
  readonly fields: NotificationField[];
  readonly signals: string[];
  readonly dimensions: Record<string, string>;
}

/** SNS `Trigger`: single metric (MetricName, Namespace, Dimensions[{name,value}]) or metric math (Metrics[]). */
function describeSnsTrigger(trigger: JsonRecord | undefined): MetricDescription {
  const fields: NotificationField[] = [];
  const signals: string[] = [];
  const dimensions: Record<string, string> = {};
  if (!trigger) return { fields, signals, dimensions };
  const metricName = text(trigger.MetricName);
  const period = num(trigger.Period);
  if (metricName) {
    const namespace = text(trigger.Namespace);
    const dims = stringMap(trigger.Dimensions);
    const stat = text(trigger.Statistic) ?? text(trigger.ExtendedStatistic);
    const unit = text(trigger.Unit);
    fields.push({
      label: 'Metric',
      value: `${namespace ? `${namespace} ` : ''}${metricName}${formatDimensions(dims)}${stat ? `, ${stat.toLowerCase()}` : ''}${period ? ` over ${formatPeriod(period)}` : ''}${unit ? ` (${unit})` : ''}`,
    });
    signals.push(metricName, ...Object.values(dims), ...Object.keys(dims));
    Object.assign(dimensions, dims);
  }
  const metrics = asArray(trigger.Metrics)
    .map(asRecord)
    .filter((m): m is JsonRecord => m !== undefined);
  if (metrics.length > 0) {
    const lines: string[] = [];
    for (const m of metrics) {
      const id = text(m.Id) ?? '?';
      const expression = text(m.Expression);
      const label = text(m.Label);
      const stat = asRecord(m.MetricStat);
      const metric = asRecord(stat?.Metric);
      if (expression) {
        lines.push(`${id} = ${expression}${label ? ` (${label})` : ''}${m.ReturnData === true ? ' [alarmed]' : ''}`);
        signals.push(expression);
      } else if (metric) {
        const name = text(metric.MetricName) ?? '?';
        const dims = stringMap(metric.Dimensions);
        lines.push(
          `${id} = ${text(metric.Namespace) ?? ''} ${name}${formatDimensions(dims)}, ${text(stat?.Stat) ?? ''} over ${formatPeriod(num(stat?.Period))}`.replace(
            /\s+/g,
            ' ',
          ),
        );
        signals.push(name, ...Object.values(dims));
        Object.assign(dimensions, dims);
      }
    }
    if (lines.length > 0) fields.push({ label: 'Metric math', value: lines.join('\n') });
  }
  const operator = text(trigger.ComparisonOperator);
  const threshold = text(trigger.Threshold);
  if (operator || threshold !== undefined) {
    const evals = num(trigger.EvaluationPeriods);
    const toAlarm = num(trigger.DatapointsToAlarm) ?? evals;
    const window =
      evals !== undefined ? ` for ${toAlarm} of ${evals} periods${period ? ` of ${formatPeriod(period)}` : ''}` : '';
    const band = trigger.ThresholdMetricId ? ` (band ${text(trigger.ThresholdMetricId)})` : '';
    fields.push({
      label: 'Threshold',
      value: `${COMPARISON[operator ?? ''] ?? operator ?? ''} ${threshold ?? ''}${band}${window}`.trim(),
    });
  }
  return { fields, signals, dimensions };
}

function compositeChildren(children: unknown): NotificationItem[] {
  const items: NotificationItem[] = [];
  for (const child of asArray(children)) {
    if (typeof child === 'string') {
      items.push({ title: alarmNameFromArn(child) ?? child, state: 'UNKNOWN', lines: [] });
      continue;
    }
    const record = asRecord(child);
    if (!record) continue;
    const arn = text(record.Arn ?? record.arn);
    const state = asRecord(record.State ?? record.state);
    const value = text(state?.Value ?? state?.value);
    const when = isoTime(text(state?.Timestamp ?? state?.timestamp));
    items.push({
      title: alarmNameFromArn(arn) ?? arn ?? 'child alarm',
      state: alarmState(value),
      lines: [{ label: 'State', value: `${value ?? 'unknown'}${when ? ` since ${when}` : ''}` }],
    });
  }
  return items;
}

function baseTransition(name: string, newRaw: unknown, oldRaw: unknown) {
  const state = alarmState(newRaw);
  const previousState = oldRaw === undefined || oldRaw === null ? undefined : alarmState(oldRaw);
  return {
    state,
    previousState,
    rawState: state === 'UNKNOWN' ? (text(newRaw) ?? 'missing') : undefined,
    enteredAlarm: state === 'ALARM' && previousState !== 'ALARM',
    name,
  };
}

/**
 * Identity of one alarm transition across delivery paths (SNS and EventBridge): alarm ARN, new state and change time.
 * Without the ARN or the time there is no identity: a key without the time would match every later transition of the
 * alarm into the same state, and the warm container would suppress them all.
 */
function transitionKey(alarmArn: string | undefined, state: string, time: string | undefined): string | undefined {
  return alarmArn && time ? `${alarmArn}|${state}|${time}` : undefined;
}

/** True when a parsed SNS message looks like a CloudWatch alarm notification. */
export function isCloudWatchAlarmMessage(message: JsonRecord): boolean {
  return typeof message.AlarmName === 'string' && ('NewStateValue' in message || 'AlarmArn' in message);
}

/** CloudWatch metric, metric-math and composite alarms as published to SNS. */
export function parseCloudWatchAlarm(message: JsonRecord): Notification {
  const alarmArn = text(message.AlarmArn);
  const arn = arnParts(alarmArn);
  const name = text(message.AlarmName) ?? alarmNameFromArn(alarmArn) ?? 'unnamed alarm';
  const region = arn?.region || undefined;
  const tags = stringMap(message.AlarmTags ?? message.Tags);
  const trigger = asRecord(message.Trigger);
  const metric = describeSnsTrigger(trigger);
  const rule = text(message.AlarmRule);
  const fields: NotificationField[] = [...metric.fields];
  if (rule) fields.push({ label: 'Rule', value: rule });
  const transition = baseTransition(name, message.NewStateValue, message.OldStateValue);
  const time = isoTime(text(message.StateChangeTime));
  const consoleUrl = arn && region ? alarmConsoleUrl(arn.partition, region, name) : undefined;
  const description = text(message.AlarmDescription);
  return {
    kind: 'cloudwatch-alarm',
    ...transition,
    severity: severityFromTags(tags, 'warning'),
    severityFromInput: severityFromTags(tags, 'info') === severityFromTags(tags, 'critical'),
    description,
    reason: text(message.NewStateReason),
    fields,
    items: compositeChildren(message.TriggeringChildren),
    links: consoleUrl ? [{ text: 'Open alarm', url: consoleUrl }] : [],
    tags,
    dimensions: metric.dimensions,
    signals: [name, description ?? '', rule ?? '', ...metric.signals].filter((s) => s !== ''),
    account: text(message.AWSAccountId) ?? arn?.account,
    region,
    time,
    transitionKey: transitionKey(alarmArn, transition.state, time),
  };
}

function describeEventMetrics(configuration: JsonRecord | undefined): MetricDescription {
  const fields: NotificationField[] = [];
  const signals: string[] = [];
  const dimensions: Record<string, string> = {};
  const lines: string[] = [];
  const metrics = asArray(configuration?.metrics)
    .map(asRecord)
    .filter((m): m is JsonRecord => m !== undefined);
  for (const m of metrics) {
    const id = text(m.id) ?? '?';
    const expression = text(m.expression);
    const stat = asRecord(m.metricStat);
    const metric = asRecord(stat?.metric);
    if (expression) {
      const label = text(m.label);
      lines.push(`${id} = ${expression}${label ? ` (${label})` : ''}${m.returnData === true ? ' [alarmed]' : ''}`);
      signals.push(expression);
    } else if (metric) {
      const name = text(metric.name) ?? '?';
      const dims = stringMap(metric.dimensions);
      lines.push(
        `${text(metric.namespace) ?? ''} ${name}${formatDimensions(dims)}, ${(text(stat?.stat) ?? '').toLowerCase()} over ${formatPeriod(num(stat?.period))}`
          .replace(/\s+/g, ' ')
          .trim(),
      );
      signals.push(name, ...Object.values(dims), ...Object.keys(dims));
      Object.assign(dimensions, dims);
    }
  }
  if (lines.length === 1 && !lines[0].includes(' = ')) fields.push({ label: 'Metric', value: lines[0] });
  else if (lines.length > 0)
    fields.push({
      label: 'Metric math',
      value: lines.map((l, i) => (l.includes(' = ') ? l : `m${i + 1} = ${l}`)).join('\n'),
    });
  return { fields, signals, dimensions };
}

/** EventBridge "CloudWatch Alarm State Change" (camelCase; `reasonData` is a JSON string). */
export function parseCloudWatchAlarmEvent(event: JsonRecord): Notification {
  const detail = asRecord(event.detail) ?? {};
  const alarmArn = text(asArray(event.resources)[0]);
  const arn = arnParts(alarmArn);
  const name = text(detail.alarmName) ?? alarmNameFromArn(alarmArn) ?? 'unnamed alarm';
  const region = text(event.region) ?? (arn?.region || undefined);
  const configuration = asRecord(detail.configuration);
  const state = asRecord(detail.state);
  const previous = asRecord(detail.previousState);
  const tags = stringMap(detail.alarmTags);
  const metric = describeEventMetrics(configuration);
  const fields: NotificationField[] = [...metric.fields];
  const rule = text(configuration?.alarmRule);
  if (rule) fields.push({ label: 'Rule', value: rule });
  const reasonData = asRecord(
    typeof state?.reasonData === 'string' ? tryParseJson(state.reasonData) : state?.reasonData,
  );
  const threshold = text(reasonData?.threshold);
  if (threshold !== undefined) fields.push({ label: 'Threshold', value: threshold });
  const recent = asArray(reasonData?.recentDatapoints)
    .map(text)
    .filter((v): v is string => v !== undefined);
  if (recent.length > 0) fields.push({ label: 'Recent datapoints', value: recent.slice(0, 10).join(', ') });
  const transition = baseTransition(name, state?.value, previous?.value);
  const time = isoTime(text(state?.timestamp)) ?? text(event.time);
  const partition = arn?.partition ?? 'aws';
  const consoleUrl = region ? alarmConsoleUrl(partition, region, name) : undefined;
  const description = text(configuration?.description);
  const suppressed = text(state?.actionsSuppressedBy);
  if (suppressed)
    fields.push({
      label: 'Actions suppressed by',
      value: `${suppressed}${text(state?.actionsSuppressedReason) ? `: ${text(state?.actionsSuppressedReason)}` : ''}`,
    });
  return {
    kind: 'cloudwatch-alarm-event',
    ...transition,
    severity: severityFromTags(tags, 'warning'),
    severityFromInput: severityFromTags(tags, 'info') === severityFromTags(tags, 'critical'),
    description,
    reason: text(state?.reason),
    fields,
    items: compositeChildren(reasonData?.triggeringAlarms),
    links: consoleUrl ? [{ text: 'Open alarm', url: consoleUrl }] : [],
    tags,
    dimensions: metric.dimensions,
    signals: [name, description ?? '', rule ?? '', ...metric.signals].filter((s) => s !== ''),
    account: text(event.account) ?? arn?.account,
    region,
    time,
    transitionKey: transitionKey(alarmArn, transition.state, time),
  };
}
