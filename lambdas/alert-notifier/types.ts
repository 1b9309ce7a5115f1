/**
 * The normalized notification: every input kind (CloudWatch alarm, EventBridge event, AWS Backup job, Alertmanager
 * notification, ops event, anything else) is parsed into this one shape, then classified, routed and rendered.
 * Plain data only; every text field is raw (unescaped) text from the input.
 */

/** What the message reports, which decides colour and wording. */
export type NotificationState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' | 'WARNING' | 'INFO' | 'UNKNOWN';

export type Severity = 'info' | 'warning' | 'critical';

export type InputKind =
  | 'cloudwatch-alarm'
  | 'cloudwatch-alarm-event'
  | 'backup-job'
  | 'backup-notification'
  | 'alertmanager'
  | 'ops-event'
  | 'eventbridge'
  | 'fallback';

/** A CNPG-specific signal recognised in the input (see core/cnpg.ts). */
export type { CnpgSignal } from './config';
import type { CnpgSignal } from './config';

export interface NotificationField {
  readonly label: string;
  readonly value: string;
}

export interface NotificationLink {
  readonly text: string;
  readonly url: string;
}

/** One alert of an Alertmanager group, or one child of a composite alarm. */
export interface NotificationItem {
  readonly title: string;
  readonly state: NotificationState;
  readonly lines: readonly NotificationField[];
}

export interface Notification {
  readonly kind: InputKind;
  /** The thing that changed: alarm name, alertname, job id, ops event source/kind. */
  readonly name: string;
  readonly state: NotificationState;
  /** Previous state when the input says (alarm transitions). */
  readonly previousState?: NotificationState | undefined;
  /** The raw state text when it is not one we know (shown as is, never a crash). */
  readonly rawState?: string | undefined;
  /** True when this message reports a transition INTO alarm (the only time a mention may be added). */
  readonly enteredAlarm: boolean;
  /** Explicit severity from the input (ops event, `severity` tag or label), or derived from the kind. */
  readonly severity: Severity;
  /** Description or summary, one paragraph. */
  readonly description?: string | undefined;
  /** Why the state changed (alarm reason, backup status message). */
  readonly reason?: string | undefined;
  /** Key facts shown as fields (metric, threshold, resource...). Order is display order. */
  readonly fields: readonly NotificationField[];
  readonly items: readonly NotificationItem[];
  readonly links: readonly NotificationLink[];
  /** Alarm tags, Alertmanager common labels: used for routing and CNPG detection. */
  readonly tags: Readonly<Record<string, string>>;
  /** Metric dimensions or alert labels that describe where (not used for routing). */
  readonly dimensions?: Readonly<Record<string, string>> | undefined;
  /** Free text searched by the CNPG classifier (metric names, expressions, rule names, event reasons). */
  readonly signals: readonly string[];
  readonly account?: string | undefined;
  /** Region code (never a display name). */
  readonly region?: string | undefined;
  /** When the state changed, ISO-8601. */
  readonly time?: string | undefined;
  /** A preformatted body for inputs we could not structure (fallback): shown in a code block, truncated. */
  readonly body?: string | undefined;
  /** Identity of this transition across delivery paths (same alarm change via SNS and EventBridge). */
  readonly transitionKey?: string | undefined;
  /** Set by classifyCnpg. */
  readonly cnpg?: CnpgFacts | undefined;
  /** True when the severity was given by the input (an alert's `severity` label, a `severity` tag, an ops event). */
  readonly severityFromInput?: boolean | undefined;
}

/** What the CNPG classification found. */
export interface CnpgFacts {
  readonly signal: CnpgSignal;
  readonly cluster?: string | undefined;
  readonly namespace?: string | undefined;
  /** What happened, in a few words, when a CNPG chart rule named it ("no standby replicas (HA critical)"). */
  readonly what?: string | undefined;
  /** A failover event's old and new primary ("Failing over from pg-main-1 to pg-main-2"). */
  readonly failover?: { readonly from: string; readonly to: string } | undefined;
}

/** Where a message came from, for routing by topic and for logs. */
export interface MessageOrigin {
  /** SNS topic ARN when the message came through SNS. */
  readonly topicArn?: string | undefined;
  /** SNS MessageId or EventBridge event id: the duplicate-delivery key. */
  readonly messageId?: string | undefined;
  readonly subject?: string | undefined;
}

/** One message to render, whatever carried it. */
export interface InboundMessage {
  /** `sns` when it came in an SNS record, `eventbridge` when the event invoked us directly. */
  readonly via: 'sns' | 'eventbridge';
  /** SNS Message (text); for direct EventBridge events the event itself is in `event`. */
  readonly body?: string;
  readonly event?: Record<string, unknown>;
  readonly subject?: string | undefined;
  readonly topicArn?: string | undefined;
  /** SNS MessageId or EventBridge event id: the duplicate-delivery key. */
  readonly messageId?: string | undefined;
  /** SNS message attributes, values as text (AMP sets `truncated`/`modified`; AWS Backup sets `State`...). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** A record we could not even read (the reason names the field). */
export interface RejectedRecord {
  readonly index: number;
  readonly reason: string;
}

export interface InboundBatch {
  readonly messages: readonly { readonly index: number; readonly message: InboundMessage }[];
  readonly rejected: readonly RejectedRecord[];
}

/** The counts of one invocation. */
export interface InvocationOutcome {
  readonly sent: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly permanentFailures: number;
  readonly transientFailures: number;
}
