import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  PriceListCache,
  priceListApiResolver,
  priceResolverFor,
} from '../../../../lambdas/ebs-audit/adapters/price-resolver';
import { EBS_PRICE_TABLE, estimateRegionalCost } from '../../../../lambdas/ebs-audit/core/pricing';
import { awsError } from '../../../doubles/ebs-audit-clients';
import { ebsRegionProducts, OTHER_REGION, requestedRegion, US_EAST_1 } from '../../../doubles/ebs-audit-price-list';

const pricingMock = mockClient(PricingClient);
const now = new Date('2026-11-23T06:00:00Z');
const client = () => new PricingClient({ region: 'us-east-1', maxAttempts: 1 });
beforeEach(() => pricingMock.reset());

/** A Price List answer per region: us-east-1 (no prefix) and eu-west-2 (EUW2- prefix, other figures). */
function answerByRegion(regions: Record<string, string[]>) {
  pricingMock
    .on(GetProductsCommand)
    .callsFake((input) => ({ FormatVersion: 'aws_v1', PriceList: regions[requestedRegion(input) ?? ''] ?? [] }));
}

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
