import { accountFromArn, makeDeadline } from '../../../lambdas/shared/run-context';

describe('run context', () => {
  it('takes the account from a function ARN', () => {
    expect(accountFromArn('arn:aws:lambda:eu-west-1:123456789012:function:f')).toBe('123456789012');
    expect(accountFromArn(undefined)).toBe('unknown');
  });

  it('signals the deadline when the remaining time falls to the reserve', () => {
    let remaining = 60_000;
    const pastDeadline = makeDeadline(() => remaining, 20_000);
    expect(pastDeadline()).toBe(false);
    remaining = 20_000;
    expect(pastDeadline()).toBe(true);
  });
});
