import type {
  ForeignKeyOf,
  ReferencedBy,
  SourceRowOf,
  SourceTableName,
} from '../../shared/core/catalogue';
import type {
  CatalogueTable,
  RowOf,
  SourceRow,
  WarehouseRow,
  WarehouseTable,
  WarehouseTableName,
} from '../../shared/core/warehouse-catalogue';

/**
 * How the transform builds one warehouse table: from which source table, whether row by row
 * as each landed chunk is read or joined from snapshots at the end of the batch, and the pure
 * function that shapes it. The orchestrator (../transform.ts) reads nothing else.
 *
 * A spec is written with {@link streamed}, {@link joined} or {@link derived}, which check its
 * shaper against the catalogue (rows of `from` in, `RowOf<table>` out: `table` and `from` say
 * which, never the shaper) and hand the orchestrator the untyped form it runs every table
 * through.
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

type AnyTable = CatalogueTable<WarehouseTableName>;

/**
 * A streamed spec whose shaper the compiler checks: it takes rows of `from` and returns every
 * column of `table`, so a missing or misspelled column is a compile error here.
 *
 * @example
 * export const dimDesign = streamed({ table: DIMENSIONS.dim_design, from: 'design', shape: toDimDesign });
 */
export function streamed<T extends AnyTable, S extends SourceTableName>(spec: {
  readonly table: T;
  readonly from: S;
  readonly shape: (rows: readonly SourceRowOf<NoInfer<S>>[]) => RowOf<NoInfer<T>['name']>[];
}): StreamedSpec {
  return { kind: 'streamed', ...untyped<Omit<StreamedSpec, 'kind'>>(spec) };
}

/** A joined spec whose shaper and check the compiler holds to the catalogue (see {@link streamed}). */
export function joined<
  T extends AnyTable,
  S extends SourceTableName,
  V extends ForeignKeyOf<S>,
>(spec: {
  readonly table: T;
  readonly from: S;
  readonly via: V;
  readonly shape: (
    rows: readonly SourceRowOf<NoInfer<S>>[],
    joined: ReadonlyMap<number, SourceRowOf<ReferencedBy<NoInfer<S>, NoInfer<V>>>>,
  ) => RowOf<NoInfer<T>['name']>[];
  readonly checkJoined?: (row: SourceRowOf<ReferencedBy<NoInfer<S>, NoInfer<V>>>) => void;
}): JoinedSpec {
  return { kind: 'joined', ...untyped<Omit<JoinedSpec, 'kind'>>(spec) };
}

/** A derived spec whose shaper returns every column of `table` (see {@link streamed}). */
export function derived<T extends AnyTable>(spec: {
  readonly table: T;
  readonly keysOf: (row: WarehouseRow, table: string) => string[];
  readonly shape: (keys: Iterable<string>) => RowOf<NoInfer<T>['name']>[];
}): DerivedSpec {
  return { kind: 'derived', ...spec };
}

/**
 * The spec as the orchestrator runs it. Sound because it hands a spec only landed rows of its
 * own tables, which the landing decoder checked against the source catalogue (every column
 * there), and writes what it returns by the warehouse catalogue's columns.
 */
function untyped<U>(spec: object): U {
  return spec as U;
}
