import {
  SOURCE_TABLES,
  type SourceColumnType,
  type SourceRowOf,
  type SourceTableName,
} from '../../../lambdas/shared/core/catalogue';
import {
  warehouseTable,
  type CatalogueTable,
  type RowOf,
  type WarehouseTableName,
} from '../../../lambdas/shared/core/warehouse-catalogue';
import { TransformError } from '../../../lambdas/transform/tables';

/** The TransformError that `run` throws; fails the test when it throws nothing or another error. */
export function transformErrorFrom(run: () => unknown): TransformError {
  try {
    run();
  } catch (error) {
    if (error instanceof TransformError) return error;
    throw error;
  }
  throw new Error('expected a TransformError, but nothing was thrown');
}

/** A copy of `row` without `column`, as a landed row from an older or drifted schema would be. */
export function without<T extends Record<string, unknown>>(row: T, column: string): T {
  const copy = { ...row };
  delete copy[column];
  return copy;
}

/** What one drifted column made the shaper do: the TransformError's names, or that it did not throw. */
type Outcome = { table: string; key: unknown; column: string } | 'accepted';

/**
 * Every column the warehouse keeps is read and checked, and named when wrong: for each column
 * of `row`, a copy holding a value no reader accepts (an object) makes `shape` throw a
 * TransformError naming `table`, the row's key (null for the unreadable key column itself) and
 * that column, with the advice every TransformError ends with. The `unread` columns, which the
 * warehouse does not keep, are accepted whatever they hold.
 */
export function expectEveryColumnChecked<R extends Readonly<Record<string, unknown>>>(
  row: R,
  where: { table: string; keyColumn: string; unread: readonly string[] },
  shape: (drifted: R) => unknown,
): void {
  const columns = Object.keys(row);
  const outcomes = columns.map((column): [string, Outcome] => {
    const drifted = { ...row, [column]: { drifted: true } } as unknown as R;
    try {
      shape(drifted);
      return [column, 'accepted'];
    } catch (error) {
      if (!(error instanceof TransformError)) throw error;
      expect(error.name).toBe('TransformError');
      expect(error.message).toBe(
        `${error.table} row ${error.key ?? '(unreadable key)'}: column ${error.column} ${error.problem}. ` +
          'Fix the source row (or quarantine its landing object) and re-run the transform for this batch.',
      );
      return [column, { table: error.table, key: error.key, column: error.column }];
    }
  });
  const key = row[where.keyColumn];
  expect(outcomes).toEqual(
    columns.map((column): [string, Outcome] => [
      column,
      where.unread.includes(column)
        ? 'accepted'
        : { table: where.table, key: column === where.keyColumn ? null : key, column },
    ]),
  );
}

/** A value of each source column type that its reader accepts. */
const EXAMPLE_VALUE: Readonly<Record<SourceColumnType, string | number | boolean>> = {
  integer: 1,
  text: 'text',
  numeric: '1.00',
  timestamp: '2024-03-01T09:15:02.123Z',
  boolean: true,
};

/**
 * A readable row of a source table, built from its catalogue columns (null where nullable),
 * with `values` for the columns the test is about: a column the catalogue adds is filled in
 * here, and a misspelled one in `values` does not compile.
 *
 * @example
 * sourceRow('staff', { staff_id: 1, department_id: 2 });
 */
export function sourceRow<S extends SourceTableName>(
  table: S,
  values: Partial<SourceRowOf<S>>,
): SourceRowOf<S> {
  const filled = Object.fromEntries(
    SOURCE_TABLES[table].columns.map((c) => [c.name, c.nullable ? null : EXAMPLE_VALUE[c.type]]),
  );
  return { ...filled, ...values } as SourceRowOf<S>;
}

/** The nullable columns of a warehouse table, by name. */
type NullableColumnOf<N extends WarehouseTableName> = Extract<
  CatalogueTable<N>['columns'][number],
  { readonly nullable: true }
>['name'];

/** A warehouse row with its nullable columns optional: what a test must name. */
export type NamedRowOf<N extends WarehouseTableName> = Omit<RowOf<N>, NullableColumnOf<N>> &
  Partial<Pick<RowOf<N>, NullableColumnOf<N>>>;

/**
 * A row of a warehouse table as a shaper returns it: `values`, and null for each nullable
 * catalogue column `values` does not name. A nullable column the catalogue adds is filled in
 * here; a NOT NULL one missing from `values`, or a misspelled one, does not compile.
 *
 * @example
 * warehouseRow('dim_staff', { staff_id: 1, first_name: 'Jeremie', ... }); // location: null
 */
export function warehouseRow<N extends WarehouseTableName>(
  table: N,
  values: NamedRowOf<N>,
): RowOf<N> {
  const columns = warehouseTable(table)?.columns ?? [];
  const nulls = Object.fromEntries(columns.filter((c) => c.nullable).map((c) => [c.name, null]));
  return { ...nulls, ...values } as RowOf<N>;
}
