import { randomBytes } from 'node:crypto';
import { AlertNotifier, DeliveryFailedError, type NotifierMetric } from '../../../lambdas/alert-notifier/job';
import type { SlackPayload } from '../../../lambdas/alert-notifier/core/render-slack';
import { WebhookDirectory } from '../../../lambdas/alert-notifier/adapters/webhook-secret';
import { TransientDeliveryError, type NotifierPorts } from '../../../lambdas/alert-notifier/ports';
import { fixtureJson, fixtureText, OPS_TOPIC, ROUTES_CONFIG, snsEvent } from '../../doubles/alert-notifier-events';
import { RecordingSlack, SENT, type SlackAnswer } from '../../doubles/fake-slack';

/** The contract allows any job a critical ops event; the critical route is tested with one. */
const CRITICAL_OPS_EVENT = JSON.stringify({ ...fixtureJson('ops-event.json'), severity: 'critical' });

const URLS: Record<string, string> = {
  oncall: 'https://hooks.slack.com/services/T000/B001/oncallsecret',
  dba: 'https://hooks.slack.com/services/T000/B002/dbasecret',
  platform: 'https://hooks.slack.com/services/T000/B003/platformsecret',
};

interface Harness {
  notifier: AlertNotifier;
  readonly sent: { route: string; payload: SlackPayload }[];
  logs: { level: string; message: string; extra?: Record<string, unknown> }[];
  metrics: Partial<Record<NotifierMetric, number>>;
}

function harness(answer: SlackAnswer = () => SENT, urls = URLS): Harness {
  const slack = new RecordingSlack(answer);
  const routeOf = (url: string) => Object.entries(urls).find(([, u]) => u === url)?.[0] ?? '?';
  const h: Harness = {
    notifier: undefined as unknown as AlertNotifier,
    get sent() {
      return slack.sent.map(({ url, payload }) => ({ route: routeOf(url), payload }));
    },
    logs: [],
    metrics: {},
  };
  const ports: NotifierPorts = { webhookUrl: async (route) => urls[route], send: slack.send };
  const log = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    h.logs.push({ level, message, extra });
  h.notifier = new AlertNotifier({
    config: ROUTES_CONFIG,
    ports,
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    metric: (name, count = 1) => (h.metrics[name] = (h.metrics[name] ?? 0) + count),
  });
  return h;
}

