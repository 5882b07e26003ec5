/**
 * The size rule of the ingest's state between runs (the pending schema changes, the deletes
 * reconciliation's state, the watermarks): each lives in one SSM Standard parameter deployed,
 * whose value holds 4 KB. A value past that is refused here, in one line that says where and
 * what to do, before AWS refuses it with an opaque ValidationException; the local files keep the
 * same rule, so a run that would fail deployed fails locally too.
 */
import { PipelineError } from './pipeline-error';
import type { PendingSchemaChange } from './schema-changes';

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

/** The pending schema changes kept between runs, and how many did not fit. */
export interface FittedSchemaChanges {
  readonly kept: readonly PendingSchemaChange[];
  readonly left: number;
}

const bytesOf = (value: string) => new TextEncoder().encode(value).length;

/**
 * The pending schema changes that fit a Standard parameter as JSON: all when they fit, else
 * those that stop their table first, then the others oldest first, as many as fit, in their
 * order. Keeping fewer wedges nothing: each run compares the live columns again and stops a
 * table from what it finds, not from this list, and a change left out is only dated anew here
 * when found again (etl.schema_changes keeps its first sighting). Refusing the write instead
 * would stop every table over changes that stop none.
 */
export function fitSchemaChanges(changes: readonly PendingSchemaChange[]): FittedSchemaChanges {
  if (bytesOf(JSON.stringify(changes)) <= STANDARD_PARAMETER_BYTES)
    return { kept: changes, left: 0 };
  const byImportance = [...changes].sort(
    (a, b) => Number(b.stops) - Number(a.stops) || a.firstSeen.localeCompare(b.firstSeen),
  );
  const kept = new Set<PendingSchemaChange>();
  // '[' and ']', then each change and the comma before all but the first.
  let bytes = 2;
  for (const change of byImportance) {
    const more = bytesOf(JSON.stringify(change)) + (kept.size > 0 ? 1 : 0);
    if (bytes + more > STANDARD_PARAMETER_BYTES) continue;
    kept.add(change);
    bytes += more;
  }
  return { kept: changes.filter((c) => kept.has(c)), left: changes.length - kept.size };
}

/** What to do when the pending schema changes outgrow their parameter. */
export const SCHEMA_CHANGES_TOO_LARGE =
  'too many schema changes stand at once; deliverance status lists them: take the new columns into the catalogue or drop them, restore or retype the others (docs/extending.md), and the next run goes on';

/** What to do when the deletes reconciliation's state outgrows its parameter. */
export const DELETES_STATE_TOO_LARGE =
  'delete it, and every table is reconciled again on its next run (tombstones landed again are loaded harmlessly)';
