/** Output helpers shared by every subcommand: JSON for machines, aligned tables for people. */
import { sanitizeText } from '../lambdas/shared/text';

export type Cell = string | number | boolean | undefined | null;

export interface Writer {
  write(text: string): void;
}

export const stdout: Writer = { write: (text) => process.stdout.write(text) };

export function printJson(value: unknown, out: Writer = stdout): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Widest cell of a table column; the last column (free text such as a reason) may run to MAX_LAST_CELL. */
export const MAX_CELL = 60;
export const MAX_LAST_CELL = 300;

/** A table cell is one line of printable text (tags and alarm names are outside data), cut to its bound. */
function cellText(value: Cell, max: number): string {
  if (value === undefined || value === null) return '';
  return sanitizeText(String(value), { max });
}

/** Renders rows as a fixed-width table; numbers are right-aligned. Columns are shown in the order given. */
export function formatTable(rows: readonly Record<string, Cell>[], columns: readonly string[]): string {
  const bounds = columns.map((_, i) => (i === columns.length - 1 ? MAX_LAST_CELL : MAX_CELL));
  const cells = rows.map((r) => columns.map((c, i) => cellText(r[c], bounds[i])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
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
  const body = rows.map((r, k) =>
    line(
      cells[k],
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
