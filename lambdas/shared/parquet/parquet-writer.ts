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
   * Appends `rows`, with any appended before and not yet written, as one row group (none if
   * empty). Rows are validated against the table's column types first, so a bad value throws
   * {@link ParquetValueError} before anything of the chunk is written.
   */
  writeRows(rows: readonly WarehouseRow[]): void | Promise<void>;
  /**
   * Converts `rows` to their column values now and holds those (typed arrays where the column
   * allows) until {@link endRowGroup}, so the caller's row objects can be dropped while they are
   * young, never copied from one generation of the heap to the next. A bad value throws
   * {@link ParquetValueError} and holds nothing of `rows`.
   */
  appendRows(rows: readonly WarehouseRow[]): void;
  /** Writes the rows appended since the last row group as one row group (none if none). */
  endRowGroup(): void;
  /** Rows appended and not yet written. */
  readonly pendingRows: number;
  /** Writes the footer; the file is complete only after this resolves. */
  close(): Promise<{ rows: number; bytes: number }>;
}

/**
 * Turns one column of some rows into their values: an Int32Array (INT32) or BigInt64Array
 * (INT64) for a REQUIRED numeric column, an array otherwise.
 */
type ColumnBuilder = (rows: readonly WarehouseRow[], firstRow: number) => ColumnPiece;
type ColumnPiece = Int32Array | BigInt64Array | unknown[];

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
  const chunks = tableWriter(table, writer);
  let closed = false;
  const open = () => {
    if (closed) throw new InvariantError(`Parquet writer for ${path} is closed`);
  };
  return {
    writeRows(rows) {
      open();
      chunks.append(rows);
      chunks.endRowGroup();
    },
    appendRows(rows) {
      open();
      chunks.append(rows);
    },
    endRowGroup() {
      open();
      chunks.endRowGroup();
    },
    get pendingRows() {
      return chunks.pendingRows();
    },
    async close() {
      open();
      closed = true;
      const rows = chunks.finish();
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
  const chunks = tableWriter(table, writer);
  for (let start = 0; start < rows.length; start += rowGroupSize) {
    chunks.append(rows.slice(start, start + rowGroupSize));
    chunks.endRowGroup();
  }
  chunks.finish();
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
  /** Per column, the pieces appended since the last row group. */
  let pieces: ColumnPiece[][] = columns.map(() => []);
  let pending = 0;
  return {
    append(rows: readonly WarehouseRow[]): void {
      if (rows.length === 0) return;
      // Build every column before holding any, so a bad value leaves the row group as it was.
      const built = builders.map((build) => build(rows, rowCount + pending));
      built.forEach((piece, j) => pieces[j]?.push(piece));
      pending += rows.length;
    },
    endRowGroup(): void {
      if (pending === 0) return;
      const columnData: ColumnSource[] = columns.map((column, j) => ({
        name: column.name,
        data: joined(pieces[j] ?? [], pending),
      }));
      // The flush that fileWriter would do is synchronous: no promise to wait for. pageSize 0
      // makes one page per column chunk: measuring every value to cut 1 MB pages cost about a
      // seventh of the write time, and a chunk of one row group is a few MB at most.
      void parquet.write({ columnData, rowGroupSize: pending, pageSize: 0 });
      rowCount += pending;
      pieces = columns.map(() => []);
      pending = 0;
    },
    pendingRows: () => pending,
    finish(): number {
      void parquet.finish();
      return rowCount;
    },
  };
}

/**
 * A column's pieces as the one array hyparquet-writer is given: INT32 stays an Int32Array; an
 * INT64 column becomes an array of bigints, as the writer reads every value more than once and
 * a BigInt64Array would make a new bigint on each read.
 */
function joined(pieces: readonly ColumnPiece[], length: number): DecodedArray {
  const [first] = pieces;
  if (first instanceof Int32Array) {
    if (pieces.length === 1) return first;
    const out = new Int32Array(length);
    let at = 0;
    for (const piece of pieces as Int32Array[]) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }
  const out = new Array<unknown>(length);
  let at = 0;
  for (const piece of pieces) for (let i = 0; i < piece.length; i++) out[at++] = piece[i];
  return out as DecodedArray;
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
  /**
   * For columns stored as INT64: REQUIRED ones into a BigInt64Array, which holds 50,000 values
   * as 400 KB instead of 50,000 bigints on the heap; nullable ones as arrayColumn.
   */
  const int64Column = (
    parse: (value: WarehouseRow[string]) => bigint | undefined,
    expected: string,
  ): ColumnBuilder =>
    nullable
      ? arrayColumn(parse, expected)
      : (rows, firstRow) => {
          const n = rows.length;
          const out = new BigInt64Array(n);
          for (let i = 0; i < n; i++) {
            const value = (rows[i] as WarehouseRow)[name];
            const parsed = value == null ? undefined : parse(value);
            if (parsed === undefined) fail(firstRow + i, value, expected);
            out[i] = parsed as bigint;
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
      return out;
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
      return int64Column((v) => {
        const micros = typeof v === 'string' ? parseTime(v) : undefined;
        return micros === undefined ? undefined : BigInt(micros);
      }, "'HH:MM:SS.ffffff'");
    case 'text':
      return arrayColumn((v) => (typeof v === 'string' ? v : undefined), 'text');
    case 'boolean':
      return arrayColumn((v) => (typeof v === 'boolean' ? v : undefined), 'a boolean');
    case 'decimal':
      return int64Column((v) => {
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
      return int64Column(
        (v) => (typeof v === 'string' ? parseTimestamp(v) : undefined),
        "'YYYY-MM-DDTHH:MM:SS.ffffffZ'",
      );
  }
}
