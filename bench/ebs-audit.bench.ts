/**
 * ebs-audit benchmark: 100 accounts × 17 regions against a simulated AWS with 50 ms latency per call.
 *
 * The real ports run unchanged (SDK clients, paginators, batching, the bounded limiter); only the transport is
 * replaced: a middleware at the front of each client's stack answers every command after 50 ms from an in-memory
 * organization, so no request is serialized or sent. Every call is counted by command and compared with the minimum
 * the audit needs:
 *   ListAccounts ceil(accounts / 20) + AssumeRole (members) + DescribeRegions (accounts)
 *   + DescribeVolumes Σ max(1, ceil(volumes / 500)) + GetMetricData Σ ceil(volumes / 500)
 *   + GetProducts (live prices, the default source): one query per region that has volumes in any account, once per
 *     run (not per account or volume); the simulated answer holds that region's 14 EBS products (one page)
 * and there must be no per-volume call (no DescribeVolumes with VolumeIds).
 * Targets: wall < 30 s with bounded concurrency (peak in-flight calls ≤ the configured concurrency), peak RSS < 256 MB.
 *
 * Run: npx tsx bench/ebs-audit.bench.ts   (or npm run bench)
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { PricingClient } from '@aws-sdk/client-pricing';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { EBS_AUDIT_MARK_TAG_KEY, ebsAuditConfig } from '../lambdas/ebs-audit/config';
import { runAudit } from '../lambdas/ebs-audit/audit-run';
import type { AuditClientFactory } from '../lambdas/ebs-audit/aws-ports';
import { PriceListCache, priceListApiResolver } from '../lambdas/ebs-audit/price-list';
import { buildJsonReport, summarizeAudit, volumesToCsv } from '../lambdas/ebs-audit/report';

const ACCOUNTS = 100;
const REGIONS = [
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2',
  'ca-central-1', 'eu-central-1', 'eu-north-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1',
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
]; // prettier-ignore
const LATENCY_MS = 50;
const WALL_TARGET_S = 30;
const RSS_TARGET_MB = 256;
const HOME = '100000000000';
const accountIds = Array.from({ length: ACCOUNTS }, (_, i) => String(100000000000 + i));

/**
 * Deterministic volume count per account×region. Default profile ("typical"): each account works in 3 of the 17
 * regions (0-80 unattached volumes each), the other regions hold a straggler now and then, and 5 large estates have
 * 1,234 unattached volumes in one region (3 DescribeVolumes pages, 3 GetMetricData calls). About 17,000 volumes.
 * EBS_BENCH_PROFILE=dense: 0-18 volumes in 70 % of all 1,700 regions plus the same large estates (about 33,000).
 */
const PROFILE = process.env.EBS_BENCH_PROFILE === 'dense' ? 'dense' : 'typical';
function volumeCount(a: number, r: number): number {
  if (PROFILE === 'dense') {
    if ((a * 17 + r) % 97 === 0) return 1_234;
    const x = (a * 7919 + r * 104729) % 101;
    return x < 30 ? 0 : x % 19;
  }
  const used = [a % 17, (a * 5 + 3) % 17, (a * 11 + 7) % 17];
  if (a % 20 === 0 && r === used[0]) return 1_234;
  const x = (a * 7919 + r * 104729) % 101;
  if (used.includes(r)) return (x * 13) % 81;
  return x < 10 ? 1 + (x % 3) : 0;
}