describe('AlertNotifier.handle', () => {
  it('sends every record of an SNS event to its route', async () => {
    const h = harness();
    const outcome = await h.notifier.handle(
      snsEvent(
        { body: fixtureText('cloudwatch-metric-alarm.json') },
        { body: fixtureText('cloudwatch-metric-math-alarm.json') },
        { body: fixtureText('ops-event.json'), topicArn: OPS_TOPIC },
        { body: fixtureText('alertmanager-json.txt') },
      ),
    );
    expect(outcome).toEqual({ sent: 4, duplicates: 0, rejected: 0, permanentFailures: 0, transientFailures: 0 });
    // The ops event is a warning (a refused prune): no severity or tag route matches, so the default route.
    expect(h.sent.map((s) => s.route)).toEqual(['platform', 'oncall', 'platform', 'platform']);
    expect(
      h.sent[1].payload.text.startsWith('<!here> 🔴 CNPG orders-db failover: orders-db-replication-role-changed'),
    ).toBe(true);
    expect(h.metrics).toMatchObject({ MessagesSent: 4, CnpgSignals: 2 });
  });

  it('handles a direct EventBridge event (no Records)', async () => {
    const h = harness();
    await h.notifier.handle(fixtureJson('backup-job-failed.json'));
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0].route).toBe('oncall');
    expect(h.sent[0].payload.text).toContain('Backup job failed');
  });

  it('sends a duplicate SNS MessageId once per warm container', async () => {
    const h = harness();
    const event = snsEvent({ body: fixtureText('cloudwatch-metric-alarm.json'), messageId: 'same-id' });
    await h.notifier.handle(event);
    const second = await h.notifier.handle(event);
    expect(h.sent).toHaveLength(1);
    expect(second.duplicates).toBe(1);
    expect(h.metrics.DuplicatesSkipped).toBe(1);
  });

  it('sends the same alarm transition once when it arrives by SNS and by EventBridge', async () => {
    const h = harness();
    const event = fixtureJson('eventbridge-alarm-state-change.json');
    await h.notifier.handle(event);
    await h.notifier.handle(snsEvent({ body: JSON.stringify(event), messageId: 'other-path' }));
    expect(h.sent).toHaveLength(1);
  });

  it.each([
    [
      'SNS alarm without StateChangeTime',
      () => {
        const { StateChangeTime: _t, ...alarm } = fixtureJson('cloudwatch-metric-alarm.json');
        return snsEvent({ body: JSON.stringify(alarm) });
      },
    ],
    [
      'EventBridge alarm event without state timestamp or event time',
      () => {
        const { time: _t, ...event } = fixtureJson('eventbridge-alarm-state-change.json');
        const detail = event.detail as { state: Record<string, unknown> };
        const { timestamp: _s, ...state } = detail.state;
        return { ...event, id: `ev-${Math.random()}`, detail: { ...detail, state } };
      },
    ],
  ])('%s: later alarms of the same alarm are still sent (no transition key without a time)', async (_n, make) => {
    const h = harness();
    await h.notifier.handle(make());
    await h.notifier.handle(make());
    await h.notifier.handle(make());
    expect(h.sent).toHaveLength(3);
    expect(h.metrics.DuplicatesSkipped).toBeUndefined();
  });

  it('a permanent Slack error is logged with a metric, not retried, and does not fail the invocation', async () => {
    const h = harness(() => ({ outcome: 'rejected', attempts: 1, httpStatus: 404, error: 'channel_not_found' }));
    const outcome = await h.notifier.handle(snsEvent({ body: fixtureText('cloudwatch-metric-alarm.json') }));
    expect(outcome.permanentFailures).toBe(1);
    expect(h.metrics.SlackPermanentErrors).toBe(1);
    expect(h.logs.find((l) => l.level === 'error')?.extra).toMatchObject({
      slackError: 'channel_not_found',
      httpStatus: 404,
      route: 'platform',
    });
  });

  it('a transient failure fails the invocation AFTER the other records were sent, and is retried on redelivery', async () => {
    let failNext = true;
    const h = harness((payload) => {
      if (failNext && payload.text.includes('orders-db-cpu-high')) {
        failNext = false;
        throw new TransientDeliveryError('Slack webhook answered 500 rollup_error', 'server-error', 500);
      }
      return { outcome: 'sent', attempts: 1, httpStatus: 200 };
    });
    const event = snsEvent(
      { body: fixtureText('cloudwatch-metric-alarm.json'), messageId: 'a' },
      { body: fixtureText('ops-event.json'), messageId: 'b' },
    );
    await expect(h.notifier.handle(event)).rejects.toThrow(DeliveryFailedError);
    expect(h.sent.map((s) => s.payload.text)).toEqual([expect.stringContaining('backup-pruner')]);
    // Lambda retries the event: the failed record is sent, the already-sent one is not sent again.
    await h.notifier.handle(event);
    expect(h.sent).toHaveLength(2);
    expect(h.sent[1].payload.text).toContain('orders-db-cpu-high');
  });

  it('a route missing from the secret falls back to the default route', async () => {
    const h = harness(undefined, { platform: URLS.platform });
    await h.notifier.handle(snsEvent({ body: CRITICAL_OPS_EVENT }));
    expect(h.sent.map((s) => s.route)).toEqual(['platform']);
    expect(h.logs.some((l) => l.level === 'warn' && l.extra?.route === 'oncall')).toBe(true);
  });

  it('no URL for the route nor the default route fails the invocation (the DLQ keeps the message)', async () => {
    const h = harness(undefined, {});
    await expect(h.notifier.handle(snsEvent({ body: CRITICAL_OPS_EVENT }))).rejects.toThrow(
      /no webhook for route "oncall"/,
    );
    expect(h.metrics.WebhookMissing).toBe(1);
  });
});

