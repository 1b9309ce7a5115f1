import { formatTable, MAX_CELL, MAX_LAST_CELL } from '../../cli/output';

describe('formatTable', () => {
  it('aligns columns and right-aligns numbers', () => {
    const text = formatTable(
      [
        { name: 'a', n: 5 },
        { name: 'bbb', n: 123 },
      ],
      ['name', 'n'],
    );
    expect(text).toBe('name  n\n----  ---\na       5\nbbb   123\n');
  });

  it('cuts long cells (one long Name tag used to make 275-character lines)', () => {
    const text = formatTable([{ name: 'x'.repeat(275), reason: 'y'.repeat(1_000) }], ['name', 'reason']);
    const row = text.split('\n')[2];
    expect(row.length).toBe(MAX_CELL + 2 + MAX_LAST_CELL);
    expect(row).toContain(`${'x'.repeat(MAX_CELL - 1)}…`);
  });

  it('never prints bidi overrides, NUL/BEL or lone surrogates from outside data', () => {
    const text = formatTable([{ name: 'evil\u202Etxt.exe\u0000\u0007 db-\ud83d' }], ['name']);
    // eslint-disable-next-line no-control-regex -- the control characters are what must not be printed
    expect(text).not.toMatch(/[\u202e\u0000\u0007]/);
    expect(text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
