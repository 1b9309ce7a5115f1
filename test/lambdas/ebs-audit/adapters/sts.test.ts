import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { assumeMemberRole, auditSessionName } from '../../../../lambdas/ebs-audit/adapters/sts';

const stsMock = mockClient(STSClient);
beforeEach(() => {
  stsMock.reset();
});

test('AssumeRole: role ARN, session name naming the suite, ExternalId, credentials mapped', async () => {
  stsMock.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: 'ASIA1',
      SecretAccessKey: 's',
      SessionToken: 't',
      Expiration: new Date('2026-11-23T07:00:00Z'),
    },
  });
  const creds = await assumeMemberRole(new STSClient({ region: 'eu-west-1' }), {
    account: '222222222222',
    roleName: 'platform-ops-ebs-audit',
    externalId: 'ext-1',
    sessionName: auditSessionName('5f1c2a9e-0b7d-4c1e-9a44-2d7b3c8e1f00'),
  });
  expect(creds).toMatchObject({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' });
  expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
    RoleArn: 'arn:aws:iam::222222222222:role/platform-ops-ebs-audit',
    RoleSessionName: 'platform-ops-ebs-audit-5f1c2a9e-0b7d-4c1e-9a44-2d7b3c8e1f00',
    ExternalId: 'ext-1',
    DurationSeconds: 3600,
  });
});

test('session names stay within the 64-character STS limit and its character set', () => {
  const name = auditSessionName('run id/with spaces:and-a-very-long-suffix-0123456789-0123456789-0123456789');
  expect(name.length).toBeLessThanOrEqual(64);
  expect(name).toMatch(/^platform-ops-ebs-audit-[\w+=,.@-]+$/);
});
