import { parseEbsPriceList, usageTypeSuffix } from '../../../../lambdas/ebs-audit/core/price-list';
import { EBS_PRICE_TABLE, estimateRegionalCost } from '../../../../lambdas/ebs-audit/core/pricing';
import { ebsRegionProducts, OTHER_REGION, priceItem, US_EAST_1 } from '../../../doubles/ebs-audit-price-list';

const RUN_DATE = '2026-11-23';

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
