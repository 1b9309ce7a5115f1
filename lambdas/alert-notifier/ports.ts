/**
 * The outside systems the alert-notifier talks to: the Slack webhook (adapters/slack-webhook.ts) and the webhook
 * directory, one Secrets Manager secret mapping route names to webhook URLs (adapters/webhook-secret.ts). The job
 * (job.ts) sees only these interfaces and errors, so tests and the CLI replace each.
 */
import type { SlackPayload } from './core/render-slack';

export type TransientReason =
  'server-error' | 'retryable-status' | 'timeout' | 'network' | 'rate-limited' | 'no-time-left';

/** A failure worth retrying later: thrown so the invocation fails and Lambda/SNS retry, then the DLQ keeps it. */
export class TransientDeliveryError extends Error {
  constructor(
    message: string,
    readonly reason: TransientReason,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'TransientDeliveryError';
  }
}

export type DeliveryResult =
  | { readonly outcome: 'sent'; readonly attempts: number; readonly httpStatus: number }
  | { readonly outcome: 'rejected'; readonly attempts: number; readonly httpStatus: number; readonly error: string };

/** Posts one payload to a Slack incoming webhook; `remainingMs` bounds every request and wait. */
export interface SlackSender {
  send(url: string, payload: unknown, remainingMs?: () => number): Promise<DeliveryResult>;
}

/** The webhook directory: a route's URL, undefined when the secret has no entry for it. */
export interface WebhookSecretSource {
  urlFor(route: string): Promise<string | undefined>;
}

/** What the notifier needs from the outside world, so tests and the CLI can replace each. */
export interface NotifierPorts {
  /**
   * Webhook URL of a route; undefined when the secret has no entry for it. Throws InvalidWebhookUrlError when the
   * entry is not a usable URL (the route then falls back to the default route), anything else when the secret cannot
   * be read (the invocation then fails and is retried).
   */
  readonly webhookUrl: (route: string) => Promise<string | undefined>;
  readonly send: (url: string, payload: SlackPayload, remainingMs: () => number) => Promise<DeliveryResult>;
}

/* Errors of the webhook directory: the job tells an unusable route entry from an unreadable secret. */

/**
 * The webhook secret cannot be read or is not a JSON map: worth retrying (throttling, a fix to the secret). `code`
 * says why (AccessDeniedException, ResourceNotFoundException, ECONNREFUSED, TimeoutError...): never the value.
 */
export class WebhookSecretError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'WebhookSecretError';
  }
}

/**
 * The secret's value for one route is not a usable webhook URL: a configuration problem of that route only. The
 * notifier falls back to the default route. The message names the route and the problem, never the value.
 */
export class InvalidWebhookUrlError extends WebhookSecretError {
  constructor(
    secretName: string,
    readonly route: string,
    readonly problem: string,
  ) {
    super(`webhook secret "${secretName}", key "${route}": value ${problem}`);
    this.name = 'InvalidWebhookUrlError';
  }
}
