/**
 * What Slack accepts (Block Kit limits) and what the suite promises of every text it sends (README): used by the
 * render tests and the bad-input corpus alike. Returns the problems found, empty when the payload is acceptable.
 */
import type { SlackPayload } from '../../lambdas/alert-notifier/core/render-slack';

/** Control characters other than tab/newline, bidirectional overrides and isolates, lone surrogates. */
const UNSAFE = new RegExp(
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  '[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
);

/** Every text of the payload that Slack shows: the top-level text, then each block's texts in order. */
export function payloadTexts(payload: SlackPayload): { top: string; blocks: string[] } {
  const blocks: string[] = [];
  for (const block of payload.attachments[0].blocks) {
    if (block.type === 'header') blocks.push(block.text.text);
    if (block.type === 'section') {
      if (block.text) blocks.push(block.text.text);
      for (const f of block.fields ?? []) blocks.push(f.text);
    }
    if (block.type === 'context') blocks.push(...block.elements.map((e) => e.text));
  }
  return { top: payload.text, blocks };
}

export function slackLimitViolations(payload: SlackPayload): string[] {
  const problems: string[] = [];
  const blocks = payload.attachments[0].blocks;
  if (blocks.length > 50) problems.push(`${blocks.length} blocks`);
  let blockChars = 0;
  for (const block of blocks) {
    if (block.type === 'header') {
      blockChars += block.text.text.length;
      if (block.text.text.length > 150) problems.push(`header ${block.text.text.length}`);
      if (block.text.text.length === 0) problems.push('empty header');
    }
    if (block.type === 'section') {
      if (block.text) {
        blockChars += block.text.text.length;
        if (block.text.text.length > 3000) problems.push(`section text ${block.text.text.length}`);
      }
      if (block.fields) {
        if (block.fields.length > 10) problems.push(`${block.fields.length} fields`);
        for (const f of block.fields) {
          blockChars += f.text.length;
          if (f.text.length > 2000) problems.push(`field text ${f.text.length}`);
        }
      }
      if (!block.text && !block.fields?.length) problems.push('empty section');
    }
    if (block.type === 'context') {
      if (block.elements.length > 10) problems.push(`${block.elements.length} context elements`);
      for (const e of block.elements) {
        blockChars += e.text.length;
        if (e.text.length > 3000) problems.push(`context text ${e.text.length}`);
      }
    }
  }
  if (blockChars >= 12_000) problems.push(`blocks text ${blockChars}`);
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes >= 20_000) problems.push(`payload ${bytes} bytes`);
  if (payload.text.length === 0 || payload.text.length > 4_000) problems.push(`top-level text ${payload.text.length}`);
  const { top, blocks: texts } = payloadTexts(payload);
  for (const t of [top, ...texts]) {
    const bad = UNSAFE.exec(t);
    if (bad)
      problems.push(`unsafe character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} in "${t.slice(0, 40)}"`);
  }
  return problems;
}
