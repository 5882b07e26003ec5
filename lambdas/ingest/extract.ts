import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { SourceTable } from '../shared/core/catalogue';
import { phaseEnd, timePhase } from '../shared/phase-timer';
import type { ObjectStore } from '../shared/ports/object-store';
import { CopyTextToJsonLines } from './copy-json';
import {
  capEnd,
  columnForms,
  extractCopy,
  extractStats,
  liveTypesSelect,
  partBoundaries,
  remainingRows,
  sqlJsonCopy,
  type KeyRange,
  type LiveType,
} from './extract-query';
import type { Cursor } from '../shared/core/manifest';
import { TransientError } from '../shared/core/pipeline-error';
import type { ExtractWindow } from './window';

export interface ExtractResult {
  readonly rows: number;
  readonly bytes: number;
  readonly newest: string | null;
  readonly keys: string[];
  /** The window as read: with `upTo` where the batch was capped. */
  readonly window: ExtractWindow;
  /** Rows of the window left for later batches (0 once it is read completely). */
  readonly remaining: number;
  /**
   * How long the extract held its snapshot transaction open on the source: while it is open,
   * VACUUM there cannot clear rows deleted or updated since it began.
   */
  readonly transactionSeconds: number;
}

/** Counts lines and bytes as they stream past, so nothing is buffered to measure a file. */
class LineCounter extends Transform {
  lines = 0;
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.lines++;
    done(null, chunk);
  }
}

/**
 * Reads what is left of a COPY into nowhere. Until the COPY ends the connection answers nothing
 * else, so the ROLLBACK after a failed upload or encoding would wait for ever on it.
 */
async function drain(copy: Readable): Promise<void> {
  if (copy.readableEnded || copy.destroyed) return;
  copy.unpipe();
  copy.resume();
  await finished(copy).catch(() => undefined);
}

/** Rows per landing object unless the caller says otherwise (see docs/benchmarks.md). */
export const DEFAULT_PART_ROWS = 2_000_000;

export interface ExtractParts {
  /** At most this many rows per landing object; a larger window lands in several parts. */
  readonly partRows?: number;
  /** The key of part n (n ≥ 1); part 0 is `key`. */
  readonly partKey?: (part: number) => string;
  /** At most this many rows of the window, in (last_updated, key) order; the rest waits. */
  readonly maxRows?: number;
}

/**
 * Streams one table's window from PostgreSQL to JSON-lines objects: one, or for a window of more
 * than `partRows` rows, parts split at primary-key boundaries. With `maxRows`, the first that
 * many rows in (last_updated, key) order, the rest left to later batches. Every read runs in one
 * repeatable-read snapshot, so the counted rows are exactly the rows written.
 *
 * The source prints its rows with a plain COPY and the JSON lines are built here (copy-json.ts),
 * which costs the source little more than any reader of the rows; with `keepExtraColumns` the
 * source still builds them (extract-query.ts `sqlJsonSelect`).
 */
export async function extractTable(
  client: ClientBase,
  store: ObjectStore,
  table: SourceTable,
  window: ExtractWindow,
  key: string,
  keepExtraColumns: boolean,
  parts: ExtractParts = {},
): Promise<ExtractResult> {
  // DateStyle ISO: the form copy-json.ts reads timestamps in, whatever the server's default.
  await client.query(
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL DateStyle = 'ISO, YMD'",
  );
  const opened = performance.now();
  const openFor = () => {
    phaseEnd('ingest: source transaction open', opened);
    return (performance.now() - opened) / 1000;
  };
  try {
    let remaining = 0;
    if (parts.maxRows !== undefined) {
      const end = await client.query<Cursor>(capEnd(table, window, parts.maxRows));
      const [last, next] = end.rows;
      if (last && next) {
        window = { ...window, upTo: last };
        const rest = await client.query<{ rows: number }>(
          remainingRows(table, { ...window, upTo: last }),
        );
        remaining = rest.rows[0]?.rows ?? 0;
      }
    }
    const stats = await timePhase('ingest: count rows', () =>
      client.query<{ rows: number; newest: string | null }>(extractStats(table, window)),
    );
    const { rows, newest } = stats.rows[0] ?? { rows: 0, newest: null };
    if (rows === 0) {
      await client.query('COMMIT');
      const transactionSeconds = openFor();
      return { rows: 0, bytes: 0, newest: null, keys: [], window, remaining, transactionSeconds };
    }
    const partRows = parts.partRows ?? DEFAULT_PART_ROWS;
    const ranges: (KeyRange | undefined)[] = [undefined];
    if (rows > partRows) {
      const ends = await client.query<{ k: number }>(partBoundaries(table, window, partRows));
      ranges.length = 0;
      let after: number | undefined;
      for (const { k } of ends.rows) {
        ranges.push({ after, upTo: k });
        after = k;
      }
      if (rows % partRows !== 0) ranges.push({ after, upTo: undefined });
    }
    const forms = keepExtraColumns
      ? undefined
      : columnForms(table, (await client.query<LiveType>(liveTypesSelect(table))).rows);
    const keys: string[] = [];
    let lines = 0;
    let bytes = 0;
    for (const [part, range] of ranges.entries()) {
      const partKey =
        part === 0 ? key : (parts.partKey?.(part) ?? key.replace(/\.jsonl$/, `.${part}.jsonl`));
      const counter = new LineCounter();
      const sql = forms
        ? extractCopy(table, window, forms, range)
        : sqlJsonCopy(table, window, true, range);
      const source = client.query(copyTo(sql));
      let body: NodeJS.ReadableStream = source;
      if (forms) {
        const encoder = new CopyTextToJsonLines(table.name, forms);
        source.on('error', (error) => encoder.destroy(error));
        body = source.pipe(encoder);
      }
      body.on('error', (error) => counter.destroy(error as Error));
      await timePhase('ingest: COPY → JSON lines → upload (streamed)', () =>
        store.upload(partKey, body.pipe(counter), 'application/x-ndjson'),
      ).catch(async (error: unknown) => {
        await drain(source);
        throw error;
      });
      keys.push(partKey);
      lines += counter.lines;
      bytes += counter.bytes;
    }
    if (lines !== rows) {
      throw new TransientError(
        `Extract of ${table.name} wrote ${lines} lines to s3://${store.bucket}/${keys.join(', ')} but the snapshot holds ${rows} rows`,
      );
    }
    await client.query('COMMIT');
    return { rows, bytes, newest, keys, window, remaining, transactionSeconds: openFor() };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
