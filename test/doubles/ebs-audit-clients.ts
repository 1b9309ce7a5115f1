/**
 * Fake audit clients, shared by the ebs-audit tests, the CLI tests and the benchmark: helpers for tests that drive
 * mocked SDK clients (aws-sdk-client-mock), and a simulated AWS estate behind real SDK clients.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { PricingClient } from '@aws-sdk/client-pricing';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { AuditClientFactory } from '../../lambdas/ebs-audit/ports';

/** The account a mocked client acts for: its access key is `ASIA<account>` (assumed) or the home test key. */
export async function whoAndWhere(
  getClient: () => { config: unknown },
  homeAccount: string,
): Promise<{ account: string; region: string }> {
  const config = getClient().config as unknown as {
    region: () => Promise<string>;
    credentials: () => Promise<{ accessKeyId: string }>;
  };
  const region = await config.region();
  const { accessKeyId } = await config.credentials();
  return { account: accessKeyId.startsWith('ASIA') ? accessKeyId.slice(4) : homeAccount, region };
}

export function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: {} });
}

// ---------------------------------------------------------------------------------------------------------------
// A simulated AWS estate behind real SDK clients (benchmark, CLI tests, job tests)

/** The 17 regions enabled by default in a commercial account. */
export const DEFAULT_REGIONS = [
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2',
  'ca-central-1', 'eu-central-1', 'eu-north-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1',
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
]; // prettier-ignore

export interface SimulatedEstate {
  /** Number of accounts: ids 100000000000 + i; account 0 is the home account. */
  readonly accounts: number;
  readonly regions?: readonly string[];
  /** Unattached volumes in account index a, region index r. */
  readonly volumeCount: (a: number, r: number) => number;
  /** Latency of every call. */
  readonly latencyMs?: number;
  /** Extra tags per volume (index i of its scope), e.g. long or hostile Name tags. */
  readonly extraTags?: (a: number, r: number, i: number) => { Key: string; Value: string }[];
  /**
   * Throttle: at most this many calls in flight per account×region (EC2 limits per account and region); a call
   * beyond it fails with RequestLimitExceeded. Unset: never throttled.
   */
  readonly maxInFlightPerScope?: number;
  /**
   * EC2's request-rate throttling, simulated: each account×region (indexes a, r) given a bucket here has one token
   * bucket shared by its EC2 calls (DescribeVolumes, DescribeRegions), `capacity` tokens to start with, refilled at
   * `refillPerSecond` on the estate's clock; a call finding it empty fails with RequestLimitExceeded (as EC2 answers).
   * Real EC2 for describe calls: 100 tokens, 20 per second, per API. Undefined for a scope: never throttled.
   */
  readonly ec2Bucket?: (a: number, r: number) => TokenBucketSpec | undefined;
  /** Clock of the token buckets, ms (tests pass a fake one advanced by their sleep). Default: performance.now(). */
  readonly clockMs?: () => number;
}

