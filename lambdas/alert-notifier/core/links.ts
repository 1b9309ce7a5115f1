/** AWS console deep links, built from region codes taken from ARNs (never from display names). */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * encodeURIComponent that never throws: a lone surrogate (a name cut mid-emoji) becomes U+FFFD first, where
 * encodeURIComponent would throw "URI malformed" and the record would not be rendered.
 */
export function encodeUriPart(raw: string): string {
  return encodeURIComponent(raw.replace(LONE_SURROGATE, '\ufffd'));
}

const REGION_CODE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

function consoleOrigin(partition: string, region: string): string | undefined {
  if (!REGION_CODE.test(region)) return undefined;
  if (partition === 'aws') return `https://${region}.console.aws.amazon.com`;
  if (partition === 'aws-cn') return `https://${region}.console.amazonaws.cn`;
  if (partition === 'aws-us-gov') return 'https://console.amazonaws-us-gov.com';
  return undefined;
}

/** Link to one alarm's page in the CloudWatch console of its own region. */
export function alarmConsoleUrl(partition: string, region: string, alarmName: string): string | undefined {
  const origin = consoleOrigin(partition, region);
  if (!origin) return undefined;
  return `${origin}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeUriPart(alarmName)}`;
}

/** Link to one AWS Backup job in the console. */
export function backupJobConsoleUrl(partition: string, region: string, jobId: string): string | undefined {
  const origin = consoleOrigin(partition, region);
  if (!origin) return undefined;
  return `${origin}/backup/home?region=${region}#/jobs/backup/details/${encodeUriPart(jobId)}`;
}

/** Longer values are not even parsed. Whether a URL is short enough to show is the renderer's call (it says so). */
const MAX_PARSED_URL = 65_536;

/** True for an absolute http(s) URL (links from payloads are only shown as links when they pass). */
export function isWebUrl(value: string | undefined): value is string {
  if (!value || value.length > MAX_PARSED_URL) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
