import { finished } from 'node:stream/promises';
import type { SourceTable } from '../shared/core/catalogue';
import type { Cursor } from '../shared/core/manifest';
import { TransientError } from '../shared/core/pipeline-error';
import { phaseEnd, timePhase } from '../shared/phase-timer';
import type { ObjectStore } from '../shared/ports/object-store';
import type { SourceCopy, SourceDatabase, SourceSnapshot } from '../shared/ports/source-database';
import { CopyTextToJsonLines, type FormedColumn, type RowWatch } from './copy-json';
import { columnForms, type RowCap } from './extract-query';
import { PartUploads } from './part-uploads';
import { JsonLinesRows, StreamedRows } from './streamed-rows';
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
   * `remaining` is the planner's estimate: the rows left are more than two batches
   * (COUNTED_REMAINING_BATCHES).
   */
  readonly remainingEstimated: boolean;
  /**
   * How long the extract held its snapshot transaction open on the source: while it is open,
   * VACUUM there cannot clear rows deleted or updated since it began.
   */
  readonly transactionSeconds: number;
}

/**
 * A capped table's rows left are counted once the planner puts them within this many batches;
 * further off, its estimate is reported. Counting re-reads every row left, so a backfill of n
 * batches that counted each time would read the table about n/2 times more (docs/benchmarks.md,
 * "Performance, round four").
 */
export const COUNTED_REMAINING_BATCHES = 2;

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
 * than `partRows` rows, consecutive parts of at most that many. With `maxRows`, the first that
 * many rows in (last_updated, key) order, the rest left to later batches.
 *
 * The source is read once: one COPY in one repeatable-read snapshot. A capped COPY reads one row
 * past the cap, and the rows as they stream tell whether the window holds more, where the batch
 * ends and the newest change (streamed-rows.ts); only a window over the cap is counted again,
 * for the rows it leaves behind. The lines uploaded are checked against the row count the
 * source reports for its COPY (PostgreSQL's "COPY n"), so a row lost or split between the source
 * and the landing fails the table.
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
  const cap = parts.maxRows;
  // From BEGIN's answer to COMMIT's: the wait for a pooled connection is not the snapshot's.
  let opened = performance.now();
  const { copy, rows, uploads, read, left } = await source.inSnapshot((snapshot) => {
    opened = performance.now();
    return landWindow(snapshot, store, table, window, key, keepExtraColumns, parts);
  });
  phaseEnd('ingest: source transaction open', opened);
  const transactionSeconds = (performance.now() - opened) / 1000;
  // The COPY's row count is known once the snapshot has ended (SourceCopy).
  const sent = copy.rowCount;
  const expected = cap === undefined ? sent : Math.min(sent, cap);
  if (uploads.lines !== expected) {
    const objects = (uploads.keys.length > 0 ? uploads.keys : [key])
      .map((k) => `s3://${store.bucket}/${k}`)
      .join(', ');
    const ofCap = expected < sent ? `, of which the cap lets ${expected} be written` : '';
    throw new TransientError(
      `Extract of ${table.name} wrote ${uploads.lines} lines to ${objects} but its COPY sent ${sent} rows${ofCap}: the batch is not landed, and the next run reads the window again`,
    );
  }
  return {
    rows: uploads.lines,
    bytes: uploads.bytes,
    newest: rows.newest,
    keys: uploads.keys,
    window: read,
    remaining: left.rows,
    remainingEstimated: left.estimated,
    transactionSeconds,
  };
}

interface RowsLeft {
  readonly rows: number;
  readonly estimated: boolean;
}

interface CopiedWindow {
  readonly copy: SourceCopy;
  readonly rows: StreamedRows;
  readonly uploads: PartUploads;
}

/** The window landed in one snapshot: the COPY that was landed, and the window as read. */
async function landWindow(
  snapshot: SourceSnapshot,
  store: ObjectStore,
  table: SourceTable,
  window: ExtractWindow,
  key: string,
  keepExtraColumns: boolean,
  parts: ExtractParts,
): Promise<CopiedWindow & { read: ExtractWindow; left: RowsLeft }> {
  const live = keepExtraColumns ? undefined : await snapshot.liveTypes(table);
  const forms = live && columnForms(table, live);
  const cap = parts.maxRows;
  const copy = (limit: RowCap | undefined) =>
    copyWindow(snapshot, store, table, window, key, forms, parts, limit);
  // A table its statistics put well under the cap is read as it lies, without a sort.
  const estimate = live?.[0]?.tableRows ?? -1;
  const unordered = cap !== undefined && estimate >= 0 && estimate < cap / 2;
  let copied = await copy(cap === undefined ? undefined : { cap, unordered });
  if (unordered && copied.rows.overCap) {
    // The statistics were behind: read again in cursor order, in the same snapshot and over
    // the same objects.
    copied = await copy({ cap });
  }
  if (cap === undefined || !copied.rows.overCap) {
    return { ...copied, read: window, left: { rows: 0, estimated: false } };
  }
  const read = { ...window, upTo: copied.rows.lastCursor(table.name) };
  return { ...copied, read, left: await rowsLeft(snapshot, table, read, cap) };
}

/** The rows a capped batch leaves: estimated while they are many, counted near the end. */
async function rowsLeft(
  snapshot: SourceSnapshot,
  table: SourceTable,
  read: ExtractWindow & { upTo: Cursor },
  cap: number,
): Promise<RowsLeft> {
  const estimate = await snapshot.estimatedRemainingRows(table, read);
  if (estimate !== undefined && estimate > COUNTED_REMAINING_BATCHES * cap) {
    return { rows: estimate, estimated: true };
  }
  return { rows: await snapshot.remainingRows(table, read), estimated: false };
}

/** One COPY of the window, streamed through the encoder to the landing objects. */
async function copyWindow(
  snapshot: SourceSnapshot,
  store: ObjectStore,
  table: SourceTable,
  window: ExtractWindow,
  key: string,
  forms: readonly FormedColumn[] | undefined,
  parts: ExtractParts,
  limit: RowCap | undefined,
): Promise<CopiedWindow> {
  const rows = new StreamedRows(limit?.cap);
  const copy = forms
    ? snapshot.copyText(table, window, forms, limit)
    : snapshot.jsonLines(table, window, limit);
  const encoder = forms
    ? new CopyTextToJsonLines(table.name, forms, rowWatch(table, forms, rows))
    : new JsonLinesRows(table, rows);
  const uploads = new PartUploads(
    store,
    (part) =>
      part === 0 ? key : (parts.partKey?.(part) ?? key.replace(/\.jsonl$/, `.${part}.jsonl`)),
    parts.partRows ?? DEFAULT_PART_ROWS,
  );
  copy.on('error', (error) => encoder.destroy(error));
  encoder.on('error', (error) => uploads.destroy(error));
  // A failed COPY or upload rejects here; the snapshot drains the COPY before it rolls back.
  await timePhase('ingest: COPY → JSON lines → upload (streamed)', () =>
    finished(copy.pipe(encoder).pipe(uploads)),
  );
  return { copy, rows, uploads };
}

/** Where the encoder finds the cursor of each row in the COPY's columns. */
function rowWatch(
  table: SourceTable,
  forms: readonly FormedColumn[],
  rows: StreamedRows,
): RowWatch {
  const names = forms.map((f) => f.name);
  return {
    stampColumn: names.indexOf('last_updated'),
    keyColumn: names.indexOf(table.primaryKey),
    rows,
  };
}
