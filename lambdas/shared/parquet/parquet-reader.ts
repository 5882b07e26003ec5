/**
 * Reads Parquet files written by the writer back into warehouse rows in the catalogue's text
 * encodings, one row group at a time, so that write-then-read is the identity.
 */
import type { AsyncBuffer, FileMetaData, ParquetParsers, SchemaElement } from 'hyparquet';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import type { WarehouseRow, WarehouseTable } from '../core/warehouse-catalogue';
import { ParquetFileError } from './parquet-errors';
import { type ParquetColumn, parquetColumnsOf, schemaProblems } from './parquet-schema';
import { formatDate, formatDecimal, formatTime, formatTimestamp } from '../core/value-codecs';

type Value = WarehouseRow[string];

/**
 * Dates as catalogue text, each day formatted once: PLAIN pages (what the writer writes) hand
 * every row's date to the parser, and a fact table's dates are a few thousand days repeated.
 * Cleared when full, so a file of every day from 0001 to 9999 cannot grow it without bound.
 */
const DAY_TEXTS = new Map<number, string>();
const DAY_TEXTS_MAX = 100_000;

function dayText(days: number): string {
  let text = DAY_TEXTS.get(days);
  if (text === undefined) {
    if (DAY_TEXTS.size >= DAY_TEXTS_MAX) DAY_TEXTS.clear();
    text = formatDate(days);
    DAY_TEXTS.set(days, text);
  }
  return text;
}

const PARSERS: Partial<ParquetParsers> = {
  dateFromDays: dayText,
  timestampFromMicroseconds: (micros) => formatTimestamp(BigInt(micros)),
};

/**
 * Reads the rows of a Parquet file of `table`, one array per row group, in file order.
 *
 * Values come back in the catalogue's encodings: `date` as 'YYYY-MM-DD', `time` (stored as
 * microseconds since midnight) as 'HH:MM:SS.ffffff', `decimal` as exact text with two decimals
 * ('-12.05', '3.50'), `source_updated_at` as 'YYYY-MM-DDTHH:MM:SS.ffffffZ', integers as numbers,
 * NULL as `null`. Rows written by {@link openParquetWriter} in those canonical forms read back
 * identical.
 *
 * The file's schema must hold exactly {@link parquetColumnsOf}(table) with the writer's types.
 *
 * @param input - the file's bytes, or a local file path.
 * @param table - the warehouse table the file should hold.
 * @param source - names the file in errors (e.g. its S3 key); defaults to the path.
 * @throws ParquetFileError if the input is not Parquet, is truncated or corrupt, or has another
 *   schema; thrown from the iteration, before any row when the footer or schema is at fault.
 */
export async function* readParquetRows(
  input: Uint8Array | string,
  table: WarehouseTable,
  source: string = typeof input === 'string' ? input : '<buffer>',
): AsyncGenerator<WarehouseRow[], void, undefined> {
  for await (const group of readParquetColumns(input, table, source)) {
    yield toRows(group.names, group.values, group.rows);
  }
}

/** One row group as columns: `values[j][i]` is column `names[j]` of row i. */
export interface ColumnGroup {
  readonly names: readonly string[];
  readonly values: readonly (readonly Value[])[];
  readonly rows: number;
}

/**
 * As {@link readParquetRows}, but each row group as column arrays, without building a row object
 * per row: for a consumer that writes rows straight out again (the load's COPY text).
 */
export async function* readParquetColumns(
  input: Uint8Array | string,
  table: WarehouseTable,
  source: string = typeof input === 'string' ? input : '<buffer>',
): AsyncGenerator<ColumnGroup, void, undefined> {
  // A missing local file is an I/O fault, not a bad file: its error passes through.
  const file = typeof input === 'string' ? await asyncBufferFromFile(input) : bufferFrom(input);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new ParquetFileError(source, `not a Parquet file: ${message(error)}`, { cause: error });
  }
  const problems = schemaProblems(metadata, table);
  if (problems.length > 0) throw new ParquetFileError(source, problems.join('; '));

  const columns = parquetColumnsOf(table);
  const names = columns.map((column) => column.name);
  const converters = columns.map(converterFor);
  const physical = withoutDecimalAnnotation(metadata);

  let groupStart = 0;
  for (const [index, group] of metadata.row_groups.entries()) {
    const groupRows = Number(group.num_rows);
    const values: Value[][] = columns.map(() => new Array<Value>(groupRows));
    try {
      await parquetRead({
        file,
        metadata: physical,
        columns: names,
        rowStart: groupStart,
        rowEnd: groupStart + groupRows,
        parsers: PARSERS,
        onChunk: ({ columnName, columnData, rowStart }) => {
          const j = names.indexOf(columnName);
          (converters[j] as Converter)(columnData, rowStart - groupStart, values[j] as Value[]);
        },
      });
    } catch (error) {
      throw new ParquetFileError(source, `row group ${index} unreadable: ${message(error)}`, {
        cause: error,
      });
    }
    yield { names, values, rows: groupRows };
    groupStart += groupRows;
  }
}

/** Copies decoded values into `out` from `offset`, turning them into catalogue values. */
type Converter = (data: ArrayLike<unknown>, offset: number, out: Value[]) => void;

function converterFor(column: ParquetColumn): Converter {
  switch (column.type) {
    case 'time':
      // Microseconds of a day stay below 2^37: Number() is exact.
      return mapInto((v) => formatTime(Number(v as bigint)));
    case 'decimal':
      // The unscaled INT64 read raw: below 10^10, so Number() is exact.
      return mapInto((v) => formatDecimal(Number(v as bigint)));
    default:
      // Integers, booleans and strings need no conversion; dates and timestamps are converted
      // by PARSERS.
      return mapInto((v) => v as Value);
  }
}

function mapInto(convert: (value: unknown) => Value): Converter {
  return (data, offset, out) => {
    const n = data.length;
    for (let i = 0; i < n; i++) {
      const value = data[i];
      out[offset + i] = value === null || value === undefined ? null : convert(value);
    }
  };
}

function toRows(names: readonly string[], values: readonly (readonly Value[])[], count: number) {
  const rows = new Array<WarehouseRow>(count);
  const width = names.length;
  for (let i = 0; i < count; i++) {
    const row: WarehouseRow = {};
    for (let j = 0; j < width; j++) row[names[j] as string] = (values[j] as Value[])[i] as Value;
    rows[i] = row;
  }
  return rows;
}

/**
 * The same metadata with DECIMAL columns left as their physical INT64: hyparquet would turn them
 * into floating-point numbers, which cannot hold every cent exactly.
 */
function withoutDecimalAnnotation(metadata: FileMetaData): FileMetaData {
  const schema = metadata.schema.map((element): SchemaElement => {
    if (element.converted_type !== 'DECIMAL') return element;
    const raw: SchemaElement = { ...element };
    delete raw.converted_type;
    delete raw.logical_type;
    return raw;
  });
  return { ...metadata, schema };
}

function bufferFrom(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.byteLength,
    slice: (start, end) =>
      bytes.buffer.slice(
        bytes.byteOffset + start,
        bytes.byteOffset + (end ?? bytes.byteLength),
      ) as ArrayBuffer,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
