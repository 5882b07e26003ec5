import { ColumnSink } from '../../../lambdas/shared/parquet/column-sink';

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString();

describe('ColumnSink', () => {
  it('puts bounds, counts and bytes back where a mark left them', () => {
    const sink = new ColumnSink(true);
    sink.text('b');
    sink.text('c');
    const mark = sink.mark();
    sink.text('a');
    sink.text('z');
    sink.null();
    sink.restore(mark);
    sink.text('d');
    const stats = sink.statistics('BYTE_ARRAY');
    expect([text(stats.min_value as Uint8Array), text(stats.max_value as Uint8Array)]).toEqual([
      'b',
      'd',
    ]);
    expect(stats.null_count).toBe(0n);
    expect([sink.rows, sink.nulls]).toEqual([3, 0]);
    expect(Array.from(sink.definitionLevels())).toEqual([1, 1, 1]);
    expect(Buffer.from(sink.plain()).toString('latin1')).toBe('\x01\0\0\0b\x01\0\0\0c\x01\0\0\0d');
  });

  it('orders text by its UTF-8 bytes, not by UTF-16 code units', () => {
    const sink = new ColumnSink(false);
    // U+FF5E sorts after U+1F3ED in UTF-16 (0xFF5E > 0xD83C), before it in UTF-8 (EF < F0).
    sink.text('\u{ff5e}');
    sink.text('\u{1f3ed}');
    const stats = sink.statistics('BYTE_ARRAY');
    expect([text(stats.min_value as Uint8Array), text(stats.max_value as Uint8Array)]).toEqual([
      '\u{ff5e}',
      '\u{1f3ed}',
    ]);
  });

  it('writes an INT64 as two 32-bit halves, negative ones too, with bigint bounds', () => {
    const sink = new ColumnSink(false);
    for (const value of [-1, 2 ** 32 + 5, -(2 ** 40) - 3, 0]) sink.int64(value);
    const view = new DataView(sink.plain().buffer, sink.plain().byteOffset);
    expect([0, 8, 16, 24].map((at) => view.getBigInt64(at, true))).toEqual([
      -1n,
      2n ** 32n + 5n,
      -(2n ** 40n) - 3n,
      0n,
    ]);
    expect(sink.statistics('INT64')).toEqual({
      null_count: 0n,
      min_value: -(2n ** 40n) - 3n,
      max_value: 2n ** 32n + 5n,
    });
  });

  it('packs booleans eight to a byte, first in the lowest bit, and clears the bits it gives back', () => {
    const sink = new ColumnSink(false);
    for (const value of [true, false, true]) sink.boolean(value);
    const mark = sink.mark();
    for (let i = 0; i < 10; i++) sink.boolean(true);
    sink.restore(mark);
    for (const value of [false, false, false, false, false, true]) sink.boolean(value);
    expect(Array.from(sink.plain())).toEqual([0b0000_0101, 0b0000_0001]);
    expect(sink.statistics('BOOLEAN')).toEqual({
      null_count: 0n,
      min_value: false,
      max_value: true,
    });
  });

  it('starts each row group empty, and gives no bounds for a column of NULLs', () => {
    const sink = new ColumnSink(true);
    sink.int32(7);
    sink.reset();
    sink.null();
    expect(sink.statistics('INT32')).toEqual({ null_count: 1n });
    expect(sink.plain().length).toBe(0);
    expect(Array.from(sink.definitionLevels())).toEqual([0]);
  });
});
