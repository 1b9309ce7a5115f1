import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import * as z from './zod';

/**
 * The ops-event contract (DESIGN.md): every job publishes one JSON message per run outcome that matters to the
 * ops-events SNS topic, and the alert-notifier renders it like any alarm.
 */
export const OPS_EVENT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type OpsEventSeverity = (typeof OPS_EVENT_SEVERITIES)[number];

/** The job names that may appear in `source`. */
export const OPS_EVENT_SOURCES = [
  'alert-notifier',
  'backup-pruner',
  'ebs-audit',
  'node-autoscaler',
  'secret-rotator',
  'platform-ops',
] as const;

export const opsEventSchema = z.object({
  source: z.string().check(z.minLength(1), z.maxLength(64)),
  kind: z
    .string()
    .check(
      z.regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, 'must be lower-case words joined by "-" or ".", at most 64 characters'),
    ),
  severity: z.enum(OPS_EVENT_SEVERITIES),
  summary: z.string().check(z.minLength(1), z.maxLength(500)),
  details: z.record(z.string(), z.unknown()),
  account: z.string(),
  region: z.string(),
  time: z.iso.datetime({ offset: true }),
});

export type OpsEvent = z.infer<typeof opsEventSchema>;

/** What a job supplies; account, region and time come from the run context. */
export type OpsEventInput = Pick<OpsEvent, 'source' | 'kind' | 'severity' | 'summary'> & {
  readonly details?: Record<string, unknown>;
};

export interface OpsEventContext {
  readonly account: string;
  readonly region: string;
  readonly now: Date;
}

/** SNS rejects messages above 256 KiB; stay clear of it with room for the envelope. */
export const MAX_OPS_EVENT_BYTES = 250_000;

/** Builds and validates an ops event. A summary that is too long is cut (with an ellipsis) rather than lost. */
export function buildOpsEvent(input: OpsEventInput, context: OpsEventContext): OpsEvent {
  const summary = input.summary.length > 500 ? `${input.summary.slice(0, 499)}…` : input.summary;
  return opsEventSchema.parse({
    source: input.source,
    kind: input.kind,
    severity: input.severity,
    summary,
    details: input.details ?? {},
    account: context.account,
    region: context.region,
    time: context.now.toISOString(),
  });
}

/** Parses a message body as an ops event; returns undefined when it is not one (so callers can try other kinds). */
export function parseOpsEvent(value: unknown): OpsEvent | undefined {
  const result = opsEventSchema.safeParse(value);
  return result.success ? result.data : undefined;
}

/**
 * Serializes an event for SNS. When the details would push the message past the SNS size limit, they are
 * replaced by a note saying so and listing their top-level keys, so the summary still arrives.
 */
export function serializeOpsEvent(event: OpsEvent): string {
  const full = JSON.stringify(event);
  if (Buffer.byteLength(full, 'utf8') <= MAX_OPS_EVENT_BYTES) return full;
  const details = {
    truncated: true,
    originalBytes: Buffer.byteLength(full, 'utf8'),
    keys: Object.keys(event.details).slice(0, 100),
    note: 'details exceeded the SNS message limit; the full result is in the job log',
  };
  return JSON.stringify({ ...event, details });
}

/** SNS subjects must be ASCII, without newlines, at most 100 characters. */
export function opsEventSubject(event: OpsEvent): string {
  const raw = `[${event.severity.toUpperCase()}] ${event.source}: ${event.kind}`;
  return raw.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/** Publishes ops events to the ops-events topic, with message attributes for subscription filter policies. */
export class OpsEventPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(event: OpsEvent): Promise<string | undefined> {
    const output = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: opsEventSubject(event),
        Message: serializeOpsEvent(event),
        MessageAttributes: {
          source: { DataType: 'String', StringValue: event.source },
          kind: { DataType: 'String', StringValue: event.kind },
          severity: { DataType: 'String', StringValue: event.severity },
        },
      }),
    );
    return output.MessageId;
  }
}
