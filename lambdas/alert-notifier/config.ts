import * as z from '../shared/zod';
import { functionOverrides, intIn, resourceName } from '../shared/config';

/** CNPG signals the notifier recognises (what an on-call engineer cares about); each may have a runbook link. */
export const CNPG_SIGNALS = ['failover', 'backup-failed', 'replication', 'capacity', 'availability'] as const;

export type CnpgSignal = (typeof CNPG_SIGNALS)[number];

/**
 * A route sends matching messages to one named webhook in the webhook secret. A route matches when it gives at least
 * one criterion and ALL the criteria it gives hold; the first matching route (in config order) wins, else the default.
 */
export const alertRoute = z.strictObject({
  /** Key in the webhook secret's JSON map (route name → webhook URL). */
  name: resourceName,
  match: z._default(
    z.strictObject({
      /** SNS topic names (not ARNs) whose messages go here. */
      topics: z.optional(
        z.array(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/, 'must be an SNS topic name, not an ARN'))),
      ),
      /** Severities (ops events' severity, an alarm's `severity` tag, an alert's `severity` label) that go here. */
      severities: z.optional(z.array(z.enum(['info', 'warning', 'critical']))),
      /** Alarm tag, Alertmanager label or ops-event field (`source`, `kind`) that selects this route, e.g. { "key": "team", "value": "dba" }. */
      tag: z.optional(z.strictObject({ key: z.string().check(z.minLength(1)), value: z.string() })),
    }),
    {},
  ),
  /** Mention on a transition into ALARM only: "here", "channel", or none. */
  mention: z._default(z.enum(['none', 'here', 'channel']), 'none'),
});

export type AlertRoute = z.infer<typeof alertRoute>;

export const alertNotifierConfig = z
  .strictObject({
    enabled: z.boolean(),
    /** Secrets Manager secret name holding `{ "<route>": "https://hooks.slack.com/..." }`. Never the URL itself. */
    webhookSecretName: z
      .string()
      .check(
        z.regex(
          /^[A-Za-z0-9/_+=.@-]{1,512}$/,
          'must be a Secrets Manager secret NAME (letters, digits, /_+=.@-), not an ARN or a URL',
        ),
      ),
    routes: z.array(alertRoute).check(z.minLength(1)),
    /** Route used when no other matches. */
    defaultRoute: resourceName,
    /** Subscribe to EventBridge "CloudWatch Alarm State Change" events in this account and region. */
    cloudwatchAlarmEvents: z._default(z.boolean(), true),
    /** Subscribe to EventBridge AWS Backup "Backup Job State Change" failures (FAILED, ABORTED, EXPIRED, COMPLETED with a message). */
    backupJobEvents: z._default(z.boolean(), true),
    /**
     * Runbook links by CNPG signal; `{cluster}` and `{namespace}` are replaced with the (URL-encoded) values. A link
     * whose placeholder has no value is not shown (never a link with an empty `cluster=`).
     */
    runbooks: z._default(z.partialRecord(z.enum(CNPG_SIGNALS), z.url({ protocol: /^https?$/ })), {}),
    /** Seconds the webhook secret is cached in a warm container. */
    secretCacheSeconds: z._default(intIn(0, 3600), 300),
    /** Per-request timeout of a Slack webhook POST, in milliseconds. */
    slackTimeoutMs: z._default(intIn(100, 30_000), 5_000),
    function: z._default(functionOverrides, {}),
  })
  .check(
    z.superRefine((cfg, ctx) => {
      const names = cfg.routes.map((r) => r.name);
      if (!names.includes(cfg.defaultRoute)) {
        ctx.addIssue({
          code: 'custom',
          path: ['defaultRoute'],
          message: `must name one of the routes (${names.join(', ')})`,
        });
      }
      names.forEach((name, i) => {
        if (names.indexOf(name) !== i)
          ctx.addIssue({ code: 'custom', path: ['routes', i, 'name'], message: `duplicate route "${name}"` });
      });
      if ((cfg.function.timeoutSeconds ?? 60) * 1000 <= cfg.slackTimeoutMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['slackTimeoutMs'],
          message: 'must be shorter than the function timeout',
        });
      }
    }),
  );

export type AlertNotifierConfig = z.infer<typeof alertNotifierConfig>;
