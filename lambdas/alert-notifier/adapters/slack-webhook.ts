/**
 * Port: posts a payload to a Slack incoming webhook.
 * - per-request timeout (never longer than the time the invocation has left)
 * - 429 → waits Retry-After (bounded by the remaining invocation time) and retries
 * - 5xx, 408, 425, timeouts, network errors → TransientDeliveryError, so the invocation fails and Lambda/SNS retry
 * - permanent Slack errors (invalid_payload, channel_not_found, ...), and any answer with status 400/403/404/410,
 *   → a `rejected` result, never retried
 * - any other status (an unknown 4xx) → TransientDeliveryError: the DLQ keeps what keeps failing, rather than losing it
 * The webhook URL is a secret: it never appears in an error message or a result.
 */

import { sleep } from '../../shared/concurrency';
import { TransientDeliveryError, type DeliveryResult, type SlackSender, type TransientReason } from '../ports';

/** Slack webhook error bodies that will not succeed on retry (Slack docs: "should not be retried without correction"). */
export const PERMANENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'invalid_payload',
  'user_not_found',
  'channel_not_found',
  'channel_is_archived',
  'action_prohibited',
  'posting_to_general_channel_denied',
  'too_many_attachments',
  'no_text',
  'no_service',
  'no_service_id',
  'no_active_hooks',
  'no_team',
  'team_disabled',
  'invalid_token',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_attachments',
  'msg_too_long',
  'msg_blocks_too_long',
]);

/** Statuses whose answer will not change on retry, whatever the body says. */
export const PERMANENT_HTTP_STATUSES: ReadonlySet<number> = new Set([400, 403, 404, 410]);

export interface SlackWebhookSenderOptions {
  /** Per-request timeout (ms). */
  readonly timeoutMs?: number;
  /** How many 429 answers are waited out before giving up to Lambda's retry. */
  readonly maxRateLimitRetries?: number;
  /** Time kept back from the invocation for logging and flushing metrics (ms). */
  readonly reserveMs?: number;
  /** Wait used when a 429 has no usable Retry-After (ms). */
  readonly defaultRetryAfterMs?: number;
  readonly fetchImpl?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Retry-After as seconds or an HTTP date → milliseconds (undefined when absent or unreadable). */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The shape of a Slack webhook error code (`invalid_payload`, `channel_not_found`, ...). */
const SLACK_ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Slack's error body is a short code such as `invalid_payload`. Anything else (a proxy's HTML page, a framework's
 * "Cannot POST /services/T…/B…/…") may quote the webhook URL, so it is never carried: only `http_<status>`.
 */
export function errorCode(body: string, status: number): string {
  const code = body.trim();
  return SLACK_ERROR_CODE.test(code) ? code : `http_${status}`;
}

function networkReason(err: unknown): { reason: TransientReason; detail: string } {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError')
    return { reason: 'timeout', detail: 'timed out' };
  const code = e?.cause?.code ?? e?.code;
  return { reason: 'network', detail: typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'network error' };
}

export class SlackWebhookSender implements SlackSender {
  private readonly timeoutMs: number;
  private readonly maxRateLimitRetries: number;
  private readonly reserveMs: number;
  private readonly defaultRetryAfterMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: SlackWebhookSenderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxRateLimitRetries = options.maxRateLimitRetries ?? 3;
    this.reserveMs = options.reserveMs ?? 1_000;
    this.defaultRetryAfterMs = options.defaultRetryAfterMs ?? 1_000;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.sleep = options.sleep ?? sleep;
  }

  /**
   * Posts `payload` as JSON. `remainingMs` is the invocation's remaining time (context.getRemainingTimeInMillis);
   * no request or wait runs past it.
   */
  async send(
    url: string,
    payload: unknown,
    remainingMs: () => number = () => Number.POSITIVE_INFINITY,
  ): Promise<DeliveryResult> {
    const body = JSON.stringify(payload);
    for (let attempt = 1; ; attempt++) {
      const budget = remainingMs() - this.reserveMs;
      const timeout = Math.min(this.timeoutMs, budget);
      if (timeout < 100)
        throw new TransientDeliveryError('Slack webhook not attempted: no invocation time left', 'no-time-left');
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body,
          signal: AbortSignal.timeout(timeout),
          redirect: 'error',
        });
      } catch (err) {
        const { reason, detail } = networkReason(err);
        throw new TransientDeliveryError(
          `Slack webhook request failed (${detail}) after ${attempt} attempt(s)`,
          reason,
        );
      }
      let responseText = '';
      try {
        responseText = await response.text();
      } catch {
        // A body we cannot read does not change the status code's meaning.
      }
      const status = response.status;
      if (status >= 200 && status < 300) return { outcome: 'sent', attempts: attempt, httpStatus: status };
      if (status === 429) {
        const wait = retryAfterMs(response.headers.get('retry-after'), Date.now()) ?? this.defaultRetryAfterMs;
        if (attempt > this.maxRateLimitRetries) {
          throw new TransientDeliveryError(`Slack webhook rate-limited (429) ${attempt} times`, 'rate-limited', 429);
        }
        if (wait + Math.min(this.timeoutMs, 1_000) > remainingMs() - this.reserveMs) {
          throw new TransientDeliveryError(
            `Slack webhook rate-limited (429); Retry-After ${Math.ceil(wait / 1000)} s exceeds the time left`,
            'rate-limited',
            429,
          );
        }
        await this.sleep(wait);
        continue;
      }
      const code = errorCode(responseText, status);
      if (PERMANENT_SLACK_ERRORS.has(code))
        return { outcome: 'rejected', attempts: attempt, httpStatus: status, error: code };
      if (status >= 500)
        throw new TransientDeliveryError(`Slack webhook answered ${status} ${code}`, 'server-error', status);
      if (PERMANENT_HTTP_STATUSES.has(status))
        return { outcome: 'rejected', attempts: attempt, httpStatus: status, error: code };
      // 408 Request Timeout, 425 Too Early and any status we do not know to be final: retried by Lambda, then the DLQ.
      throw new TransientDeliveryError(`Slack webhook answered ${status} ${code}`, 'retryable-status', status);
    }
  }
}
