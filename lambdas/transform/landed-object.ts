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
import {
  isUnholdableRowOf,
  referringToSetAside,
  splitUnholdable,
  verdictOf,
  type RowQuarantine,
  type SetAsideRow,
} from './row-quarantine';
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
  readonly rowQuarantine: RowQuarantine;
}

/** Rows read and passed on, and rows set aside; or the whole object set aside. */
export type ObjectOutcome =
  | { readonly rows: number; readonly setAside: number }
  | { readonly quarantined: QuarantinedObject };

interface Location {
  readonly line: number;
  readonly column: string;
}

/**
 * Reads one landing object a chunk at a time into the batch: its streamed tables' rows, the
 * keys of derived tables they point at, and (for a snapshot table) its rows checked and merged
 * into the snapshot once the whole object has been read. A row holding a value the warehouse
 * cannot hold is set aside (RowQuarantine) and the rest of the object goes on. An object whose
 * data is otherwise bad is quarantined with its reason and what it had added to its tables is
 * dropped, its rows set aside with it; any other failure (S3, network) is thrown so that the
 * transform is retried, rather than dropping a good object.
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
  const setAside: SetAsideRow[] = [];
  let rowsBefore = 0;
  let located: Location | undefined;
  const shapeAll = (rows: readonly DecodedRow[]) => {
    const shaped = streamed.map((spec) => spec.shape(rows));
    if (snapshot) batch.snapshots.check(table, rows);
    return shaped;
  };
  try {
    const rows = await readLandingRows(batch.landing, key, source, async (read) => {
      warnDrift(read);
      const first = rowsBefore;
      rowsBefore += read.length;
      const at = (index: number) => ({
        bucket: batch.landing.bucket,
        key,
        line: first + index + 1,
      });
      let chunk: readonly DecodedRow[] = read;
      const referring = referringToSetAside(source, read, batch.rowQuarantine);
      if (referring) {
        for (const { index, fault } of referring.setAside) {
          const verdict = verdictOf(fault, at(index), REFERRING_NEXT);
          setAside.push({ verdict, row: read[index] as DecodedRow });
        }
        chunk = referring.kept;
      }
      let shaped;
      try {
        try {
          shaped = shapeAll(chunk);
        } catch (error) {
          if (!isUnholdableRowOf(error, table)) throw error;
          const split = splitUnholdable(chunk, table, shapeAll);
          for (const { row, error } of split.setAside) {
            const index = read.indexOf(row);
            setAside.push({ verdict: verdictOf(error, at(index)), row });
          }
          chunk = split.kept;
          shaped = shapeAll(chunk);
        }
      } catch (error) {
        located = locate(error, source, read, first);
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
    if (setAside.length > 0) {
      batch.rowQuarantine.add(table, setAside);
      batch.log.warn('Rows set aside: a value the warehouse cannot hold; the rest goes on', {
        batchId: batch.batchId,
        table,
        key,
        rows: setAside.length,
        first: setAside[0]?.verdict.reason,
      });
    }
    return { rows: rows - setAside.length, setAside: setAside.length };
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

const REFERRING_NEXT =
  'Once the row it refers to is corrected and loaded, re-read this table from before this batch ' +
  '(deliverance pause, resync --from, resume), or let its next version bring it.';

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
