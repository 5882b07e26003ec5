/**
 * Writes one column of one row group from a {@link ColumnSink}: a single PLAIN data page (v2),
 * Snappy-compressed, its definition levels RLE-encoded, and the chunk's statistics. The page
 * header, levels and compression are hyparquet-writer's own; what is not used is its general
 * path, which copies every column (bigints for INT64, converted dates and decimals), tries a
 * dictionary on each and walks the values again for statistics and range checks.
 */
import type { ColumnChunk, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import type { Writer } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import type { ColumnSink } from './column-sink';
import { InvariantError } from '../core/pipeline-error';

type Physical = 'INT32' | 'INT64' | 'BOOLEAN' | 'BYTE_ARRAY';

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
  const levels = new ByteWriter();
  const levelBytes = sink.nullable
    ? writeRleBitPackedHybrid(levels, sink.definitionLevels(), 1)
    : 0;
  const plain = sink.plain();
  const compressed = snappyCompress(plain);
  writePageHeader(writer, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: levelBytes + plain.length,
    compressed_page_size: levelBytes + compressed.length,
    data_page_header_v2: {
      num_values: sink.rows,
      num_nulls: sink.nulls,
      num_rows: sink.rows,
      encoding: 'PLAIN',
      definition_levels_byte_length: levelBytes,
      repetition_levels_byte_length: 0,
      is_compressed: true,
    },
  });
  const headerBytes = writer.offset - start;
  if (levelBytes > 0) writer.appendBytes(levels.getBytes());
  writer.appendBytes(compressed);
  return {
    file_offset: BigInt(start),
    meta_data: {
      type,
      encodings: sink.nullable ? ['PLAIN', 'RLE'] : ['PLAIN'],
      path_in_schema: [element.name],
      codec: 'SNAPPY',
      num_values: BigInt(sink.rows),
      total_compressed_size: BigInt(writer.offset - start),
      total_uncompressed_size: BigInt(headerBytes + levelBytes + plain.length),
      data_page_offset: BigInt(start),
      statistics: sink.statistics(type satisfies Physical),
      encoding_stats: [{ page_type: 'DATA_PAGE_V2', encoding: 'PLAIN', count: 1 }],
    },
  };
}
