import { copyTextValue as copyValue, type CopyValue } from '../shared/core/copy-text';
import { InvariantError } from '../shared/core/pipeline-error';
import type { WarehouseRow } from '../shared/core/warehouse-catalogue';

/**
 * Rows `from` to `to` of a decoded column group as one block of COPY text, columns in the given
 * order: read straight from the column arrays, with no row object per row.
 */
export function columnsToCopyText(
  group: {
    readonly names: readonly string[];
    readonly values: readonly (readonly CopyValue[])[];
  },
  columns: readonly string[],
  from: number,
  to: number,
): string {
  const arrays = columns.map((name) => {
    const j = group.names.indexOf(name);
    if (j === -1) throw new InvariantError(`No column ${name} in the decoded row group`);
    return group.values[j] as readonly CopyValue[];
  });
  const width = arrays.length;
  let text = '';
  for (let i = from; i < to; i++) {
    for (let j = 0; j < width; j++) {
      const value = (arrays[j] as readonly CopyValue[])[i];
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
