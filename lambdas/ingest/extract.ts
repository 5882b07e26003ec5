import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { SourceTable } from '../shared/core/catalogue';
import { TransientError } from '../shared/core/pipeline-error';
import { phaseEnd, timePhase } from '../shared/phase-timer';
import type { ObjectStore } from '../shared/ports/object-store';
import type { SourceDatabase, SourceSnapshot } from '../shared/ports/source-database';
import { CopyTextToJsonLines } from './copy-json';
import { columnForms, type KeyRange } from './extract-query';
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
 * Streams one table's window from the source to JSON-lines objects: one, or for a window of more
 * than `partRows` rows, parts split at primary-key boundaries. With `maxRows`, the first that
 * many rows in (last_updated, key) order, the rest left to later batches. Every read runs in one
 * repeatable-read snapshot, so the counted rows are exactly the rows written.
 *
 * The source prints its rows with a plain COPY and the JSON lines are built here (copy-json.ts),
 * which costs the source little more than any reader of the rows; with `keepExtraColumns` the
 * source still builds them (extract-query.ts `sqlJsonSelect`).
 */
export async function extractTable(
  source: SourceDatabase,
  store: ObjectStore,
  table: SourceTable,
  window: ExtractWindow,
  key: string,
  keepExtraColumns: boolean,
  parts: ExtractParts = {},
): Promise<ExtractResult> {
  const opened = performance.now();
  const result = await source.inSnapshot((snapshot) =>
    landWindow(snapshot, store, table, window, key, keepExtraColumns, parts),
  );
  phaseEnd('ingest: source transaction open', opened);
  return { ...result, transactionSeconds: (performance.now() - opened) / 1000 };
}

async function landWindow(
  snapshot: SourceSnapshot,
  store: ObjectStore,
  table: SourceTable,
  window: ExtractWindow,
  key: string,
  keepExtraColumns: boolean,
  parts: ExtractParts,
): Promise<Omit<ExtractResult, 'transactionSeconds'>> {
  let remaining = 0;
  if (parts.maxRows !== undefined) {
    const upTo = await snapshot.capEnd(table, window, parts.maxRows);
    if (upTo) {
      window = { ...window, upTo };
      remaining = await snapshot.remainingRows(table, { ...window, upTo });
    }
  }
  const { rows, newest } = await timePhase('ingest: count rows', () =>
    snapshot.count(table, window),
  );
  if (rows === 0) return { rows: 0, bytes: 0, newest: null, keys: [], window, remaining };
  const partRows = parts.partRows ?? DEFAULT_PART_ROWS;
  const ranges: (KeyRange | undefined)[] = [undefined];
  if (rows > partRows) {
    const ends = await snapshot.partEnds(table, window, partRows);
    ranges.length = 0;
    let after: number | undefined;
    for (const k of ends) {
      ranges.push({ after, upTo: k });
      after = k;
    }
    if (rows % partRows !== 0) ranges.push({ after, upTo: undefined });
  }
  const forms = keepExtraColumns ? undefined : columnForms(table, await snapshot.liveTypes(table));
  const keys: string[] = [];
  let lines = 0;
  let bytes = 0;
  for (const [part, range] of ranges.entries()) {
    const partKey =
      part === 0 ? key : (parts.partKey?.(part) ?? key.replace(/\.jsonl$/, `.${part}.jsonl`));
    const counter = new LineCounter();
    let body: Readable;
    if (forms) {
      const copy = snapshot.copyText(table, window, forms, range);
      const encoder = new CopyTextToJsonLines(table.name, forms);
      copy.on('error', (error) => encoder.destroy(error));
      body = copy.pipe(encoder);
    } else {
      body = snapshot.jsonLines(table, window, range);
    }
    body.on('error', (error) => counter.destroy(error));
    await timePhase('ingest: COPY → JSON lines → upload (streamed)', () =>
      store.upload(partKey, body.pipe(counter), 'application/x-ndjson'),
    );
    keys.push(partKey);
    lines += counter.lines;
    bytes += counter.bytes;
  }
  if (lines !== rows) {
    throw new TransientError(
      `Extract of ${table.name} wrote ${lines} lines to s3://${store.bucket}/${keys.join(', ')} but the snapshot holds ${rows} rows`,
    );
  }
  return { rows, bytes, newest, keys, window, remaining };
}
