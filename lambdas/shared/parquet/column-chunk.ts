/**
 * Writes one column of one row group from a {@link ColumnSink}: a single data page (v2),
 * Snappy-compressed, its definition levels RLE-encoded, and the chunk's statistics. An INT32
 * column of few distinct values (keys, dates) is dictionary-encoded; everything else is PLAIN.
 * The page headers, levels, Snappy and the dictionary page are hyparquet-writer's own; what is
 * not used is its general path, which copies every column (bigints for INT64, converted dates
 * and decimals), tries a dictionary on each and walks the values again for statistics and
 * range checks.
 */
import type { ColumnChunk, Encoding, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import type { Writer } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeDictionaryPage } from 'hyparquet-writer/src/dictionary.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import type { ColumnSink } from './column-sink';
import { InvariantError } from '../core/pipeline-error';

/** Appends the sink's column to `writer` and returns its metadata for the footer. */
export function writeColumnChunk(
  writer: Writer,
  element: SchemaElement,
  sink: ColumnSink,
): ColumnChunk {
  const type = element.type;
  if (type !== 'INT32' && type !== 'INT64' && type !== 'BOOLEAN' && type !== 'BYTE_ARRAY') {
    throw new InvariantError(`column ${element.name}: no encoder for Parquet type ${type}`);
  }
  const start = writer.offset;
  const dictionary = type === 'INT32' ? int32Dictionary(sink.plain()) : undefined;
  let uncompressed = 0;
  if (dictionary) {
    uncompressed += writeDictionaryPage(
      writer,
      {
        columnName: element.name,
        element,
        schemaPath: [element],
        codec: 'SNAPPY',
        compressors: { SNAPPY: snappyCompress },
        // Read only by hyparquet-writer's own column path, not by its dictionary page.
        stats: false,
        pageSize: 0,
        columnIndex: false,
        offsetIndex: false,
      },
      dictionary.values,
    );
  }
  const dataStart = writer.offset;
  const encoding: Encoding = dictionary ? 'RLE_DICTIONARY' : 'PLAIN';
  const page = dictionary ? indexPage(dictionary) : sink.plain();
  uncompressed += writeDataPage(writer, sink, encoding, page);
  const levels: Encoding[] = sink.nullable ? ['RLE'] : [];
  return {
    file_offset: BigInt(start),
    meta_data: {
      type,
      encodings: dictionary ? ['PLAIN', 'RLE_DICTIONARY', ...levels] : ['PLAIN', ...levels],
      path_in_schema: [element.name],
      codec: 'SNAPPY',
      num_values: BigInt(sink.rows),
      total_compressed_size: BigInt(writer.offset - start),
      total_uncompressed_size: BigInt(uncompressed),
      data_page_offset: BigInt(dataStart),
      dictionary_page_offset: dictionary ? BigInt(start) : undefined,
      statistics: sink.statistics(type),
      encoding_stats: [
        ...(dictionary
          ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }]
          : []),
        { page_type: 'DATA_PAGE_V2', encoding, count: 1 },
      ],
    },
  };
}

/**
 * A dictionary's indexes as a data page holds them: their bit width, set by the largest index
 * (the dictionary's last), then an RLE/bit-packed run.
 */
function indexPage({ values, indexes }: { values: Int32Array; indexes: Int32Array }): Uint8Array {
  const page = new ByteWriter();
  const bitWidth = Math.max(1, 32 - Math.clz32(values.length - 1));
  page.appendUint8(bitWidth);
  writeRleBitPackedHybrid(page, indexes, bitWidth);
  return page.getBytes();
}

/** The data page: levels, then `page` (PLAIN values or dictionary indexes). Answers its uncompressed size. */
function writeDataPage(
  writer: Writer,
  sink: ColumnSink,
  encoding: Encoding,
  page: Uint8Array,
): number {
  const levels = new ByteWriter();
  const levelBytes = sink.nullable
    ? writeRleBitPackedHybrid(levels, sink.definitionLevels(), 1)
    : 0;
  const compressed = snappyCompress(page);
  const start = writer.offset;
  writePageHeader(writer, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: levelBytes + page.length,
    compressed_page_size: levelBytes + compressed.length,
    data_page_header_v2: {
      num_values: sink.rows,
      num_nulls: sink.nulls,
      num_rows: sink.rows,
      encoding,
      definition_levels_byte_length: levelBytes,
      repetition_levels_byte_length: 0,
      is_compressed: true,
    },
  });
  const headerBytes = writer.offset - start;
  if (levelBytes > 0) writer.appendBytes(levels.getBytes());
  writer.appendBytes(compressed);
  return headerBytes + levelBytes + page.length;
}

/**
 * The distinct values of PLAIN INT32 bytes and each value's index among them, or undefined
 * once there are more distinct values than half the values: then the dictionary and its
 * indexes would take about as many bytes as the values themselves. A column whose first
 * DICTIONARY_SAMPLE values are already more than half distinct (an id) is taken to be so without
 * reading on: building its dictionary up to half the chunk cost 7 % of the transform.
 */
export function int32Dictionary(
  plain: Uint8Array,
): { values: Int32Array; indexes: Int32Array } | undefined {
  const count = plain.length >>> 2;
  const view = new DataView(plain.buffer, plain.byteOffset, plain.length);
  const positions = new Map<number, number>();
  const indexes = new Int32Array(count);
  const most = count >>> 1;
  for (let i = 0; i < count; i++) {
    const value = view.getInt32(i * 4, true);
    let index = positions.get(value);
    if (index === undefined) {
      index = positions.size;
      if (index >= most) return undefined;
      positions.set(value, index);
    }
    indexes[i] = index;
    if (i + 1 === DICTIONARY_SAMPLE && positions.size * 2 > DICTIONARY_SAMPLE) return undefined;
  }
  return { values: Int32Array.from(positions.keys()), indexes };
}

export const DICTIONARY_SAMPLE = 4096;
