/** Output helpers shared by every subcommand: JSON for machines, aligned tables for people. */

export type Cell = string | number | boolean | undefined | null;

export interface Writer {
  write(text: string): void;
}

export const stdout: Writer = { write: (text) => process.stdout.write(text) };

export function printJson(value: unknown, out: Writer = stdout): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

function cellText(value: Cell): string {
  if (value === undefined || value === null) return '';
  // A table row is one line: show control characters (from tag values, say) as spaces.
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/** Renders rows as a fixed-width table; numbers are right-aligned. Columns are shown in the order given. */
export function formatTable(rows: readonly Record<string, Cell>[], columns: readonly string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cellText(r[c]).length)));
  const line = (cells: readonly string[], numeric: readonly boolean[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const header = line(
    columns,
    columns.map(() => false),
  );
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const body = rows.map((r) =>
    line(
      columns.map((c) => cellText(r[c])),
      columns.map((c) => typeof r[c] === 'number'),
    ),
  );
  return [header, rule, ...body].join('\n') + '\n';
}

export function printTable(
  rows: readonly Record<string, Cell>[],
  columns: readonly string[],
  out: Writer = stdout,
): void {
  out.write(formatTable(rows, columns));
}