export interface TokenBucketSpec {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** EC2's bucket for non-mutating (Describe*) requests, per account, region and API (EC2 developer guide). */
export const EC2_DESCRIBE_BUCKET: TokenBucketSpec = { capacity: 100, refillPerSecond: 20 };

export interface SimulatedAwsStats {
  readonly calls: Map<string, number>;
  inFlight: number;
  peakInFlight: number;
  /** Highest number of calls in flight to one account (all its regions). */
  peakInFlightPerAccount: number;
  /** Highest number of calls in flight to one account×region. */
  peakInFlightPerScope: number;
  perVolumeCalls: number;
  /** Calls answered with RequestLimitExceeded (in-flight cap or token bucket). */
  throttled: number;
  /** The same, per "account/region". */
  throttledPerScope: Map<string, number>;
}

export const SIMULATED_HOME = '100000000000';
const HOME_SERVICE_COMMANDS = new Set(['AssumeRoleCommand', 'ListAccountsCommand', 'GetProductsCommand']);
export const simulatedAccountId = (i: number) => String(100000000000 + i);

/**
 * An AuditClientFactory whose clients are real SDK clients (paginators, middleware, the ports unchanged) with the
 * transport replaced: a middleware at the front of each client's stack answers every command from the in-memory
 * estate after `latencyMs`, so nothing is serialized or sent. Every call is counted.
 */
export function simulatedAuditClients(estate: SimulatedEstate): {
  readonly factory: AuditClientFactory;
  readonly stats: SimulatedAwsStats;
} {
  const regions = estate.regions ?? DEFAULT_REGIONS;
  const latency = estate.latencyMs ?? 0;
  const accountIds = Array.from({ length: estate.accounts }, (_, i) => simulatedAccountId(i));
  const stats: SimulatedAwsStats = {
    calls: new Map(),
    inFlight: 0,
    peakInFlight: 0,
    peakInFlightPerAccount: 0,
    peakInFlightPerScope: 0,
    perVolumeCalls: 0,
    throttled: 0,
    throttledPerScope: new Map(),
  };
  const perScope = new Map<string, number>();
  const perAccount = new Map<string, number>();
  const clock = estate.clockMs ?? (() => performance.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  /** Takes a token from the scope's EC2 bucket; false when it is empty (the call is throttled). */
  const takeToken = (account: string, region: string): boolean => {
    const spec = estate.ec2Bucket?.(Number(account) - 100000000000, regions.indexOf(region));
    if (!spec) return true;
    const key = `${account}/${region}`;
    const now = clock();
    const bucket = buckets.get(key) ?? { tokens: spec.capacity, at: now };
    bucket.tokens = Math.min(spec.capacity, bucket.tokens + ((now - bucket.at) / 1000) * spec.refillPerSecond);
    bucket.at = now;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
  const ec2Commands = new Set(['DescribeVolumesCommand', 'DescribeRegionsCommand']);

  const simulate = (command: string, input: Record<string, unknown>, account: string, region: string): unknown => {
    const a = Number(account) - 100000000000;
    const r = regions.indexOf(region);
    switch (command) {
      case 'ListAccountsCommand': {
        const start = input.NextToken ? Number(input.NextToken) : 0;
        const size = Number(input.MaxResults ?? 20);
        const page = accountIds.slice(start, start + size).map((Id) => ({ Id, Name: `acct-${Id}`, State: 'ACTIVE' }));
        return { Accounts: page, NextToken: start + size < accountIds.length ? String(start + size) : undefined };
      }
      case 'AssumeRoleCommand': {
        const target = String(input.RoleArn).split(':')[4];
        return {
          Credentials: {
            AccessKeyId: `ASIA${target}`,
            SecretAccessKey: 'x',
            SessionToken: 'y',
            Expiration: new Date(Date.now() + 3600e3),
          },
        };
      }
      case 'DescribeRegionsCommand':
        return { Regions: regions.map((RegionName) => ({ RegionName, OptInStatus: 'opt-in-not-required' })) };
      case 'DescribeVolumesCommand': {
        if (input.VolumeIds) stats.perVolumeCalls += 1;
        const total = r < 0 ? 0 : estate.volumeCount(a, r);
        const start = input.NextToken ? Number(input.NextToken) : 0;
        const size = Math.min(Number(input.MaxResults ?? 500), 500);
        const end = Math.min(start + size, total);
        const Volumes = [];
        for (let i = start; i < end; i++) {
          Volumes.push({
            VolumeId: `vol-${a.toString(16).padStart(3, '0')}${r.toString(16).padStart(2, '0')}${i.toString(16).padStart(12, '0')}`,
            VolumeType: ['gp2', 'gp3', 'io2', 'st1', 'sc1'][i % 5],
            Size: 8 + (i % 500),
            Iops: i % 5 === 2 ? 4000 + i : 3000,
            Throughput: 125,
            State: 'available',
            CreateTime: new Date('2025-06-01T00:00:00Z'),
            Encrypted: true,
            AvailabilityZone: `${region}a`,
            Tags: [
              { Key: 'Name', Value: `data-${i}` },
              { Key: 'team', Value: `team-${i % 7}` },
              ...(i % 11 === 0 ? [{ Key: 'kubernetes.io/created-for/pvc/name', Value: `pvc-${i}` }] : []),
              ...(estate.extraTags?.(a, r, i) ?? []),
            ],
          });
        }
        return { Volumes, NextToken: end < total ? String(end) : undefined };
      }
      case 'GetMetricDataCommand': {
        const queries = input.MetricDataQueries as { Id: string }[];
        return {
          MetricDataResults: queries.map((q, i) => ({
            Id: q.Id,
            StatusCode: 'Complete',
            Timestamps: i % 2 === 0 ? [new Date(Date.UTC(2026, 9, 1 + (i % 28), 10))] : [],
            Values: i % 2 === 0 ? [3600] : [],
          })),
        };
      }
      case 'GetProductsCommand': {
        const filters = input.Filters as { Field: string; Value: string }[];
        const priced = filters.find((f) => f.Field === 'regionCode')?.Value ?? '';
        return { FormatVersion: 'aws_v1', PriceList: simulatedEbsProducts(priced) };
      }
      default:
        throw new Error(`simulated AWS has no ${command}`);
    }
  };

  type AnyClient = { middlewareStack: { add: (mw: unknown, options: unknown) => void } };
  const simulated = <C>(client: C, account: string, region: string): C => {
    (client as unknown as AnyClient).middlewareStack.add(
      (_next: unknown, context: { commandName: string }) => async (args: { input: Record<string, unknown> }) => {
        stats.calls.set(context.commandName, (stats.calls.get(context.commandName) ?? 0) + 1);
        const scope = `${account}/${region}`;
        // Calls into an audited account×region; AssumeRole, ListAccounts and GetProducts go to the home account's
        // STS, Organizations and the Price List API, and count only in the run's total.
        const intoAccount = !HOME_SERVICE_COMMANDS.has(context.commandName);
        const inScope = intoAccount ? (perScope.get(scope) ?? 0) + 1 : 0;
        const inAccount = intoAccount ? (perAccount.get(account) ?? 0) + 1 : 0;
        if (intoAccount) perScope.set(scope, inScope);
        if (intoAccount) perAccount.set(account, inAccount);
        stats.inFlight += 1;
        stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
        stats.peakInFlightPerAccount = Math.max(stats.peakInFlightPerAccount, inAccount);
        stats.peakInFlightPerScope = Math.max(stats.peakInFlightPerScope, inScope);
        try {
          if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
          const overCap = estate.maxInFlightPerScope !== undefined && inScope > estate.maxInFlightPerScope;
          if (overCap || (ec2Commands.has(context.commandName) && !takeToken(account, region))) {
            stats.throttled += 1;
            stats.throttledPerScope.set(scope, (stats.throttledPerScope.get(scope) ?? 0) + 1);
            throw awsError('RequestLimitExceeded', 'Request limit exceeded.');
          }
          return {
            output: { $metadata: {}, ...(simulate(context.commandName, args.input, account, region) as object) },
            response: {},
          };
        } finally {
          stats.inFlight -= 1;
          // Idle keys are dropped, so the double holds nothing per scope (the bench measures the audit's memory).
          if (intoAccount) {
            const scopeLeft = (perScope.get(scope) ?? 1) - 1;
            const accountLeft = (perAccount.get(account) ?? 1) - 1;
            if (scopeLeft > 0) perScope.set(scope, scopeLeft);
            else perScope.delete(scope);
            if (accountLeft > 0) perAccount.set(account, accountLeft);
            else perAccount.delete(account);
          }
        }
      },
      { step: 'initialize', name: 'simulatedAws', priority: 'high' },
    );
    return client;
  };

  const accountOf = (c?: AwsCredentialIdentity) => (c ? c.accessKeyId.slice(4) : SIMULATED_HOME);
  const base = { credentials: { accessKeyId: 'AKIDHOME', secretAccessKey: 'x' }, maxAttempts: 1 };
  const factory: AuditClientFactory = {
    organizations: () =>
      simulated(new OrganizationsClient({ ...base, region: 'us-east-1' }), SIMULATED_HOME, 'us-east-1'),
    sts: (region) => simulated(new STSClient({ ...base, region }), SIMULATED_HOME, region),
    ec2: (region, creds) =>
      simulated(new EC2Client({ ...base, region, ...(creds ? { credentials: creds } : {}) }), accountOf(creds), region),
    cloudwatch: (region, creds) =>
      simulated(
        new CloudWatchClient({ ...base, region, ...(creds ? { credentials: creds } : {}) }),
        accountOf(creds),
        region,
      ),
    pricing: () => simulated(new PricingClient({ ...base, region: 'us-east-1' }), SIMULATED_HOME, 'us-east-1'),
  };
  return { factory, stats };
}

/** A region's EBS volume products in the Price List shape (us-east-1 figures, region-prefixed usage types). */
function simulatedEbsProducts(region: string): string[] {
  const prefix = region === 'us-east-1' ? '' : `${region.replace(/-/g, '').toUpperCase().slice(0, 5)}-`;
  const item = (family: string, usage: string, unit: string, usd: string, volumeApiName?: string) =>
    JSON.stringify({
      product: {
        productFamily: family,
        attributes: { regionCode: region, locationType: 'AWS Region', usagetype: `${prefix}${usage}`, volumeApiName },
      },
      terms: { OnDemand: { t: { priceDimensions: { d: { unit, pricePerUnit: { USD: usd } } } } } },
      publicationDate: '2026-11-01T00:00:00Z',
    });
  const storage = (suffix: string, api: string, usd: string) =>
    item('Storage', `EBS:VolumeUsage${suffix}`, 'GB-Mo', usd, api);
  const iops = (suffix: string, usd: string) => item('System Operation', `EBS:VolumeP-IOPS${suffix}`, 'IOPS-Mo', usd);
  return [
    storage('.gp2', 'gp2', '0.10'),
    storage('.gp3', 'gp3', '0.08'),
    storage('.piops', 'io1', '0.125'),
    storage('.io2', 'io2', '0.125'),
    storage('.st1', 'st1', '0.045'),
    storage('.sc1', 'sc1', '0.015'),
    storage('', 'standard', '0.05'),
    iops('.gp3', '0.005'),
    iops('.piops', '0.065'),
    iops('.io2', '0.065'),
    iops('.io2.tier2', '0.0455'),
    iops('.io2.tier3', '0.03185'),
    item('Provisioned Throughput', 'EBS:VolumeP-Throughput.gp3', 'GiBps-mo', '40.96'),
    item('System Operation', 'EBS:VolumeIOUsage', 'IOs', '0.00000005'),
  ];
}
