import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runAudit } from '../../../lambdas/ebs-audit/audit-run';
import { sdkClientFactory } from '../../../lambdas/ebs-audit/aws-ports';
import {
  fetchEbsPriceListItems,
  parseEbsPriceList,
  PriceListCache,
  priceListApiResolver,
  priceResolverFor,
  usageTypeSuffix,
} from '../../../lambdas/ebs-audit/price-list';
import { EBS_PRICE_TABLE, estimateRegionalCost, type RegionPrices } from '../../../lambdas/ebs-audit/pricing';
import { summarizeAudit, volumesToCsv } from '../../../lambdas/ebs-audit/report';
import { awsError } from './fixtures';
import { ebsRegionProducts, OTHER_REGION, priceItem, requestedRegion, US_EAST_1 } from './price-list-fixtures';

const pricingMock = mockClient(PricingClient);
const ec2Mock = mockClient(EC2Client);
const cwMock = mockClient(CloudWatchClient);
const stsMock = mockClient(STSClient);

const now = new Date('2026-11-23T06:00:00Z');
const RUN_DATE = '2026-11-23';
const client = () => new PricingClient({ region: 'us-east-1', maxAttempts: 1 });

beforeEach(() => {
  for (const m of [pricingMock, ec2Mock, cwMock, stsMock]) m.reset();
});

/** A Price List answer per region: us-east-1 (no prefix) and eu-west-2 (EUW2- prefix, other figures). */
function answerByRegion(regions: Record<string, string[]>) {
  pricingMock
    .on(GetProductsCommand)
    .callsFake((input) => ({ FormatVersion: 'aws_v1', PriceList: regions[requestedRegion(input) ?? ''] ?? [] }));
}

const close = (n: number | undefined, expected: number) => expect(n).toBeCloseTo(expected, 10);

