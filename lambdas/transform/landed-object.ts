import { SOURCE_TABLES, type SourceTable, type SourceTableName } from '../shared/core/catalogue';
import { LandingLineError, type DecodedRow } from '../shared/core/json-lines';
import type { QuarantinedObject } from '../shared/core/manifest';
import { isBadData } from '../shared/core/pipeline-error';
import { readLandingRows } from '../shared/landing-reader';
import { MissingObjectError, type ObjectStore } from '../shared/ports/object-store';
import type { StageLogger } from '../shared/ports/stage-logger';
import { quarantineObject } from '../shared/quarantine';
import type { DerivedKeys } from './derived-keys';
import type { BatchOutputs } from './outputs';
import { isSnapshotTable, type BatchSnapshots } from './snapshots';
import { TransformError } from './tables';
import { streamedFrom } from './tables/specs';

/** What reading one landed object adds to: the batch's outputs, snapshots and derived keys. */
export interface BatchInProgress {
  readonly landing: ObjectStore;
  readonly batchId: string;
  readonly log: StageLogger;
  readonly outputs: BatchOutputs;
  readonly snapshots: BatchSnapshots;
  readonly derived: DerivedKeys;
}

export type ObjectOutcome = { readonly rows: number } | { readonly quarantined: QuarantinedObject };

interface Location {
  readonly line: number;
  readonly column: string;
}

/**
 * Reads one landing object a chunk at a time into the batch: its streamed tables' rows, the
 * keys of derived tables they point at, and (for a snapshot table) its rows checked and merged
 * into the snapshot once the whole object has been read. An object whose data is bad is
 * quarantined with its reason and what it had added to its tables is dropped; any other failure
 * (S3, network) is thrown so that the transform is retried, rather than dropping a good object.
 */
export async function readLandedObject(
  batch: BatchInProgress,
  table: SourceTableName,
  key: string,
): Promise<ObjectOutcome> {
  const source = SOURCE_TABLES[table];
  const streamed = streamedFrom(table);
  const outputs = streamed.map((spec) => batch.outputs.for(spec.table));
  const snapshot = isSnapshotTable(table);
  const held: DecodedRow[] = [];
  const warnDrift = driftWarning(batch, source, key);
  let rowsBefore = 0;
  let located: Location | undefined;
  try {
    const rows = await readLandingRows(batch.landing, key, source, async (chunk) => {
      warnDrift(chunk);
      const first = rowsBefore;
      rowsBefore += chunk.length;
      let shaped;
      try {
        shaped = streamed.map((spec) => spec.shape(chunk));
        if (snapshot) batch.snapshots.check(table, chunk);
      } catch (error) {
        located = locate(error, source, chunk, first);
        throw error;
      }
      for (const [index, spec] of streamed.entries()) {
        const rows = shaped[index] ?? [];
        batch.derived.collect(spec.table, rows);
        await outputs[index]?.add(rows);
      }
      if (snapshot) for (const row of chunk) held.push(row);
    });
    if (snapshot) batch.snapshots.merge(table, held);
    return { rows };
  } catch (error) {
    for (const output of outputs) await output.discard();
    // A missing object is not bad data to set aside: the whole batch is parked (parked-batch.ts).
    if (error instanceof MissingObjectError || !isBadData(error)) throw error;
    const where = `s3://${batch.landing.bucket}/${key}`;
    const reason = refusalReason(error as Error, where, source, located);
    batch.log.error('Landing object refused: quarantined, the rest of the batch goes on', {
      batchId: batch.batchId,
      table,
      key,
      reason,
    });
    return { quarantined: await quarantineObject(batch.landing, key, reason, batch.batchId) };
  }
}

/** Warns once per object when its rows carry columns the catalogue does not know. */
function driftWarning(batch: BatchInProgress, source: SourceTable, key: string) {
  let warned = false;
  const known = new Set(source.columns.map((c) => c.name));
  return (chunk: readonly DecodedRow[]) => {
    if (warned || !chunk[0]) return;
    warned = true;
    const extra = Object.keys(chunk[0]).filter((c) => !known.has(c));
    if (extra.length > 0) {
      batch.log.warn('Landing rows have columns the catalogue does not know: ignored', {
        batchId: batch.batchId,
        table: source.name,
        key,
        columns: extra,
      });
    }
  };
}

/** The line and column of the row a table function refused, when it is one of this chunk's. */
function locate(
  error: unknown,
  source: SourceTable,
  chunk: readonly DecodedRow[],
  first: number,
): Location | undefined {
  // A row joined to a bad one of another table is not the line at fault.
  if (!(error instanceof TransformError) || error.table !== source.name) return undefined;
  const index = chunk.findIndex((row) => row[source.primaryKey] === error.key);
  return { line: first + Math.max(index, 0) + 1, column: error.column };
}

/**
 * The reason a landing object was refused, naming the bucket, key, line and column: a
 * LandingLineError already does; a row the table function refused is found in its chunk.
 */
function refusalReason(
  error: Error,
  where: string,
  source: SourceTable,
  located: Location | undefined,
): string {
  if (error instanceof LandingLineError) return error.message;
  if (located) {
    return `${where} line ${located.line} column ${located.column} (table ${source.name}): ${error.message}`;
  }
  return `${where} (table ${source.name}): ${error.message}`;
}