describe('a webhook secret entry that is not a usable URL (configuration problem of one route)', () => {
  /** The real directory over an in-memory secret value, so the real validation and errors are exercised. */
  function withSecret(secret: unknown | (() => Promise<unknown>)) {
    const h = harness();
    const sentTo: string[] = [];
    const log = (level: string) => (message: string, extra?: Record<string, unknown>) =>
      h.logs.push({ level, message, extra });
    const directory = new WebhookDirectory(
      'platform-ops/slack-webhooks',
      typeof secret === 'function' ? (secret as () => Promise<unknown>) : async () => secret,
    );
    h.notifier = new AlertNotifier({
      config: ROUTES_CONFIG,
      ports: {
        webhookUrl: (route) => directory.urlFor(route),
        send: async (url) => {
          sentTo.push(url);
          return { outcome: 'sent', attempts: 1, httpStatus: 200 };
        },
      },
      log: { info: log('info'), warn: log('warn'), error: log('error') },
      metric: (name, count = 1) => (h.metrics[name] = (h.metrics[name] ?? 0) + count),
    });
    return { ...h, sentTo, notifier: h.notifier };
  }
  const MALFORMED = 'hooks.slack.com/services/T000/B001/MALFORMEDsecret';

  it.each([
    ['not a URL', MALFORMED, 'is not a URL'],
    ['plain http', `http://${MALFORMED}`, 'must be an https URL'],
    ['not a string', 42, 'is not a non-empty string'],
  ])('%s for the route: logged as an error, counted, and sent to the default route', async (_n, value, problem) => {
    const h = withSecret({ oncall: value, platform: URLS.platform });
    const outcome = await h.notifier.handle(snsEvent({ body: CRITICAL_OPS_EVENT }));
    expect(outcome.sent).toBe(1);
    expect(h.sentTo).toEqual([URLS.platform]);
    expect(h.metrics.WebhookMalformed).toBe(1);
    expect(h.metrics.WebhookMissing).toBeUndefined();
    expect(h.logs).toContainEqual({
      level: 'error',
      message: expect.stringMatching(/not usable/),
      extra: { route: 'oncall', problem },
    });
    expect(JSON.stringify(h.logs)).not.toContain('MALFORMEDsecret');
  });

  it.each([
    ['malformed route and malformed default', { oncall: MALFORMED, platform: `http://${MALFORMED}` }, 2],
    ['missing route and malformed default', { platform: MALFORMED }, 1],
    ['malformed route and missing default', { oncall: MALFORMED }, 1],
  ])('%s: the invocation fails so Lambda retries and the DLQ keeps the message', async (_n, secret, malformed) => {
    const h = withSecret(secret);
    const error = await h.notifier.handle(snsEvent({ body: CRITICAL_OPS_EVENT })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryFailedError);
    expect((error as Error).message).toMatch(/no webhook for route "oncall" or the default route/);
    expect(h.sentTo).toEqual([]);
    expect(h.metrics.WebhookMalformed).toBe(malformed);
    expect(h.metrics.WebhookMissing).toBe(1);
    expect(JSON.stringify(h.logs) + (error as Error).message).not.toContain('MALFORMEDsecret');
  });

  it('a message routed to the default route whose URL is malformed: looked up once, the invocation fails', async () => {
    const h = withSecret({ platform: MALFORMED });
    const warning = JSON.stringify({ ...fixtureJson('ops-event.json'), severity: 'info' });
    await expect(h.notifier.handle(snsEvent({ body: warning }))).rejects.toThrow(DeliveryFailedError);
    expect(h.metrics.WebhookMalformed).toBe(1);
  });

  it('a secret that cannot be read stays a retryable failure (no fallback to another route)', async () => {
    const h = withSecret(async () => {
      throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    });
    await expect(h.notifier.handle(snsEvent({ body: CRITICAL_OPS_EVENT }))).rejects.toThrow(
      /cannot read webhook secret "platform-ops\/slack-webhooks": ThrottlingException/,
    );
    expect(h.metrics.SlackTransientErrors).toBe(1);
    expect(h.metrics.WebhookMalformed).toBeUndefined();
  });
});

describe('route names that are Object.prototype keys', () => {
  it.each(['constructor', 'toString'])(
    'a route named %s missing from the secret falls back to the default route; no failure, no retry',
    async (name) => {
      const sentTo: string[] = [];
      const metrics: Partial<Record<NotifierMetric, number>> = {};
      const directory = new WebhookDirectory('platform-ops/slack-webhooks', async () => ({ platform: URLS.platform }));
      const notifier = new AlertNotifier({
        config: {
          routes: [
            { name, match: { severities: ['critical'] }, mention: 'none' },
            { name: 'platform', match: {}, mention: 'none' },
          ],
          defaultRoute: 'platform',
          runbooks: {},
        },
        ports: {
          webhookUrl: (route) => directory.urlFor(route),
          send: async (url) => {
            sentTo.push(url);
            return { outcome: 'sent', attempts: 1, httpStatus: 200 };
          },
        },
        log: { info: () => undefined, warn: () => undefined, error: () => undefined },
        metric: (m, count = 1) => (metrics[m] = (metrics[m] ?? 0) + count),
      });
      const outcome = await notifier.handle(snsEvent({ body: CRITICAL_OPS_EVENT }));
      expect(outcome).toMatchObject({ sent: 1, transientFailures: 0 });
      expect(sentTo).toEqual([URLS.platform]);
      expect(metrics.WebhookMalformed).toBeUndefined();
    },
  );
});

