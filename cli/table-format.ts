import { terminalValue } from './terminal-text';

export interface TableFormatOptions {
  /**
   * Colours a padded cell (an ANSI escape around it) after the widths are measured, so a colour
   * never shifts a column. `row` is the row's values, -1 the header.
   */
  readonly paint?: (cell: string, column: number, row: number) => string;
}

/** A cell's text: numbers with thousands separators, everything else escaped (terminalText). */
function cellText(value: unknown): string {
  return typeof value === 'number' ? value.toLocaleString('en-GB') : terminalValue(value);
}

/**
 * A plain-text table with right-aligned numbers (with thousands separators), for terminal
 * summaries. Every cell is escaped (terminalText): a value from the data cannot act on the
 * terminal.
 *
 * @example
 * formatTable(['table', 'rows'], [['sales_order', 12000]]);
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: TableFormatOptions = {},
): string {
  const cells = [header, ...rows].map((row) => row.map(cellText));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((row) => typeof row[i] === 'number'));
  const paint = options.paint ?? ((cell: string) => cell);
  const line = (row: string[], index: number) => {
    const padded = row.map((cell, i) =>
      numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
    );
    // The last cell keeps no padding: lines end where their text does.
    const last = padded.length - 1;
    padded[last] = (padded[last] ?? '').trimEnd();
    return padded
      .map((cell, i) => paint(cell, i, index))
      .join('  ')
      .trimEnd();
  };
  const [head, ...body] = cells;
  return [
    line(head ?? [], -1),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...body.map((row, i) => line(row, i)),
  ].join('\n');
}
