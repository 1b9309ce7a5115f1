import { dateFromFields, offsetMinutesOf, parseRfc3339 } from '../../../../lambdas/backup-pruner/core/timestamp';

const fields = { year: 2025, month: 6, day: 1, hour: 12, minute: 0, second: 0, millisecond: 0, offsetMinutes: 0 };

describe('dateFromFields', () => {
  it('builds the instant, applying the offset', () => {
    expect(dateFromFields(fields)?.toISOString()).toBe('2025-06-01T12:00:00.000Z');
    expect(dateFromFields({ ...fields, offsetMinutes: 120 })?.toISOString()).toBe('2025-06-01T10:00:00.000Z');
  });

  it.each([{ month: 13 }, { day: 31 }, { hour: 24 }, { minute: 60 }, { second: 60 }, { offsetMinutes: 24 * 60 }])(
    'refuses an out-of-range field %j instead of rolling it over',
    (bad) => {
      expect(dateFromFields({ ...fields, ...bad })).toBeUndefined();
    },
  );
});

describe('offsetMinutesOf', () => {
  it.each([
    ['Z', 0],
    ['+02:00', 120],
    ['-0130', -90],
    ['+05', 300],
    ['+24:00', undefined],
    ['02:00', undefined],
  ])('%s → %s', (zone, minutes) => {
    expect(offsetMinutesOf(zone)).toBe(minutes);
  });
});

describe('parseRfc3339', () => {
  it('accepts a date-time with a zone and refuses date-only, zone-less and free text', () => {
    expect(parseRfc3339('2025-06-01T00:00:00.5+01:00')?.toISOString()).toBe('2025-05-31T23:00:00.500Z');
    for (const text of ['2025-06-01', '2025-06-01T00:00:00', 'June 1', '1748736000', '2025-02-30T00:00:00Z'])
      expect(parseRfc3339(text)).toBeUndefined();
  });
});
