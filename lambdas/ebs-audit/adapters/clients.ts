/** The SDK clients of the audit, built through the house factory (timeouts, retries, the run's deadline). */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { PricingClient } from '@aws-sdk/client-pricing';
import { STSClient } from '@aws-sdk/client-sts';
import { createAwsClient, type AwsClientOptions } from '../../shared/aws-clients';
import type { AuditClientFactory } from '../ports';
import { PRICE_LIST_ENDPOINT_REGION } from './price-list-api';

/** The regional STS endpoint; tokens it issues are valid in opt-in regions too (global-endpoint ones may not be). */
export function regionalStsEndpoint(region: string): string {
  return `https://sts.${region}.amazonaws.com`;
}

/**
 * The real clients. `deadline` (epoch ms, read at every call) is the run's: the Lambda passes the time its scan and
 * actions must stop, so no call (a hung endpoint, retries on throttling) outlives it.
 */
export function sdkClientFactory(
  homeRegion: string,
  options: Pick<AwsClientOptions, 'deadline' | 'callTimeoutMs'> = {},
): AuditClientFactory {
  return {
    organizations: () => createAwsClient(OrganizationsClient, { ...options, region: homeRegion }),
    sts: (region) => createAwsClient(STSClient, { ...options, region, endpoint: regionalStsEndpoint(region) }),
    ec2: (region, credentials) => createAwsClient(EC2Client, { ...options, region, credentials }),
    cloudwatch: (region, credentials) => createAwsClient(CloudWatchClient, { ...options, region, credentials }),
    pricing: () => createAwsClient(PricingClient, { ...options, region: PRICE_LIST_ENDPOINT_REGION }),
  };
}
