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
