import { Readable } from 'node:stream';
import type { RowCap } from '../../../lambdas/ingest/extract-query';
import { FUTURE_KEYS_LISTED } from '../../../lambdas/ingest/future-stamped';
import type { FoundChange, LiveColumns } from '../../../lambdas/ingest/live-columns';
import type { SourceReading } from '../../../lambdas/ingest/source-clock';
import type { ExtractWindow } from '../../../lambdas/ingest/window';
import type { SourceTable, SourceTableName } from '../../../lambdas/shared/core/catalogue';
import { copyTextValue } from '../../../lambdas/shared/core/copy-text';
import type { Cursor } from '../../../lambdas/shared/core/manifest';
import type { FutureStamped } from '../../../lambdas/shared/ports/run-log';
import type {
  SourceCopy,
  SourceDatabase,
  SourceSnapshot,
} from '../../../lambdas/shared/ports/source-database';

/** A source row by column name (a column left out is NULL); `last_updated` a landed timestamp. */
export type MemoryRow = Readonly<Record<string, string | number | boolean | null>>;

/**
 * The source in memory, for the unit tests of `runIngest` and `extractTable`: rows per table, a
 * clock the test sets, and the schema changes a table's live columns show. A snapshot reads the
 * rows as they are when it reads them (no isolation: a test can move rows under an extract, as a
 * snapshot that failed would) and is one step in `steps`. It knows no live types, so every column
 * is read in its `json` form, printed as its JSON. A COPY without a sort streams the rows in the
 * order they were inserted (as PostgreSQL reads a heap), and its row count is the rows it
 * streamed, plus `miscount`. It does not reconcile deletes.
 */
export class MemorySource implements SourceDatabase {
  readonly rows = new Map<SourceTableName, MemoryRow[]>();
  /** The changes each table's live columns show; an `added` column is kept in landing. */
  readonly changes = new Map<SourceTableName, FoundChange[]>();
  /** `begin`, `commit` or `rollback` of each snapshot, in order. */
  readonly steps: string[] = [];
  /** The source's now(), which is also the run's upper bound. */
  now = '2026-11-23T04:34:51.000000Z';
  /** Each table's rows as its statistics estimate them; a table left out has none. */
  readonly estimates = new Map<SourceTableName, number>();
  /** The planner's estimate of the rows a capped batch leaves; a table left out has none. */
  readonly remainingEstimates = new Map<SourceTableName, number>();
  /** Rows each COPY's count says it sent beyond those it streamed: a COPY whose rows were lost on the way. */
  miscount = 0;
  /** The limit of each COPY, in order (undefined for none). */
  readonly copies: (RowCap | undefined)[] = [];

  insert(table: SourceTableName, ...rows: MemoryRow[]): void {
    this.rows.set(table, [...(this.rows.get(table) ?? []), ...rows]);
  }

  liveColumns(tables: readonly SourceTable[]): Promise<LiveColumns> {
    const found = (t: SourceTable) => this.changes.get(t.name) ?? [];
    return Promise.resolve({
      database: 'totesys',
      drift: new Map(
        tables.map((t) => [
          t.name,
          {
            extra: found(t)
              .filter((c) => c.change === 'added')
              .map((c) => c.column),
          },
        ]),
      ),
      changes: new Map(tables.map((t) => [t.name, found(t)])),
      precision: 6,
    });
  }

  readClock(): Promise<SourceReading> {
    const zone = { database: 'totesys', name: 'UTC', utcOffsetSeconds: 0 };
    return Promise.resolve({ upper: this.now, now: this.now, zone });
  }

  futureStamped(tables: readonly SourceTable[], bound: string): Promise<FutureStamped[]> {
    const found = tables.flatMap((table) => {
      const ahead = this.ordered(table).filter((r) => stamp(r) > bound);
      const keys = ahead.slice(0, FUTURE_KEYS_LISTED).map((r) => cursor(table, r));
      return ahead.length === 0 ? [] : [{ table: table.name, rows: ahead.length, keys }];
    });
    return Promise.resolve(found);
  }

