/** The SDK clients of the audit, built through the house factory (timeouts, retries, the run's deadline). */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { PricingClient } from '@aws-sdk/client-pricing';
import { STSClient } from '@aws-sdk/client-sts';
import { createAwsClient } from '../../shared/aws-clients';
import type { AuditClientFactory } from '../ports';
import { PRICE_LIST_ENDPOINT_REGION } from './price-list-api';

/** The regional STS endpoint; tokens it issues are valid in opt-in regions too (global-endpoint ones may not be). */
export function regionalStsEndpoint(region: string): string {
  return `https://sts.${region}.amazonaws.com`;
}

export function sdkClientFactory(homeRegion: string): AuditClientFactory {
  return {
    organizations: () => createAwsClient(OrganizationsClient, { region: homeRegion }),
    sts: (region) => createAwsClient(STSClient, { region, endpoint: regionalStsEndpoint(region) }),
    ec2: (region, credentials) => createAwsClient(EC2Client, { region, credentials }),
    cloudwatch: (region, credentials) => createAwsClient(CloudWatchClient, { region, credentials }),
    pricing: () => createAwsClient(PricingClient, { region: PRICE_LIST_ENDPOINT_REGION }),
  };
}
