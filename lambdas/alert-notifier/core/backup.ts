import { backupJobConsoleUrl } from './links';
import { arnParts, asRecord, isoTime, num, text, type JsonRecord } from './json';
import type { Notification, NotificationField, NotificationState, Severity } from '../types';

interface BackupStateView {
  readonly state: NotificationState;
  readonly severity: Severity;
  readonly verb: string;
}

/** AWS Backup job states → how we show them. Unknown states are shown as they are, never a crash. */
export function backupStateView(rawState: string | undefined, hasMessage: boolean): BackupStateView {
  switch ((rawState ?? '').toUpperCase()) {
    case 'FAILED':
      return { state: 'ALARM', severity: 'critical', verb: 'failed' };
    case 'EXPIRED':
      return { state: 'ALARM', severity: 'warning', verb: 'expired before it could run' };
    case 'ABORTED':
      return { state: 'WARNING', severity: 'warning', verb: 'was aborted' };
    case 'COMPLETED':
    case 'SUCCESSFUL':
      return hasMessage
        ? { state: 'WARNING', severity: 'warning', verb: 'completed with issues' }
        : { state: 'OK', severity: 'info', verb: 'completed' };
    case 'PARTIAL':
      return { state: 'WARNING', severity: 'warning', verb: 'partially completed' };
    case 'CREATED':
    case 'PENDING':
    case 'RUNNING':
    case 'STARTED':
      return { state: 'INFO', severity: 'info', verb: `is ${rawState?.toLowerCase()}` };
    default:
      return { state: 'UNKNOWN', severity: 'warning', verb: `changed state to ${rawState ?? '(missing)'}` };
  }
}

/** AWS Backup quotes its status messages ("\"Backup job failed because ...\""): strip one level of quotes. */
function unquote(message: string | undefined): string | undefined {
  if (!message) return undefined;
  const trimmed = message.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

const JOB_KINDS: Record<string, string> = {
  'Backup Job State Change': 'Backup job',
  'Copy Job State Change': 'Copy job',
  'Restore Job State Change': 'Restore job',
};

export function isBackupJobEvent(event: JsonRecord): boolean {
  return event.source === 'aws.backup' && typeof event['detail-type'] === 'string' && event['detail-type'] in JOB_KINDS;
}

/** EventBridge "Backup/Copy/Restore Job State Change" from aws.backup. */
export function parseBackupJobEvent(event: JsonRecord): Notification {
  const detail = asRecord(event.detail) ?? {};
  const what = JOB_KINDS[String(event['detail-type'])] ?? 'Backup job';
  const knownJobId = text(detail.backupJobId) ?? text(detail.copyJobId) ?? text(detail.restoreJobId) ?? text(event.id);
  const jobId = knownJobId ?? 'unknown job';
  const rawState = text(detail.state) ?? text(detail.status);
  const message = unquote(text(detail.statusMessage));
  const view = backupStateView(rawState, message !== undefined);
  const resourceArn = text(detail.resourceArn);
  const region = text(event.region);
  const partition = arnParts(text(detail.backupVaultArn) ?? resourceArn)?.partition ?? 'aws';
  const resource = resourceArn ? (arnParts(resourceArn)?.resource ?? resourceArn) : undefined;
  const fields: NotificationField[] = [];
  if (resourceArn)
    fields.push({ label: 'Resource', value: `${text(detail.resourceType) ?? ''} ${resourceArn}`.trim() });
  const vault = text(detail.backupVaultName) ?? text(detail.sourceBackupVaultArn);
  if (vault) fields.push({ label: 'Vault', value: vault });
  fields.push({ label: 'Job id', value: jobId });
  const percent = num(detail.percentDone);
  if (percent !== undefined && view.state !== 'OK') fields.push({ label: 'Progress', value: `${percent}%` });
  const retries = num(detail.retryCount);
  if (retries) fields.push({ label: 'Retries', value: String(retries) });
  const plan = asRecord(detail.createdBy);
  const planId = text(plan?.backupPlanId);
  if (planId)
    fields.push({
      label: 'Backup plan',
      value: `${planId}${text(plan?.backupPlanRuleId) ? ` rule ${text(plan?.backupPlanRuleId)}` : ''}`,
    });
  const link = region && text(detail.backupJobId) ? backupJobConsoleUrl(partition, region, jobId) : undefined;
  return {
    kind: 'backup-job',
    name: `${what} ${view.verb}${resource ? `: ${resource}` : ''}`,
    state: view.state,
    rawState: view.state === 'UNKNOWN' ? (rawState ?? 'missing') : undefined,
    enteredAlarm: view.state === 'ALARM',
    severity: view.severity,
    reason: message,
    fields,
    items: [],
    links: link ? [{ text: 'Open backup job', url: link }] : [],
    tags: {},
    signals: [what, resourceArn ?? '', message ?? ''],
    account: text(event.account),
    region,
    time: isoTime(text(detail.completionDate)) ?? text(event.time),
    // Without a job or event id, two different jobs would share a key and the second would be suppressed.
    transitionKey: knownJobId ? `backup|${knownJobId}|${rawState ?? ''}` : undefined,
  };
}

/** SNS "Notification from AWS Backup" (vault notifications): plain text with `Key : value` parts and attributes. */
export function parseBackupNotification(
  body: string,
  attributes: Record<string, string>,
  topicRegion: string | undefined,
): Notification {
  const rawState = attributes.State;
  const eventType = attributes.EventType;
  const pairs: NotificationField[] = [];
  for (const match of body.matchAll(/([A-Z][A-Za-z ]{1,40}?)\s*:\s*(\S+)/g)) {
    const label = match[1].trim();
    if (/^(arn|https?)$/i.test(label)) continue;
    pairs.push({ label, value: match[2].replace(/[.,]$/, '') });
  }
  const firstSentence = body.split(/\.(\s|$)/)[0]?.trim();
  const hasIssue = /fail|error|issue|expired|abort/i.test(body);
  const view = backupStateView(rawState ?? (hasIssue ? 'FAILED' : undefined), rawState === 'COMPLETED' && hasIssue);
  const jobId = attributes.Id ?? pairs.find((p) => /job id/i.test(p.label))?.value;
  return {
    kind: 'backup-notification',
    name: firstSentence && firstSentence.length <= 140 ? firstSentence : `AWS Backup ${eventType ?? 'notification'}`,
    state: view.state,
    rawState: view.state === 'UNKNOWN' ? (rawState ?? 'missing') : undefined,
    enteredAlarm: view.state === 'ALARM',
    severity: view.severity,
    reason: body.length <= 2000 ? body : `${body.slice(0, 1999)}…`,
    fields: [...(eventType ? [{ label: 'Event', value: eventType }] : []), ...pairs.slice(0, 8)],
    items: [],
    links: [],
    tags: {},
    signals: [body.slice(0, 2000)],
    account: attributes.AccountId,
    region: topicRegion,
    time: attributes.StartTime,
    transitionKey: jobId ? `backup|${jobId}|${rawState ?? ''}` : undefined,
  };
}
