/**
 * The outside systems ebs-audit talks to, as interfaces: the AWS clients it needs per account and region, the price
 * source and the report store. Implementations live in adapters/ (one file per system); tests and the benchmark
 * replace them.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { RegionPrices } from './core/pricing';

/** Builds the clients the audit needs. `credentials` undefined = the caller's own (the home account). */
export interface AuditClientFactory {
  organizations(): OrganizationsClient;
  /** STS in `region` through its regional endpoint, with the caller's own credentials. */
  sts(region: string): STSClient;
  ec2(region: string, credentials?: AwsCredentialIdentity): EC2Client;
  cloudwatch(region: string, credentials?: AwsCredentialIdentity): CloudWatchClient;
  /** The Price List Query API (us-east-1 endpoint) with the caller's own credentials; prices any region. */
  pricing(): PricingClient;
}

/** Prices for a region; never throws. */
export interface RegionPriceResolver {
  pricesFor(region: string): Promise<RegionPrices>;
  /** Every region resolved so far (for the report), sorted by region. */
  resolved(): RegionPrices[];
}
