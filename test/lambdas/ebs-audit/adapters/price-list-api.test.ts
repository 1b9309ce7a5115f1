import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { sdkClientFactory } from '../../../../lambdas/ebs-audit/adapters/clients';
import { fetchEbsPriceListItems } from '../../../../lambdas/ebs-audit/adapters/price-list-api';
import { parseEbsPriceList } from '../../../../lambdas/ebs-audit/core/price-list';
import { ebsRegionProducts, OTHER_REGION } from '../../../doubles/ebs-audit-price-list';

const RUN_DATE = '2026-11-23';

const pricingMock = mockClient(PricingClient);
const client = () => new PricingClient({ region: 'us-east-1', maxAttempts: 1 });
beforeEach(() => pricingMock.reset());

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
