import { PipelineError } from '../core/pipeline-error';

/**
 * A Parquet file that cannot be read as the table it should hold. The stage that meets one
 * quarantines the object rather than retrying it, so the message names the object and the fault.
 */
export class ParquetFileError extends PipelineError {
  readonly kind = 'bad-data';

  override readonly name = 'ParquetFileError';

  constructor(
    /** The file path or object key. */
    readonly source: string,
    /** What is wrong, e.g. 'column unit_price missing' or 'not a Parquet file: …'. */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${problem}`, options);
  }
}

/**
 * A row value that does not fit its column's type: a bug upstream in the transform, reported
 * with the table, column and row so it can be found.
 */
export class ParquetValueError extends PipelineError {
  readonly kind = 'bad-data';

  override readonly name = 'ParquetValueError';

  constructor(
    readonly table: string,
    readonly column: string,
    /** The row's index among all rows given to the writer. */
    readonly row: number,
    readonly value: unknown,
    expected: string,
  ) {
    super(`${table}.${column} row ${row}: expected ${expected}, got ${describeValue(value)}`);
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'no value';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  return `${typeof value} ${String(value)}`;
}
