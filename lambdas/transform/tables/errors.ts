import { PipelineError } from '../../shared/core/pipeline-error';

/** The primary key value of the offending source row; null when the key itself is unreadable. */
export type RowKey = number | string | null;

/**
 * A source row the transform cannot shape into a warehouse row: a missing or mistyped column,
 * a malformed date, a reference to a row that is not there. The pure functions throw it; the
 * caller decides whether to quarantine the landing object or stop the batch.
 */
export class TransformError extends PipelineError {
  readonly kind = 'bad-data';

  override readonly name: string = 'TransformError';

  constructor(
    /** The source table the bad row came from (or the warehouse table, for dim_date). */
    readonly table: string,
    readonly key: RowKey,
    readonly column: string,
    readonly problem: string,
  ) {
    super(
      `${table} row ${key === null ? '(unreadable key)' : String(key)}: column ${column} ${problem}. ` +
        'Fix the source row (or quarantine its landing object) and re-run the transform for this batch.',
    );
  }
}

/**
 * A value the source may legally hold that the warehouse cannot hold exactly: a numeric beyond
 * DECIMAL(10,2) or not a number at all ('NaN'), a date or timestamp outside years 1–9999 (BC
 * among them), an agreed date kept as text that is no date, text with NUL or an unpaired
 * surrogate. It costs its own row, never the batch: the transform sets the row aside
 * (../row-verdicts.ts) and goes on, where any other {@link TransformError} means the landing
 * object is not what ingest wrote and sets the object aside.
 */
export class UnholdableValueError extends TransformError {
  override readonly name = 'UnholdableValueError';

  constructor(
    table: string,
    key: RowKey,
    column: string,
    problem: string,
    /** The value as it landed. */
    readonly value: unknown,
  ) {
    super(table, key, column, problem);
  }
}
