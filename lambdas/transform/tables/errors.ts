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

  override readonly name = 'TransformError';

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
