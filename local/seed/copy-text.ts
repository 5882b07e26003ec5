import { Readable } from 'node:stream';
import type { SourceColumn } from '../../lambdas/shared/core/catalogue';
import { copyTextValue } from '../../lambdas/shared/core/copy-text';
import type { SeedRow } from './row';

export { copyTextValue };

/** About this many characters go into one chunk: one write per row would drown in overhead. */
export const CHUNK_CHARS = 64 * 1024;

/**
 * One row as a COPY text line, columns in catalogue order. A nullable column the row lacks is
 * written NULL, so a nullable column added to the catalogue needs no generator change; a NOT
 * NULL one it lacks is a bug, named.
 */
export function copyTextLine(row: SeedRow, columns: readonly SourceColumn[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    const { name, nullable } = columns[i] as SourceColumn;
    const value = row[name] ?? (nullable ? null : undefined);
    if (value === undefined) throw new Error(`Generated row has no value for column ${name}`);
    line += i === 0 ? copyTextValue(value) : `\t${copyTextValue(value)}`;
  }
  return `${line}\n`;
}

/** Groups rows into COPY text chunks of about CHUNK_CHARS characters. */
export function* copyTextChunks(
  rows: Iterable<SeedRow>,
  columns: readonly SourceColumn[],
  counter: { rows: number },
): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += copyTextLine(row, columns);
    counter.rows++;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * A byte stream of COPY text for the rows. Rows are generated only when the consumer asks for
 * more, so a pipeline into COPY holds one chunk at a time whatever the table's size.
 */
export function copyTextStream(
  rows: Iterable<SeedRow>,
  columns: readonly SourceColumn[],
  counter: { rows: number },
): Readable {
  return Readable.from(copyTextChunks(rows, columns, counter), { objectMode: false });
}
