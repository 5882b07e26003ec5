import { Readable } from 'node:stream';
import type { SourceColumn } from '../../lambdas/shared/core/catalogue';
import type { SeedRow, SeedValue } from './row';

/** About this many characters go into one chunk: one write per row would drown in overhead. */
export const CHUNK_CHARS = 64 * 1024;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value in COPY's text format (NULL is \N; backslash, tab and line breaks escaped). */
export function copyTextValue(value: SeedValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c) : value;
}

/** One row as a COPY text line, columns in catalogue order; a missing column is a bug. */
export function copyTextLine(row: SeedRow, columns: readonly SourceColumn[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    const name = (columns[i] as SourceColumn).name;
    const value = row[name];
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
