/** The AWS error code of a failure (`AccessDenied`, `AuthFailure`, `RequestLimitExceeded`, `NoSuchKey`...). */
export function awsErrorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; Code?: unknown; code?: unknown };
    for (const v of [e.Code, e.code, e.name]) if (typeof v === 'string' && v !== '' && v !== 'Error') return v;
  }
  return 'Error';
}

/** A failure's message on one line, at most 300 characters (for reports, logs and events). */
export function awsErrorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}
