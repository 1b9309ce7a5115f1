/**
 * Bad inputs too big to keep as files, generated at a chosen size: the adversarial texts of issue 9 item 2 (inputs
 * that made the CNPG classifier and the Alertmanager text detector backtrack quadratically: a 240 KB annotation took
 * 60 s). Used by the bad-input corpus test (every one renders) and by the benchmark (time linear in the size).
 */

/** One SNS message body (with its subject when the parser keys on it). */
export interface GeneratedMessage {
  readonly body: string;
  readonly subject?: string;
}

const ALARM_ARN = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:adversarial';

function alarm(description: string): GeneratedMessage {
  return {
    body: JSON.stringify({
      AlarmName: 'adversarial',
      AlarmDescription: description,
      AWSAccountId: '123456789012',
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      NewStateReason: 'Threshold Crossed',
      StateChangeTime: '2026-11-21T10:05:07.418+0000',
      AlarmArn: ALARM_ARN,
    }),
  };
}

function alertmanagerJson(description: string): GeneratedMessage {
  return {
    body: JSON.stringify({
      receiver: 'sns',
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: 'Adversarial' }, annotations: { description } }],
      commonLabels: { alertname: 'Adversarial' },
      commonAnnotations: {},
    }),
    subject: '[FIRING:1] Adversarial',
  };
}

/** Repeats `unit` to about `bytes` characters. */
const fill = (unit: string, bytes: number) => unit.repeat(Math.max(1, Math.floor(bytes / unit.length)));

/** Each adversarial case at about `bytes` characters of hostile text. */
export const ADVERSARIAL: Readonly<Record<string, (bytes: number) => GeneratedMessage>> = {
  'alarm description CNPGCNPG… (CNPG\\w*Failover)': (n) => alarm(fill('CNPG', n)),
  'alarm description archivarchiv… (archiv\\w* fail)': (n) => alarm(fill('archiv', n)),
  'alarm description walarchivwalarchiv… (wal…archiv\\w*…fail)': (n) => alarm(fill('walarchiv', n)),
  'alarm description backup + blanks (backup[\\s_-]*fail)': (n) => alarm(`postgres backup${fill(' ', n)}`),
  'alarm description Failing over from a-a-a…': (n) => alarm(`Failing over from ${fill('a-', n)}`),
  'Alertmanager JSON annotation CNPGCNPG…': (n) => alertmanagerJson(fill('CNPG', n)),
  'Alertmanager text Labels: + newlines': (n) => ({ body: `Labels:${fill('\n', n)}` }),
  'Alertmanager text Alerts Firing: + blanks': (n) => ({ body: `Alerts Firing:${fill(' \t', n)}x` }),
  'Alertmanager AWS-guide JSON, unescaped quotes': (n) => ({
    body: `{"receiver":"sns","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A"},"annotations":{"description":"${fill('say "hi" ', n)}"}}]}`,
  }),
  'AWS Backup vault notification A + blanks': (n) => ({
    body: `A${fill(' ', n)}`,
    subject: 'Notification from AWS Backup',
  }),
  'unknown text CNPG…': (n) => ({ body: fill('CNPG', n) }),
};

/** A JSON body nested `depth` levels (issue 9 item 3: 10,000 levels overflowed JSON.stringify's stack). */
export function deepJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A JSON array nested `depth` levels. */
export function deepArray(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}
