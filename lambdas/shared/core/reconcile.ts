/**
 * Reconciliation: do the counts of one batch agree from stage to stage, and does the batch
 * sequence have holes? Pure comparisons; the load stage reads the inputs and acts on the verdict.
 */
import { QUARANTINE_PREFIX } from './batch';
import type { LandedSummary, LandedTable, ProcessedManifest } from './manifest';
import { PipelineError } from './pipeline-error';

export interface CountMismatch {
  readonly table: string;
  /**
   * What disagrees: landing rows vs rows transform read, processed rows vs rows staged, or
   * landing's tombstone lines vs those transform passed on and set aside.
   */
  readonly check: 'landing-vs-transform' | 'processed-vs-staged' | 'tombstones';
  readonly expected: number;
  readonly actual: number;
  /** Rows of the table transform set aside (landing-vs-transform): `actual` plus these is compared. */
  readonly setAside?: number;
  /** The table's landing objects transform quarantined whole, `s3://bucket/key`. */
  readonly quarantinedObjects?: readonly string[];
}

export interface Reconciliation {
  readonly batchId: string;
  readonly mismatches: readonly CountMismatch[];
  /** Source tables with quarantined objects: their rows cannot all be loaded. */
  readonly quarantinedTables: readonly string[];
}

/**
 * The source table of a landing object as the processed manifest names it: `s3://bucket/key`
 * (quarantineObject), or a bare key, with or without the quarantine prefix
 * (`sales_order/<batch>.jsonl` → `sales_order`).
 */
export function tableOfLandingKey(source: string): string {
  const key = source.startsWith('s3://') ? source.slice(source.indexOf('/', 5) + 1) : source;
  const bare = key.startsWith(QUARANTINE_PREFIX) ? key.slice(QUARANTINE_PREFIX.length) : key;
  return bare.split('/')[0] ?? bare;
}

/**
 * Per source table, the rows landing says it wrote (the landing manifest, or the copy of it the
 * processed manifest carries) must equal the rows transform passed on (`sourceRows`) plus the
 * rows it set aside (`quarantinedRows`). A table with a landing object quarantined whole falls
 * short by that object's rows, so its batch does not reconcile until the object is fixed.
 *
 * @example
 * reconcileLandingWithTransform(processed.landed, processed).mismatches.length === 0
 */
export function reconcileLandingWithTransform(
  landing: Pick<LandedSummary, 'tables'>,
  processed: ProcessedManifest,
): Reconciliation {
  const objectsOf = new Map<string, string[]>();
  for (const q of processed.quarantined) {
    const table = tableOfLandingKey(q.source);
    objectsOf.set(table, [...(objectsOf.get(table) ?? []), q.source]);
  }
  const setAsideOf = new Map<string, number>();
  for (const q of processed.quarantinedRows ?? [])
    setAsideOf.set(q.table, (setAsideOf.get(q.table) ?? 0) + q.rows);
  const landed = new Map<string, number>();
  for (const entry of landing.tables)
    landed.set(entry.table, (landed.get(entry.table) ?? 0) + entry.rows);
  const tables = new Set([
    ...landed.keys(),
    ...Object.keys(processed.sourceRows),
    ...setAsideOf.keys(),
  ]);
  const mismatches: CountMismatch[] = [];
  for (const table of tables) {
    const expected = landed.get(table) ?? 0;
    const actual = processed.sourceRows[table] ?? 0;
    const setAside = setAsideOf.get(table) ?? 0;
    if (actual + setAside === expected) continue;
    const objects = objectsOf.get(table);
    mismatches.push({
      table,
      check: 'landing-vs-transform',
      expected,
      actual,
      ...(setAside > 0 ? { setAside } : {}),
      ...(objects ? { quarantinedObjects: objects } : {}),
    });
  }
  mismatches.push(...reconcileTombstones(landing, processed));
  return {
    batchId: processed.batchId,
    mismatches,
    quarantinedTables: [...objectsOf.keys()].sort(),
  };
}

/**
 * Per source table, landing's tombstone lines must be those the transform passed on plus those
 * it set aside: a tombstone is never lost between the stages, nor made up.
 */
function reconcileTombstones(
  landing: Pick<LandedSummary, 'tables'>,
  processed: ProcessedManifest,
): CountMismatch[] {
  const landed = new Map<string, number>();
  for (const entry of landing.tables) {
    const lines = 'keys' in entry ? (entry as LandedTable).deletes?.rows : entry.tombstones;
    if (lines !== undefined) landed.set(entry.table, (landed.get(entry.table) ?? 0) + lines);
  }
  const passed = new Map<string, { rows: number; setAside: number }>();
  for (const d of processed.deletes ?? []) {
    const held = passed.get(d.source) ?? { rows: 0, setAside: 0 };
    passed.set(d.source, { rows: held.rows + d.rows, setAside: held.setAside + d.setAside });
  }
  const mismatches: CountMismatch[] = [];
  for (const table of new Set([...landed.keys(), ...passed.keys()])) {
    const expected = landed.get(table) ?? 0;
    const { rows, setAside } = passed.get(table) ?? { rows: 0, setAside: 0 };
    if (rows + setAside === expected) continue;
    mismatches.push({
      table,
      check: 'tombstones',
      expected,
      actual: rows,
      ...(setAside > 0 ? { setAside } : {}),
    });
  }
  return mismatches;
}

/**
 * One line for the error the load stage throws: the numbers per table, and what to do — fix a
 * quarantined object and replay the batch, or re-run the transform.
 */
export function describeMismatches(batchId: string, mismatches: readonly CountMismatch[]): string {
  const parts = mismatches.map((m) => {
    const setAside = m.setAside ? ` and set aside ${m.setAside}` : '';
    if (m.check === 'landing-vs-transform')
      return `${m.table}: landing holds ${m.expected} rows, transform read ${m.actual}${setAside}`;
    if (m.check === 'tombstones')
      return `${m.table}: landing holds ${m.expected} tombstones, transform passed on ${m.actual}${setAside}`;
    return `${m.table}: processed manifest lists ${m.expected} rows, load staged ${m.actual}`;
  });
  const objects = mismatches.flatMap((m) => m.quarantinedObjects ?? []);
  const next =
    objects.length > 0
      ? `${objects.join(', ')} ${objects.length === 1 ? 'is' : 'are'} quarantined: fix ${objects.length === 1 ? 'it' : 'them'} (see quarantine/<key>.reason.json), then run deliverance replay --batch ${batchId} --force`
      : 're-run the transform for this batch, then the load';
  return `Batch ${batchId} does not reconcile (${parts.join('; ')}): ${next}`;
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
