import type * as SecretsManagerModule from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import type * as ClientMockModule from 'aws-sdk-client-mock';
import { fixtureJson, fixtureText, snsEvent } from '../../doubles/alert-notifier-events';
import { FakeSlack } from '../../doubles/fake-slack';

/** Secrets Manager mock created inside the handler's isolated module registry (so it patches the same SDK copy). */
let secretCalls = () => 0;

const JOB_CONFIG = {
  enabled: true,
  webhookSecretName: 'platform-ops/slack-webhooks',
  routes: [
    { name: 'oncall', match: { severities: ['critical'] }, mention: 'here' },
    { name: 'platform', mention: 'none' },
  ],
  defaultRoute: 'platform',
  runbooks: { failover: 'https://runbooks.example.com/failover?cluster={cluster}' },
  slackTimeoutMs: 1000,
};

function context(remainingMs = 30_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'platform-ops-alert-notifier',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:platform-ops-alert-notifier',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    logGroupName: '/aws/lambda/platform-ops-alert-notifier',
    logStreamName: '2026/11/21/[$LATEST]abc',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The metric alarm fixture at another change time (the same transition twice is, rightly, sent once). */
const alarmAt = (time: string) =>
  JSON.stringify({ ...fixtureJson('cloudwatch-metric-alarm.json'), StateChangeTime: time });

type Handler = (event: unknown, context: Context) => Promise<void>;

describe('handler (module-scope config, Powertools secret, real HTTP to a loopback webhook)', () => {
  const slack = new FakeSlack();
  const posts = slack.received;
  const answers: Record<number, string> = { 200: 'ok', 400: 'invalid_payload', 500: 'rollup_error' };
  const answer = (status: number) => (slack.answerAll = { status, body: answers[status] });
  let handler: Handler;
  const output: string[] = [];
  let restoreOut: () => void = () => undefined;

  beforeAll(async () => {
    await slack.start();
    answer(200);
    const base = slack.base;
    process.env.JOB_CONFIG = JSON.stringify(JOB_CONFIG);
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
    restoreOut = () => {
      stdout.mockRestore();
      stderr.mockRestore();
    };
    jest.isolateModules(() => {
      const sm = require('@aws-sdk/client-secrets-manager') as typeof SecretsManagerModule;
      const { mockClient } = require('aws-sdk-client-mock') as typeof ClientMockModule;
      const secretsMock = mockClient(sm.SecretsManagerClient);
      secretsMock.on(sm.GetSecretValueCommand, { SecretId: 'platform-ops/slack-webhooks' }).resolves({
        SecretString: JSON.stringify({
          oncall: `${base}/services/ONCALL/supersecret1`,
          platform: `${base}/services/PLATFORM/supersecret2`,
        }),
      });
      secretCalls = () => secretsMock.commandCalls(sm.GetSecretValueCommand).length;
      ({ handler } = require('../../../lambdas/alert-notifier/handler') as { handler: Handler });
    });
  });

  afterAll(async () => {
    restoreOut();
    delete process.env.JOB_CONFIG;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    await slack.stop();
  });

  beforeEach(() => {
    posts.splice(0);
    output.splice(0);
    answer(200);
  });

  it('posts each SNS record to its route and a direct EventBridge event too', async () => {
    await handler(
      snsEvent(
        { body: fixtureText('cloudwatch-metric-alarm.json') },
        // Critical, so it takes the oncall route (the contract allows any job a critical ops event).
        { body: JSON.stringify({ ...fixtureJson('ops-event.json'), severity: 'critical' }) },
      ),
      context(),
    );
    await handler(fixtureJson('backup-job-failed.json'), context());
    expect(posts.map((p) => p.path)).toEqual([
      '/services/PLATFORM/supersecret2',
      '/services/ONCALL/supersecret1',
      '/services/ONCALL/supersecret1',
    ]);
    const first = JSON.parse(posts[0].body) as { text: string; attachments: { color: string }[] };
    expect(first.text).toMatch(/^🔴 ALARM: orders-db-cpu-high/);
    expect(first.attachments[0].color).toBe('#D40E0D');
    expect(JSON.parse(posts[1].body).text).toMatch(/^<!here> /);
    expect(secretCalls()).toBe(1);
  });

  it('a 500 fails the invocation (Lambda retries, then the DLQ) and the logs never contain the webhook URL', async () => {
    answer(500);
    await expect(handler(snsEvent({ body: alarmAt('2026-11-21T11:00:00.000+0000') }), context())).rejects.toThrow(
      /not delivered, will be retried/,
    );
    const logs = output.join('');
    expect(logs).toContain('delivery failed');
    expect(logs).not.toContain('supersecret');
    expect(logs).not.toContain('/services/');
  });

  it('a 400 invalid_payload is logged and the invocation succeeds (no retry)', async () => {
    answer(400);
    await expect(
      handler(snsEvent({ body: alarmAt('2026-11-21T12:00:00.000+0000') }), context()),
    ).resolves.toBeUndefined();
    expect(posts).toHaveLength(1);
    const logs = output.join('');
    expect(logs).toContain('invalid_payload');
    expect(logs).not.toContain('supersecret');
  });

  it('bad input is logged as a rejection, the invocation does not throw', async () => {
    await expect(handler({ Records: [] }, context())).resolves.toBeUndefined();
    expect(output.join('')).toContain('Records is empty');
    expect(posts).toHaveLength(0);
  });
});

describe('handler init', () => {
  it('a bad JOB_CONFIG fails at init naming the variable', () => {
    process.env.JOB_CONFIG = JSON.stringify({ ...JOB_CONFIG, defaultRoute: 'nope' });
    expect(() =>
      jest.isolateModules(() => {
        require('../../../lambdas/alert-notifier/handler');
      }),
    ).toThrow(/JOB_CONFIG\.defaultRoute: must name one of the routes/);
    delete process.env.JOB_CONFIG;
  });
});
