/**
 * The credential providers the SDK reaches only when the environment holds no credentials are left out of the Lambda
 * bundles (OPS_ESBUILD_OPTIONS.external in lib/bundling/esbuild.ts). This runs the BUILT alert-notifier bundle from cdk.out in a fresh Node with
 * the environment Lambda gives a function (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN) and a
 * loopback endpoint, and checks that its first AWS call (reading the webhook secret) is signed with those keys.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { jobFunctions } from './cdk-out';

const ACCESS_KEY = 'ASIALAMBDAENVKEY0001';

function notifierBundle(): { entry: string; env: Record<string, string> } {
  const fn = jobFunctions().find((f) => f.job === 'alert-notifier');
  if (!fn) throw new Error('no alert-notifier function in cdk.out (is it enabled in config/example.json?)');
  return { entry: join(fn.assetDir, 'index.mjs'), env: fn.env };
}

describe('a Lambda bundle without the unreached credential providers', () => {
  let server: Server;
  const seen: IncomingHttpHeaders[] = [];
  let endpoint = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret (test)' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('signs its AWS calls with the credentials of the Lambda environment', async () => {
    const { entry, env } = notifierBundle();
    expect(existsSync(entry)).toBe(true);
    const alarm = readFileSync(join(__dirname, '../fixtures/alert-notifier/cloudwatch-metric-alarm.json'), 'utf8');
    const event = {
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: {
            MessageId: 'cred-test-1',
            TopicArn: 'arn:aws:sns:eu-west-1:123456789012:platform-ops-alarms',
            Subject: 'ALARM',
            Message: alarm,
            Timestamp: '2026-11-21T10:05:07.418Z',
            MessageAttributes: {},
          },
        },
      ],
    };
    const script = `import(${JSON.stringify(entry)}).then(async (m) => {
      const context = { getRemainingTimeInMillis: () => 20000, awsRequestId: 'r', functionName: 'smoke',
        invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:smoke' };
      try { await m.handler(${JSON.stringify(event)}, context); } catch (e) { /* the stand-in refuses the secret */ }
    })`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        ...env,
        AWS_REGION: 'eu-west-1',
        AWS_LAMBDA_FUNCTION_NAME: 'smoke',
        AWS_ACCESS_KEY_ID: ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: 'lambda-env-secret',
        AWS_SESSION_TOKEN: 'lambda-env-session-token',
        AWS_ENDPOINT_URL: endpoint,
        NODE_OPTIONS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/Cannot find (package|module) '@aws-sdk\/credential-provider/);
    expect(code).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(seen[0].authorization).toContain(`Credential=${ACCESS_KEY}/`);
    expect(seen[0]['x-amz-security-token']).toBe('lambda-env-session-token');
  });
});
