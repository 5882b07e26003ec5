import type { Readable } from 'node:stream';
import type { FormedColumn } from '../../ingest/copy-json';
import type { KeySide } from '../../ingest/deletes/key-side';
import type { LiveType, RowCap } from '../../ingest/extract-query';
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

/**
 * A COPY of a window's rows, one line each, streamed: the extract reads the source once per table
 * and batch, and lands what this stream gives.
 */
export type SourceCopy = Readable & {
  /**
   * How many rows the source says the COPY sent (PostgreSQL's command tag, "COPY n"), which the
   * extract checks the landed lines against. Known once the snapshot that made the COPY has
   * ended: PostgreSQL sends it after the rows, and it is read with the next answer.
   */
  readonly rowCount: number;
};

/** A table's window as one snapshot shows it (lambdas/ingest/extract.ts). */
export interface SourceSnapshot {
  /**
   * The live type of each of the table's columns, each with the table's estimated rows
   * (`tableRows`, from its statistics; -1 or absent when there are none).
   */
  liveTypes(table: SourceTable): Promise<LiveType[]>;
  /** How many rows of the window follow a batch capped at `window.upTo`, counted. */
  remainingRows(table: SourceTable, window: ExtractWindow & { upTo: Cursor }): Promise<number>;
  /**
   * The planner's estimate of the same, from the table's statistics without reading it;
   * undefined when the source gives none.
   */
  estimatedRemainingRows(
    table: SourceTable,
    window: ExtractWindow & { upTo: Cursor },
  ): Promise<number | undefined>;
  /**
   * The window's rows, one line each in COPY's text format: the columns of `forms` in their
   * order, each printed as its form says (lambdas/ingest/copy-json.ts reads it). With `limit`,
   * at most its cap of rows and one more, in (last_updated, key) order unless it says
   * `unordered`; without, every row in whatever order the source reads them fastest.
   */
  copyText(
    table: SourceTable,
    window: ExtractWindow,
    forms: readonly FormedColumn[],
    limit?: RowCap,
  ): SourceCopy;
  /**
   * The window's rows as JSON lines the source builds, the columns the catalogue does not know
   * kept; `limit` as for `copyText`.
   */
  jsonLines(table: SourceTable, window: ExtractWindow, limit?: RowCap): SourceCopy;
}