describe('parseEbsPriceList', () => {
  test('us-east-1 (usage types without a prefix): every type, equal to the sourced built-in figures', () => {
    const parsed = parseEbsPriceList('us-east-1', ebsRegionProducts('us-east-1', '', US_EAST_1), RUN_DATE);
    expect(parsed.unpriced).toEqual({});
    expect(parsed.priceList.source).toBe('AWS Price List Query API');
    expect(parsed.priceList.asOf).toBe('2026-11-01'); // the answer's publicationDate, not the run date
    const builtIn = EBS_PRICE_TABLE.regions['us-east-1'].prices;
    for (const type of Object.keys(builtIn) as (keyof typeof builtIn)[]) {
      const api = parsed.priceList.prices[type];
      expect(api?.kind).toBe(builtIn[type]?.kind);
      for (const [field, value] of Object.entries(builtIn[type] ?? {})) {
        if (typeof value === 'number') close((api as unknown as Record<string, number>)[field], value);
        if (Array.isArray(value))
          value.forEach((v, i) => close((api as unknown as Record<string, number[]>)[field][i], v as number));
      }
    }
    expect(parsed.skippedProducts).toBe(1); // EBS:VolumeIOUsage (magnetic I/O) is not a dimension the audit prices
  });

  test('region-prefixed usage types (EUW2-EBS:VolumeP-IOPS.gp3) match on the suffix; GiBps-mo ÷ 1024 = per MiB/s', () => {
    const parsed = parseEbsPriceList('eu-west-2', ebsRegionProducts('eu-west-2', 'EUW2-', OTHER_REGION), RUN_DATE);
    expect(parsed.unpriced).toEqual({});
    const gp3 = parsed.priceList.prices.gp3;
    expect(gp3).toEqual({
      kind: 'gp3',
      perGbMonth: 0.0928,
      perIopsMonthAboveBaseline: 0.0058,
      perMiBpsMonthAboveBaseline: 47.5136 / 1024,
    });
    close(gp3?.kind === 'gp3' ? gp3.perMiBpsMonthAboveBaseline : undefined, 0.0464); // not 47.51 per MiB/s
    // 100 GiB gp3 with 4,000 IOPS and 250 MiB/s: 9.28 + 1,000 × 0.0058 + 125 × 0.0464 = 9.28 + 5.80 + 5.80
    const cost = estimateRegionalCost(
      { volumeType: 'gp3', sizeGiB: 100, iops: 4000, throughputMiBps: 250 },
      { region: 'eu-west-2', priceSource: 'price-list-api', priceList: parsed.priceList },
    );
    expect(cost).toMatchObject({
      status: 'priced',
      usd: 20.88,
      components: { storage: 9.28, iops: 5.8, throughput: 5.8 },
      priceSource: 'price-list-api',
    });
  });

  test('io2: three tiers priced; io2 IOPS beyond 64,000 use all three', () => {
    const parsed = parseEbsPriceList('eu-west-2', ebsRegionProducts('eu-west-2', 'EUW2-', OTHER_REGION), RUN_DATE);
    expect(parsed.priceList.prices.io2).toEqual({
      kind: 'io2',
      perGbMonth: 0.145,
      perIopsMonthTiers: [0.076, 0.0532, 0.03724],
    });
    const cost = estimateRegionalCost(
      { volumeType: 'io2', sizeGiB: 100, iops: 70_000 },
      { region: 'eu-west-2', priceSource: 'price-list-api', priceList: parsed.priceList },
    );
    // 14.50 + 32,000 × 0.076 + 32,000 × 0.0532 + 6,000 × 0.03724 = 14.5 + 2432 + 1702.4 + 223.44
    expect(cost).toMatchObject({ status: 'priced', usd: 4372.34 });
  });

  test('a missing io2 tier leaves io2 unpriced with the reason; other types are unaffected', () => {
    const items = ebsRegionProducts('eu-west-2', 'EUW2-', OTHER_REGION).filter(
      (i) => !i.includes('VolumeP-IOPS.io2.tier3'),
    );
    const parsed = parseEbsPriceList('eu-west-2', items, RUN_DATE);
    expect(parsed.priceList.prices.io2).toBeUndefined();
    expect(parsed.unpriced).toEqual({
      io2: 'AWS Price List Query API: io2 provisioned IOPS tier 3: not in the Price List API answer for eu-west-2',
    });
    expect(parsed.priceList.prices.io1).toBeDefined();
    const cost = estimateRegionalCost(
      { volumeType: 'io2', sizeGiB: 10, iops: 100 },
      { region: 'eu-west-2', priceSource: 'price-list-api', ...parsed },
    );
    expect(cost).toEqual({ status: 'unknown', reason: expect.stringContaining('io2 provisioned IOPS tier 3') });
  });

  test.each([
    {
      name: 'two products with different prices for one dimension',
      extra: priceItem({
        region: 'eu-west-2',
        usagetype: 'EUW2-EBS:VolumeUsage.gp2',
        family: 'Storage',
        unit: 'GB-Mo',
        usd: '0.1200000000',
        volumeApiName: 'gp2',
      }),
      type: 'gp2',
      reason: 'gp2 storage (GB-month): several different prices (0.116, 0.12)',
    },
    {
      name: 'one product with several price dimensions (tiered)',
      extra: priceItem({
        region: 'eu-west-2',
        usagetype: 'EUW2-EBS:VolumeUsage.st1',
        family: 'Storage',
        unit: 'GB-Mo',
        usd: ['0.0530000000', '0.0400000000'],
        volumeApiName: 'st1',
      }),
      type: 'st1',
      reason: 'st1 storage (GB-month): several different prices (0.04, 0.053)',
    },
    {
      name: 'an unexpected unit',
      extra: priceItem({
        region: 'eu-west-2',
        usagetype: 'EUW2-EBS:VolumeP-Throughput.gp3',
        family: 'Provisioned Throughput',
        unit: 'MiBps-Mo',
        usd: '0.0464000000',
      }),
      type: 'gp3',
      reason: 'gp3 throughput: unexpected unit "MiBps-Mo" (expected GiBps-mo)',
    },
    {
      name: 'a price that is not a number',
      extra: priceItem({
        region: 'eu-west-2',
        usagetype: 'EUW2-EBS:VolumeP-IOPS.piops',
        family: 'System Operation',
        unit: 'IOPS-Mo',
        usd: 'n/a',
      }),
      type: 'io1',
      reason: 'io1 provisioned IOPS: no usable USD price ("n/a")',
    },
  ])('ambiguous answer ($name) → that type unpriced with the reason, never a guess', ({ extra, type, reason }) => {
    const parsed = parseEbsPriceList(
      'eu-west-2',
      [...ebsRegionProducts('eu-west-2', 'EUW2-', OTHER_REGION), extra],
      RUN_DATE,
    );
    expect(parsed.unpriced).toEqual({ [type]: `AWS Price List Query API: ${reason}` });
    expect(parsed.priceList.prices[type as 'gp2']).toBeUndefined();
    expect(Object.keys(parsed.priceList.prices)).toHaveLength(6);
  });

  test('a duplicate product with the same price is not ambiguous', () => {
    const items = ebsRegionProducts('us-east-1', '', US_EAST_1);
    const parsed = parseEbsPriceList('us-east-1', [...items, items[0]], RUN_DATE);
    expect(parsed.unpriced).toEqual({});
    expect(parsed.priceList.prices.gp2).toEqual({ kind: 'storage-only', perGbMonth: 0.1 });
  });

  test('Local Zone, Outposts-style and other-region variants are skipped, not mixed in', () => {
    const variants = [
      priceItem({
        region: 'us-east-1',
        usagetype: 'USE1-BOS1-EBS:VolumeUsage.gp2',
        family: 'Storage',
        unit: 'GB-Mo',
        usd: '0.1200000000',
        volumeApiName: 'gp2',
        locationType: 'AWS Local Zone',
      }),
      priceItem({
        region: 'us-east-1',
        usagetype: 'EBS:VolumeUsage.gp3',
        family: 'Storage',
        unit: 'GB-Mo',
        usd: '0.3000000000',
        volumeApiName: 'gp3',
        locationType: 'AWS Outposts',
      }),
      priceItem({
        region: 'us-east-2',
        usagetype: 'USE2-EBS:VolumeUsage.sc1',
        family: 'Storage',
        unit: 'GB-Mo',
        usd: '0.9000000000',
        volumeApiName: 'sc1',
      }),
      'not json',
    ];
    const parsed = parseEbsPriceList(
      'us-east-1',
      [...ebsRegionProducts('us-east-1', '', US_EAST_1), ...variants],
      RUN_DATE,
    );
    expect(parsed.unpriced).toEqual({});
    expect(parsed.priceList.prices.gp2).toEqual({ kind: 'storage-only', perGbMonth: 0.1 });
    expect(parsed.priceList.prices.sc1).toEqual({ kind: 'storage-only', perGbMonth: 0.015 });
    expect(parsed.skippedProducts).toBe(5);
  });

  test('asOf is the run date when the answer has no publication date', () => {
    const items = ebsRegionProducts('us-east-1', '', US_EAST_1).map((i) => {
      const doc = JSON.parse(i) as Record<string, unknown>;
      delete doc.publicationDate;
      return JSON.stringify(doc);
    });
    expect(parseEbsPriceList('us-east-1', items, RUN_DATE).priceList.asOf).toBe(RUN_DATE);
  });

  test.each([
    ['EBS:VolumeUsage.gp3', 'EBS:VolumeUsage.gp3'],
    ['EUW2-EBS:VolumeP-IOPS.gp3', 'EBS:VolumeP-IOPS.gp3'],
    ['APN1-EBS:VolumeP-Throughput.gp3', 'EBS:VolumeP-Throughput.gp3'],
    ['USE1-BOS1-EBS:VolumeUsage.gp2', undefined],
    ['BoxUsage:t3.micro', undefined],
  ])('usageTypeSuffix(%s) = %s', (usagetype, suffix) => {
    expect(usageTypeSuffix(usagetype)).toBe(suffix);
  });
});

