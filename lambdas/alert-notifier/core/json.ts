/** Tolerant readers for untrusted JSON: every accessor returns undefined instead of throwing. */

export type JsonRecord = Record<string, unknown>;

export function asRecord(value: unknown): JsonRecord | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonRecord) : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string, or a finite number/boolean rendered as text. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** JSON.parse that returns undefined on any error. */
export function tryParseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * JSON.stringify that returns undefined instead of throwing: a value nested some thousands of levels deep (which
 * JSON.parse accepts) overflows the stack when serialised again.
 */
export function tryStringify(value: unknown, indent?: number): string | undefined {
  try {
    return JSON.stringify(value, null, indent);
  } catch {
    return undefined;
  }
}

/** Shown instead of a value that cannot be serialised again. */
export const TOO_DEEP = '(nested too deeply to show)';

/** A string map from an object of scalars ({k: v}) or a list of {Key, Value} / {key, value} pairs. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const record = asRecord(value);
  if (record) {
    for (const [k, v] of Object.entries(record)) {
      const t = text(v);
      if (t !== undefined) out[k] = t;
    }
    return out;
  }
  for (const entry of asArray(value)) {
    const pair = asRecord(entry);
    const key = text(pair?.Key ?? pair?.key ?? pair?.Name ?? pair?.name);
    const val = text(pair?.Value ?? pair?.value);
    if (key !== undefined && val !== undefined) out[key] = val;
  }
  return out;
}

/** Parses a region code out of an ARN (`arn:<partition>:<service>:<region>:...`). */
export function arnParts(
  arn: string | undefined,
): { partition: string; service: string; region: string; account: string; resource: string } | undefined {
  if (!arn) return undefined;
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return {
    partition: parts[1],
    service: parts[2],
    region: parts[3],
    account: parts[4],
    resource: parts.slice(5).join(':'),
  };
}

/**
 * CloudWatch timestamps look like "2015-06-03T17:43:27.123+0000"; returns ISO-8601 ("...Z") or the input when it is
 * not a date we understand (shown as is rather than dropped).
 */
export function isoTime(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const normalized = raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalized);
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString();
}
