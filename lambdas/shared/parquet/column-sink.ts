/**
 * One column of the row group being written, held as Parquet will store it: the PLAIN bytes of
 * its non-null values, its definition levels and its statistics, filled a value at a time. The
 * buffers are kept from one row group to the next, so a file of any size reuses the same few
 * megabytes, and no value is held as a JavaScript object (no bigint, no boxed number).
 */

const INITIAL_BYTES = 1 << 16;
const TWO_TO_32 = 2 ** 32;

/** Where a sink stood, to put it back there if the rest of a chunk turns out to be bad. */
export interface SinkMark {
  readonly length: number;
  readonly rows: number;
  readonly nulls: number;
  readonly booleans: number;
  readonly min: number | bigint | undefined;
  readonly max: number | bigint | undefined;
  readonly minAt: number;
  readonly minLength: number;
  readonly maxAt: number;
  readonly maxLength: number;
}

/** The chunk's statistics as hyparquet-writer's metadata writer takes them. */
export interface SinkStatistics {
  readonly null_count: bigint;
  readonly min_value?: number | bigint | boolean | Uint8Array;
  readonly max_value?: number | bigint | boolean | Uint8Array;
}

export class ColumnSink {
  private data = Buffer.allocUnsafe(INITIAL_BYTES);
  private view = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  private length = 0;
  private levels: Uint8Array;
  private booleans = 0;
  /** Numeric bounds (a boolean's as 0 and 1); a text column's are byte ranges of `data`. */
  private min: number | bigint | undefined;
  private max: number | bigint | undefined;
  private minAt = 0;
  private minLength = -1;
  private maxAt = 0;
  private maxLength = -1;
  rows = 0;
  nulls = 0;

  /** @param nullable - whether the column is OPTIONAL, so definition levels are kept. */
  constructor(readonly nullable: boolean) {
    this.levels = new Uint8Array(nullable ? INITIAL_BYTES : 0);
  }

  mark(): SinkMark {
    const { length, rows, nulls, booleans, min, max, minAt, minLength, maxAt, maxLength } = this;
    return { length, rows, nulls, booleans, min, max, minAt, minLength, maxAt, maxLength };
  }

  restore(mark: SinkMark): void {
    ({
      length: this.length,
      rows: this.rows,
      nulls: this.nulls,
      booleans: this.booleans,
      min: this.min,
      max: this.max,
      minAt: this.minAt,
      minLength: this.minLength,
      maxAt: this.maxAt,
      maxLength: this.maxLength,
    } = mark);
    // A boolean written after the mark set its bit; the next ones only ever set bits.
    const used = this.booleans & 7;
    if (used !== 0) {
      const at = this.booleans >>> 3;
      this.data[at] = (this.data[at] as number) & ((1 << used) - 1);
    }
  }

  /** Empties the sink for the next row group, keeping its buffers. */
  reset(): void {
    this.restore(EMPTY);
  }

  /** A NULL; only for a nullable column. */
  null(): void {
    this.level(0);
    this.nulls++;
  }

