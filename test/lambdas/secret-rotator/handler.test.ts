import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type * as PowertoolsModule from '../../../lambdas/shared/powertools';
import { secretRotatorConfig } from '../../../lambdas/secret-rotator/config';
import { makeCa, type TestCa } from '../../doubles/test-ca';
import { TEST_CREDENTIALS, VaultStandIn } from '../../doubles/vault-stand-in';

const snsMock = mockClient(SNSClient);
const ROLE = 'platform-ops-secret-rotator';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ops-events';
const context = {
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:platform-ops-secret-rotator',
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;

type Handler = (event: unknown, context: Context) => Promise<{ results: { secret: string; action: string }[] }>;
let handler: Handler;
let powertools: typeof PowertoolsModule;
let vault: VaultStandIn;
let ca: TestCa;
const saved = { ...process.env };

beforeAll(async () => {
  ca = await makeCa('Mesh CA');
  vault = new VaultStandIn();
  vault.addLoginRole(
    ROLE,
    {
      boundIamPrincipalArn: TEST_CREDENTIALS.arn,
      policy: { 'secret/*': ['create', 'read', 'update'], 'pki_int/sign/mesh': ['update'] },
    },
    TEST_CREDENTIALS,
  );
  vault.addPkiMount('pki_int', ca);
  vault.addPkiRole('pki_int', 'mesh', { allowedDomains: ['mesh.local'], allowSubdomains: true });
  const soon = await makeCa('anchor', { validMs: 5 * 86_400_000 });
  vault.putSecret('secret', 'mesh/anchor', { 'tls.crt': soon.certPem });
  await vault.start();
  const vaultConn = { address: vault.address, role: ROLE };
  process.env.JOB_CONFIG = JSON.stringify(
    secretRotatorConfig.parse({
      enabled: true,
      dryRun: false,
      secrets: [
        {
          name: 'payments-mtls',
          vault: { ...vaultConn, path: 'mtls/payments' },
          certificate: {
            commonName: 'payments.mesh.local',
            ttl: '720h',
            issuer: { type: 'vault-pki', mount: 'pki_int', role: 'mesh' },
          },
        },
        {
          name: 'refused',
          vault: { ...vaultConn, path: 'mtls/refused' },
          certificate: {
            commonName: 'refused.example.com',
            ttl: '720h',
            issuer: { type: 'vault-pki', mount: 'pki_int', role: 'mesh' },
          },
        },
      ],
      watch: [{ name: 'anchor', vault: { ...vaultConn, path: 'mesh/anchor' } }],
    }),
  );
  process.env.OPS_TOPIC_ARN = TOPIC;
  // The function's own temporary credentials, as Lambda sets them: they only sign the Vault login.
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  process.env.AWS_SESSION_TOKEN = TEST_CREDENTIALS.sessionToken;
  powertools = require('../../../lambdas/shared/powertools');
  handler = require('../../../lambdas/secret-rotator/handler').handler;
});
afterAll(async () => {
  process.env = saved;
  await vault.stop();
});

describe('secret-rotator handler', () => {
  it('rotates, emits days-left per secret and watch, publishes events, revokes its token, never logs the key', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    const metrics: { name: string; value: number; dims: Record<string, string> }[] = [];
    jest.spyOn(powertools.metrics, 'singleMetric').mockImplementation(() => {
      const dims: Record<string, string> = {};
      return {
        addDimension: (k: string, v: string) => void (dims[k] = v),
        addMetric: (name: string, _unit: unknown, value: number) =>
          void metrics.push({ name, value, dims: { ...dims } }),
      } as never;
    });
    const counts = jest.spyOn(powertools.metrics, 'addMetric');
    const logged: unknown[] = [];
    for (const level of ['info', 'warn', 'error'] as const)
      jest.spyOn(powertools.logger, level).mockImplementation((...args: unknown[]) => void logged.push(args));

    const out = await handler({}, context);
    expect(out.results.map((r) => [r.secret, r.action])).toEqual([
      ['payments-mtls', 'rotated'],
      ['refused', 'failed'],
    ]);
    expect(metrics.map((m) => [m.name, m.dims.Secret])).toEqual([
      ['CertificateDaysLeft', 'payments-mtls'],
      ['CertificateDaysLeft', 'anchor'],
    ]);
    expect(metrics[0].value).toBeCloseTo(30, 0);
    expect(counts).toHaveBeenCalledWith('RotationFailures', 'Count', 1);
    expect(counts).toHaveBeenCalledWith('Rotations', 'Count', 1);

    const published = snsMock.commandCalls(PublishCommand).map((c) => JSON.parse(c.args[0].input.Message!));
    expect(published.map((e) => [e.kind, e.severity])).toEqual([
      ['rotated', 'info'],
      ['rotation-failed', 'critical'],
      ['expiring', 'warning'],
    ]);
    expect(published[1].summary).toContain('the role does not allow the name "refused.example.com"');
    expect(vault.revoked).toHaveLength(1);

    const key = String(vault.getSecret('secret', 'mtls/payments')!['tls.key']);
    const everything = JSON.stringify([logged, published, out]);
    expect(everything).not.toContain('PRIVATE KEY');
    for (const line of key.split('\n').slice(1, -2)) expect(everything).not.toContain(line);
  });
});
