import { DAY_MS } from '../../shared/time';

/**
 * Retention periods in CNPG syntax (`30d`, `4w`, `3m`), with barman's meaning: a RECOVERY WINDOW of that length.
 * A month counts as 31 days, as barman's RecoveryWindowRetentionPolicy does.
 */
export interface RetentionPeriod {
  readonly text: string;
  readonly value: number;
  readonly unit: 'd' | 'w' | 'm';
  /** Length of the window in milliseconds. */
  readonly ms: number;
}

const UNIT_DAYS = { d: 1, w: 7, m: 31 } as const;

export class RetentionSyntaxError extends Error {
  constructor(text: string) {
    super(`retention must be like "30d", "4w" or "3m" (a positive number and d, w or m); got ${JSON.stringify(text)}`);
    this.name = 'RetentionSyntaxError';
  }
}

/**
 * The one definition of the retention syntax: the config schema validates with it, so synth rejects exactly what
 * parseRetention cannot parse (at most 5 digits: 99999m is already ~8,400 years).
 */
export const RETENTION_PATTERN = /^([1-9]\d{0,4})([dwm])$/;

export function parseRetention(text: string): RetentionPeriod {
  const match = RETENTION_PATTERN.exec(text);
  if (!match) throw new RetentionSyntaxError(text);
  const value = Number(match[1]);
  const unit = match[2] as RetentionPeriod['unit'];
  return { text, value, unit, ms: value * UNIT_DAYS[unit] * DAY_MS };
}

/** The point of recoverability: the start of the recovery window that ends at `now`. */
export function windowStart(now: Date, retention: RetentionPeriod): Date {
  return new Date(now.getTime() - retention.ms);
}

export const daysToMs = (days: number): number => days * DAY_MS;
