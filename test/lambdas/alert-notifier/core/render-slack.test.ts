import { readdirSync } from 'node:fs';
import type { InboundMessage, Notification } from '../../../../lambdas/alert-notifier/types';
import { parseInbound } from '../../../../lambdas/alert-notifier/core/parse';
import { classifyCnpg } from '../../../../lambdas/alert-notifier/core/cnpg';
import {
  blocksTextLength,
  escapeMrkdwn,
  notificationTitle,
  renderSlackMessage,
  safeMrkdwn,
  SLACK_LIMITS,
  STATE_COLORS,
  type SlackBlock,
  type SlackPayload,
} from '../../../../lambdas/alert-notifier/core/render-slack';
import { payloadTexts, slackLimitViolations } from '../../../doubles/slack-limits';
import {
  FIXTURES,
  fixtureJson,
  fixtureMessage,
  fixtureText,
  ROUTES_CONFIG,
  snsMessage,
} from '../../../doubles/alert-notifier-events';

const base: Notification = {
  kind: 'cloudwatch-alarm',
  name: 'orders-db-cpu-high',
  state: 'ALARM',
  previousState: 'OK',
  enteredAlarm: true,
  severity: 'warning',
  fields: [],
  items: [],
  links: [],
  tags: {},
  signals: [],
};

/** Every piece of text in the payload, for limit and escaping checks. */
function texts(payload: SlackPayload): string[] {
  const out = [payload.text];
  for (const block of payload.attachments[0].blocks) {
    if ('text' in block && block.text) out.push(block.text.text);
    if ('fields' in block && block.fields) out.push(...block.fields.map((f) => f.text));
    if ('elements' in block) out.push(...block.elements.map((e) => e.text));
  }
  return out;
}

