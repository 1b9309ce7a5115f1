/**
 * Last line of defence for text leaving the job (logs, ops events, errors, CLI output): PEM private keys are
 * replaced, control characters removed, length bounded. The job never puts a key in a message; this makes sure.
 */
const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;
/** A base64 run long enough to be key material (a PEM body without its armour, say). */
const LONG_BASE64 = /[A-Za-z0-9+/]{120,}={0,2}/g;

export function redact(text: string, maxLength = 1000): string {
  const cleaned = text
    .replace(PRIVATE_KEY_BLOCK, '[private key redacted]')
    .replace(LONG_BASE64, '[base64 redacted]')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength - 1)}…` : cleaned;
}

/** Redacts every string inside a JSON-like value (for ops event details and --json output). */
export function redactDeep<T>(value: T, maxLength = 2000): T {
  if (typeof value === 'string') return redact(value, maxLength) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, maxLength)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, maxLength)])) as T;
  }
  return value;
}
