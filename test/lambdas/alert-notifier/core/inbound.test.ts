import { extractInbound } from '../../../../lambdas/alert-notifier/core/inbound';

describe('extractInbound: an event that is not an object says what it is (issue 9 item 9)', () => {
  it.each<[unknown, string]>([
    [[], 'event is a list, not an object'],
    [null, 'event is null, not an object'],
    ['text', 'event is a string, not an object'],
    [42, 'event is a number, not an object'],
    [undefined, 'event is missing, not an object'],
  ])('%j → %s', (event, reason) => {
    expect(extractInbound(event)).toEqual({ messages: [], rejected: [{ index: -1, reason }] });
  });
});