function assertWithinSlackLimits(payload: SlackPayload) {
  const blocks = payload.attachments[0].blocks;
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of blocks as SlackBlock[]) {
    if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
    if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    if (block.type === 'section' && block.fields) {
      expect(block.fields.length).toBeLessThanOrEqual(10);
      for (const f of block.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
  }
  expect(payload.text.length).toBeGreaterThan(0);
  expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(20_000);
}

describe('titles and wording', () => {
  it.each<[Partial<Notification>, string]>([
    [{ state: 'ALARM', previousState: 'OK' }, '🔴 ALARM: orders-db-cpu-high'],
    [{ state: 'OK', previousState: 'ALARM' }, '✅ Recovered: orders-db-cpu-high'],
    [{ state: 'OK', previousState: 'INSUFFICIENT_DATA' }, '✅ OK: orders-db-cpu-high'],
    [{ state: 'INSUFFICIENT_DATA', previousState: 'OK' }, '⚪ Insufficient data: orders-db-cpu-high'],
    [{ state: 'WARNING' }, '⚠️ Warning: orders-db-cpu-high'],
    [{ state: 'UNKNOWN', rawState: 'MAINTENANCE' }, '❔ MAINTENANCE: orders-db-cpu-high'],
    [
      { state: 'ALARM', cnpg: { signal: 'failover', cluster: 'orders-db' } },
      '🔴 CNPG orders-db failover: orders-db-cpu-high',
    ],
    [
      { state: 'OK', previousState: 'ALARM', cnpg: { signal: 'failover', cluster: 'orders-db' } },
      '✅ Recovered: CNPG orders-db failover (orders-db-cpu-high)',
    ],
    [
      { state: 'ALARM', cnpg: { signal: 'backup-failed', cluster: 'billing-db' } },
      '🔴 CNPG billing-db backup failure: orders-db-cpu-high',
    ],
  ])('%j → %s', (patch, title) => {
    expect(notificationTitle({ ...base, ...patch })).toBe(title);
  });

  it('recovery fallback text never says "triggered" and reads as recovery', () => {
    const payload = renderSlackMessage({ ...base, state: 'OK', previousState: 'ALARM', enteredAlarm: false });
    expect(payload.text).toMatch(/^✅ Recovered: orders-db-cpu-high/);
    expect(JSON.stringify(payload)).not.toMatch(/triggered/i);
  });

  it.each(Object.entries(STATE_COLORS))('state %s has attachment colour %s', (state, color) => {
    expect(renderSlackMessage({ ...base, state: state as Notification['state'] }).attachments[0].color).toBe(color);
  });

  it('shows previous → new state, account, region and change time as fields', () => {
    const payload = renderSlackMessage({
      ...base,
      account: '123456789012',
      region: 'eu-west-1',
      time: '2026-11-21T10:05:07.418Z',
    });
    const fields = payload.attachments[0].blocks.find(
      (b) => b.type === 'section' && 'fields' in b && b.fields,
    ) as unknown as {
      fields: { text: string }[];
    };
    expect(fields.fields.map((f) => f.text)).toEqual([
      '*State*\nOK → ALARM',
      '*Severity*\nwarning',
      '*Account*\n123456789012',
      '*Region*\neu-west-1',
      '*Changed at*\n2026-11-21T10:05:07.418Z',
    ]);
  });
});

describe('mentions', () => {
  it.each([
    ['here', true, '<!here> '],
    ['channel', true, '<!channel> '],
    ['none', true, ''],
  ] as const)('mention %s on entering alarm %s', (mention, entered, prefix) => {
    const payload = renderSlackMessage({ ...base, enteredAlarm: entered }, mention);
    expect(payload.text.startsWith(`${prefix}🔴`)).toBe(true);
  });

  it('no payload text can produce a mention or a link: & < > are escaped everywhere', () => {
    const hostile = '<!channel> <!here> <@U123> <https://evil.example|click> & co';
    const payload = renderSlackMessage({
      ...base,
      name: hostile,
      description: hostile,
      reason: hostile,
      fields: [{ label: hostile, value: hostile }],
      items: [{ title: hostile, state: 'ALARM', lines: [{ label: hostile, value: hostile }] }],
      tags: { team: hostile },
      body: hostile,
    });
    for (const t of texts(payload)) {
      expect(t).not.toMatch(/<!(channel|here)>|<@U|<https/);
    }
    expect(JSON.stringify(payload)).toContain('&lt;!channel&gt;');
  });
});

describe('limits', () => {
  it('escape then cut never exceeds the limit nor splits an entity', () => {
    const raw = '<&>'.repeat(5000);
    const out = safeMrkdwn(raw, 3000);
    expect(out.length).toBeLessThanOrEqual(3000);
    expect(out.endsWith('…')).toBe(true);
    expect(out.slice(0, -1)).toMatch(/^(&lt;&amp;&gt;)+(&lt;|&lt;&amp;)?$/);
    expect(escapeMrkdwn('a&b<c>d')).toBe('a&amp;b&lt;c&gt;d');
  });

  it('huge inputs stay within header, section, field and block limits, well under the size limit', () => {
    const long = 'x'.repeat(100_000);
    const payload = renderSlackMessage({
      ...base,
      name: long,
      description: long,
      reason: long,
      fields: Array.from({ length: 40 }, (_, i) => ({ label: `f${i}`, value: long })),
      items: Array.from({ length: 60 }, (_, i) => ({
        title: `item ${i} ${long}`,
        state: 'ALARM' as const,
        lines: [{ label: 'x', value: long }],
      })),
      links: Array.from({ length: 20 }, (_, i) => ({ text: `l${i}`, url: `https://example.com/${i}` })),
      tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, long])),
      body: long,
    });
    assertWithinSlackLimits(payload);
    const blocks = payload.attachments[0].blocks;
    expect(blocks.length).toBeLessThan(20);
    // 10 items listed, the rest counted; links and the context line are still there at the end.
    expect(texts(payload)).toContain('… and 50 more');
    expect(texts(payload).some((t) => t.includes('<https://example.com/0|l0>'))).toBe(true);
    expect(blocks.at(-1)?.type).toBe('context');
    // Slack rejects blocks whose text adds up to about 13,000 characters (msg_blocks_too_long): stay well under.
    expect(texts(payload).slice(1).join('').length).toBeLessThan(12_000);
    expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(16_000);
    expect(payload.attachments[0].blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: expect.stringMatching(/…$/), emoji: true },
    });
  });

  it('2 runbooks + a 2.9k-character generatorURL: the links section stays ≤ 3000, the long link is named, not cut', () => {
    const generatorURL = `https://prometheus.example.internal/graph?g0.expr=${'a'.repeat(2_850)}&g0.tab=1`;
    const group = {
      receiver: 'sns',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'DiskFull', severity: 'warning' },
          annotations: { summary: 'disk full', runbook_url: 'https://runbooks.example.com/disk-full' },
          startsAt: '2026-11-21T03:10:00.000Z',
          generatorURL,
        },
        {
          status: 'firing',
          labels: { alertname: 'DiskFull', severity: 'warning', instance: 'b' },
          annotations: { summary: 'disk full', runbook_url: 'https://runbooks.example.com/disk-full-b' },
          startsAt: '2026-11-21T03:10:00.000Z',
          generatorURL,
        },
      ],
      groupLabels: { alertname: 'DiskFull' },
      commonLabels: { alertname: 'DiskFull', severity: 'warning' },
      commonAnnotations: { summary: 'disk full' },
      externalURL: 'https://alertmanager.example.internal',
      version: '4',
      groupKey: '{}:{alertname="DiskFull"}',
    };
    const n = parseInbound(snsMessage(JSON.stringify(group)));
    expect(n.links.map((l) => l.text)).toEqual(['Runbook', 'Runbook', 'Source']);
    const payload = renderSlackMessage(n);
    assertWithinSlackLimits(payload);
    const linkSection = texts(payload).find((t) => t.includes('<https://runbooks.example.com/disk-full|Runbook>'));
    expect(linkSection).toBe(
      '<https://runbooks.example.com/disk-full|Runbook>  ·  <https://runbooks.example.com/disk-full-b|Runbook>  ·  _Source link omitted: too long_',
    );
    expect(JSON.stringify(payload)).not.toContain('g0.expr=aaaa');
  });

  it('links that each fit but together exceed a section: the first ones are shown, the others named as left out', () => {
    const url = (i: number) => `https://runbooks.example.com/${i}/${'r'.repeat(960)}`;
    const payload = renderSlackMessage({
      ...base,
      links: [1, 2, 3, 4].map((i) => ({ text: `Link ${i}`, url: url(i) })),
    });
    assertWithinSlackLimits(payload);
    const section = texts(payload).find((t) => t.includes('Link 1'));
    expect(section).toBe(
      [
        `<${url(1)}|Link 1>`,
        `<${url(2)}|Link 2>`,
        '_Link 3 link omitted: too long_',
        '_Link 4 link omitted: too long_',
      ].join('  ·  '),
    );
  });

  it('a URL that grows past the bound when encoded for <url|text> is left out, not cut', () => {
    const url = `https://example.com/?q=${'|'.repeat(330)}`;
    const payload = renderSlackMessage({ ...base, links: [{ text: 'Query', url }] });
    expect(texts(payload)).toContain('_Query link omitted: too long_');
    expect(JSON.stringify(payload)).not.toContain('%7C%7C');
  });

  it('a code block body cannot close itself early', () => {
    const payload = renderSlackMessage({ ...base, kind: 'fallback', body: 'a ``` b' });
    const code = texts(payload).find((t) => t.startsWith('```'));
    expect(code).toBe('```a `\u200b`` b```');
  });
});