describe('fetchEbsPriceListItems (port)', () => {
  test('one query per region (regionCode + EBS:Volume usage types), 100 per page, every page', async () => {
    const items = ebsRegionProducts('eu-west-2', 'EUW2-', OTHER_REGION);
    const pages: Record<string, { PriceList: string[]; NextToken?: string }> = {
      start: { PriceList: items.slice(0, 5), NextToken: 'page-2' },
      'page-2': { PriceList: items.slice(5, 9), NextToken: 'page-3' },
      'page-3': { PriceList: items.slice(9) },
    };
    const requests: unknown[] = [];
    pricingMock.on(GetProductsCommand).callsFake((input) => {
      requests.push(structuredClone(input)); // the paginator reuses its input object between pages
      return { FormatVersion: 'aws_v1', ...pages[input.NextToken ?? 'start'] };
    });
    const got = await fetchEbsPriceListItems(client(), 'eu-west-2');
    expect(got).toEqual(items);
    const first = {
      ServiceCode: 'AmazonEC2',
      FormatVersion: 'aws_v1',
      MaxResults: 100,
      Filters: [
        { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-2' },
        { Type: 'CONTAINS', Field: 'usagetype', Value: 'EBS:Volume' },
      ],
    };
    expect(requests).toEqual([first, { ...first, NextToken: 'page-2' }, { ...first, NextToken: 'page-3' }]);
    // All three pages parsed together: nothing lost at page boundaries.
    expect(parseEbsPriceList('eu-west-2', got, RUN_DATE).unpriced).toEqual({});
  });

  test('the house client talks to the us-east-1 endpoint whatever the home region', async () => {
    const pricing = sdkClientFactory('ap-southeast-2').pricing();
    await expect(pricing.config.region()).resolves.toBe('us-east-1');
    pricing.destroy();
  });
});

describe('priceListApiResolver', () => {
  test('live prices per region, each fetched once per run even when asked concurrently', async () => {
    answerByRegion({
      'us-east-1': ebsRegionProducts('us-east-1', '', US_EAST_1),
      'eu-west-2': ebsRegionProducts('eu-west-2', 'EUW2-', OTHER_REGION),
    });
    const resolver = priceListApiResolver(client, { now, cache: new PriceListCache() });
    const answers = await Promise.all(['eu-west-2', 'us-east-1', 'eu-west-2', 'eu-west-2'].map(resolver.pricesFor));
    expect(answers.map((a) => a.priceSource)).toEqual(Array(4).fill('price-list-api'));
    expect(answers[0]).toBe(answers[2]);
    expect(pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 2);
    expect(resolver.resolved().map((r) => r.region)).toEqual(['eu-west-2', 'us-east-1']);
    expect(answers[0].priceList?.prices.gp2).toEqual({ kind: 'storage-only', perGbMonth: 0.116 });
  });

  test('a warm container reuses answers until the cache entry expires', async () => {
    answerByRegion({ 'us-east-1': ebsRegionProducts('us-east-1', '', US_EAST_1) });
    const cache = new PriceListCache(3_600_000);
    await priceListApiResolver(client, { now, cache }).pricesFor('us-east-1');
    const again = await priceListApiResolver(client, { now: new Date(now.getTime() + 60_000), cache }).pricesFor(
      'us-east-1',
    );
    expect(again.priceSource).toBe('price-list-api');
    expect(pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 1);
    await priceListApiResolver(client, { now: new Date(now.getTime() + 3_600_001), cache }).pricesFor('us-east-1');
    expect(pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 2);
  });

  test('AccessDenied → the built-in table with the reason; the API is not asked again in the run', async () => {
    pricingMock
      .on(GetProductsCommand)
      .rejects(awsError('AccessDeniedException', 'User is not authorized to perform: pricing:GetProducts'));
    const resolver = priceListApiResolver(client, { now, cache: new PriceListCache() });
    const east = await resolver.pricesFor('us-east-1');
    expect(east).toMatchObject({
      region: 'us-east-1',
      priceSource: 'built-in',
      priceList: EBS_PRICE_TABLE.regions['us-east-1'],
      note: 'AWS Price List Query API unavailable (AccessDeniedException: User is not authorized to perform: pricing:GetProducts); using the built-in table',
    });
    const west = await resolver.pricesFor('eu-west-2'); // not in the built-in table
    expect(west.priceSource).toBe('none');
    expect(west.note).toMatch(/unavailable \(AccessDeniedException: .*\); the built-in table has no prices/);
    expect(pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 1);
    // A volume in each: priced by the built-in table, or unknown with the reason.
    const gp2 = { volumeType: 'gp2', sizeGiB: 10 };
    expect(estimateRegionalCost(gp2, east)).toMatchObject({ status: 'priced', usd: 1, priceSource: 'built-in' });
    expect(estimateRegionalCost(gp2, west)).toEqual({ status: 'unknown', reason: west.note });
  });

  test('a network failure also falls back, and a failed answer is not cached for the next run', async () => {
    pricingMock
      .on(GetProductsCommand)
      .rejectsOnce(
        Object.assign(new Error('getaddrinfo ENOTFOUND api.pricing.us-east-1.amazonaws.com'), { name: 'Error' }),
      )
      .resolves({ PriceList: ebsRegionProducts('us-east-1', '', US_EAST_1) });
    const cache = new PriceListCache();
    const first = await priceListApiResolver(client, { now, cache }).pricesFor('us-east-1');
    expect(first).toMatchObject({ priceSource: 'built-in', note: expect.stringMatching(/ENOTFOUND/) });
    const next = await priceListApiResolver(client, { now, cache }).pricesFor('us-east-1');
    expect(next.priceSource).toBe('price-list-api');
  });

  test('a region the API returns nothing for → unknown (source "none") with the reason', async () => {
    answerByRegion({});
    const prices = await priceListApiResolver(client, { now, cache: new PriceListCache() }).pricesFor('xx-nowhere-1');
    expect(prices).toEqual({
      region: 'xx-nowhere-1',
      priceSource: 'none',
      note: 'the AWS Price List Query API returned no EBS volume prices for xx-nowhere-1',
    });
    expect(estimateRegionalCost({ volumeType: 'gp2', sizeGiB: 10 }, prices)).toEqual({
      status: 'unknown',
      reason: prices.note,
    });
  });

  test('priceResolverFor("built-in") never builds a Price List client', async () => {
    const create = jest.fn(client);
    const { resolver, close } = priceResolverFor('built-in', create, now);
    expect((await resolver.pricesFor('us-east-1')).priceSource).toBe('built-in');
    close();
    expect(create).not.toHaveBeenCalled();
    expect(pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 0);
  });
});

describe('the audit with live prices', () => {
  const HOME = '000000000000';
  const M1 = '111111111111';

  beforeEach(() => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: `ASIA${M1}`, SecretAccessKey: 's', SessionToken: 't', Expiration: now },
    });
    ec2Mock.on(DescribeVolumesCommand).callsFake(async (_input, getClient) => {
      const region = await (getClient() as EC2Client).config.region();
      return {
        Volumes: [
          { VolumeId: `vol-gp2-${region}`, VolumeType: 'gp2', Size: 100, State: 'available' },
          { VolumeId: `vol-io2-${region}`, VolumeType: 'io2', Size: 10, Iops: 1000, State: 'available' },
        ],
      };
    });
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  });

  const audit = (pricing: ReturnType<typeof priceListApiResolver>) =>
    runAudit(sdkClientFactory('us-east-1'), {
      runId: 'r',
      now,
      clock: () => now,
      homeAccount: HOME,
      homeRegion: 'us-east-1',
      accounts: [HOME, M1],
      regions: ['us-east-1', 'eu-west-2', 'ap-east-2'],
      memberRoleName: 'audit',
      rules: { ownerTags: [], excludeTag: { key: 'k', value: 'v' }, markTagKey: 'm' },
      concurrency: 4,
      scanMarked: false,
      pricing,
    });

  test('each region priced once for all accounts; every volume says which source priced it', async () => {
    answerByRegion({
      'us-east-1': ebsRegionProducts('us-east-1', '', US_EAST_1),
      'eu-west-2': [...ebsRegionProducts('eu-west-2', 'EUW2-', OTHER_REGION).filter((i) => !i.includes('io2.tier2'))],
    });
    const result = await audit(priceListApiResolver(client, { now, cache: new PriceListCache() }));
    expect(pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 3); // 3 regions, 2 accounts
    const by = (id: string, account = HOME) => result.volumes.find((v) => v.volumeId === id && v.account === account);
    expect(by('vol-gp2-us-east-1')).toMatchObject({ monthlyCostUsd: 10, priceSource: 'price-list-api' });
    expect(by('vol-gp2-eu-west-2', M1)).toMatchObject({ monthlyCostUsd: 11.6, priceSource: 'price-list-api' });
    expect(by('vol-io2-eu-west-2')).toMatchObject({
      monthlyCostUsd: null,
      priceSource: 'none',
      costNote: expect.stringContaining('io2 provisioned IOPS tier 2: not in the Price List API answer'),
    });
    expect(by('vol-gp2-ap-east-2')).toMatchObject({
      monthlyCostUsd: null,
      priceSource: 'none',
      costNote: 'unknown: the AWS Price List Query API returned no EBS volume prices for ap-east-2',
    });
    const summary = summarizeAudit(result);
    expect(summary.prices.sourceCounts).toEqual({ 'price-list-api': 2, 'built-in': 0, none: 1 });
    expect(summary.prices.regions.find((r) => r.region === 'eu-west-2')).toMatchObject({
      priceSource: 'price-list-api',
      asOf: '2026-11-01',
      unpricedTypes: { io2: expect.stringContaining('tier 2') },
    });
    const csv = volumesToCsv(result.volumes).split('\r\n');
    expect(csv[0]).toContain(',cost_note,price_source,');
    expect(csv.find((l) => l.includes('vol-gp2-us-east-1'))).toContain(',price-list-api,');
  });

  test('API denied: the run still completes, priced from the built-in table where it can, and says so', async () => {
    pricingMock.on(GetProductsCommand).rejects(awsError('AccessDeniedException', 'denied'));
    const result = await audit(priceListApiResolver(client, { now, cache: new PriceListCache() }));
    expect(result.notAudited).toEqual([]);
    expect(result.volumes).toHaveLength(12);
    expect(result.volumes.find((v) => v.volumeId === 'vol-gp2-us-east-1')).toMatchObject({
      monthlyCostUsd: 10,
      priceSource: 'built-in',
    });
    expect(result.volumes.find((v) => v.volumeId === 'vol-gp2-eu-west-2')).toMatchObject({
      monthlyCostUsd: null,
      priceSource: 'none',
    });
    const summary = summarizeAudit(result);
    expect(summary.prices.sourceCounts).toEqual({ 'price-list-api': 0, 'built-in': 1, none: 2 });
    expect(
      summary.prices.regions.every((r) => /unavailable \(AccessDeniedException: denied\)/.test(r.note ?? '')),
    ).toBe(true);
  });
});

test('RegionPrices from the built-in table carry their source', () => {
  const p: RegionPrices = {
    region: 'us-east-1',
    priceSource: 'built-in',
    priceList: EBS_PRICE_TABLE.regions['us-east-1'],
  };
  expect(estimateRegionalCost({ volumeType: 'sc1', sizeGiB: 50 }, p)).toMatchObject({
    status: 'priced',
    usd: 0.75,
    priceSource: 'built-in',
  });
});
