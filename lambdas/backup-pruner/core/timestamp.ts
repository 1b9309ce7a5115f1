/**
 * Strict timestamp fields → Date. Every field is range-checked (month 1-12, a day the month has, hour 0-23,
 * minute and second 0-59, offset at most ±23:59); anything out of range is refused (undefined) instead of being
 * rolled over the way Date.UTC would (25:61:61 is not 02:02:01 the next day).
 */
export interface TimestampFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
  /** Minutes east of UTC. */
  readonly offsetMinutes: number;
}

export function dateFromFields(f: TimestampFields): Date | undefined {
  if (f.month < 1 || f.month > 12 || f.day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(f.year, f.month, 0)).getUTCDate();
  if (f.day > daysInMonth) return undefined;
  if (f.hour > 23 || f.minute > 59 || f.second > 59) return undefined;
  if (Math.abs(f.offsetMinutes) > 23 * 60 + 59) return undefined;
  const utc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.millisecond);
  const date = new Date(utc - f.offsetMinutes * 60_000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Parses a zone text `Z`, `+hh:mm`, `-hhmm` or `+hh` into minutes east of UTC; undefined when out of range. */
export function offsetMinutesOf(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const m = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(zone);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? '0');
  if (hours > 23 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * RFC 3339 `date-time` (what Kubernetes writes, e.g. `2025-06-01T00:00:00Z`): date, `T`, time, and a zone that is
 * `Z` or a numeric offset. Date-only, zone-less, bare numbers and free text are refused (Date.parse accepts them all).
 */
export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const offsetMinutes = offsetMinutesOf(m[8]);
  if (offsetMinutes === undefined) return undefined;
  return dateFromFields({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    millisecond: m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0,
    offsetMinutes,
  });
}