describe('every fixture renders within Slack limits', () => {
  const inputs: [string, () => Notification][] = [
    ['cloudwatch-metric-alarm', () => parseInbound(snsMessage(fixtureText('cloudwatch-metric-alarm.json')))],
    ['cloudwatch-metric-math-alarm', () => parseInbound(snsMessage(fixtureText('cloudwatch-metric-math-alarm.json')))],
    ['cloudwatch-composite-alarm', () => parseInbound(snsMessage(fixtureText('cloudwatch-composite-alarm.json')))],
    [
      'eventbridge-alarm',
      () =>
        parseInbound({ via: 'eventbridge', event: fixtureJson('eventbridge-alarm-state-change.json'), attributes: {} }),
    ],
    [
      'backup-job-failed',
      () => parseInbound({ via: 'eventbridge', event: fixtureJson('backup-job-failed.json'), attributes: {} }),
    ],
    ['alertmanager-text', () => parseInbound(snsMessage(fixtureText('alertmanager-text.txt')))],
    ['alertmanager-json', () => parseInbound(snsMessage(fixtureText('alertmanager-json.txt')))],
    ['ops-event', () => parseInbound(snsMessage(fixtureText('ops-event.json')))],
    ['fallback', () => parseInbound(snsMessage(fixtureText('unknown-json.json')))],
  ];
  it.each(inputs)('%s', (_name, make) => {
    const payload = renderSlackMessage(classifyCnpg(make(), ROUTES_CONFIG.runbooks), 'here');
    assertWithinSlackLimits(payload);
    expect(payload.text.startsWith(payload.attachments[0].fallback.replace(/…$/, ''))).toBe(true);
  });

  it('the CNPG failover alert renders cluster, runbook link and console-style links as mrkdwn links', () => {
    const n = classifyCnpg(
      parseInbound(snsMessage(fixtureText('cloudwatch-metric-math-alarm.json'))),
      ROUTES_CONFIG.runbooks,
    );
    const all = texts(renderSlackMessage(n, 'here'));
    expect(all).toContain(
      '*Cluster:* orders-db\nCNPG primary changed: cnpg_pg_replication_in_recovery flipped on an instance of orders-db',
    );
    expect(all.some((t) => t.includes('<https://runbooks.example.com/cnpg/failover?cluster=orders-db|Runbook>'))).toBe(
      true,
    );
    expect(
      all.some((t) =>
        t.includes(
          '<https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/orders-db-replication-role-changed|Open alarm>',
        ),
      ),
    ).toBe(true);
    expect(all[0].startsWith('<!here> 🔴 CNPG orders-db failover: orders-db-replication-role-changed')).toBe(true);
  });
});

