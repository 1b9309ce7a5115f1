/**
 * The one sanitiser for every text that leaves the suite (Slack, terminal, reports, ops events): control
 * characters, bidirectional overrides and invalid UTF-16 never pass, and every text has a bound.
 */

/**
 * C0/C1 control characters (tab, newline and CR are handled by the caller's choice), the bidirectional formatting
 * characters that can make text read differently from what it is (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069),
 * and lone surrogates (a name cut mid-emoji).
 */
const UNSAFE = new RegExp(
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are replaced
  '[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  'g',
);
const LINE_BREAKS = /[\t\n\r]+/g;

export interface SanitizeOptions {
  /** Most characters (UTF-16 code units) of the result, ellipsis included. */
  readonly max: number;
  /** Keep newlines and tabs (multi-line text such as a code block); default false: one line. */
  readonly multiline?: boolean;
  /** What replaces an unsafe character; default a space. */
  readonly replacement?: string;
}

/** Cuts at most `n` UTF-16 code units without splitting a surrogate pair. */
export function cutAt(raw: string, n: number): string {
  let cut = raw.slice(0, Math.max(0, n));
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

/** Cuts text to `max` characters with an ellipsis, never splitting a surrogate pair. */
export function truncate(raw: string, max: number): string {
  return raw.length <= max ? raw : `${cutAt(raw, max - 1)}…`;
}

/** Printable, bounded text: unsafe characters replaced, line breaks folded unless `multiline`, cut to `max`. */
export function sanitizeText(raw: unknown, options: SanitizeOptions): string {
  const text = typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : String(raw);
  // Only the first `max` characters can be shown: bound the work on huge inputs before any regex runs.
  const scan = options.max * 2 + 2;
  const preCut = text.length > scan;
  let out = (preCut ? text.slice(0, scan) : text).replace(UNSAFE, options.replacement ?? ' ');
  if (!options.multiline) out = out.replace(LINE_BREAKS, ' ');
  if (preCut && out.length < options.max) return `${out}…`;
  return truncate(out, options.max);
}
