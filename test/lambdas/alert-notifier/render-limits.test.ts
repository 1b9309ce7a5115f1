/**
 * Property-style check of the renderer: every fixture, and every fixture with long or hostile values injected into
 * each of its values (one at a time, then all at once), renders a payload that Slack accepts: header ≤ 150,
 * section text ≤ 3000, field text ≤ 2000, ≤ 10 fields, ≤ 50 blocks, blocks text under 12,000 characters (Slack
 * refuses ~13,000 as msg_blocks_too_long) and the payload under 20 kB, and
 * every link is whole (a URL is shown in full or not at all, never cut).
 */
import { readdirSync } from 'node:fs';
import { classifyCnpg } from '../../../lambdas/alert-notifier/cnpg';
import type { Notification } from '../../../lambdas/alert-notifier/model';
import { parseInbound, type InboundMessage } from '../../../lambdas/alert-notifier/parse';
import { renderSlackMessage, type SlackPayload } from '../../../lambdas/alert-notifier/render-slack';
import { FIXTURES, fixtureText, ROUTES_CONFIG, snsMessage } from './helpers';

/** Values injected in place of (or appended to) each value of a fixture. */
const LONG_VALUES: Record<string, string> = {
  plain10k: 'x'.repeat(10_000),
  escaping: '<!channel>&<@U1>|'.repeat(700),
  emoji: '🔥'.repeat(3_000),
  // The incident: an Alertmanager generatorURL of ~2.9k characters.
  url2900: `https://prometheus.example.internal/graph?g0.expr=${'rate%28x%5B5m%5D%29+'.repeat(143)}&g0.tab=1`,
  // Just under the per-URL bound: three of them do not fit one section together.
  url990: `https://runbooks.example.com/${'r'.repeat(961)}`,
  // Grows when encoded for `<url|text>`: 340 raw characters, ~1000 encoded.
  urlEncodes: `https://example.com/?q=${'|'.repeat(330)}`,
  url5000: `https://example.com/${'u'.repeat(4_980)}`,
};

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Every string leaf of a JSON value, as a path. */
function stringPaths(value: Json, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

function setAt(value: Json, path: (string | number)[], replacement: string): Json {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? setAt(v, rest, replacement) : v));
  const record = value as { [key: string]: Json };
  return { ...record, [head]: setAt(record[head as string], rest, replacement) };
}

/** How a fixture reaches the notifier. */
function messageFor(fixture: string, content: string): InboundMessage {
  if (fixture.startsWith('eventbridge-') || fixture === 'backup-job-failed.json') {
    return { via: 'eventbridge', event: JSON.parse(content) as Record<string, unknown>, attributes: {} };
  }
  if (fixture === 'backup-vault-notification.txt') {
    return snsMessage(content, { subject: 'Notification from AWS Backup', attributes: { State: 'FAILED' } });
  }
  return snsMessage(content);
}

/** The fixture itself, then variants with each long value injected into each value, then into all values. */
function variants(fixture: string): { label: string; content: string }[] {
  const original = fixtureText(fixture);
  const out = [{ label: 'as is', content: original }];
  let json: Json | undefined;
  try {
    json = JSON.parse(original) as Json;
  } catch {
    json = undefined;
  }
  for (const [name, long] of Object.entries(LONG_VALUES)) {
    if (json !== undefined && typeof json === 'object') {
      const paths = stringPaths(json);
      for (const p of paths)
        out.push({ label: `${name} at ${p.join('.')}`, content: JSON.stringify(setAt(json, p, long)) });
      out.push({
        label: `${name} everywhere`,
        content: JSON.stringify(paths.reduce<Json>((acc, p) => setAt(acc, p, long), json)),
      });
    } else {
      // Text fixtures: replace the value after "=", ": " or " : " on each line (or the whole line), one at a time.
      const lines = original.split('\n');
      const inject = (line: string) => {
        const m = /^(.*?(?: = |: | : ))/.exec(line);
        return m ? `${m[1]}${long}` : long;
      };
      lines.forEach((_line, i) =>
        out.push({
          label: `${name} at line ${i + 1}`,
          content: lines.map((l, j) => (j === i ? inject(l) : l)).join('\n'),
        }),
      );
      out.push({ label: `${name} on every line`, content: lines.map(inject).join('\n') });
    }
  }
  return out;
}

