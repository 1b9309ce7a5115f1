import {
  EBS_PRICE_TABLE,
  estimateMonthlyCost,
  estimateRegionalCost,
  io2IopsMonthly,
  type MonthlyCost,
  type PriceTable,
  type RegionPrices,
} from '../../../../lambdas/ebs-audit/core/pricing';

const priced = (c: MonthlyCost) => {
  if (c.status !== 'priced') throw new Error(`expected a price, got unknown: ${c.reason}`);
  return c;
};

describe('estimateMonthlyCost', () => {
  test.each([
    // [case, region, spec, expected USD]
    ['gp3 at baseline', 'us-east-1', { volumeType: 'gp3', sizeGiB: 100, iops: 3000, throughputMiBps: 125 }, 8],
    // 100 GiB × 0.08 + (6000-3000) × 0.005 + (250-125) × 0.04 = 8 + 15 + 5
    [
      'gp3 at 6,000 IOPS and 250 MiB/s',
      'us-east-1',
      { volumeType: 'gp3', sizeGiB: 100, iops: 6000, throughputMiBps: 250 },
      28,
    ],
    // infracost golden: 40 GB gp3 + 1,000 IOPS + 5 MiB/s above baseline = 3.20 + 5.00 + 0.20
    ['gp3 golden (us-west-2)', 'us-west-2', { volumeType: 'gp3', sizeGiB: 40, iops: 4000, throughputMiBps: 130 }, 8.4],
    [
      'gp3 Tokyo 6,000 IOPS 250 MiB/s',
      'ap-northeast-1',
      { volumeType: 'gp3', sizeGiB: 100, iops: 6000, throughputMiBps: 250 },
      33.6,
    ],
    ['gp2', 'us-east-1', { volumeType: 'gp2', sizeGiB: 10, iops: 100 }, 1],
    // infracost golden: 30 GB io1 $3.75 + 300 IOPS $19.50
    ['io1 30 GiB 300 IOPS', 'us-east-1', { volumeType: 'io1', sizeGiB: 30, iops: 300 }, 23.25],
    ['io2 tier 1 only (32,000 IOPS)', 'us-east-1', { volumeType: 'io2', sizeGiB: 100, iops: 32000 }, 12.5 + 2080],
    ['io2 into tier 2 (40,000 IOPS)', 'us-east-1', { volumeType: 'io2', sizeGiB: 100, iops: 40000 }, 12.5 + 2080 + 364],
    // 32,000 × 0.065 + 32,000 × 0.0455 + 16,000 × 0.03185 = 2080 + 1456 + 509.6
    ['io2 all three tiers (80,000 IOPS)', 'us-east-1', { volumeType: 'io2', sizeGiB: 100, iops: 80000 }, 12.5 + 4045.6],
    ['st1', 'us-east-1', { volumeType: 'st1', sizeGiB: 40 }, 1.8],
    ['sc1 (golden 50 GB)', 'us-east-1', { volumeType: 'sc1', sizeGiB: 50 }, 0.75],
    ['sc1 500 GiB in Tokyo', 'ap-northeast-1', { volumeType: 'sc1', sizeGiB: 500 }, 9],
    ['standard (storage only while detached)', 'us-east-1', { volumeType: 'standard', sizeGiB: 20 }, 1],
  ])('%s', (_name, region, spec, expected) => {
    expect(priced(estimateMonthlyCost(spec, region)).usd).toBeCloseTo(expected, 4);
  });

  test('gp3 components are itemised', () => {
    const c = priced(
      estimateMonthlyCost({ volumeType: 'gp3', sizeGiB: 100, iops: 6000, throughputMiBps: 250 }, 'us-east-1'),
    );
    expect(c.components).toEqual({ storage: 8, iops: 15, throughput: 5 });
    expect(c.source).toMatch(/infracost.*as of \d{4}-\d{2}-\d{2}/);
  });

  test.each([
    ['unknown type', 'us-east-1', { volumeType: 'gp4', sizeGiB: 10 }, /no price for volume type gp4 in us-east-1/],
    ['missing type', 'us-east-1', { volumeType: undefined, sizeGiB: 10 }, /volume type \(none\)/],
    [
      'unknown region',
      'eu-west-1',
      { volumeType: 'gp3', sizeGiB: 10, iops: 3000, throughputMiBps: 125 },
      /no price list for region eu-west-1/,
    ],
    [
      'prototype key as region',
      'constructor',
      { volumeType: 'gp2', sizeGiB: 10 },
      /no price list for region constructor/,
    ],
    [
      'type not sourced in a listed region',
      'us-west-2',
      { volumeType: 'gp2', sizeGiB: 10 },
      /no price for volume type gp2 in us-west-2/,
    ],
    [
      'standard not sourced in Tokyo',
      'ap-northeast-1',
      { volumeType: 'standard', sizeGiB: 10 },
      /standard in ap-northeast-1/,
    ],
    ['io1 without IOPS', 'us-east-1', { volumeType: 'io1', sizeGiB: 10 }, /io1 provisioned IOPS missing/],
    [
      'gp3 without throughput',
      'us-east-1',
      { volumeType: 'gp3', sizeGiB: 10, iops: 3000 },
      /gp3 IOPS or throughput missing/,
    ],
    ['no size', 'us-east-1', { volumeType: 'gp2', sizeGiB: undefined }, /size missing/],
  ])('%s → unknown, never a guess', (_name, region, spec, reason) => {
    const c = estimateMonthlyCost(spec, region);
    expect(c.status).toBe('unknown');
    if (c.status === 'unknown') expect(c.reason).toMatch(reason);
  });

  test('a table passed in replaces the built-in one', () => {
    const table: PriceTable = {
      ...EBS_PRICE_TABLE,
      regions: {
        'eu-west-1': {
          source: 'test',
          asOf: '2026-01-01',
          prices: { gp2: { kind: 'storage-only', perGbMonth: 0.11 } },
        },
      },
    };
    expect(priced(estimateMonthlyCost({ volumeType: 'gp2', sizeGiB: 100 }, 'eu-west-1', table)).usd).toBeCloseTo(11, 4);
    expect(estimateMonthlyCost({ volumeType: 'gp2', sizeGiB: 100 }, 'us-east-1', table).status).toBe('unknown');
  });

  test('io2 tier boundaries', () => {
    const tiers = [1, 0.5, 0.25] as const;
    expect(io2IopsMonthly(0, tiers)).toBe(0);
    expect(io2IopsMonthly(32_000, tiers)).toBe(32_000);
    expect(io2IopsMonthly(32_001, tiers)).toBe(32_000.5);
    expect(io2IopsMonthly(64_000, tiers)).toBe(48_000);
    expect(io2IopsMonthly(64_004, tiers)).toBe(48_001);
  });

  test('every region names its source and date, and every price is a positive number', () => {
    for (const [region, list] of Object.entries(EBS_PRICE_TABLE.regions)) {
      expect(list.source.length).toBeGreaterThan(10);
      expect(list.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const price of Object.values(list.prices)) {
        for (const n of Object.values(price).filter((x) => typeof x === 'number')) expect(n).toBeGreaterThan(0);
        expect(price.perGbMonth).toBeLessThan(1);
      }
      expect(region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    }
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
