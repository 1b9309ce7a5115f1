import { explainAuditFailure } from '../../../../lambdas/ebs-audit/adapters/errors';

test.each([
  [
    'assume-role',
    Object.assign(new Error('User is not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }),
    'AccessDenied',
    /member role missing/,
  ],
  [
    'describe-volumes',
    Object.assign(new Error('AWS was not able to validate the provided access credentials'), { name: 'AuthFailure' }),
    'AuthFailure',
    /opt-in/,
  ],
  [
    'describe-volumes',
    Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }),
    'RequestLimitExceeded',
    /throttled past retries/,
  ],
  [
    'describe-regions',
    Object.assign(new Error('no'), { name: 'UnauthorizedOperation' }),
    'UnauthorizedOperation',
    /permission denied/,
  ],
  ['describe-volumes', new Error('socket hang up'), 'Error', /describe-volumes: Error: socket hang up/],
])('explainAuditFailure %s %#', (stage, err, code, reason) => {
  const e = explainAuditFailure(stage, err);
  expect(e.errorCode).toBe(code);
  expect(e.reason).toMatch(reason);
});
