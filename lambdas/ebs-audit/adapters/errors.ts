/** Error mapping: why an account or region could not be audited, in a short human sentence. */
import { awsErrorCode, awsErrorMessage } from '../../shared/aws-errors';

const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'ThrottledException',
]);
/** True when AWS refused the call for its request rate (EC2 `RequestLimitExceeded`, STS `Throttling`...). */
export function isThrottling(err: unknown): boolean {
  return THROTTLING.has(awsErrorCode(err));
}

const OPT_IN = new Set(['AuthFailure', 'OptInRequired', 'UnrecognizedClientException', 'InvalidClientTokenId']);

/** A short human explanation of why an account or region could not be audited. */
export function explainAuditFailure(stage: string, err: unknown): { errorCode: string; reason: string } {
  const errorCode = awsErrorCode(err);
  const message = awsErrorMessage(err);
  let hint = '';
  if (stage === 'assume-role' && /AccessDenied/.test(errorCode))
    hint = 'member role missing or its trust policy does not allow the audit role/ExternalId; ';
  else if (OPT_IN.has(errorCode)) hint = 'region not enabled (opt-in) for the account, or credentials rejected; ';
  else if (THROTTLING.has(errorCode)) hint = 'throttled past retries; ';
  else if (/AccessDenied|UnauthorizedOperation/.test(errorCode)) hint = 'permission denied (role policy or SCP); ';
  else if (errorCode === 'RegionDisabledException') hint = 'STS is not activated in this region for the account; ';
  return { errorCode, reason: `${stage}: ${hint}${errorCode}: ${message}` };
}
