/** Reading AWS SDK errors: the error code and a bounded, single-line message. */

export function awsErrorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; Code?: unknown; code?: unknown };
    for (const v of [e.Code, e.code, e.name]) if (typeof v === 'string' && v !== '' && v !== 'Error') return v;
  }
  return 'Error';
}

export function awsErrorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/** "Another change is in flight" answers of Auto Scaling and EKS: a hold, not an error. */
const BUSY = /^(ScalingActivityInProgress|ResourceContention|ResourceInUse)(Fault|Exception)?$/;

export function busyCode(err: unknown): string | undefined {
  const code = awsErrorCode(err);
  return BUSY.test(code) ? code : undefined;
}
