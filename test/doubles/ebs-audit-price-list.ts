/**
 * GetProducts answers written from the documented Price List shape (FormatVersion aws_v1): each PriceList item is a
 * JSON string with `product.{productFamily, attributes}`, `terms.OnDemand.<offer>.priceDimensions.<rate>` and
 * `publicationDate`. Usage types carry a region prefix outside us-east-1.
 */

export interface PriceItemSpec {
  readonly region: string;
  readonly usagetype: string;
  readonly family: 'Storage' | 'System Operation' | 'Provisioned Throughput' | string;
  readonly unit: string;
  /** One USD price per price dimension (several = a tiered/ambiguous product). */
  readonly usd: string | readonly string[];
  readonly volumeApiName?: string;
  readonly locationType?: string;
  readonly publicationDate?: string;
  readonly sku?: string;
}

let skuCounter = 0;

export function priceItem(spec: PriceItemSpec): string {
  const sku = spec.sku ?? `SKU${String((skuCounter += 1)).padStart(8, '0')}`;
  const offer = `${sku}.JRTCKXETXF`;
  const prices = typeof spec.usd === 'string' ? [spec.usd] : spec.usd;
  const priceDimensions = Object.fromEntries(
    prices.map((usd, i) => [
      `${offer}.6YS6EN2CT${i}`,
      {
        unit: spec.unit,
        endRange: 'Inf',
        beginRange: '0',
        description: `$${usd} per ${spec.unit}`,
        appliesTo: [],
        rateCode: `${offer}.6YS6EN2CT${i}`,
        pricePerUnit: { USD: usd },
      },
    ]),
  );
  return JSON.stringify({
    product: {
      productFamily: spec.family,
      attributes: {
        servicecode: 'AmazonEC2',
        regionCode: spec.region,
        locationType: spec.locationType ?? 'AWS Region',
        usagetype: spec.usagetype,
        ...(spec.volumeApiName ? { volumeApiName: spec.volumeApiName } : {}),
      },
      sku,
    },
    serviceCode: 'AmazonEC2',
    terms: {
      OnDemand: {
        [offer]: { priceDimensions, sku, effectiveDate: '2026-10-01T00:00:00Z', offerTermCode: 'JRTCKXETXF' },
      },
    },
    version: '20261101000000',
    publicationDate: spec.publicationDate ?? '2026-11-01T00:00:00Z',
  });
}

export interface EbsRegionFigures {
  readonly gp2: string;
  readonly gp3: string;
  readonly gp3Iops: string;
  /** Per GiBps-month, as AWS publishes it. */
  readonly gp3ThroughputGiBps: string;
  readonly io1: string;
  readonly io1Iops: string;
  readonly io2: string;
  readonly io2Tiers: readonly [string, string, string];
  readonly st1: string;
  readonly sc1: string;
  readonly standard: string;
}

/** us-east-1 list prices (the figures the built-in table also holds; throughput 0.04 per MiB/s = 40.96 per GiBps). */
export const US_EAST_1: EbsRegionFigures = {
  gp2: '0.1000000000',
  gp3: '0.0800000000',
  gp3Iops: '0.0050000000',
  gp3ThroughputGiBps: '40.9600000000',
  io1: '0.1250000000',
  io1Iops: '0.0650000000',
  io2: '0.1250000000',
  io2Tiers: ['0.0650000000', '0.0455000000', '0.0318500000'],
  st1: '0.0450000000',
  sc1: '0.0150000000',
  standard: '0.0500000000',
};

/** A fictitious region's figures (not any real region's), distinct from us-east-1 so tests see which source won. */
export const OTHER_REGION: EbsRegionFigures = {
  gp2: '0.1160000000',
  gp3: '0.0928000000',
  gp3Iops: '0.0058000000',
  gp3ThroughputGiBps: '47.5136000000',
  io1: '0.1450000000',
  io1Iops: '0.0760000000',
  io2: '0.1450000000',
  io2Tiers: ['0.0760000000', '0.0532000000', '0.0372400000'],
  st1: '0.0530000000',
  sc1: '0.0174000000',
  standard: '0.0580000000',
};

/** Every EBS volume product of a region, as one GetProducts answer would list them (prefix e.g. "EUW2-"). */
export function ebsRegionProducts(
  region: string,
  prefix: string,
  f: EbsRegionFigures,
  publicationDate?: string,
): string[] {
  const storage = (suffix: string, volumeApiName: string, usd: string) =>
    priceItem({
      region,
      usagetype: `${prefix}EBS:VolumeUsage${suffix}`,
      family: 'Storage',
      unit: 'GB-Mo',
      usd,
      volumeApiName,
      publicationDate,
    });
  const iops = (suffix: string, usd: string) =>
    priceItem({
      region,
      usagetype: `${prefix}EBS:VolumeP-IOPS${suffix}`,
      family: 'System Operation',
      unit: 'IOPS-Mo',
      usd,
      publicationDate,
    });
  return [
    storage('.gp2', 'gp2', f.gp2),
    storage('.gp3', 'gp3', f.gp3),
    storage('.piops', 'io1', f.io1),
    storage('.io2', 'io2', f.io2),
    storage('.st1', 'st1', f.st1),
    storage('.sc1', 'sc1', f.sc1),
    storage('', 'standard', f.standard),
    iops('.gp3', f.gp3Iops),
    iops('.piops', f.io1Iops),
    iops('.io2', f.io2Tiers[0]),
    iops('.io2.tier2', f.io2Tiers[1]),
    iops('.io2.tier3', f.io2Tiers[2]),
    priceItem({
      region,
      usagetype: `${prefix}EBS:VolumeP-Throughput.gp3`,
      family: 'Provisioned Throughput',
      unit: 'GiBps-mo',
      usd: f.gp3ThroughputGiBps,
      publicationDate,
    }),
    // Not a volume dimension the audit prices (magnetic I/O is usage-based): must be ignored.
    priceItem({
      region,
      usagetype: `${prefix}EBS:VolumeIOUsage`,
      family: 'System Operation',
      unit: 'IOs',
      usd: '0.0000000500',
      publicationDate,
    }),
  ];
}

/** The region code a GetProducts request asks for (its regionCode filter). */
export function requestedRegion(input: { Filters?: { Field?: string; Value?: string }[] }): string | undefined {
  return input.Filters?.find((f) => f.Field === 'regionCode')?.Value;
}
