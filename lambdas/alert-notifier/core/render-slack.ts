import { cutAt, sanitizeText, truncate } from '../../shared/text';
import type { Notification, NotificationField, NotificationState } from '../types';
import type { Mention } from './routing';

/** Slack limits (Block Kit reference) and our own, tighter budgets that keep a message well under Slack's size limit. */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  blocks: 50,
  /** All block texts together (header included): Slack refuses about 13,000 as msg_blocks_too_long. */
  blocksText: 12_000,
  /** Our budgets (characters after escaping). */
  description: 1000,
  reason: 1500,
  field: 250,
  /** A field's label (ops-event detail keys become labels: a 5,000-character key must not become the field). */
  fieldLabel: 80,
  itemTitle: 200,
  itemsTotal: 3500,
  body: 2000,
  fallbackText: 1000,
  /** Items (alerts of a group, composite children) listed one by one; the rest are counted. */
  items: 10,
  /** Links shown (runbooks, source, console); a link whose URL is longer than `linkUrl` is left out, never cut. */
  links: 5,
  linkUrl: 1000,
  linkLabel: 40,
} as const;

export interface SlackTextObject {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly emoji?: boolean;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackTextObject }
  | { readonly type: 'section'; readonly text?: SlackTextObject; readonly fields?: readonly SlackTextObject[] }
  | { readonly type: 'context'; readonly elements: readonly SlackTextObject[] }
  | { readonly type: 'divider' };

export interface SlackPayload {
  /** Notification and screen-reader text; mentions live here so they notify. */
  readonly text: string;
  readonly attachments: readonly [
    { readonly color: string; readonly fallback: string; readonly blocks: readonly SlackBlock[] },
  ];
}

export const STATE_COLORS: Record<NotificationState, string> = {
  ALARM: '#D40E0D',
  OK: '#2EB67D',
  INSUFFICIENT_DATA: '#9E9E9E',
  WARNING: '#ECB22E',
  INFO: '#1D9BD1',
  UNKNOWN: '#9E9E9E',
};

const STATE_ICONS: Record<NotificationState, string> = {
  ALARM: '🔴',
  OK: '✅',
  INSUFFICIENT_DATA: '⚪',
  WARNING: '⚠️',
  INFO: 'ℹ️',
  UNKNOWN: '❔',
};

/** Escapes the three characters Slack's mrkdwn gives meaning to, so no payload can ping `@channel` or forge links. */
export function escapeMrkdwn(raw: string): string {
  return raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes then cuts so the ESCAPED text is at most `max` characters (never splitting an entity). */
export function safeMrkdwn(untrusted: string, max: number): string {
  // The shared sanitiser first: no control, bidi-override or lone-surrogate character reaches Slack; escaping only
  // lengthens text, so the first `max` characters are all that can be shown.
  const raw = sanitizeText(untrusted, { max, multiline: true });
  const escaped = escapeMrkdwn(raw);
  if (escaped.length <= max) return escaped;
  // Walk the raw text, counting escaped length, until one character is left for the ellipsis.
  let used = 0;
  let end = 0;
  while (end < raw.length) {
    const c = raw[end];
    const width = c === '&' ? 5 : c === '<' || c === '>' ? 4 : 1;
    if (used + width > max - 1) break;
    used += width;
    end++;
  }
  return `${escapeMrkdwn(cutAt(raw, end))}…`;
}

/**
 * Header blocks are plain_text: Slack does not parse mentions there, but angle brackets are still replaced by
 * look-alikes so nothing in a title can read as a Slack control sequence in any client.
 */
export function plainText(raw: string, max: number): string {
  return sanitizeText(raw.replace(/</g, '‹').replace(/>/g, '›'), { max });
}

/** A code block whose content cannot close the block early. */
function codeBlock(raw: string, max: number): string {
  return `\`\`\`${safeMrkdwn(raw.replace(/```/g, '`\u200b``'), max - 6)}\`\`\``;
}

/** Characters that would end or split `<url|text>`, and those no text sent may carry (controls, bidi overrides). */
const URL_UNSAFE = new RegExp(
  // eslint-disable-next-line no-control-regex -- control characters are what is encoded
  '[<>|\\s\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  'g',
);

