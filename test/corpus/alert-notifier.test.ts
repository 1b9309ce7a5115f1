/**
 * The alert-notifier's bad-input corpus (issue 9): every Lambda event under test/corpus/alert-notifier/events/ and
 * every generated one (too big to keep as a file) goes through the real job with an in-memory Slack. Each gives the
 * messages or the logged rejections it expects, never an unhandled exception, and every message sent is within
 * Slack's limits and carries no control, bidi-override or lone-surrogate character.
 *
 * A corpus file: { "issue": "9.4", "description": "...", "event": <Lambda event>,
 *                  "expect": { "sent": n, "rejected": n, "textMatches"?: ["regex", ...] } }
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlertNotifier } from '../../lambdas/alert-notifier/job';
import { ROUTES_CONFIG, snsEvent } from '../doubles/alert-notifier-events';
import { RecordingSlack } from '../doubles/fake-slack';
import { slackLimitViolations } from '../doubles/slack-limits';
import { ADVERSARIAL, deepArray, deepJson } from './alert-notifier/generated';

interface CorpusCase {
  readonly issue: string;
  readonly description: string;
  readonly event: unknown;
  readonly expect: { readonly sent: number; readonly rejected: number; readonly textMatches?: readonly string[] };
}

const DIR = join(__dirname, 'alert-notifier/events');
const files: [string, CorpusCase][] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8')) as CorpusCase]);

const URL = 'https://hooks.slack.com/services/T000/B000/corpus';

async function run(event: unknown) {
  const slack = new RecordingSlack();
  const logs: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  const log = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    logs.push({ level, message, extra });
  const notifier = new AlertNotifier({
    config: ROUTES_CONFIG,
    ports: { webhookUrl: async () => URL, send: slack.send },
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    metric: () => undefined,
  });
  const outcome = await notifier.handle(event);
  return { outcome, slack, logs };
}

function check(result: Awaited<ReturnType<typeof run>>, expected: CorpusCase['expect']) {
  expect({ sent: result.outcome.sent, rejected: result.outcome.rejected }).toEqual({
    sent: expected.sent,
    rejected: expected.rejected,
  });
  // A rejection is logged with the reason, naming the field.
  expect(result.logs.filter((l) => l.message === 'record rejected')).toHaveLength(expected.rejected);
  for (const { payload } of result.slack.sent) expect(slackLimitViolations(payload)).toEqual([]);
  const text = result.slack.sent.map((s) => JSON.stringify(s.payload)).join('\n');
  for (const pattern of expected.textMatches ?? []) expect(text).toMatch(new RegExp(pattern, 'u'));
}

describe('alert-notifier bad-input corpus: files', () => {
  it('has cases', () => expect(files.length).toBeGreaterThan(0));
  it.each(files)('%s', async (_file, c) => check(await run(c.event), c.expect));
});

describe('alert-notifier bad-input corpus: generated', () => {
  it.each(Object.entries(ADVERSARIAL))('9.2 adversarial 256 KB: %s', async (_name, make) => {
    const { body, subject } = make(256 * 1024);
    check(await run(snsEvent({ body, subject })), { sent: 1, rejected: 0 });
  });

  it.each([
    ['object', deepJson(10_000)],
    ['object (5,000 levels)', deepJson(5_000)],
    ['array', deepArray(10_000)],
  ])('9.3 JSON %s nested 10,000 levels: the fallback with the raw body cut short', async (_name, body) => {
    check(await run(snsEvent({ body })), { sent: 1, rejected: 0, textMatches: ['more char'] });
  });

  it('9.3 EventBridge event whose detail is nested 10,000 levels', async () => {
    const event = { 'detail-type': 'Deep', source: 'custom.deep', detail: JSON.parse(deepJson(10_000)) as unknown };
    check(await run(event), { sent: 1, rejected: 0, textMatches: ['nested too deeply'] });
  });
});
