import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  WebhookDirectory,
  secretsManagerLoader,
  webhookUrlProblem,
} from '../../../../lambdas/alert-notifier/adapters/webhook-secret';
import { InvalidWebhookUrlError, WebhookSecretError } from '../../../../lambdas/alert-notifier/ports';

const secretsMock = mockClient(SecretsManagerClient);
const SECRET = 'platform-ops/slack-webhooks';
const URLS = {
  platform: 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX',
  dba: 'https://hooks.slack.com/services/T000/B001/YYYY',
};

beforeEach(() => secretsMock.reset());

function directory(maxAge = 300) {
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  return new WebhookDirectory(SECRET, secretsManagerLoader(SECRET, client, maxAge));
}

describe('WebhookDirectory with Powertools Parameters', () => {
  it('reads the JSON map once and serves every route from the cache', async () => {
    secretsMock.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: JSON.stringify(URLS) });
    const dir = directory();
    expect(await dir.urlFor('platform')).toBe(URLS.platform);
    expect(await dir.urlFor('dba')).toBe(URLS.dba);
    expect(await dir.urlFor('oncall')).toBeUndefined();
    expect(secretsMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secretsMock).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET });
  });

  it('with maxAge 0 it reads again', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(URLS) });
    const dir = directory(0);
    await dir.urlFor('platform');
    await dir.urlFor('platform');
    expect(secretsMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it.each([
    [
      'not JSON (error names the secret, shows none of the value)',
      'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX',
      /cannot read webhook secret "platform-ops\/slack-webhooks"/,
    ],
    ['a JSON list', JSON.stringify([URLS.platform]), /must be a JSON object of route name → URL/],
    [
      'an http URL',
      JSON.stringify({ platform: 'http://hooks.slack.com/services/T000/B000/XXXXsecretXXXX' }),
      /key "platform": value must be an https URL/,
    ],
    ['a non-URL', JSON.stringify({ platform: 'XXXXsecretXXXX' }), /key "platform": value is not a URL/],
  ])('rejects a secret that is %s', async (_name, value, message) => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: value });
    const error = await directory()
      .urlFor('platform')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookSecretError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('XXXXsecretXXXX');
  });

  it('an unusable value for one route is an InvalidWebhookUrlError naming the route and the problem', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ platform: 'XXXXsecretXXXX' }) });
    const error = await directory()
      .urlFor('platform')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidWebhookUrlError);
    expect(error).toMatchObject({ route: 'platform', problem: 'is not a URL' });
  });

  it('an unreadable secret is not an InvalidWebhookUrlError (it is retried, not routed elsewhere)', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify([URLS.platform]) });
    const error = await directory()
      .urlFor('platform')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookSecretError);
    expect(error).not.toBeInstanceOf(InvalidWebhookUrlError);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'isPrototypeOf'])(
    'a route named %s that the secret does not have is missing (no inherited key is read)',
    async (route) => {
      secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(URLS) });
      await expect(directory().urlFor(route)).resolves.toBeUndefined();
    },
  );

  it('a route named constructor that the secret has is served', async () => {
    secretsMock
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ constructor: URLS.dba, platform: URLS.platform }) });
    await expect(directory().urlFor('constructor')).resolves.toBe(URLS.dba);
  });

  it('a missing secret is an error naming the secret', async () => {
    secretsMock
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    await expect(directory().urlFor('platform')).rejects.toThrow(
      /cannot read webhook secret "platform-ops\/slack-webhooks"/,
    );
  });

  it.each([
    ['https://hooks.slack.com/services/a', undefined],
    ['http://127.0.0.1:8080/x', undefined],
    ['http://localhost/x', undefined],
    ['http://example.com/x', 'must be an https URL'],
    ['ftp://example.com/x', 'must be an https URL'],
    ['', 'is not a non-empty string'],
    [42, 'is not a non-empty string'],
  ])('webhookUrlProblem(%j) → %s', (value, problem) => {
    expect(webhookUrlProblem(value)).toBe(problem);
  });
});

describe('a failed secret read says why, never the value (issue 9 item 9)', () => {
  const value = JSON.stringify(URLS);
  it.each<[string, Error, string]>([
    [
      'access denied',
      Object.assign(new Error(`User arn:aws:iam::1:role/x is not authorized; value ${value}`), {
        name: 'AccessDeniedException',
      }),
      'AccessDeniedException',
    ],
    [
      'not found',
      new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }),
      'ResourceNotFoundException',
    ],
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }),
      'ECONNREFUSED',
    ],
    [
      'timed out',
      Object.assign(new Error('GetSecretValue timed out after 5000 ms'), { name: 'TimeoutError' }),
      'TimeoutError',
    ],
  ])('%s → the code %s', async (_name, error, code) => {
    secretsMock.on(GetSecretValueCommand).rejects(error);
    const thrown = await directory(0)
      .urlFor('platform')
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(WebhookSecretError);
    expect(thrown).toMatchObject({
      code,
      message: `cannot read webhook secret "platform-ops/slack-webhooks": ${code}`,
    });
    expect(String((thrown as Error).message)).not.toContain('hooks.slack.com');
  });

  it('a value that is not JSON: the transform error is named, the value is not quoted', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'https://hooks.slack.com/services/T/B/notjson' });
    const thrown = await directory(0)
      .urlFor('platform')
      .catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code: 'TransformParameterError' });
    expect(String((thrown as Error).message)).not.toContain('hooks.slack.com');
  });
});
