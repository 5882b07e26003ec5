/**
 * Writes warehouse rows as Parquet typed by the warehouse catalogue. Each `writeRows` call becomes
 * one row group appended to a local file, so a Lambda holds one chunk of rows in memory however
 * large the batch, and uploads the finished file from /tmp.
 */
import { statSync } from 'node:fs';
import type { RowGroup, SchemaElement } from 'hyparquet';
import { ByteWriter, fileWriter } from 'hyparquet-writer';
import type { Writer } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { WarehouseRow, WarehouseTable } from '../core/warehouse-catalogue';
import { ParquetValueError } from './parquet-errors';
import { type ParquetColumn, parquetColumnsOf, parquetSchemaOf } from './parquet-schema';
import { ColumnSink, type SinkMark } from './column-sink';
import { writeColumnChunk } from './column-chunk';
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

/** Puts one column of some rows into its sink, refusing a value the column cannot hold. */
type ColumnFiller = (rows: readonly WarehouseRow[], firstRow: number, sink: ColumnSink) => void;

const CREATED_BY = 'deliverance';
/** 'PAR1', read as a little-endian 32-bit word: a Parquet file's first and last four bytes. */
const MAGIC = 0x31524150;

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
  const schema = parquetSchemaOf(table);
  const elements = schema.slice(1);
  const columns = parquetColumnsOf(table);
  const fillers = columns.map((column) => columnFiller(table.name, column));
  const sinks = columns.map((column) => new ColumnSink(column.nullable));
  const rowGroups: RowGroup[] = [];
  let rowCount = 0;
  let pending = 0;
  writer.appendUint32(MAGIC);
  return {
    append(rows: readonly WarehouseRow[]): void {
      if (rows.length === 0) return;
      // A bad value puts every column back where it stood, so the row group is as it was.
      const marks = sinks.map((sink) => sink.mark());
      try {
        fillers.forEach((fill, j) => fill(rows, rowCount + pending, sinks[j] as ColumnSink));
      } catch (error) {
        sinks.forEach((sink, j) => sink.restore(marks[j] as SinkMark));
        throw error;
      }
      pending += rows.length;
    },
    endRowGroup(): void {
      if (pending === 0) return;
      const start = writer.offset;
      const chunks = sinks.map((sink, j) => {
        const chunk = writeColumnChunk(writer, elements[j] as SchemaElement, sink);
        sink.reset();
        return chunk;
      });
      let uncompressed = 0n;
      for (const chunk of chunks) uncompressed += chunk.meta_data?.total_uncompressed_size ?? 0n;
      rowGroups.push({
        columns: chunks,
        num_rows: BigInt(pending),
        total_byte_size: uncompressed,
        total_compressed_size: BigInt(writer.offset - start),
      });
      rowCount += pending;
      pending = 0;
    },
    pendingRows: () => pending,
    finish(): number {
      writeMetadata(writer, {
        version: 2,
        created_by: CREATED_BY,
        schema,
        num_rows: BigInt(rowCount),
        row_groups: rowGroups,
        // Required by the type, not written: the length is the footer's last word but one.
        metadata_length: 0,
      });
      writer.appendUint32(MAGIC);
      return rowCount;
    },
  };
}

/**
 * A filler specialised for the column's type: one tight loop per column that parses each value
 * and hands it to the sink, with no per-value dispatch on the type.
 */
function columnFiller(tableName: string, column: ParquetColumn): ColumnFiller {
  const { name, nullable } = column;
  /** Parses each value with `parse` and stores what it gives with `put`. */
  const filler =
    <T>(
      parse: (value: WarehouseRow[string]) => T | undefined,
      put: (sink: ColumnSink, parsed: T) => void,
      expected: string,
    ): ColumnFiller =>
    (rows, firstRow, sink) => {
      const n = rows.length;
      for (let i = 0; i < n; i++) {
        const value = (rows[i] as WarehouseRow)[name];
        if (value === null && nullable) {
          sink.null();
          continue;
        }
        const parsed = value == null ? undefined : parse(value);
        if (parsed === undefined) {
          throw new ParquetValueError(tableName, name, firstRow + i, value, expected);
        }
        put(sink, parsed);
      }
    };
  const int32 = (sink: ColumnSink, value: number) => sink.int32(value);
  const int64 = (sink: ColumnSink, value: number) => sink.int64(value);

  switch (column.type) {
    case 'integer':
      return filler(
        (v) => (typeof v === 'number' && (v | 0) === v ? v : undefined),
        int32,
        'a 32-bit integer',
      );
    case 'date':
      return filler(
        (v) => (typeof v === 'string' ? parseDate(v) : undefined),
        int32,
        "'YYYY-MM-DD'",
      );
    case 'time':
      return filler(
        (v) => (typeof v === 'string' ? parseTime(v) : undefined),
        int64,
        "'HH:MM:SS.ffffff'",
      );
    case 'text':
      return filler(
        (v) => (typeof v === 'string' ? v : undefined),
        (sink, value) => sink.text(value),
        'text',
      );
    case 'boolean':
      return filler(
        (v) => (typeof v === 'boolean' ? v : undefined),
        (sink, value) => sink.boolean(value),
        'a boolean',
      );
    case 'decimal':
      // A number is read by its shortest round-trip form, which is the decimal it was parsed
      // from for any value of DECIMAL(10,2): still no binary fraction arithmetic. The unscaled
      // value is at most 10 digits, well inside a number's exact integers.
      return filler(
        (v) =>
          typeof v === 'string'
            ? parseDecimal(v)
            : typeof v === 'number'
              ? parseDecimal(String(v))
              : undefined,
        int64,
        'decimal text within DECIMAL(10,2)',
      );
    case 'timestamp':
      return filler(
        (v) => (typeof v === 'string' ? parseTimestamp(v) : undefined),
        (sink, value) => sink.bigint64(value),
        "'YYYY-MM-DDTHH:MM:SS.ffffffZ'",
      );
  }
}
