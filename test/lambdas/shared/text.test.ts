import { cutAt, sanitizeText, truncate } from '../../../lambdas/shared/text';

describe('sanitizeText', () => {
  it.each([
    ['NUL and BEL', 'a\u0000b\u0007c', 'a b c'],
    ['C1 controls', 'a\u0085b\u009bc', 'a b c'],
    ['bidi override (U+202E) and isolates', 'invoice\u202Efdp.exe \u2066x\u2069', 'invoice fdp.exe  x '],
    ['a lone high surrogate (a name cut mid-emoji)', 'db-\ud83d', 'db- '],
    ['a lone low surrogate', '\ude00x', ' x'],
    ['newlines folded into one line', 'a\nb\r\n\tc', 'a b c'],
  ])('%s', (_name, input, expected) => {
    expect(sanitizeText(input, { max: 100 })).toBe(expected);
  });

  it('keeps whole emoji and ordinary Unicode', () => {
    expect(sanitizeText('pg-main 🔴 Zürich', { max: 100 })).toBe('pg-main 🔴 Zürich');
  });

  it('keeps line breaks when multiline', () => {
    expect(sanitizeText('a\nb\u0007', { max: 100, multiline: true })).toBe('a\nb ');
  });

  it('bounds the result, ellipsis included, without splitting a surrogate pair', () => {
    expect(sanitizeText('x'.repeat(50), { max: 10 })).toBe(`${'x'.repeat(9)}…`);
    const emoji = sanitizeText(`${'x'.repeat(8)}🔴🔴`, { max: 10 });
    expect(emoji).toBe(`${'x'.repeat(8)}…`);
    expect(emoji.length).toBeLessThanOrEqual(10);
  });

  it('a 256 KB input is cut before it is scanned and still says it was cut', () => {
    const out = sanitizeText('\u202e'.repeat(256 * 1024), { max: 20 });
    expect(out.length).toBeLessThanOrEqual(20);
    expect(out.endsWith('…')).toBe(true);
  });

  it('non-string values become text', () => {
    expect(sanitizeText(undefined, { max: 5 })).toBe('');
    expect(sanitizeText(12345678, { max: 5 })).toBe('1234…');
  });
});

describe('cutAt / truncate', () => {
  it('never leaves half of a surrogate pair', () => {
    expect(cutAt('ab🔴', 3)).toBe('ab');
    expect(truncate('ab🔴cd', 4)).toBe('ab…');
    expect(truncate('short', 10)).toBe('short');
  });
});