/**
 * Property-style check of the renderer: every fixture, and every fixture with long or hostile values injected into
 * each of its values (one at a time, then all at once), renders a payload that Slack accepts: header ≤ 150,
 * section text ≤ 3000, field text ≤ 2000, ≤ 10 fields, ≤ 50 blocks, blocks text under 12,000 characters (Slack
 * refuses ~13,000 as msg_blocks_too_long) and the payload under 20 kB, and
 * every link is whole (a URL is shown in full or not at all, never cut).
 */

/** Values injected in place of (or appended to) each value of a fixture. */
const LONG_VALUES: Record<string, string> = {
  plain10k: 'x'.repeat(10_000),
  escaping: '<!channel>&<@U1>|'.repeat(700),
  emoji: '🔥'.repeat(3_000),
  // Controls, bidi overrides and a lone surrogate: none may reach Slack.
  hostile: 'a\u0000b\u0007c\u202ed\u2066e\u009bf\ud83d'.repeat(500),
  cutEmoji: `${'🔥'.repeat(1_000)}\ud83d`,
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

/** `value` with one more key (`key`) in each of its objects. */
function withKey(value: Json, key: string): Json {
  if (Array.isArray(value)) return value.map((v) => withKey(v, key));
  if (value && typeof value === 'object')
    return { ...Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withKey(v, key)])), [key]: 'x' };
  return value;
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
      // Keys become labels too (ops-event details, alert labels): one more key, this long, in every object.
      out.push({ label: `${name} as an extra key in every object`, content: JSON.stringify(withKey(json, long)) });
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
  const problems = slackLimitViolations(payload);
  const texts = payloadTexts(payload).blocks;

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
      const n = classifyCnpg(parseInbound(fixtureMessage(fixture, content)), ROUTES_CONFIG.runbooks);
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

const parse = (m: InboundMessage) => classifyCnpg(parseInbound(m), ROUTES_CONFIG.runbooks);

describe('every text reaching Slack is bounded and sanitised (issue 9 items 5 and 10)', () => {
  const opsEvent = (details: Record<string, unknown>) =>
    parse(snsMessage(JSON.stringify({ ...fixtureJson('ops-event.json'), details })));

  it('a 5,000-character ops-event detail key: its field label is cut, the field ≤ 2,000, all blocks < 12,000', () => {
    const key = 'k'.repeat(5_000);
    const payload = renderSlackMessage(opsEvent({ [key]: 'v', other: 1 }));
    const fields = payload.attachments[0].blocks.flatMap((b) => (b.type === 'section' ? (b.fields ?? []) : []));
    const label = fields.find((f) => f.text.startsWith('*kkk'));
    expect(label?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldLabel + SLACK_LIMITS.field + 3);
    expect(slackLimitViolations(payload)).toEqual([]);
  });

  it('eight 5,000-character keys with long values, and every long text at its budget: blocks text < 12,000', () => {
    const details = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`${i}`.repeat(5_000), 'v'.repeat(5_000)]));
    const n: Notification = {
      ...opsEvent(details),
      description: 'd'.repeat(10_000),
      reason: 'r'.repeat(10_000),
      body: 'b'.repeat(10_000),
      items: Array.from({ length: 12 }, (_, i) => ({
        title: `t${i}`.repeat(1_000),
        state: 'ALARM' as const,
        lines: [{ label: 'l'.repeat(1_000), value: 'x'.repeat(5_000) }],
      })),
      links: Array.from({ length: 5 }, (_, i) => ({ text: `L${i}`, url: `https://e.example/${`${i}`.repeat(900)}` })),
      cnpg: { signal: 'failover', cluster: 'c'.repeat(5_000) },
    };
    const payload = renderSlackMessage(n, 'here');
    expect(blocksTextLength(payload.attachments[0].blocks)).toBeLessThan(SLACK_LIMITS.blocksText);
    expect(slackLimitViolations(payload)).toEqual([]);
  });

  it('NUL, BEL, C1 controls, bidi overrides and lone surrogates in an alarm never reach Slack', () => {
    const alarm = fixtureJson('cloudwatch-metric-alarm.json');
    const hostile = 'db\u0000\u0007\u202eevil\u2066\u009b🔥'.concat('\ud83d');
    const payload = renderSlackMessage(
      parse(
        snsMessage(
          JSON.stringify({
            ...alarm,
            AlarmName: hostile,
            AlarmDescription: `desc ${hostile}`,
            NewStateReason: `why ${hostile}`,
            Trigger: { ...(alarm.Trigger as object), MetricName: hostile },
          }),
        ),
      ),
      'here',
    );
    expect(slackLimitViolations(payload)).toEqual([]);
    const json = JSON.stringify(payload);
    for (const c of ['\\u0000', '\\u0007', '\u202e', '\u2066', '\\u009b', '\\ud83d"']) expect(json).not.toContain(c);
    expect(payload.attachments[0].blocks[0]).toMatchObject({ text: { text: expect.stringContaining('db') } });
  });
});
