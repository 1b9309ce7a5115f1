/**
 * Port adapter: the AWS Price List Query API (`pricing:GetProducts`). One query per region for its EBS volume
 * products, all pages; the answer is parsed by core/price-list.ts. The Query API has endpoints in us-east-1,
 * eu-central-1 and ap-south-1 only; the endpoint region has nothing to do with the priced region (that is the
 * `regionCode` filter).
 */
import { paginateGetProducts, type Filter, type PricingClient } from '@aws-sdk/client-pricing';
import { EBS_VOLUME_USAGETYPE_MARKER } from '../core/price-list';

/** The Query API endpoint the audit calls (its account's own credentials); any of the three would do. */
export const PRICE_LIST_ENDPOINT_REGION = 'us-east-1';
/** Largest page GetProducts returns. */
export const GET_PRODUCTS_PAGE_SIZE = 100;

/** The filters of the one GetProducts query per region: the region's EBS volume products (a few dozen). */
export function ebsProductFilters(region: string): Filter[] {
  return [
    { Type: 'TERM_MATCH', Field: 'regionCode', Value: region },
    { Type: 'CONTAINS', Field: 'usagetype', Value: EBS_VOLUME_USAGETYPE_MARKER },
  ];
}

/** Every product GetProducts returns for the region's EBS volumes, all pages; each item is still a JSON string. */
export async function fetchEbsPriceListItems(client: PricingClient, region: string): Promise<unknown[]> {
  const items: unknown[] = [];
  const pages = paginateGetProducts(
    { client, pageSize: GET_PRODUCTS_PAGE_SIZE },
    { ServiceCode: 'AmazonEC2', FormatVersion: 'aws_v1', Filters: ebsProductFilters(region) },
  );
  for await (const page of pages) {
    const list: unknown = page.PriceList;
    if (Array.isArray(list)) items.push(...(list as unknown[]));
  }
  return items;
}
