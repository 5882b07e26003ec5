/**
 * Writes warehouse rows as Parquet typed by the warehouse catalogue. Each `writeRows` call becomes
 * one row group appended to a local file, so a Lambda holds one chunk of rows in memory however
 * large the batch, and uploads the finished file from /tmp.
 */
import { statSync } from 'node:fs';
import type { DecodedArray } from 'hyparquet';
import { ByteWriter, ParquetWriter, fileWriter } from 'hyparquet-writer';
import type { ColumnSource, Writer } from 'hyparquet-writer';
import type { WarehouseRow, WarehouseTable } from '../core/warehouse-catalogue';
import { ParquetValueError } from './parquet-errors';
import { type ParquetColumn, parquetColumnsOf, parquetSchemaOf } from './parquet-schema';
import { parseDate, parseDecimal, parseTime, parseTimestamp } from '../core/value-codecs';
import { InvariantError } from '../core/pipeline-error';

/** One Parquet file being written; see {@link openParquetWriter}. */
export interface ParquetTableWriter {
  /**
   * Appends `rows` as one row group (none if empty). Rows are validated against the table's
   * column types first, so a bad value throws {@link ParquetValueError} before anything of the
   * chunk is written.
   */
  writeRows(rows: readonly WarehouseRow[]): void | Promise<void>;
  /** Writes the footer; the file is complete only after this resolves. */
  close(): Promise<{ rows: number; bytes: number }>;
}

/** Turns one column of a chunk into the values hyparquet-writer encodes. */
type ColumnBuilder = (rows: readonly WarehouseRow[], firstRow: number) => DecodedArray;

const CREATED_BY = 'deliverance (hyparquet-writer)';

/**
 * Opens `path` (created or truncated) for a Parquet file of `table`'s rows, Snappy-compressed.
 *
 * Row values use the catalogue's encodings (see {@link parquetColumnsOf} for the columns) and are
 * stored as analyst-friendly Parquet types:
 * - `integer` → INT32, INT(32, signed); must be a 32-bit integer `number`.
 * - `text` → BYTE_ARRAY, STRING (UTF-8).
 * - `decimal` → INT64, DECIMAL(10,2): the text '123.45' (or a number, taken by its shortest
 *   decimal form) is stored exactly as the unscaled integer 12345; finer than a cent or more than
 *   10 digits is refused, never rounded.
 * - `date` → INT32, DATE: 'YYYY-MM-DD' as days since 1970-01-01 (negative before).
 * - `time` → INT64, TIME(MICROS, isAdjustedToUTC=true): 'HH:MM:SS.ffffff' as microseconds since
 *   midnight, 0 to 86 399 999 999. The source's `timestamp without time zone` is UTC by convention.
 * - `boolean` → BOOLEAN.
 * - `source_updated_at` (source-versioned dimensions) → INT64, TIMESTAMP(MICROS, UTC), from the
 *   'YYYY-MM-DDTHH:MM:SS.ffffffZ' text.
 *
 * Nullable catalogue columns are OPTIONAL, the others REQUIRED (a NULL there is refused).
 *
 * @param path - a local file, in a Lambda under /tmp.
 * @param table - the warehouse table the rows belong to.
 */
export function openParquetWriter(path: string, table: WarehouseTable): ParquetTableWriter {
  const writer = fileWriter(path);
  const { write, finish } = tableWriter(table, writer);
  let closed = false;
  return {
    writeRows(rows) {
      if (closed) throw new InvariantError(`Parquet writer for ${path} is closed`);
      write(rows);
    },
    async close() {
      if (closed) throw new InvariantError(`Parquet writer for ${path} is closed`);
      closed = true;
      const rows = finish();
      await writer.finish();
      // The file's size, not writer.offset, so a short write to /tmp cannot go unnoticed.
      return { rows, bytes: statSync(path).size };
    },
  };
}

/**
 * The rows of a small table (a dimension, a test fixture) as a complete Parquet file in memory,
 * one row group per `rowGroupSize` rows. Types as for {@link openParquetWriter}.
 */
export function writeParquetBuffer(
  table: WarehouseTable,
  rows: readonly WarehouseRow[],
  rowGroupSize = 100_000,
): Uint8Array {
  const writer = new ByteWriter();
  const { write, finish } = tableWriter(table, writer);
  for (let start = 0; start < rows.length; start += rowGroupSize) {
    write(rows.slice(start, start + rowGroupSize));
  }
  finish();
  return new Uint8Array(writer.getBuffer());
}

