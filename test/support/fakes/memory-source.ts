import { Readable } from 'node:stream';
import type { KeyRange } from '../../../lambdas/ingest/extract-query';
import { FUTURE_KEYS_LISTED } from '../../../lambdas/ingest/future-stamped';
import type { FoundChange, LiveColumns } from '../../../lambdas/ingest/live-columns';
import type { SourceReading } from '../../../lambdas/ingest/source-clock';
import type { ExtractWindow } from '../../../lambdas/ingest/window';
import type { SourceTable, SourceTableName } from '../../../lambdas/shared/core/catalogue';
import { copyTextValue } from '../../../lambdas/shared/core/copy-text';
import type { Cursor } from '../../../lambdas/shared/core/manifest';
import type { FutureStamped } from '../../../lambdas/shared/ports/run-log';
import type { SourceDatabase, SourceSnapshot } from '../../../lambdas/shared/ports/source-database';

/** A source row by column name (a column left out is NULL); `last_updated` a landed timestamp. */
export type MemoryRow = Readonly<Record<string, string | number | boolean | null>>;

/**
 * The source in memory, for the unit tests of `runIngest` and `extractTable`: rows per table, a
 * clock the test sets, and the schema changes a table's live columns show. A snapshot reads the
 * rows as they are when it reads them (no isolation: a test can move rows under an extract, as a
 * snapshot that failed would) and is one step in `steps`. It knows no live types, so every column
 * is read in its `json` form, printed as its JSON. It does not reconcile deletes.
 */
export class MemorySource implements SourceDatabase {
  readonly rows = new Map<SourceTableName, MemoryRow[]>();
  /** The changes each table's live columns show; an `added` column is kept in landing. */
  readonly changes = new Map<SourceTableName, FoundChange[]>();
  /** `begin`, `commit` or `rollback` of each snapshot, in order. */
  readonly steps: string[] = [];
  /** The source's now(), which is also the run's upper bound. */
  now = '2026-11-23T04:34:51.000000Z';

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

  overCap(table: SourceTable, window: ExtractWindow, cap: number): Promise<boolean> {
    return Promise.resolve(this.window(table, window).length > cap);
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
    const keys = (table: SourceTable, window: ExtractWindow) =>
      this.window(table, window)
        .map((r) => cursor(table, r).key)
        .sort((a, b) => a - b);
    return {
      capEnd: (table, window, cap) => {
        const rows = this.window(table, window);
        const last = rows[cap - 1];
        return Promise.resolve(last && rows.length > cap ? cursor(table, last) : undefined);
      },
      remainingRows: (table, window) =>
        Promise.resolve(
          this.window(table, { from: window.from, to: window.to, after: window.upTo }).length,
        ),
      count: (table, window) => {
        const rows = this.window(table, window);
        const newest = rows.map(stamp).sort().at(-1) ?? null;
        return Promise.resolve({ rows: rows.length, newest });
      },
      partEnds: (table, window, partRows) =>
        Promise.resolve(keys(table, window).filter((_, i) => (i + 1) % partRows === 0)),
      liveTypes: () => Promise.resolve([]),
      copyText: (table, window, forms, range) =>
        Readable.from(
          this.lines(table, window, range, (row) =>
            forms.map((f) => copyTextValue(JSON.stringify(row[f.name] ?? null))).join('\t'),
          ),
        ),
      jsonLines: (table, window, range) =>
        Readable.from(this.lines(table, window, range, (row) => JSON.stringify(row))),
    };
  }

  /** Each row of the window as `line` prints it, read only as the stream is: a row moved before then is read too. */
  private *lines(
    table: SourceTable,
    window: ExtractWindow,
    range: KeyRange | undefined,
    line: (row: MemoryRow) => string,
  ): Generator<Buffer> {
    for (const row of this.window(table, window, range)) yield Buffer.from(`${line(row)}\n`);
  }

  /** The table's rows in (last_updated, key) order. */
  private ordered(table: SourceTable): MemoryRow[] {
    return [...(this.rows.get(table.name) ?? [])].sort((a, b) =>
      compare(cursor(table, a), cursor(table, b)),
    );
  }

  /** The rows of `window`, and of `range` when given, in (last_updated, key) order. */
  private window(table: SourceTable, window: ExtractWindow, range?: KeyRange): MemoryRow[] {
    return this.ordered(table).filter((row) => {
      const at = cursor(table, row);
      return (
        (window.from === undefined || at.lastUpdated > window.from) &&
        at.lastUpdated <= window.to &&
        (window.after === undefined || compare(at, window.after) > 0) &&
        (window.upTo === undefined || compare(at, window.upTo) <= 0) &&
        (range?.after === undefined || at.key > range.after) &&
        (range?.upTo === undefined || at.key <= range.upTo)
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
