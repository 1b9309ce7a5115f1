import { z } from 'zod';
import { functionOverrides, resourceName } from './common';

/** A route sends matching messages to one named webhook in the webhook secret. */
export const alertRoute = z.strictObject({
  /** Key in the webhook secret's JSON map (route name → webhook URL). */
  name: resourceName,
  match: z
    .strictObject({
      /** SNS topic names (not ARNs) whose messages go here. */
      topics: z.array(z.string().min(1)).optional(),
      /** Severities (ops events' severity or an alarm's `severity` tag) that go here. */
      severities: z.array(z.enum(['info', 'warning', 'critical'])).optional(),
      /** Alarm tag that selects this route, e.g. { "key": "team", "value": "dba" }. */
      tag: z.strictObject({ key: z.string().min(1), value: z.string() }).optional(),
    })
    .default({}),
  /** Mention on a transition into ALARM only: "here", "channel", or none. */
  mention: z.enum(['none', 'here', 'channel']).default('none'),
});

export const alertNotifierConfig = z
  .strictObject({
    enabled: z.boolean(),
    /** Secrets Manager secret name holding `{ "<route>": "https://hooks.slack.com/..." }`. Never the URL itself. */
    webhookSecretName: z.string().min(1),
    routes: z.array(alertRoute).min(1),
    /** Route used when no other matches. */
    defaultRoute: resourceName,
    /** Subscribe to EventBridge "CloudWatch Alarm State Change" events in this account and region. */
    cloudwatchAlarmEvents: z.boolean().default(true),
    /** Subscribe to EventBridge AWS Backup "Backup Job State Change" failures. */
    backupJobEvents: z.boolean().default(true),
    /** Runbook links by CNPG signal; `{cluster}` is replaced with the cluster name. */
    runbooks: z.record(z.string(), z.url()).default({}),
    function: functionOverrides.default({}),
  })
  .superRefine((cfg, ctx) => {
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
  });

export type AlertNotifierConfig = z.infer<typeof alertNotifierConfig>;