/** A URL made safe inside `<url|text>`: those characters are percent-encoded (a lone surrogate as U+FFFD). */
function mrkdwnUrl(url: string): string {
  return url.replace(URL_UNSAFE, (c) =>
    c.length === 1 && /[\ud800-\udfff]/.test(c) ? '%EF%BF%BD' : encodeURIComponent(c),
  );
}

/** A mrkdwn link; the URL is percent-encoded where it would break `<url|text>`. */
function link(url: string, label: string): string {
  return `<${mrkdwnUrl(url)}|${safeMrkdwn(label, SLACK_LIMITS.linkLabel).replace(/\|/g, '¦')}>`;
}

const LINK_SEPARATOR = '  ·  ';

function omittedNote(label: string): string {
  return `_${safeMrkdwn(label, SLACK_LIMITS.linkLabel)} link omitted: too long_`;
}

/**
 * The links line. A URL longer than `linkUrl` (after encoding) is left out, and a link is added only while the whole
 * section stays within Slack's section limit; each link left out is named ("… link omitted: too long") instead of
 * being cut into a broken link. Room for those notes is kept back before any link is added.
 */
export function linksText(links: readonly { readonly text: string; readonly url: string }[]): string | undefined {
  const candidates = links.slice(0, SLACK_LIMITS.links).map((l) => {
    const label = truncate(l.text, SLACK_LIMITS.linkLabel);
    return { label, rendered: link(l.url, label), tooLong: mrkdwnUrl(l.url).length > SLACK_LIMITS.linkUrl };
  });
  if (candidates.length === 0) return undefined;
  const noteReserve = candidates.reduce((sum, c) => sum + omittedNote(c.label).length + LINK_SEPARATOR.length, 0);
  const shown: string[] = [];
  const omitted: string[] = [];
  let used = 0;
  for (const c of candidates) {
    const cost = c.rendered.length + (shown.length > 0 ? LINK_SEPARATOR.length : 0);
    if (c.tooLong || used + cost + noteReserve > SLACK_LIMITS.sectionText) {
      omitted.push(omittedNote(c.label));
      continue;
    }
    shown.push(c.rendered);
    used += cost;
  }
  return [...shown, ...omitted].join(LINK_SEPARATOR);
}

function stateWord(state: NotificationState, raw: string | undefined): string {
  if (state === 'UNKNOWN') return raw ?? 'UNKNOWN';
  return state;
}

/**
 * The state as shown (colour, icon): an alarm whose input says it is a warning or info (an alert's `severity` label,
 * a `severity` tag) reads and looks like one; the state word (ALARM) never overrides the alert's own severity.
 */
export function shownState(n: Notification): NotificationState {
  if (n.state === 'ALARM' && n.severityFromInput && n.severity !== 'critical')
    return n.severity === 'warning' ? 'WARNING' : 'INFO';
  return n.state;
}

const CNPG_SIGNAL_WORDS: Record<NonNullable<Notification['cnpg']>['signal'], string> = {
  failover: 'failover',
  'backup-failed': 'backup failure',
  replication: 'replication',
  capacity: 'capacity',
  availability: 'availability',
};

/** What a person reads first about CNPG: what happened, where, how bad. */
function cnpgTitle(n: Notification, cnpg: NonNullable<Notification['cnpg']>): string {
  const where = [cnpg.namespace, cnpg.cluster].filter((v) => v !== undefined && v !== '').join('/');
  const subject = where === '' ? 'CNPG' : `CNPG ${where}`;
  const more = n.items.length > 1 ? ` (${n.items.length} alerts)` : '';
  const signal = CNPG_SIGNAL_WORDS[cnpg.signal];
  if (cnpg.failover && n.state !== 'OK')
    return `🔁 ${subject} failed over: ${cnpg.failover.from} → ${cnpg.failover.to}`;
  if (n.state === 'OK')
    return cnpg.what
      ? `${STATE_ICONS.OK} Recovered: ${subject}: ${cnpg.what}${more}`
      : `${STATE_ICONS.OK} Recovered: ${subject} ${signal} (${n.name})`;
  const state = shownState(n);
  const icon =
    state === 'UNKNOWN' || state === 'INSUFFICIENT_DATA'
      ? n.severity === 'critical'
        ? STATE_ICONS.ALARM
        : STATE_ICONS.WARNING
      : STATE_ICONS[state];
  return cnpg.what ? `${icon} ${subject}: ${cnpg.what}${more}` : `${icon} ${subject} ${signal}: ${n.name}${more}`;
}