const calls = new Map<string, number>();
let inFlight = 0;
let peakInFlight = 0;
let perVolumeCalls = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function simulate(command: string, input: Record<string, unknown>, account: string, region: string): unknown {
  const a = Number(account) - 100000000000;
  const r = REGIONS.indexOf(region);
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
      return { Regions: REGIONS.map((RegionName) => ({ RegionName, OptInStatus: 'opt-in-not-required' })) };
    case 'DescribeVolumesCommand': {
      if (input.VolumeIds) perVolumeCalls += 1;
      const total = volumeCount(a, r);
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

type AnyClient = { middlewareStack: { add: (mw: unknown, options: unknown) => void } };

function simulated<C>(client: C, account: string, region: string): C {
  (client as unknown as AnyClient).middlewareStack.add(
    (_next: unknown, context: { commandName: string }) => async (args: { input: Record<string, unknown> }) => {
      calls.set(context.commandName, (calls.get(context.commandName) ?? 0) + 1);
      inFlight += 1;
      peakInFlight = Math.max(peakInFlight, inFlight);
      try {
        await sleep(LATENCY_MS);
        return {
          output: { $metadata: {}, ...(simulate(context.commandName, args.input, account, region) as object) },
          response: {},
        };
      } finally {
        inFlight -= 1;
      }
    },
    { step: 'initialize', name: 'simulatedAws', priority: 'high' },
  );
  return client;
}

const accountOf = (c?: AwsCredentialIdentity) => (c ? c.accessKeyId.slice(4) : HOME);
const base = { credentials: { accessKeyId: 'AKIDHOME', secretAccessKey: 'x' }, maxAttempts: 1 };
const factory: AuditClientFactory = {
  organizations: () => simulated(new OrganizationsClient({ ...base, region: 'us-east-1' }), HOME, 'us-east-1'),
  sts: (region) => simulated(new STSClient({ ...base, region }), HOME, region),
  ec2: (region, creds) =>
    simulated(new EC2Client({ ...base, region, ...(creds ? { credentials: creds } : {}) }), accountOf(creds), region),
  cloudwatch: (region, creds) =>
    simulated(
      new CloudWatchClient({ ...base, region, ...(creds ? { credentials: creds } : {}) }),
      accountOf(creds),
      region,
    ),
  pricing: () => simulated(new PricingClient({ ...base, region: 'us-east-1' }), HOME, 'us-east-1'),
};

async function main() {
  const config = ebsAuditConfig.parse({ enabled: true, accounts: 'organization', regions: 'enabled' });
  let rssPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();

  const result = await runAudit(factory, {
    runId: 'bench',
    now: new Date('2026-11-23T06:00:00Z'),
    homeAccount: HOME,
    homeRegion: 'us-east-1',
    accounts: config.accounts,
    regions: config.regions,
    memberRoleName: config.memberRoleName,
    rules: { ownerTags: config.ownerTags, excludeTag: config.excludeTag, markTagKey: EBS_AUDIT_MARK_TAG_KEY },
    concurrency: config.concurrency,
    scanMarked: false,
    // The default source: live prices, through the same resolver the handler uses (cold container cache).
    pricing: priceListApiResolver(() => factory.pricing(), {
      now: new Date('2026-11-23T06:00:00Z'),
      cache: new PriceListCache(),
    }),
  });
  const scanSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  // The handler also builds the report; include it in time and memory.
  const mb = () => (process.memoryUsage().rss / 2 ** 20).toFixed(0);
  const heap = () => (process.memoryUsage().heapUsed / 2 ** 20).toFixed(0);
  const phases = [`after scan ${mb()} MB (heap ${heap()})`];
  const summary = summarizeAudit(result);
  const csvBytes = Buffer.byteLength(volumesToCsv(result.volumes));
  phases.push(`after CSV ${mb()} MB (heap ${heap()})`);
  const jsonBytes = Buffer.byteLength(buildJsonReport(result));
  phases.push(`after JSON ${mb()} MB (heap ${heap()})`);
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const maxRssMb = process.resourceUsage().maxRSS / 1024; // kernel high-water mark, whole process

  // The minimum number of calls for this organization.
  let volumes = 0;
  let describePages = 0;
  let metricCalls = 0;
  const regionsWithVolumes = new Set<string>();
  for (let a = 0; a < ACCOUNTS; a++)
    for (let r = 0; r < REGIONS.length; r++) {
      const n = volumeCount(a, r);
      if (n > 0) regionsWithVolumes.add(REGIONS[r]);
      volumes += n;
      describePages += Math.max(1, Math.ceil(n / 500));
      metricCalls += Math.ceil(n / 500);
    }
  const expected: Record<string, number> = {
    ListAccountsCommand: Math.ceil(ACCOUNTS / 20),
    AssumeRoleCommand: ACCOUNTS - 1,
    DescribeRegionsCommand: ACCOUNTS,
    DescribeVolumesCommand: describePages,
    GetMetricDataCommand: metricCalls,
    GetProductsCommand: regionsWithVolumes.size,
  };
  const totalCalls = [...calls.values()].reduce((s, n) => s + n, 0);
  const expectedTotal = Object.values(expected).reduce((s, n) => s + n, 0);

  console.log(
    `ebs-audit benchmark (${PROFILE}): ${ACCOUNTS} accounts × ${REGIONS.length} regions, ${LATENCY_MS} ms per call, concurrency ${config.concurrency}`,
  );
  console.log(
    `  volumes found            ${result.volumes.length} (expected ${volumes}); audited scopes ${result.auditedScopes.length}; not audited ${result.notAudited.length}`,
  );
  console.log(
    `  total monthly cost       $${summary.totalMonthlyCostUsd.toFixed(2)} (${summary.unpricedCount} unpriced); CSV ${(csvBytes / 1e6).toFixed(1)} MB, JSON ${(jsonBytes / 1e6).toFixed(1)} MB`,
  );
  console.log('  API calls (counted / minimum):');
  for (const [cmd, n] of Object.entries(expected))
    console.log(`    ${cmd.padEnd(24)} ${String(calls.get(cmd) ?? 0).padStart(6)} / ${n}`);
  console.log(
    `    ${'total'.padEnd(24)} ${String(totalCalls).padStart(6)} / ${expectedTotal}; per-volume DescribeVolumes calls: ${perVolumeCalls}`,
  );
  console.log(
    `  serial latency           ${((totalCalls * LATENCY_MS) / 1000).toFixed(1)} s (calls × ${LATENCY_MS} ms); lower bound at concurrency ${config.concurrency}: ${((totalCalls * LATENCY_MS) / 1000 / config.concurrency).toFixed(1)} s`,
  );
  console.log(
    `  wall                     ${wallSeconds.toFixed(2)} s (scan ${scanSeconds.toFixed(2)} s)  target < ${WALL_TARGET_S} s`,
  );
  console.log(`  RSS by phase             ${phases.join('; ')}`);
  console.log(`  peak in-flight calls     ${peakInFlight} (limit ${config.concurrency})`);
  console.log(
    `  RSS                      before ${(rssBefore / 2 ** 20).toFixed(0)} MB, sampled peak ${(rssPeak / 2 ** 20).toFixed(0)} MB, process maxRSS ${maxRssMb.toFixed(0)} MB  target < ${RSS_TARGET_MB} MB`,
  );

  const failures: string[] = [];
  if (wallSeconds >= WALL_TARGET_S) failures.push(`wall ${wallSeconds.toFixed(2)} s ≥ ${WALL_TARGET_S} s`);
  if (maxRssMb >= RSS_TARGET_MB) failures.push(`peak RSS ${maxRssMb.toFixed(0)} MB ≥ ${RSS_TARGET_MB} MB`);
  if (peakInFlight > config.concurrency)
    failures.push(`peak in-flight ${peakInFlight} > concurrency ${config.concurrency}`);
  if (perVolumeCalls > 0) failures.push(`${perVolumeCalls} per-volume DescribeVolumes calls`);
  for (const [cmd, n] of Object.entries(expected))
    if ((calls.get(cmd) ?? 0) !== n) failures.push(`${cmd}: ${calls.get(cmd) ?? 0} calls, minimum ${n}`);
  for (const cmd of calls.keys()) if (!(cmd in expected)) failures.push(`unexpected ${cmd}`);
  if (result.volumes.length !== volumes) failures.push(`found ${result.volumes.length} volumes, expected ${volumes}`);
  if (result.notAudited.length > 0) failures.push(`${result.notAudited.length} scopes not audited`);
  const notLive = result.pricing.filter((p) => p.priceSource !== 'price-list-api');
  if (notLive.length > 0) failures.push(`${notLive.length} region(s) not priced live: ${notLive[0].note}`);
  if (summary.unpricedCount > 0) failures.push(`${summary.unpricedCount} volumes unpriced`);
  if (failures.length > 0) {
    console.error(`FAIL: ${failures.join('; ')}`);
    process.exit(1);
  }
  console.log('PASS');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
