/**
 * The size rule of the ingest's state between runs (the pending schema changes, the deletes
 * reconciliation's state, the watermarks): each lives in one SSM Standard parameter deployed,
 * whose value holds 4 KB. A value past that is refused here, in one line that says where and
 * what to do, before AWS refuses it with an opaque ValidationException; the local files keep the
 * same rule, so a run that would fail deployed fails locally too.
 */
import { PipelineError } from './pipeline-error';

/** The most an SSM Standard parameter's value holds, in bytes. */
export const STANDARD_PARAMETER_BYTES = 4096;

/**
 * State too big for where it is kept. Fatal: the next run would write the same; an operator
 * acts as the message says.
 */
export class StateTooLargeError extends PipelineError {
  readonly kind = 'fatal';

  constructor(message: string) {
    super(message);
    this.name = 'StateTooLargeError';
  }
}

/**
 * Throws a StateTooLargeError when `value` is more than a Standard parameter holds, naming
 * `where` it would be kept, its size and `todo`.
 *
 * @example
 * refuseOversizedState('SSM parameter /deliverance/prod/deletes', json, 'delete it');
 */
export function refuseOversizedState(where: string, value: string, todo: string): void {
  const bytes = new TextEncoder().encode(value).length;
  if (bytes <= STANDARD_PARAMETER_BYTES) return;
  throw new StateTooLargeError(
    `${where} would hold ${bytes} bytes, more than the ${STANDARD_PARAMETER_BYTES} an SSM Standard parameter holds, so nothing was written: ${todo}`,
  );
}

/** What to do when the pending schema changes outgrow their parameter. */
export const SCHEMA_CHANGES_TOO_LARGE =
  'too many schema changes stand at once; deliverance status lists them: take the new columns into the catalogue or drop them, restore or retype the others (docs/extending.md), and the next run goes on';

/** What to do when the deletes reconciliation's state outgrows its parameter. */
export const DELETES_STATE_TOO_LARGE =
  'delete it, and every table is reconciled again on its next run (tombstones landed again are loaded harmlessly)';