describe('bad-input corpus: every input gives a message or a clear logged rejection, never an unhandled exception', () => {
  const garbage = randomBytes(4096).toString('latin1');
  const cases: [string, unknown, 'sent' | 'rejected'][] = [
    ['non-JSON body', snsEvent({ body: 'this is { not json' }), 'sent'],
    ['empty body', snsEvent({ body: '' }), 'sent'],
    ['binary garbage body', snsEvent({ body: garbage }), 'sent'],
    ['256 KB message', snsEvent({ body: JSON.stringify({ blob: 'x'.repeat(256 * 1024) }) }), 'sent'],
    ['256 KB plain text', snsEvent({ body: 'y'.repeat(256 * 1024) }), 'sent'],
    [
      'unknown alarm state',
      snsEvent({
        body: JSON.stringify({ ...fixtureJson('cloudwatch-metric-alarm.json'), NewStateValue: 'SOMETHING_NEW' }),
      }),
      'sent',
    ],
    ['alarm with missing fields', snsEvent({ body: JSON.stringify({ AlarmName: 'x', NewStateValue: null }) }), 'sent'],
    [
      'alarm with wrong types',
      snsEvent({
        body: JSON.stringify({
          AlarmName: 'x',
          NewStateValue: 5,
          Trigger: 'nope',
          TriggeringChildren: 'no',
          AlarmArn: 7,
        }),
      }),
      'sent',
    ],
    [
      'EventBridge alarm with no detail',
      { 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', detail: null },
      'sent',
    ],
    [
      'EventBridge alarm with broken reasonData',
      {
        ...fixtureJson('eventbridge-alarm-state-change.json'),
        detail: { state: { value: 'ALARM', reasonData: '{broken' } },
      },
      'sent',
    ],
    ['backup event with no detail', { 'detail-type': 'Backup Job State Change', source: 'aws.backup' }, 'sent'],
    [
      'ops event with a bad severity (not an ops event: fallback)',
      snsEvent({ body: JSON.stringify({ ...fixtureJson('ops-event.json'), severity: 'doom' }) }),
      'sent',
    ],
    ['JSON array body', snsEvent({ body: '[1,2,3]' }), 'sent'],
    ['JSON null body', snsEvent({ body: 'null' }), 'sent'],
    ['empty Records', { Records: [] }, 'rejected'],
    ['Records not a list', { Records: 'x' }, 'rejected'],
    ['record without Sns', { Records: [{ EventSource: 'aws:sqs', body: '{}' }] }, 'rejected'],
    ['record with non-text Message', { Records: [{ Sns: { Message: { a: 1 } } }] }, 'rejected'],
    ['null event', null, 'rejected'],
    ['string event', 'hello', 'rejected'],
    ['unrelated object', { hello: 'world' }, 'rejected'],
  ];

  it.each(cases)('%s', async (_name, event, expected) => {
    const h = harness();
    const outcome = await h.notifier.handle(event);
    if (expected === 'sent') {
      expect(outcome.sent).toBe(1);
      const payload = h.sent[0].payload;
      expect(payload.text.length).toBeGreaterThan(0);
      expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(20_000);
    } else {
      expect(outcome.sent).toBe(0);
      expect(outcome.rejected).toBeGreaterThan(0);
      const rejection = h.logs.find((l) => l.level === 'error' && l.message === 'record rejected');
      expect(rejection?.extra?.reason).toEqual(expect.any(String));
    }
  });

  it('one bad record does not stop the rest', async () => {
    const h = harness();
    const event = snsEvent(
      { body: fixtureText('cloudwatch-metric-alarm.json') },
      { body: fixtureText('ops-event.json') },
    );
    (event.Records as unknown[]).splice(1, 0, { EventSource: 'aws:sns', Sns: { Message: 42 } });
    const outcome = await h.notifier.handle(event);
    expect(outcome).toMatchObject({ sent: 2, rejected: 1 });
    expect(h.logs.find((l) => l.message === 'record rejected')?.extra?.reason).toBe(
      'Records[1].Sns.Message is missing or not text',
    );
  });
});
