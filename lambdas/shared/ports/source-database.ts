import type { Readable } from 'node:stream';
import type { FormedColumn } from '../../ingest/copy-json';
import type { KeySide } from '../../ingest/deletes/key-side';
import type { KeyRange, LiveType } from '../../ingest/extract-query';
import type { LiveColumns } from '../../ingest/live-columns';
import type { SourceReading } from '../../ingest/source-clock';
import type { ExtractWindow } from '../../ingest/window';
import type { SourceTable, SourceTableName } from '../core/catalogue';
import type { Cursor } from '../core/manifest';
import type { FutureStamped } from './run-log';
import type { StageLogger } from './stage-logger';

/**
 * The source database as ingest reads it: a few reads of its own each, and the two snapshots (a
 * table's window, a table's keys) that hold one repeatable-read transaction open while the caller
 * reads through them. PostgreSQL's is `lambdas/ingest/postgres-source.ts`, beside the SQL it runs.
 */
export interface SourceDatabase {
  /**
   * How the live tables' columns differ from the catalogue (lambdas/ingest/live-columns.ts).
   *
   * @throws {SourceSchemaError} when one of `tables` is not there at all
   */
  liveColumns(tables: readonly SourceTable[]): Promise<LiveColumns>;
  /**
   * The run's clock reading, the upper bound cut to `precision` fractional digits, and the zone
   * its wall-clock times are in (lambdas/ingest/source-clock.ts); `logger` hears when the bound
   * cannot see, or is held back by, other sessions.
   */
  readClock(precision: number, logger: StageLogger): Promise<SourceReading>;
  /** Each table's rows stamped after `bound`; tables with none are left out. */
  futureStamped(tables: readonly SourceTable[], bound: string): Promise<FutureStamped[]>;
  /** Whether the window holds more than `cap` rows. */
  overCap(table: SourceTable, window: ExtractWindow, cap: number): Promise<boolean>;
  /**
   * Runs `read` in one repeatable-read, read-only snapshot, so that every count and every row it
   * reads agree: committed once `read` returns, rolled back when it throws.
   */
  inSnapshot<T>(read: (snapshot: SourceSnapshot) => Promise<T>): Promise<T>;
  /**
   * Runs `read` on the table's primary keys in one repeatable-read snapshot, with when that
   * snapshot was taken on the clock `last_updated` is stamped with (`YYYY-MM-DDTHH:MM:SS.ffffffZ`):
   * when the keys it lacks were seen gone (lambdas/ingest/deletes/reconcile-deletes.ts).
   */
  withKeys<T>(
    table: SourceTableName,
    read: (keys: KeySide, seenAt: string) => Promise<T>,
  ): Promise<T>;
}

/** A table's window as one snapshot shows it (lambdas/ingest/extract.ts). */
export interface SourceSnapshot {
  /**
   * Where the first `cap` rows of the window in (last_updated, key) order end, when more rows
   * follow them; undefined when the window holds at most `cap`.
   */
  capEnd(table: SourceTable, window: ExtractWindow, cap: number): Promise<Cursor | undefined>;
  /** How many rows of the window follow a batch capped at `window.upTo`. */
  remainingRows(table: SourceTable, window: ExtractWindow & { upTo: Cursor }): Promise<number>;
  /** The window's rows, and the newest `last_updated` among them (null when it has none). */
  count(
    table: SourceTable,
    window: ExtractWindow,
  ): Promise<{ readonly rows: number; readonly newest: string | null }>;
  /** The primary keys that end each part of `partRows` rows of the window, in key order. */
  partEnds(table: SourceTable, window: ExtractWindow, partRows: number): Promise<number[]>;
  /** The live type of each of the table's columns. */
  liveTypes(table: SourceTable): Promise<LiveType[]>;
  /**
   * The window's rows with keys in `range`, one line each in COPY's text format: the columns of
   * `forms` in their order, each printed as its form says (lambdas/ingest/copy-json.ts reads it).
   */
  copyText(
    table: SourceTable,
    window: ExtractWindow,
    forms: readonly FormedColumn[],
    range?: KeyRange,
  ): Readable;
  /**
   * The window's rows with keys in `range` as JSON lines the source builds, the columns the
   * catalogue does not know kept.
   */
  jsonLines(table: SourceTable, window: ExtractWindow, range?: KeyRange): Readable;
}
