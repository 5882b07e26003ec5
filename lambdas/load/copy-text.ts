import type { WarehouseRow } from '../shared/core/warehouse-catalogue';

/** PostgreSQL's COPY text format for one value: \N for NULL, backslash escapes for the rest. */
function copyValue(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
      )
    : value;
}

/** Rows as one block of COPY text, columns in the given order. */
export function toCopyText(rows: readonly WarehouseRow[], columns: readonly string[]): string {
  let text = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) line += '\t';
      line += copyValue(row[columns[i] as string]);
    }
    text += line + '\n';
  }
  return text;
}
