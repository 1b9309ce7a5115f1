/** Errors of the webhook directory, kept apart from the Secrets Manager port so the core can tell them apart. */

/** The webhook secret cannot be read or is not a JSON map: worth retrying (throttling, a fix to the secret). */
export class WebhookSecretError extends Error {
  constructor(message: string) {
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
