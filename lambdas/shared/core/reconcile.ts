/**
 * Reconciliation: do the counts of one batch agree from stage to stage, and does the batch
 * sequence have holes? Pure comparisons; the load stage reads the inputs and acts on the verdict.
 */
import { QUARANTINE_PREFIX } from './batch';
import type { LandedSummary, ProcessedManifest } from './manifest';
import { PipelineError } from './pipeline-error';

export interface CountMismatch {
  readonly table: string;
  /** What disagrees: landing rows vs rows transform read, or processed rows vs rows staged. */
  readonly check: 'landing-vs-transform' | 'processed-vs-staged';
  readonly expected: number;
  readonly actual: number;
}

export interface Reconciliation {
  readonly batchId: string;
  readonly mismatches: readonly CountMismatch[];
  /** Source tables with quarantined objects: their counts cannot agree and are reported here. */
  readonly quarantinedTables: readonly string[];
}

/** The source table a quarantined landing object belonged to (`sales_order/<batch>.jsonl`). */
function tableOfLandingKey(key: string): string {
  const bare = key.startsWith(QUARANTINE_PREFIX) ? key.slice(QUARANTINE_PREFIX.length) : key;
  return bare.split('/')[0] ?? bare;
}

/**
 * Compares the rows landing says it wrote per source table (the landing manifest, or the copy of
 * it the processed manifest carries) with the rows transform says it read (`sourceRows`),
 * skipping tables transform quarantined objects of.
 *
 * @example
 * reconcileLandingWithTransform(processed.landed, processed).mismatches.length === 0
 */
export function reconcileLandingWithTransform(
  landing: Pick<LandedSummary, 'tables'>,
  processed: ProcessedManifest,
): Reconciliation {
  const quarantined = new Set(processed.quarantined.map((q) => tableOfLandingKey(q.source)));
  const mismatches: CountMismatch[] = [];
  for (const entry of landing.tables) {
    if (quarantined.has(entry.table)) continue;
    const read = processed.sourceRows[entry.table] ?? 0;
    if (read !== entry.rows) {
      mismatches.push({
        table: entry.table,
        check: 'landing-vs-transform',
        expected: entry.rows,
        actual: read,
      });
    }
  }
  for (const [table, read] of Object.entries(processed.sourceRows)) {
    if (!quarantined.has(table) && !landing.tables.some((t) => t.table === table) && read > 0) {
      mismatches.push({ table, check: 'landing-vs-transform', expected: 0, actual: read });
    }
  }
  return { batchId: processed.batchId, mismatches, quarantinedTables: [...quarantined].sort() };
}

/** One line per mismatch, for the error the load stage throws. */
export function describeMismatches(batchId: string, mismatches: readonly CountMismatch[]): string {
  const parts = mismatches.map((m) =>
    m.check === 'landing-vs-transform'
      ? `${m.table}: landing holds ${m.expected} rows, transform read ${m.actual}`
      : `${m.table}: processed manifest lists ${m.expected} rows, load staged ${m.actual}`,
  );
  return `Batch ${batchId} does not reconcile (${parts.join('; ')}): re-run the transform for this batch, then the load`;
}

/**
 * Counts of one batch disagree between stages. Thrown before anything is committed, so the
 * batch is not marked loaded and a re-run after the fix loads it whole.
 */
export class ReconciliationError extends PipelineError {
  readonly kind = 'fatal';

  constructor(
    message: string,
    readonly mismatches: readonly CountMismatch[] = [],
  ) {
    super(message);
    this.name = 'ReconciliationError';
  }
}

export interface BatchSequence {
  /** Batch ids with a landing manifest. */
  readonly landed: Iterable<string>;
  /** Batch ids with a processed manifest. */
  readonly transformed: Iterable<string>;
  /** Batch ids in the warehouse's load log. */
  readonly loaded: Iterable<string>;
  /** Batch ids parked for a missing object (or given up by an operator): explained, no gap. */
  readonly parked?: Iterable<string>;
}

export interface BatchGap {
  readonly batchId: string;
  /** The stage the batch never got through although a later batch did. */
  readonly missing: 'transform' | 'load';
  /** The newest batch that did get through that stage. */
  readonly laterBatchId: string;
}

/**
 * Batches a stage skipped over: landed but not transformed while a later batch was, or
 * transformed but not loaded while a later batch was. Batch ids sort by time, so "later" is
 * string order. A batch still in flight is not a gap: nothing after it has passed the stage;
 * nor is a parked one, which status and the run log report as parked.
 */
export function findBatchGaps(sequence: BatchSequence): BatchGap[] {
  const transformed = new Set(sequence.transformed);
  const loaded = new Set(sequence.loaded);
  const newestTransformed = [...transformed].sort().at(-1);
  const newestLoaded = [...loaded].sort().at(-1);
  const parked = new Set(sequence.parked ?? []);
  const gaps: BatchGap[] = [];
  for (const batchId of [...new Set(sequence.landed)].sort()) {
    if (parked.has(batchId)) continue;
    if (!transformed.has(batchId)) {
      if (newestTransformed && newestTransformed > batchId)
        gaps.push({ batchId, missing: 'transform', laterBatchId: newestTransformed });
    } else if (!loaded.has(batchId) && newestLoaded && newestLoaded > batchId) {
      gaps.push({ batchId, missing: 'load', laterBatchId: newestLoaded });
    }
  }
  return gaps;
}