const LINK = /<(https?:\/\/[^<>|\s]*)\|([^<>]*)>/g;

/** Every way the payload could be refused by Slack or show a broken link; empty when none. */
function violations(payload: SlackPayload, n: Notification): string[] {
  const problems: string[] = [];
  const blocks = payload.attachments[0].blocks;
  if (blocks.length > 50) problems.push(`${blocks.length} blocks`);
  const texts: string[] = [];
  for (const block of blocks) {
    if (block.type === 'header') {
      if (block.text.text.length > 150) problems.push(`header ${block.text.text.length}`);
      if (block.text.text.length === 0) problems.push('empty header');
    }
    if (block.type === 'section') {
      if (block.text) {
        texts.push(block.text.text);
        if (block.text.text.length > 3000) problems.push(`section text ${block.text.text.length}`);
      }
      if (block.fields) {
        if (block.fields.length > 10) problems.push(`${block.fields.length} fields`);
        for (const f of block.fields) {
          texts.push(f.text);
          if (f.text.length > 2000) problems.push(`field text ${f.text.length}`);
        }
      }
      if (!block.text && !block.fields?.length) problems.push('empty section');
    }
    if (block.type === 'context') {
      if (block.elements.length > 10) problems.push(`${block.elements.length} context elements`);
      for (const e of block.elements) {
        texts.push(e.text);
        if (e.text.length > 3000) problems.push(`context text ${e.text.length}`);
      }
    }
  }
  const blockChars = texts.join('').length;
  if (blockChars >= 12_000) problems.push(`blocks text ${blockChars}`);
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes >= 20_000) problems.push(`payload ${bytes} bytes`);
  if (payload.text.length === 0 || payload.text.length > 4_000) problems.push(`top-level text ${payload.text.length}`);

  // Links: each one whole and pointing at a URL of the notification, in full.
  const encoded = new Set(n.links.map((l) => l.url.replace(/[<>|\s]/g, (c) => encodeURIComponent(c))));
  for (const t of texts) {
    for (const m of t.matchAll(LINK))
      if (!encoded.has(m[1])) problems.push(`link to a cut or unknown URL (${m[1].length} chars)`);
    const opened = (t.match(/<https?:/g) ?? []).length;
    const whole = [...t.matchAll(LINK)].length;
    if (opened !== whole) problems.push('a link that is not closed');
  }
  // A link that is not shown is said to be left out.
  const shown = texts.flatMap((t) => [...t.matchAll(LINK)].map((m) => m[1])).length;
  if (shown < Math.min(n.links.length, 5) && !texts.some((t) => t.includes('link omitted: too long')))
    problems.push('a link was dropped without saying so');
  return problems;
}

const fixtures = readdirSync(FIXTURES).sort();

describe('every fixture, with long values injected anywhere, renders within Slack limits', () => {
  it('covers all fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(13);
  });

  it.each(fixtures)('%s', (fixture) => {
    const failures: string[] = [];
    let checked = 0;
    for (const { label, content } of variants(fixture)) {
      const n = classifyCnpg(parseInbound(messageFor(fixture, content)), ROUTES_CONFIG.runbooks);
      for (const mention of ['none', 'channel'] as const) {
        const problems = violations(renderSlackMessage(n, mention), n);
        checked++;
        if (problems.length > 0) failures.push(`${label} (${mention}): ${problems.join(', ')}`);
      }
    }
    expect(checked).toBeGreaterThan(2 * Object.keys(LONG_VALUES).length);
    expect(failures).toEqual([]);
  });
});
