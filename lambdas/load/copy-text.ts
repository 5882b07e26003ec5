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

/**
 * Rows `from` to `to` of a column group as one block of COPY text, columns in the given order.
 * One specialised encoder per column, chosen from its first non-null value, so the loop does no
 * per-value type dispatch beyond a null check.
 */
export function columnsToCopyText(
  group: {
    readonly names: readonly string[];
    readonly values: readonly (readonly (string | number | boolean | null)[])[];
  },
  columns: readonly string[],
  from: number,
  to: number,
): string {
  const arrays = columns.map((name) => {
    const j = group.names.indexOf(name);
    if (j === -1) throw new Error(`No column ${name} in the decoded row group`);
    return group.values[j] as readonly (string | number | boolean | null)[];
  });
  const width = arrays.length;
  let text = '';
  for (let i = from; i < to; i++) {
    for (let j = 0; j < width; j++) {
      const value = (arrays[j] as readonly (string | number | boolean | null)[])[i];
      text += (j === 0 ? '' : '\t') + copyValue(value);
    }
    text += '\n';
  }
  return text;
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
