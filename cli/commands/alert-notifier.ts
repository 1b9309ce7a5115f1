import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { SlackWebhookSender } from '../../lambdas/alert-notifier/adapters/slack-webhook';
import {
  WebhookDirectory,
  secretsManagerLoader,
  webhookUrlProblem,
} from '../../lambdas/alert-notifier/adapters/webhook-secret';
import { extractInbound } from '../../lambdas/alert-notifier/core/inbound';
import { asRecord, tryParseJson } from '../../lambdas/alert-notifier/core/json';
import { prepareMessage, type PrepareConfig } from '../../lambdas/alert-notifier/core/prepare';
import { TransientDeliveryError } from '../../lambdas/alert-notifier/ports';
import type { InboundMessage } from '../../lambdas/alert-notifier/types';
import { createAwsClient } from '../../lambdas/shared/aws-clients';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../../lib/config';
import { printJson, printTable, stdout, type Writer } from '../output';

export interface AlertNotifierCommandOptions {
  readonly event: string;
  readonly preview?: boolean;
  readonly webhookUrl?: string;
  readonly route?: string;
  /** Deployment config; without it, config/example.json when present (--preview and --webhook-url need none). */
  readonly config?: string;
  readonly subject?: string;
  readonly topicArn?: string;
  readonly json?: boolean;
}

/** What the command needs from outside, replaceable in tests. */
export interface AlertNotifierCommandDeps {
  readonly out: Writer;
  readonly err: Writer;
  readonly sender: Pick<SlackWebhookSender, 'send'>;
  /** Webhook URL of a route from the configured secret (operator's credentials). */
  readonly webhookFromSecret?: (
    secretName: string,
    region: string | undefined,
    route: string,
  ) => Promise<string | undefined>;
}

/** Routing used when the config has no alertNotifier section (with --webhook-url, or --preview). */
const STANDALONE: PrepareConfig = {
  routes: [{ name: 'default', match: {}, mention: 'none' }],
  defaultRoute: 'default',
  runbooks: {},
};

/**
 * Reads the event file: a Lambda event (SNS `Records` or an EventBridge event) is used as it is; anything else is
 * taken as one SNS message body (so an alarm JSON or an Alertmanager text can be previewed straight from a file).
 */
export function eventFromFile(text: string, subject: string | undefined, topicArn: string | undefined): unknown {
  const parsed = asRecord(tryParseJson(text));
  if (parsed && ('Records' in parsed || ('detail-type' in parsed && 'source' in parsed))) return parsed;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        Sns: {
          MessageId: 'cli',
          TopicArn: topicArn,
          Subject: subject ?? null,
          Message: text,
          MessageAttributes: {},
        },
      },
    ],
  };
}

async function defaultWebhookFromSecret(secretName: string, region: string | undefined, route: string) {
  const client = createAwsClient(SecretsManagerClient, { region, maxAttempts: 3 });
  return new WebhookDirectory(secretName, secretsManagerLoader(secretName, client, 0)).urlFor(route);
}

