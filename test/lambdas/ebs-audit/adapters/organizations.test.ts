import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { listActiveAccounts } from '../../../../lambdas/ebs-audit/adapters/organizations';

const orgMock = mockClient(OrganizationsClient);
beforeEach(() => {
  orgMock.reset();
});

test('ListAccounts: all pages, only State ACTIVE (Status is ignored)', async () => {
  orgMock
    .on(ListAccountsCommand)
    .resolvesOnce({
      Accounts: [
        { Id: '111111111111', Name: 'a', State: 'ACTIVE' },
        { Id: '222222222222', Name: 'b', State: 'SUSPENDED', Status: 'ACTIVE' },
      ],
      NextToken: 'n1',
    })
    .resolvesOnce({ Accounts: [], NextToken: 'n2' })
    .resolvesOnce({
      Accounts: [
        { Id: '333333333333', Name: 'c', State: 'ACTIVE' },
        { Id: '444444444444', Name: 'd', State: 'PENDING_CLOSURE' },
        { Id: '555555555555', Name: 'e', Status: 'ACTIVE' }, // no State: not counted as active
        { Id: '666666666666', Name: 'f', State: 'CLOSED' },
      ],
    });
  const accounts = await listActiveAccounts(new OrganizationsClient({ region: 'us-east-1' }));
  expect(accounts).toEqual([
    { id: '111111111111', name: 'a' },
    { id: '333333333333', name: 'c' },
  ]);
  expect(orgMock).toHaveReceivedCommandTimes(ListAccountsCommand, 3);
  expect(orgMock).toHaveReceivedNthCommandWith(3, ListAccountsCommand, { NextToken: 'n2', MaxResults: 20 });
});
