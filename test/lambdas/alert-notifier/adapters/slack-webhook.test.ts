import { Command } from 'commander';
import { join } from 'node:path';
import { registerAlertNotifierCommand } from '../../../../cli/commands/alert-notifier';
import { SlackWebhookSender } from '../../../../lambdas/alert-notifier/adapters/slack-webhook';
import { AlertNotifier } from '../../../../lambdas/alert-notifier/job';
import { TransientDeliveryError } from '../../../../lambdas/alert-notifier/ports';
import { FIXTURES, fixtureText, ROUTES_CONFIG, snsEvent } from '../../../doubles/alert-notifier-events';
import { FakeSlack } from '../../../doubles/fake-slack';

const payload = { text: 'hello', attachments: [{ color: '#2EB67D', fallback: 'hello', blocks: [] }] };

describe('SlackWebhookSender against a loopback webhook receiver', () => {
  const slack = new FakeSlack();
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());
  beforeEach(() => slack.received.splice(0));

  it('200 ok: posts the payload as JSON once', async () => {
    const result = await new SlackWebhookSender().send(`${slack.base}/ok/T1/B1/secret`, payload);
    expect(result).toEqual({ outcome: 'sent', attempts: 1, httpStatus: 200 });
    expect(slack.received).toHaveLength(1);
    expect(slack.received[0]).toMatchObject({
      method: 'POST',
      path: '/ok/T1/B1/secret',
      contentType: 'application/json; charset=utf-8',
    });
    expect(JSON.parse(slack.received[0].body)).toEqual(payload);
  });

  it('429 with Retry-After: waits that long, then retries and succeeds', async () => {
    const result = await new SlackWebhookSender().send(`${slack.base}/rate-limited-once/a`, payload, () => 30_000);
    expect(result).toEqual({ outcome: 'sent', attempts: 2, httpStatus: 200 });
    expect(slack.received).toHaveLength(2);
    expect(slack.received[1].at - slack.received[0].at).toBeGreaterThanOrEqual(950);
    expect(slack.received[1].body).toBe(slack.received[0].body);
  });

  it('429 whose Retry-After exceeds the remaining invocation time: no wait, a retryable error', async () => {
    const started = Date.now();
    const error = await new SlackWebhookSender()
      .send(`${slack.base}/rate-limited-long`, payload, () => 10_000)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect((error as TransientDeliveryError).reason).toBe('rate-limited');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(slack.received).toHaveLength(1);
  });

  it('429 forever: bounded number of retries, then a retryable error', async () => {
    const error = await new SlackWebhookSender({ maxRateLimitRetries: 2 })
      .send(`${slack.base}/rate-limited-always`, payload, () => 30_000)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(slack.received).toHaveLength(3);
  });

  it('500: not retried in the invocation; throws so Lambda retries', async () => {
    const error = await new SlackWebhookSender().send(`${slack.base}/server-error`, payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error).toMatchObject({
      reason: 'server-error',
      httpStatus: 500,
      message: 'Slack webhook answered 500 rollup_error',
    });
    expect(slack.received).toHaveLength(1);
  });

  it.each([
    ['/invalid', 400, 'invalid_payload'],
    ['/gone', 404, 'no_service'],
    ['/archived', 410, 'channel_is_archived'],
  ])('%s: permanent error %s %s is returned, not retried', async (path, status, code) => {
    const result = await new SlackWebhookSender().send(`${slack.base}${path}`, payload);
    expect(result).toEqual({ outcome: 'rejected', attempts: 1, httpStatus: status, error: code });
    expect(slack.received).toHaveLength(1);
  });

  it.each([
    [408, ''],
    [408, '<html><body>408 Request Timeout</body></html>'],
    [425, 'too_early'],
    [409, 'conflict'],
    [405, 'Method Not Allowed'],
  ])('%s %j: retryable (the invocation fails, Lambda retries, the DLQ keeps it)', async (status, body) => {
    const error = await new SlackWebhookSender()
      .send(`${slack.base}/status/${status}/${encodeURIComponent(body)}`, payload)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error).toMatchObject({ reason: 'retryable-status', httpStatus: status });
    expect(slack.received).toHaveLength(1);
  });

  it.each([
    [400, 'invalid_blocks', 'invalid_blocks'],
    [403, 'action_prohibited', 'action_prohibited'],
    [404, 'channel_not_found', 'channel_not_found'],
    [400, '<html><body>Bad Request</body></html>', 'http_400'],
    [403, '', 'http_403'],
    [404, '404 page not found', 'http_404'],
    [410, 'gone', 'gone'],
    [408, 'invalid_payload', 'invalid_payload'],
    [425, 'no_service', 'no_service'],
  ])('%s %j: permanent (%s), not retried', async (status, body, code) => {
    const result = await new SlackWebhookSender().send(
      `${slack.base}/status/${status}/${encodeURIComponent(body)}`,
      payload,
    );
    expect(result).toEqual({ outcome: 'rejected', attempts: 1, httpStatus: status, error: code });
  });

  it('a server that never answers: the per-request timeout fires and the error is retryable', async () => {
    const started = Date.now();
    const error = await new SlackWebhookSender({ timeoutMs: 300 })
      .send(`${slack.base}/hang`, payload)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransientDeliveryError', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('the request timeout is cut to the remaining invocation time', async () => {
    const started = Date.now();
    const error = await new SlackWebhookSender({ timeoutMs: 20_000, reserveMs: 100 })
      .send(`${slack.base}/hang`, payload, () => 500)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('connection refused: a retryable network error', async () => {
    const closed = new FakeSlack();
    await closed.start();
    const url = `${closed.base}/ok`;
    await closed.stop();
    const error = await new SlackWebhookSender().send(url, payload).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'TransientDeliveryError',
      reason: 'network',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });
});