/** The title: state first, recovery worded as recovery, CNPG signals named with their cluster. */
export function notificationTitle(n: Notification): string {
  const recovered = n.state === 'OK' && (n.previousState === 'ALARM' || n.previousState === undefined);
  if (n.cnpg) return cnpgTitle(n, n.cnpg);
  switch (shownState(n)) {
    case 'WARNING':
      if (n.state === 'ALARM') return `${STATE_ICONS.WARNING} Warning: ${n.name}`;
      break;
    case 'INFO':
      if (n.state === 'ALARM') return `${STATE_ICONS.INFO} ${n.name}`;
      break;
    default:
      break;
  }
  switch (n.state) {
    case 'ALARM':
      return `${STATE_ICONS.ALARM} ALARM: ${n.name}`;
    case 'OK':
      return recovered && n.previousState === 'ALARM'
        ? `${STATE_ICONS.OK} Recovered: ${n.name}`
        : `${STATE_ICONS.OK} OK: ${n.name}`;
    case 'INSUFFICIENT_DATA':
      return `${STATE_ICONS.INSUFFICIENT_DATA} Insufficient data: ${n.name}`;
    case 'WARNING':
      return `${STATE_ICONS.WARNING} Warning: ${n.name}`;
    case 'INFO':
      return `${STATE_ICONS.INFO} ${n.name}`;
    default:
      return n.rawState ? `${STATE_ICONS.UNKNOWN} ${n.rawState}: ${n.name}` : `${STATE_ICONS.UNKNOWN} ${n.name}`;
  }
}

function transitionText(n: Notification): string {
  const now = stateWord(n.state, n.rawState);
  return n.previousState ? `${stateWord(n.previousState, undefined)} → ${now}` : now;
}

function mentionText(mention: Mention): string {
  return mention === 'here' ? '<!here> ' : mention === 'channel' ? '<!channel> ' : '';
}

function field(label: string, value: string): SlackTextObject {
  const shown = safeMrkdwn(label.replace(/\s+/g, ' '), SLACK_LIMITS.fieldLabel);
  return { type: 'mrkdwn', text: `*${shown}*\n${safeMrkdwn(value, SLACK_LIMITS.field)}` };
}

/** The top-level `text`: what a notification, a screen reader or a bot sees. Always set. */
export function fallbackText(n: Notification, mention: Mention): string {
  const where = [n.region, n.account].filter(Boolean).join(', ');
  const parts = [notificationTitle(n), where ? `(${where})` : '', n.reason ?? n.description ?? ''].filter(
    (p) => p !== '',
  );
  return `${mentionText(mention)}${safeMrkdwn(parts.join(' — ').replace(/\s+/g, ' '), SLACK_LIMITS.fallbackText)}`;
}

/** The budgets of the texts that may be long (description, reason, listed items, code-block body). */
interface ElasticBudgets {
  readonly description: number;
  readonly reason: number;
  readonly itemsTotal: number;
  readonly body: number;
}

/** Each budget scaled by `factor` (the fixed parts, links and fields, never shrink). */
function scaled(factor: number): ElasticBudgets {
  const at = (v: number) => Math.max(100, Math.floor(v * factor));
  return {
    description: at(SLACK_LIMITS.description),
    reason: at(SLACK_LIMITS.reason),
    itemsTotal: at(SLACK_LIMITS.itemsTotal),
    body: at(SLACK_LIMITS.body),
  };
}

/** The characters of every block's text: what Slack counts against msg_blocks_too_long. */
export function blocksTextLength(blocks: readonly SlackBlock[]): number {
  let total = 0;
  for (const block of blocks) {
    if (block.type === 'header') total += block.text.text.length;
    if (block.type === 'section') {
      total += block.text?.text.length ?? 0;
      for (const f of block.fields ?? []) total += f.text.length;
    }
    if (block.type === 'context') for (const e of block.elements) total += e.text.length;
  }
  return total;
}