  int32(value: number): void {
    this.level(1);
    this.ensure(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
    this.bound(value);
  }

  /** An INT64 given as a safe integer: written as two 32-bit halves, with no bigint made. */
  int64(value: number): void {
    this.level(1);
    this.ensure(8);
    const high = Math.floor(value / TWO_TO_32);
    this.view.setUint32(this.length, value - high * TWO_TO_32, true);
    this.view.setInt32(this.length + 4, high, true);
    this.length += 8;
    this.bound(value);
  }

  /** An INT64 beyond 2^53 as a number could hold it exactly (microseconds after 2255). */
  bigint64(value: bigint): void {
    this.level(1);
    this.ensure(8);
    this.view.setBigInt64(this.length, value, true);
    this.length += 8;
    this.bound(value);
  }

  boolean(value: boolean): void {
    this.level(1);
    const at = this.booleans >>> 3;
    if ((this.booleans & 7) === 0) {
      this.ensure(1);
      this.data[at] = 0;
      this.length = at + 1;
    }
    if (value) this.data[at] = (this.data[at] as number) | (1 << (this.booleans & 7));
    this.booleans++;
    this.bound(value ? 1 : 0);
  }

  /** A string as its UTF-8 bytes (a lone surrogate as U+FFFD, as TextEncoder writes it). */
  text(value: string): void {
    this.level(1);
    this.ensure(4 + value.length * 3);
    const at = this.length + 4;
    const length = this.data.write(value, at);
    this.view.setUint32(this.length, length, true);
    this.length = at + length;
    if (this.minLength < 0 || this.compare(at, length, this.minAt, this.minLength) < 0) {
      this.minAt = at;
      this.minLength = length;
    }
    if (this.maxLength < 0 || this.compare(at, length, this.maxAt, this.maxLength) > 0) {
      this.maxAt = at;
      this.maxLength = length;
    }
  }

  /** The PLAIN-encoded non-null values; valid until the sink is next written to. */
  plain(): Uint8Array {
    return this.data.subarray(0, this.length);
  }

  /** One definition level a row (1 a value, 0 a NULL); empty for a REQUIRED column. */
  definitionLevels(): Uint8Array {
    return this.levels.subarray(0, this.nullable ? this.rows : 0);
  }

  /**
   * Null count and bounds; `int64` bounds as bigints and a boolean's as booleans, as the
   * metadata writer encodes them by the column's physical type.
   */
  statistics(physical: 'INT32' | 'INT64' | 'BOOLEAN' | 'BYTE_ARRAY'): SinkStatistics {
    const null_count = BigInt(this.nulls);
    if (physical === 'BYTE_ARRAY') {
      if (this.minLength < 0) return { null_count };
      return {
        null_count,
        // Copies (a Buffer's slice would share memory): the footer is written after the sink's
        // buffer has been reused by later row groups.
        min_value: new Uint8Array(this.data.subarray(this.minAt, this.minAt + this.minLength)),
        max_value: new Uint8Array(this.data.subarray(this.maxAt, this.maxAt + this.maxLength)),
      };
    }
    const { min, max } = this;
    if (min === undefined || max === undefined) return { null_count };
    if (physical === 'INT64') return { null_count, min_value: BigInt(min), max_value: BigInt(max) };
    if (physical === 'BOOLEAN') return { null_count, min_value: min === 1, max_value: max === 1 };
    return { null_count, min_value: min, max_value: max };
  }

  private level(level: 0 | 1): void {
    if (this.nullable) {
      if (this.rows === this.levels.length) this.levels = grown(this.levels, this.rows + 1);
      this.levels[this.rows] = level;
    }
    this.rows++;
  }

  private bound(value: number | bigint): void {
    if (this.min === undefined || value < this.min) this.min = value;
    if (this.max === undefined || value > this.max) this.max = value;
  }

  /** Unsigned byte order, which for UTF-8 is code point order, as Parquet orders STRING. */
  private compare(a: number, aLength: number, b: number, bLength: number): number {
    const data = this.data;
    const shorter = aLength < bLength ? aLength : bLength;
    for (let i = 0; i < shorter; i++) {
      const difference = (data[a + i] as number) - (data[b + i] as number);
      if (difference !== 0) return difference;
    }
    return aLength - bLength;
  }

  private ensure(bytes: number): void {
    if (this.length + bytes <= this.data.length) return;
    this.data = grown(this.data, this.length + bytes);
    this.view = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  }
}

const EMPTY: SinkMark = {
  length: 0,
  rows: 0,
  nulls: 0,
  booleans: 0,
  min: undefined,
  max: undefined,
  minAt: 0,
  minLength: -1,
  maxAt: 0,
  maxLength: -1,
};

/** A buffer at least `needed` long (doubling), with the old one's bytes. */
function grown<T extends Uint8Array>(old: T, needed: number): T {
  const bigger = Buffer.allocUnsafe(Math.max(old.length * 2, needed, INITIAL_BYTES));
  bigger.set(old);
  return bigger as unknown as T;
}