describe('the webhook URL never reaches a log line or an error', () => {
  const slack = new FakeSlack();
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());

  it.each(['/server-error', '/invalid', '/hang', '/refused'])('failure at %s', async (path) => {
    const secretPart = 'T0SECRET/B0SECRET/XXXXXXXXXXXXsupersecret';
    let base = slack.base;
    if (path === '/refused') {
      const closed = new FakeSlack();
      await closed.start();
      base = closed.base;
      await closed.stop();
    }
    const url = `${base}${path}/services/${secretPart}`;
    const lines: string[] = [];
    const log = (level: string) => (message: string, extra?: Record<string, unknown>) =>
      lines.push(JSON.stringify({ level, message, ...extra }));
    const sender = new SlackWebhookSender({ timeoutMs: 300 });
    const notifier = new AlertNotifier({
      config: ROUTES_CONFIG,
      ports: { webhookUrl: async () => url, send: (u, p, r) => sender.send(u, p, r) },
      log: { info: log('info'), warn: log('warn'), error: log('error') },
      metric: () => undefined,
    });
    const error = await notifier
      .handle(snsEvent({ body: fixtureText('cloudwatch-metric-alarm.json') }))
      .catch((e: unknown) => e);
    if (error instanceof Error) lines.push(error.message, String(error.stack));
    expect(lines.some((l) => l.includes('error'))).toBe(true);
    for (const line of lines) {
      expect(line).not.toContain(secretPart);
      expect(line).not.toContain('supersecret');
      expect(line).not.toContain(url);
    }
  });
});

describe('a response body quoting the webhook URL never reaches logs, errors or CLI output', () => {
  const slack = new FakeSlack();
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());

  const secretPart = 'T000/B000/SECRETxyz';
  const forbidden = (path: string) => [secretPart, 'SECRETxyz', '/services/', 'hooks.slack.com', path];

  it.each([
    ['/echo-404', { outcome: 'rejected', attempts: 1, httpStatus: 404, error: 'http_404' }],
    ['/code-and-url', { outcome: 'rejected', attempts: 1, httpStatus: 400, error: 'http_400' }],
  ])('%s: the sender returns only http_<status>', async (prefix, expected) => {
    const url = `${slack.base}${prefix}/services/${secretPart}`;
    const result = await new SlackWebhookSender().send(url, payload);
    expect(result).toEqual(expected);
    for (const f of forbidden(`${prefix}/services/`)) expect(JSON.stringify(result)).not.toContain(f);
  });

  it('/html-502: a retryable error whose message carries only the status', async () => {
    const url = `${slack.base}/html-502/services/${secretPart}`;
    const error = await new SlackWebhookSender().send(url, payload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error).toMatchObject({
      reason: 'server-error',
      httpStatus: 502,
      message: 'Slack webhook answered 502 http_502',
    });
  });

  it.each(['/echo-404', '/html-502', '/code-and-url'])(
    '%s through the notifier: logs and the thrown error',
    async (prefix) => {
      const url = `${slack.base}${prefix}/services/${secretPart}`;
      const lines: string[] = [];
      const log = (level: string) => (message: string, extra?: Record<string, unknown>) =>
        lines.push(JSON.stringify({ level, message, ...extra }));
      const sender = new SlackWebhookSender();
      const notifier = new AlertNotifier({
        config: ROUTES_CONFIG,
        ports: { webhookUrl: async () => url, send: (u, p, r) => sender.send(u, p, r) },
        log: { info: log('info'), warn: log('warn'), error: log('error') },
        metric: () => undefined,
      });
      const error = await notifier
        .handle(snsEvent({ body: fixtureText('cloudwatch-metric-alarm.json') }))
        .catch((e: unknown) => e);
      if (error instanceof Error) lines.push(error.message, String(error.stack));
      expect(lines.some((l) => /"level":"error"/.test(l))).toBe(true);
      expect(lines.join('\n')).toMatch(/http_(404|502|400)/);
      for (const line of lines) for (const f of forbidden(prefix)) expect(line).not.toContain(f);
    },
  );

  it.each(['/echo-404', '/html-502', '/code-and-url'])(
    '%s through the CLI: table and --json output',
    async (prefix) => {
      const url = `${slack.base}${prefix}/services/${secretPart}`;
      for (const extra of [[], ['--json']]) {
        const out: string[] = [];
        const program = new Command().exitOverride();
        registerAlertNotifierCommand(program, {
          out: { write: (t) => out.push(t) },
          err: { write: (t) => out.push(t) },
          sender: new SlackWebhookSender(),
        });
        process.exitCode = 0;
        await program.parseAsync([
          'node',
          'platform-ops',
          'alert-notifier',
          '--event',
          join(FIXTURES, 'ops-event.json'),
          '--webhook-url',
          url,
          ...extra,
        ]);
        const code = process.exitCode;
        process.exitCode = 0;
        const text = out.join('');
        expect(code).toBe(1);
        expect(text).toMatch(/http_(404|502|400)/);
        for (const f of forbidden(prefix)) expect(text).not.toContain(f);
      }
    },
  );
});
