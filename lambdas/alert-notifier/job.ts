import { extractInbound } from './core/inbound';
import { prepareMessage, type PrepareConfig, type PreparedMessage } from './core/prepare';
import { RecentKeys } from './core/recent-keys';
import type { SlackPayload } from './core/render-slack';
import { InvalidWebhookUrlError, TransientDeliveryError, type DeliveryResult, type NotifierPorts } from './ports';
import type { InvocationOutcome } from './types';

/** Structured log sink (Powertools Logger in the handler); never given a webhook URL. */
export interface NotifierLog {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type NotifierMetric =
  | 'MessagesSent'
  | 'DuplicatesSkipped'
  | 'RecordsRejected'
  | 'SlackPermanentErrors'
  | 'SlackTransientErrors'
  | 'WebhookMissing'
  | 'WebhookMalformed'
  | 'CnpgSignals';

export interface NotifierDeps {
  readonly config: PrepareConfig;
  readonly ports: NotifierPorts;
  readonly log: NotifierLog;
  readonly metric: (name: NotifierMetric, count?: number) => void;
  /** Survives between invocations of a warm container. */
  readonly seen?: RecentKeys;
}

/** Raised at the end of an invocation when any message could not be delivered for a reason worth retrying. */
export class DeliveryFailedError extends Error {
  constructor(readonly failures: readonly string[]) {
    super(`${failures.length} message(s) not delivered, will be retried: ${failures.join('; ')}`);
    this.name = 'DeliveryFailedError';
  }
}

/**
 * Turns a Lambda event into Slack messages: every record is handled on its own (a bad one is logged and skipped),
 * duplicates seen by this warm container are sent once, permanent Slack errors are logged and counted, and
 * retryable failures make the invocation fail at the end (after every other record was tried).
 */
export class AlertNotifier {
  private readonly seen: RecentKeys;

  constructor(private readonly deps: NotifierDeps) {
    this.seen = deps.seen ?? new RecentKeys();
  }

  async handle(event: unknown, remainingMs: () => number = () => Number.POSITIVE_INFINITY): Promise<InvocationOutcome> {
    const { log, metric } = this.deps;
    const batch = extractInbound(event);
    for (const r of batch.rejected) log.error('record rejected', { index: r.index, reason: r.reason });
    if (batch.rejected.length > 0) metric('RecordsRejected', batch.rejected.length);
    const outcome = {
      sent: 0,
      duplicates: 0,
      rejected: batch.rejected.length,
      permanentFailures: 0,
      transientFailures: 0,
    };
    const failures: string[] = [];

    for (const { index, message } of batch.messages) {
      const idKey = message.messageId ? `id:${message.messageId}` : undefined;
      if (idKey && this.seen.has(idKey)) {
        outcome.duplicates++;
        metric('DuplicatesSkipped');
        log.info('duplicate delivery skipped', { index, messageId: message.messageId });
        continue;
      }
      let prepared: PreparedMessage;
      try {
        prepared = prepareMessage(message, this.deps.config);
      } catch (err) {
        // parseInbound is written never to throw; this is the last guard so one record cannot stop the rest.
        outcome.rejected++;
        metric('RecordsRejected');
        log.error('record could not be rendered', {
          index,
          messageId: message.messageId,
          error: (err as Error).message,
        });
        continue;
      }
      const { notification: n, decision, payload } = prepared;
      const transitionKey = n.transitionKey ? `tr:${n.transitionKey}` : undefined;
      if (transitionKey && this.seen.has(transitionKey)) {
        outcome.duplicates++;
        metric('DuplicatesSkipped');
        log.info('same alarm transition already sent (other delivery path)', {
          index,
          messageId: message.messageId,
          name: n.name,
        });
        if (idKey) this.seen.add(idKey);
        continue;
      }
      if (n.cnpg) metric('CnpgSignals');
      const context = {
        index,
        messageId: message.messageId,
        kind: n.kind,
        name: n.name,
        state: n.state,
        route: decision.route,
        matchedBy: decision.matchedBy,
      };
      try {
        const result = await this.deliver(decision.route, payload, remainingMs);
        if (result === undefined) {
          outcome.transientFailures++;
          metric('WebhookMissing');
          failures.push(`record ${index}: no webhook for route "${decision.route}" or the default route`);
          log.error('no usable webhook URL for the route or the default route in the webhook secret', context);
          continue;
        }
        if (result.outcome === 'sent') {
          outcome.sent++;
          metric('MessagesSent');
          log.info('sent to Slack', { ...context, attempts: result.attempts, mention: decision.mention });
        } else {
          outcome.permanentFailures++;
          metric('SlackPermanentErrors');
          log.error('Slack rejected the message permanently; not retried', {
            ...context,
            httpStatus: result.httpStatus,
            slackError: result.error,
          });
        }
        if (idKey) this.seen.add(idKey);
        if (transitionKey) this.seen.add(transitionKey);
      } catch (err) {
        outcome.transientFailures++;
        metric('SlackTransientErrors');
        const error = err as Error;
        failures.push(`record ${index}: ${error.message}`);
        log.error('delivery failed; the invocation will fail so it is retried', {
          ...context,
          error: error.message,
          reason: err instanceof TransientDeliveryError ? err.reason : error.name,
        });
      }
    }
    if (failures.length > 0) throw new DeliveryFailedError(failures);
    return outcome;
  }

  /**
   * Sends to the route's webhook, or to the default route's when the secret has no entry for the route or an entry
   * that is not a usable URL (a configuration problem of that route: logged as an error and counted). Returns
   * undefined when the default route has no usable URL either: the caller then fails the invocation, so Lambda
   * retries and the DLQ keeps the message rather than losing it.
   */
  private async deliver(
    route: string,
    payload: SlackPayload,
    remainingMs: () => number,
  ): Promise<DeliveryResult | undefined> {
    const { config, log, ports } = this.deps;
    let url = await this.usableUrl(route);
    if (url === undefined && route !== config.defaultRoute) {
      log.warn('no usable webhook URL for route in the webhook secret; using the default route', {
        route,
        defaultRoute: config.defaultRoute,
      });
      url = await this.usableUrl(config.defaultRoute);
    }
    if (url === undefined) return undefined;
    return ports.send(url, payload, remainingMs);
  }

  /** The route's URL; undefined when the secret has none or an unusable one (logged and counted, never the value). */
  private async usableUrl(route: string): Promise<string | undefined> {
    const { ports, log, metric } = this.deps;
    try {
      return await ports.webhookUrl(route);
    } catch (err) {
      if (!(err instanceof InvalidWebhookUrlError)) throw err;
      metric('WebhookMalformed');
      log.error('webhook URL for a route in the webhook secret is not usable; fix the secret', {
        route: err.route,
        problem: err.problem,
      });
      return undefined;
    }
  }
}