export async function runAlertNotifierCommand(
  options: AlertNotifierCommandOptions,
  deps: AlertNotifierCommandDeps,
): Promise<number> {
  const configPath = options.config ?? DEFAULT_CONFIG_PATH;
  // A preview, or a send to an explicit webhook, needs no deployment config: run anywhere with standalone routing.
  const configOptional = options.config === undefined && (options.preview || options.webhookUrl !== undefined);
  const config = configOptional && !existsSync(configPath) ? undefined : loadConfig(configPath);
  const job = config?.jobs.alertNotifier;
  const routing: PrepareConfig = job ?? STANDALONE;
  if (options.webhookUrl !== undefined) {
    const problem = webhookUrlProblem(options.webhookUrl);
    if (problem) throw new Error(`--webhook-url ${problem}`);
  }
  if (options.route !== undefined && job && !job.routes.some((r) => r.name === options.route)) {
    throw new Error(
      `--route "${options.route}" is not a route in ${configPath} (${job.routes.map((r) => r.name).join(', ')})`,
    );
  }
  const text = readFileSync(options.event, 'utf8');
  const batch = extractInbound(eventFromFile(text, options.subject, options.topicArn));
  const prepared = batch.messages.map(({ index, message }: { index: number; message: InboundMessage }) => {
    const p = prepareMessage(message, routing);
    const route = options.route ?? p.decision.route;
    return { index, ...p, route };
  });

  if (options.preview) {
    printJson(
      [
        ...batch.rejected.map((r) => ({ index: r.index, rejected: r.reason })),
        ...prepared.map((p) => ({
          index: p.index,
          kind: p.notification.kind,
          name: p.notification.name,
          state: p.notification.state,
          cnpg: p.notification.cnpg,
          route: p.route,
          mention: p.decision.mention,
          payload: p.payload,
        })),
      ],
      deps.out,
    );
    return batch.rejected.length > 0 ? 1 : 0;
  }

  if (options.webhookUrl === undefined && !job) {
    throw new Error(`no --webhook-url and no jobs.alertNotifier in ${configPath}: nothing to send to`);
  }
  const rows: { index: number; name: string; route: string; result: string }[] = [];
  for (const r of batch.rejected)
    rows.push({ index: r.index, name: '(unreadable record)', route: '', result: `rejected: ${r.reason}` });
  for (const p of prepared) {
    let result: string;
    try {
      const url =
        options.webhookUrl ??
        (await (deps.webhookFromSecret ?? defaultWebhookFromSecret)(
          job!.webhookSecretName,
          config?.env.region,
          p.route,
        ));
      if (url === undefined) result = `failed: no webhook for route "${p.route}" in secret ${job!.webhookSecretName}`;
      else {
        const delivery = await deps.sender.send(url, p.payload);
        result =
          delivery.outcome === 'sent'
            ? `sent (HTTP ${delivery.httpStatus})`
            : `rejected by Slack: ${delivery.error} (HTTP ${delivery.httpStatus})`;
      }
    } catch (err) {
      result = `failed: ${err instanceof TransientDeliveryError ? err.message : (err as Error).message}`;
    }
    rows.push({
      index: p.index,
      name: p.notification.name,
      route: options.webhookUrl !== undefined ? '(--webhook-url)' : p.route,
      result,
    });
  }
  if (options.json) printJson(rows, deps.out);
  else printTable(rows, ['index', 'name', 'route', 'result'], deps.out);
  return rows.every((r) => r.result.startsWith('sent')) ? 0 : 1;
}

/** `platform-ops alert-notifier --event <file> [--preview] [--webhook-url <url> | --route <name>]`. */
export function registerAlertNotifierCommand(
  program: Command,
  deps: AlertNotifierCommandDeps = {
    out: stdout,
    err: { write: (t) => process.stderr.write(t) },
    sender: new SlackWebhookSender({ timeoutMs: 10_000 }),
  },
): void {
  program
    .command('alert-notifier')
    .description(
      'render an alarm/event file as the Slack message(s) the alert-notifier would send, and optionally send it',
    )
    .requiredOption(
      '--event <file>',
      'a Lambda event (SNS Records or EventBridge) or one SNS message body (alarm JSON, Alertmanager text...)',
    )
    .option('--preview', 'print the Slack payload(s) as JSON; no network')
    .option('--webhook-url <url>', 'post to this webhook instead of the configured route (never printed)')
    .option('--route <name>', 'post to this configured route instead of the one routing picks')
    .option(
      '--config <path>',
      `deployment config (routes, runbooks, webhook secret name); default ${DEFAULT_CONFIG_PATH}, which --preview and --webhook-url do without`,
    )
    .option('--subject <text>', 'SNS subject, when --event is a bare message body')
    .option('--topic-arn <arn>', 'SNS topic ARN, when --event is a bare message body (routing by topic)')
    .option('--json', 'machine-readable send results')
    .action(async (options: AlertNotifierCommandOptions) => {
      try {
        process.exitCode = await runAlertNotifierCommand(options, deps);
      } catch (e) {
        if (e instanceof ConfigError) deps.err.write(`${e.message}\n`);
        else deps.err.write(`alert-notifier: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