  async inSnapshot<T>(read: (snapshot: SourceSnapshot) => Promise<T>): Promise<T> {
    this.steps.push('begin');
    try {
      const result = await read(this.snapshot());
      this.steps.push('commit');
      return result;
    } catch (error) {
      this.steps.push('rollback');
      throw error;
    }
  }

  withKeys(): Promise<never> {
    return Promise.reject(new Error('The memory source does not reconcile deletes'));
  }

  private snapshot(): SourceSnapshot {
    return {
      remainingRows: (table, window) =>
        Promise.resolve(
          this.window(table, { from: window.from, to: window.to, after: window.upTo }).length,
        ),
      estimatedRemainingRows: (table) => Promise.resolve(this.remainingEstimates.get(table.name)),
      liveTypes: (table) => {
        const tableRows = this.estimates.get(table.name);
        return Promise.resolve(
          tableRows === undefined
            ? []
            : table.columns.map((c) => ({ name: c.name, type: 0, enum: false, tableRows })),
        );
      },
      copyText: (table, window, forms, limit) =>
        this.copy(table, window, limit, (row) =>
          forms.map((f) => copyTextValue(JSON.stringify(row[f.name] ?? null))).join('\t'),
        ),
      jsonLines: (table, window, limit) =>
        this.copy(table, window, limit, (row) => JSON.stringify(row)),
    };
  }

  /**
   * Each row of the window as `line` prints it, at most the cap and one more, read only as the
   * stream is: a row moved before then is read too.
   */
  private copy(
    table: SourceTable,
    window: ExtractWindow,
    limit: RowCap | undefined,
    line: (row: MemoryRow) => string,
  ): SourceCopy {
    this.copies.push(limit);
    const miscount = this.miscount;
    let sent = 0;
    const rows = (): MemoryRow[] => {
      const inWindow = this.window(table, window);
      const ordered = limit !== undefined && !limit.unordered;
      const read = ordered ? inWindow : this.heap(table).filter((r) => inWindow.includes(r));
      return limit === undefined ? read : read.slice(0, limit.cap + 1);
    };
    function* lines(): Generator<Buffer> {
      for (const row of rows()) {
        sent++;
        yield Buffer.from(`${line(row)}\n`);
      }
    }
    const stream = Readable.from(lines());
    return Object.defineProperty(stream, 'rowCount', { get: () => sent + miscount }) as SourceCopy;
  }

  /** The table's rows in the order they were inserted. */
  private heap(table: SourceTable): MemoryRow[] {
    return this.rows.get(table.name) ?? [];
  }

  /** The table's rows in (last_updated, key) order. */
  private ordered(table: SourceTable): MemoryRow[] {
    return [...this.heap(table)].sort((a, b) => compare(cursor(table, a), cursor(table, b)));
  }

  /** The rows of `window` in (last_updated, key) order. */
  private window(table: SourceTable, window: ExtractWindow): MemoryRow[] {
    return this.ordered(table).filter((row) => {
      const at = cursor(table, row);
      return (
        (window.from === undefined || at.lastUpdated > window.from) &&
        at.lastUpdated <= window.to &&
        (window.after === undefined || compare(at, window.after) > 0) &&
        (window.upTo === undefined || compare(at, window.upTo) <= 0)
      );
    });
  }
}

const stamp = (row: MemoryRow) => String(row.last_updated);

function cursor(table: SourceTable, row: MemoryRow): Cursor {
  return { lastUpdated: stamp(row), key: Number(row[table.primaryKey]) };
}

function compare(a: Cursor, b: Cursor): number {
  return a.lastUpdated === b.lastUpdated ? a.key - b.key : a.lastUpdated < b.lastUpdated ? -1 : 1;
}