function tableWriter(table: WarehouseTable, writer: Writer) {
  const columns = parquetColumnsOf(table);
  const builders = columns.map((column) => columnBuilder(table.name, column));
  const parquet = new ParquetWriter({
    writer,
    schema: parquetSchemaOf(table),
    codec: 'SNAPPY',
    createdBy: CREATED_BY,
  });
  let rowCount = 0;
  return {
    write(rows: readonly WarehouseRow[]): void {
      if (rows.length === 0) return;
      // Build every column before writing any, so a bad value leaves the file as it was.
      const columnData: ColumnSource[] = columns.map((column, j) => ({
        name: column.name,
        data: (builders[j] as ColumnBuilder)(rows, rowCount),
      }));
      // The flush that fileWriter would do is synchronous: no promise to wait for. pageSize 0
      // makes one page per column chunk: measuring every value to cut 1 MB pages cost about a
      // seventh of the write time, and a chunk of one row group is a few MB at most.
      void parquet.write({ columnData, rowGroupSize: rows.length, pageSize: 0 });
      rowCount += rows.length;
    },
    finish(): number {
      void parquet.finish();
      return rowCount;
    },
  };
}

/**
 * A builder specialised for the column's type and nullability: one tight loop per column, typed
 * arrays for REQUIRED numeric columns, and no per-value dispatch on the type.
 */
function columnBuilder(tableName: string, column: ParquetColumn): ColumnBuilder {
  const { name, nullable } = column;
  const fail = (row: number, value: unknown, expected: string): never => {
    throw new ParquetValueError(tableName, name, row, value, expected);
  };
  /** For REQUIRED columns stored as INT32: parse each non-null value with `parse`. */
  const int32Column =
    (parse: (value: WarehouseRow[string]) => number | undefined, expected: string): ColumnBuilder =>
    (rows, firstRow) => {
      const n = rows.length;
      if (!nullable) {
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const value = (rows[i] as WarehouseRow)[name];
          const parsed = value == null ? undefined : parse(value);
          if (parsed === undefined) fail(firstRow + i, value, expected);
          out[i] = parsed as number;
        }
        return out;
      }
      const out = new Array<number | null>(n);
      for (let i = 0; i < n; i++) {
        const value = (rows[i] as WarehouseRow)[name];
        if (value === null) {
          out[i] = null;
          continue;
        }
        const parsed = value === undefined ? undefined : parse(value);
        if (parsed === undefined) fail(firstRow + i, value, expected);
        out[i] = parsed as number;
      }
      return out;
    };
  /** Any other column: a plain array, NULLs kept where the column allows them. */
  const arrayColumn =
    <T>(parse: (value: WarehouseRow[string]) => T | undefined, expected: string): ColumnBuilder =>
    (rows, firstRow) => {
      const n = rows.length;
      const out = new Array<T | null>(n);
      for (let i = 0; i < n; i++) {
        const value = (rows[i] as WarehouseRow)[name];
        if (value === null && nullable) {
          out[i] = null;
          continue;
        }
        const parsed = value == null ? undefined : parse(value);
        if (parsed === undefined) fail(firstRow + i, value, expected);
        out[i] = parsed as T;
      }
      return out as DecodedArray;
    };

  switch (column.type) {
    case 'integer':
      return int32Column(
        (v) => (typeof v === 'number' && (v | 0) === v ? v : undefined),
        'a 32-bit integer',
      );
    case 'date':
      return int32Column((v) => (typeof v === 'string' ? parseDate(v) : undefined), "'YYYY-MM-DD'");
    case 'time':
      return arrayColumn((v) => {
        const micros = typeof v === 'string' ? parseTime(v) : undefined;
        return micros === undefined ? undefined : BigInt(micros);
      }, "'HH:MM:SS.ffffff'");
    case 'text':
      return arrayColumn((v) => (typeof v === 'string' ? v : undefined), 'text');
    case 'boolean':
      return arrayColumn((v) => (typeof v === 'boolean' ? v : undefined), 'a boolean');
    case 'decimal':
      return arrayColumn((v) => {
        // A number is read by its shortest round-trip form, which is the decimal it was parsed
        // from for any value of DECIMAL(10,2): still no binary fraction arithmetic.
        const unscaled =
          typeof v === 'string'
            ? parseDecimal(v)
            : typeof v === 'number'
              ? parseDecimal(String(v))
              : undefined;
        return unscaled === undefined ? undefined : BigInt(unscaled);
      }, 'decimal text within DECIMAL(10,2)');
    case 'timestamp':
      return arrayColumn(
        (v) => (typeof v === 'string' ? parseTimestamp(v) : undefined),
        "'YYYY-MM-DDTHH:MM:SS.ffffffZ'",
      );
  }
}
