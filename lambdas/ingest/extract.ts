import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { to as copyTo, type CopyToStreamQuery } from 'pg-copy-streams';
import type { SourceTable } from '../shared/core/catalogue';
import { phaseEnd, timePhase } from '../shared/phase-timer';
import type { ObjectStore } from '../shared/ports/object-store';
import { CopyTextToJsonLines, type FormedColumn, type RowWatch } from './copy-json';
import {
  columnForms,
  extractCopy,
  liveTypesSelect,
  remainingRows,
  sqlJsonCopy,
  type LiveType,
  type RowCap,
} from './extract-query';
import { TransientError } from '../shared/core/pipeline-error';
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
   * How long the extract held its snapshot transaction open on the source: while it is open,
   * VACUUM there cannot clear rows deleted or updated since it began.
   */
  readonly transactionSeconds: number;
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
 * than `partRows` rows, consecutive parts of at most that many. With `maxRows`, the first that
 * many rows in (last_updated, key) order, the rest left to later batches.
 *
 * The source is read once: one COPY in one repeatable-read snapshot. A capped COPY reads one row
 * past the cap, and the rows as they stream tell whether the window holds more, where the batch
 * ends and the newest change (streamed-rows.ts); only a window over the cap is counted again,
 * for the rows it leaves behind. The lines uploaded are checked against the row count
 * PostgreSQL's COPY reports ("COPY n"), so a row lost or split between the source and the
 * landing fails the table.
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
  let open = true;
  try {
    const live = keepExtraColumns
      ? undefined
      : (await client.query<LiveType>(liveTypesSelect(table))).rows;
    const forms = live && columnForms(table, live);
    const cap = parts.maxRows;
    const copy = (limit: RowCap | undefined) =>
      copyWindow(client, store, table, window, key, forms, parts, limit);
    // A table its statistics put well under the cap is read as it lies, without a sort.
    const estimate = live?.[0]?.tableRows ?? -1;
    const unordered = cap !== undefined && estimate >= 0 && estimate < cap / 2;
    let { source, rows, uploads } = await copy(cap === undefined ? undefined : { cap, unordered });
    if (unordered && rows.overCap) {
      // The statistics were behind: read again in cursor order, in the same snapshot and over
      // the same objects.
      ({ source, rows, uploads } = await copy({ cap }));
    }
    let read = window;
    let remaining = 0;
    if (rows.overCap) {
      const capped = { ...window, upTo: rows.lastCursor(table.name) };
      const rest = await client.query<{ rows: number }>(remainingRows(table, capped));
      remaining = rest.rows[0]?.rows ?? 0;
      read = capped;
    }
    await client.query('COMMIT');
    open = false;
    phaseEnd('ingest: source transaction open', opened);
    const transactionSeconds = (performance.now() - opened) / 1000;
    // COPY's command tag ("COPY n", the rows PostgreSQL sent) is read before COMMIT's answer.
    const sent = source.rowCount;
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
      remaining,
      transactionSeconds,
    };
  } catch (error) {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

interface CopiedWindow {
  readonly source: CopyToStreamQuery;
  readonly rows: StreamedRows;
  readonly uploads: PartUploads;
}

/** One COPY of the window, streamed through the encoder to the landing objects. */
async function copyWindow(
  client: ClientBase,
  store: ObjectStore,
  table: SourceTable,
  window: ExtractWindow,
  key: string,
  forms: readonly FormedColumn[] | undefined,
  parts: ExtractParts,
  limit: RowCap | undefined,
): Promise<CopiedWindow> {
  const rows = new StreamedRows(limit?.cap);
  const source = client.query(
    copyTo(
      forms ? extractCopy(table, window, forms, limit) : sqlJsonCopy(table, window, true, limit),
    ),
  );
  const encoder = forms
    ? new CopyTextToJsonLines(table.name, forms, rowWatch(table, forms, rows))
    : new JsonLinesRows(table, rows);
  const uploads = new PartUploads(
    store,
    (part) =>
      part === 0 ? key : (parts.partKey?.(part) ?? key.replace(/\.jsonl$/, `.${part}.jsonl`)),
    parts.partRows ?? DEFAULT_PART_ROWS,
  );
  source.on('error', (error) => encoder.destroy(error));
  encoder.on('error', (error) => uploads.destroy(error));
  await timePhase('ingest: COPY → JSON lines → upload (streamed)', () =>
    finished(source.pipe(encoder).pipe(uploads)),
  ).catch(async (error: unknown) => {
    await drain(source);
    throw error;
  });
  return { source, rows, uploads };
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
