import type { SourceTableName } from '../../shared/core/catalogue';
import type {
  SourceRow,
  WarehouseRow,
  WarehouseTable,
} from '../../shared/core/warehouse-catalogue';

/**
 * How the transform builds one warehouse table: from which source table, whether row by row
 * as each landed chunk is read or joined from snapshots at the end of the batch, and the pure
 * function that shapes it. The orchestrator (../transform.ts) reads nothing else.
 */
export type TableSpec = StreamedSpec | JoinedSpec | DerivedSpec;

/** Rows shaped from one source table's landed rows, a chunk at a time. */
export interface StreamedSpec {
  readonly kind: 'streamed';
  readonly table: WarehouseTable;
  readonly from: SourceTableName;
  /** @throws {TransformError} naming the source table, key and column of a bad row. */
  readonly shape: (rows: readonly SourceRow[]) => WarehouseRow[];
}

/**
 * A dimension with one row per row of `from`, joined through the foreign key `via` to the
 * table that column refers to (the catalogue says which). A change on either side changes the
 * row, including rows whose other side is not in the batch, so both tables are kept as
 * snapshots (../snapshots.ts) and the rows are built at the end of the batch.
 */
export interface JoinedSpec {
  readonly kind: 'joined';
  readonly table: WarehouseTable;
  readonly from: SourceTableName;
  /** A foreign-key column of `from`. */
  readonly via: string;
  /** @throws {TransformError} naming the table, key and column of a bad row of either side. */
  readonly shape: (
    rows: readonly SourceRow[],
    joined: ReadonlyMap<number, SourceRow>,
  ) => WarehouseRow[];
  /**
   * Reads a landed row of the joined table as `shape` will, before it joins its snapshot;
   * absent where another spec already reads every such row as it lands.
   *
   * @throws {TransformError} naming the joined table, key and column.
   */
  readonly checkJoined?: (row: SourceRow) => void;
}

/** A table computed from the keys other tables' rows point at it by (dim_date: the dates). */
export interface DerivedSpec {
  readonly kind: 'derived';
  readonly table: WarehouseTable;
  /** The keys of this table that a row of `table` refers to. */
  readonly keysOf: (row: WarehouseRow, table: string) => string[];
  /** @throws {TransformError} naming this table, the key and its column. */
  readonly shape: (keys: Iterable<string>) => WarehouseRow[];
}
