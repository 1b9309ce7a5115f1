import { sdkClientFactory } from '../../../../lambdas/ebs-audit/adapters/clients';

test('STS clients use the regional endpoint', async () => {
  const sts = sdkClientFactory('eu-west-1').sts('ap-southeast-3');
  const endpoint = await sts.config.endpoint?.();
  expect(endpoint?.hostname).toBe('sts.ap-southeast-3.amazonaws.com');
  expect(endpoint?.protocol).toBe('https:');
  sts.destroy();
});
