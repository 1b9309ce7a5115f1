import {
  RetentionSyntaxError,
  daysToMs,
  parseRetention,
  windowStart,
} from '../../../../lambdas/backup-pruner/core/retention';
import { DAY, NOW } from '../fixtures';

describe('parseRetention', () => {
  it('reads days, weeks and months (31 days, as barman counts them)', () => {
    expect(parseRetention('30d')).toMatchObject({ value: 30, unit: 'd', ms: 30 * DAY });
    expect(parseRetention('4w').ms).toBe(28 * DAY);
    expect(parseRetention('3m').ms).toBe(93 * DAY);
  });

  it.each(['', '0d', '30', '30 d', '30D', '1y', '-1d', '123456d'])('refuses %j', (text) => {
    expect(() => parseRetention(text)).toThrow(RetentionSyntaxError);
  });

  it('the window starts that long before now', () => {
    expect(windowStart(NOW, parseRetention('7d')).getTime()).toBe(NOW.getTime() - 7 * DAY);
    expect(daysToMs(2)).toBe(2 * DAY);
  });
});
