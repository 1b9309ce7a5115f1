/** Account id from a Lambda function ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]`). */
export function accountFromArn(arn: string | undefined): string {
  const account = arn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : 'unknown';
}

/** Region code of the running function (Lambda sets AWS_REGION). */
export function currentRegion(env: Record<string, string | undefined> = process.env): string {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'unknown';
}

/**
 * Milliseconds the handler may still spend on work, leaving `reserveMs` to report and flush. Jobs stop cleanly
 * and say where to resume rather than being killed mid-batch by the Lambda timeout.
 */
export function makeDeadline(getRemainingTimeInMillis: () => number, reserveMs = 20_000): () => boolean {
  return () => getRemainingTimeInMillis() <= reserveMs;
}
