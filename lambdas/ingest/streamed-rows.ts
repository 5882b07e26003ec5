import { Transform, type TransformCallback } from 'node:stream';
import type { SourceTable } from '../shared/core/catalogue';
import type { Cursor } from '../shared/core/manifest';
import { InvariantError } from '../shared/core/pipeline-error';

/** A landed timestamp's length, 'YYYY-MM-DDTHH:MM:SS.ffffffZ': no era suffix, a 4-digit year. */
const LANDED_LENGTH = 27;

/**
 * What the extract learns of a window's rows as its one COPY streams them, so that the source is
 * not asked again: the newest last_updated written, the cursor of the last row written and, for
 * a read capped at `cap` rows in cursor order, whether the window held more. A capped COPY reads
 * one row past the cap; that row only says the window goes on, and is not written.
 */
export class StreamedRows {
  /** Rows handed on to be written. */
  written = 0;
  /** Rows the COPY sent past the cap, not written. */
  withheld = 0;
  private newestStamp: string | undefined;
  private lastStamp: string | null = null;
  private lastKey = '';

  constructor(readonly cap: number | undefined) {}

  /**
   * One row, in the COPY's order: its last_updated in the landed form (null for ±infinity) and
   * its primary key's text. False for a row past the cap, which is not to be written.
   */
  accept(stamp: string | null, key: string): boolean {
    if (this.cap !== undefined && this.written >= this.cap) {
      this.withheld++;
      return false;
    }
    this.written++;
    this.lastStamp = stamp;
    this.lastKey = key;
    // Only a landed form is a manifest's timestamp; landed forms compare as their instants.
    if (
      stamp !== null &&
      stamp.length === LANDED_LENGTH &&
      (this.newestStamp === undefined || stamp > this.newestStamp)
    ) {
      this.newestStamp = stamp;
    }
    return true;
  }

  /** The newest last_updated of the rows written, as the manifest records it; null for none. */
  get newest(): string | null {
    return this.newestStamp ?? null;
  }

  /** Whether the window holds rows past the cap, left for later batches. */
  get overCap(): boolean {
    return this.withheld > 0;
  }

  /** Where the rows written end in (last_updated, key) order: a capped batch's `upTo`. */
  lastCursor(table: string): Cursor {
    const key = this.lastKey === '' ? NaN : Number(this.lastKey);
    if (this.lastStamp?.length !== LANDED_LENGTH || !Number.isSafeInteger(key)) {
      throw new InvariantError(
        `Extract of ${table}: the batch would end at a row whose last_updated is ${JSON.stringify(this.lastStamp)} and key ${JSON.stringify(this.lastKey)}, which no cursor holds; the table cannot be read in capped batches until that row is corrected`,
      );
    }
    return { lastUpdated: this.lastStamp, key };
  }
}

/**
 * Tells `rows` of each JSON line PostgreSQL built (the extract's path that keeps columns the
 * catalogue does not know, extract-query.ts `sqlJsonCopy`), and drops the lines it refuses.
 * Each line is parsed for its last_updated and key: that path is the exception, kept for schema
 * drift, and its source-side JSON costs far more than this.
 */
export class JsonLinesRows extends Transform {
  private rest: Buffer | undefined;

  constructor(
    private readonly table: SourceTable,
    private readonly rows: StreamedRows,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const end = bytes.lastIndexOf(10) + 1;
    this.rest = end < bytes.length ? bytes.subarray(end) : undefined;
    const kept: Buffer[] = [];
    try {
      for (let start = 0; start < end;) {
        const next = bytes.indexOf(10, start) + 1;
        const line = bytes.subarray(start, next);
        const row = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
        const stamp = row.last_updated;
        const key = row[this.table.primaryKey];
        const keyText = typeof key === 'number' ? String(key) : '';
        if (this.rows.accept(typeof stamp === 'string' ? stamp : null, keyText)) {
          kept.push(line);
        }
        start = next;
      }
    } catch (error) {
      done(new InvariantError(`Extract of ${this.table.name}: ${(error as Error).message}`));
      return;
    }
    done(null, kept.length > 0 ? Buffer.concat(kept) : undefined);
  }

  override _flush(done: TransformCallback): void {
    done(
      this.rest
        ? new InvariantError(
            `Extract of ${this.table.name}: the COPY output ended inside a line, without its newline`,
          )
        : null,
    );
  }
}
