import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { DescribeServicesCommand } from '@aws-sdk/client-pricing';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { sdkClientFactory } from '../../../../lambdas/ebs-audit/adapters/clients';

test('STS clients use the regional endpoint', async () => {
  const sts = sdkClientFactory('eu-west-1').sts('ap-southeast-3');
  const endpoint = await sts.config.endpoint?.();
  expect(endpoint?.hostname).toBe('sts.ap-southeast-3.amazonaws.com');
  expect(endpoint?.protocol).toBe('https:');
  sts.destroy();
});

test("hardening 1: every client of the factory stops at the run's deadline (no call outlives it)", async () => {
  const factory = sdkClientFactory('eu-west-1', { deadline: () => Date.now() - 1 });
  const creds = { accessKeyId: 'ASIA111111111111', secretAccessKey: 's', sessionToken: 't' };
  const calls: [string, { send: (c: never) => Promise<unknown>; destroy: () => void }, unknown][] = [
    ['OrganizationsClient.ListAccountsCommand', factory.organizations(), new ListAccountsCommand({})],
    ['STSClient.GetCallerIdentityCommand', factory.sts('eu-west-1'), new GetCallerIdentityCommand({})],
    ['EC2Client.DescribeRegionsCommand', factory.ec2('eu-west-1', creds), new DescribeRegionsCommand({})],
    ['CloudWatchClient.DescribeAlarmsCommand', factory.cloudwatch('eu-west-1', creds), new DescribeAlarmsCommand({})],
    ['PricingClient.DescribeServicesCommand', factory.pricing(), new DescribeServicesCommand({})],
  ];
  for (const [operation, client, command] of calls) {
    await expect(client.send(command as never)).rejects.toThrow(`${operation} timed out after 0 ms`);
    client.destroy();
  }
});