function renderBlocks(n: Notification, budgets: ElasticBudgets): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  blocks.push({
    type: 'header',
    text: { type: 'plain_text', text: plainText(notificationTitle(n), SLACK_LIMITS.headerText), emoji: true },
  });

  const intro: string[] = [];
  if (n.cnpg?.cluster) intro.push(`*Cluster:* ${safeMrkdwn(n.cnpg.cluster, 200)}`);
  if (n.description) intro.push(safeMrkdwn(n.description, budgets.description));
  if (intro.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: intro.join('\n') } });

  const facts: NotificationField[] = [
    { label: 'State', value: transitionText(n) },
    { label: 'Severity', value: n.severity },
  ];
  if (n.account) facts.push({ label: 'Account', value: n.account });
  if (n.region) facts.push({ label: 'Region', value: n.region });
  if (n.time) facts.push({ label: 'Changed at', value: n.time });
  const allFields = [...facts, ...n.fields].slice(0, SLACK_LIMITS.fieldsPerSection);
  blocks.push({ type: 'section', fields: allFields.map((f) => field(f.label, f.value)) });

  if (n.reason)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Reason*\n${safeMrkdwn(n.reason, budgets.reason)}` },
    });

  if (n.items.length > 0) {
    const listed = n.items.slice(0, SLACK_LIMITS.items);
    const perItem = Math.min(SLACK_LIMITS.sectionText, Math.floor(budgets.itemsTotal / listed.length));
    for (const item of listed) {
      const header = `*${safeMrkdwn(item.title, SLACK_LIMITS.itemTitle)}* — ${item.state === 'UNKNOWN' ? 'unknown' : item.state}`;
      const lines = item.lines
        .map(
          (l) =>
            `• ${safeMrkdwn(l.label, SLACK_LIMITS.fieldLabel)}: ${safeMrkdwn(l.value.replace(/\s+/g, ' '), perItem)}`,
        )
        .join('\n');
      const content = lines === '' ? header : `${header}\n${lines}`;
      // The item text is already escaped: cut without re-escaping, never mid-entity nor mid-surrogate pair.
      const cut = content.length <= perItem ? content : `${cutAt(content, perItem - 1).replace(/&[a-z]{0,4}$/, '')}…`;
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut } });
    }
    if (n.items.length > listed.length) {
      blocks.push({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `… and ${n.items.length - listed.length} more` }],
      });
    }
  }

  if (n.body !== undefined && n.body !== '')
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: codeBlock(n.body, budgets.body) } });

  const links = linksText(n.links);
  if (links !== undefined) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: links } });

  const context = [
    `${n.kind}`,
    ...Object.entries(n.tags)
      .slice(0, 6)
      .map(([k, v]) => `${k}=${v}`),
  ].join(' · ');
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: safeMrkdwn(context, 500) }] });
  return blocks.slice(0, SLACK_LIMITS.blocks);
}

/** Budget factors tried in turn until all block texts fit; the last one fits whatever the input (see README). */
const BUDGET_STEPS = [1, 0.6, 0.35, 0.15];

/**
 * Renders a notification as an incoming-webhook payload: Block Kit inside one attachment (its colour shows the state),
 * with a top-level `text` fallback. Every text from the input goes through the shared sanitiser, is escaped and cut
 * to Slack's limits, and all block texts together stay under SLACK_LIMITS.blocksText: when they would not, the long
 * texts (description, reason, items, body) get smaller budgets.
 */
export function renderSlackMessage(n: Notification, mention: Mention = 'none'): SlackPayload {
  let blocks: SlackBlock[] = [];
  for (const factor of BUDGET_STEPS) {
    blocks = renderBlocks(n, scaled(factor));
    if (blocksTextLength(blocks) < SLACK_LIMITS.blocksText) break;
  }
  const text = fallbackText(n, mention);
  return { text, attachments: [{ color: STATE_COLORS[shownState(n)], fallback: text, blocks }] };
}
