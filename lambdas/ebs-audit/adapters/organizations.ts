/** Port adapter: AWS Organizations (the ACTIVE accounts of the organization). */
import { type OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';

export interface OrgAccount {
  readonly id: string;
  readonly name: string;
}

/** Every ACTIVE account of the organization (all pages; `State`, not the retired `Status`). */
export async function listActiveAccounts(client: OrganizationsClient): Promise<OrgAccount[]> {
  const out: OrgAccount[] = [];
  for await (const page of paginateListAccounts({ client, pageSize: 20 }, {})) {
    for (const a of page.Accounts ?? []) if (a.Id && a.State === 'ACTIVE') out.push({ id: a.Id, name: a.Name ?? '' });
  }
  return out;
}
