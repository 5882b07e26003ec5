import { quarantinedRowsKey } from '../shared/core/batch';
import type { SourceTableName } from '../shared/core/catalogue';
import type { DecodedRow } from '../shared/core/json-lines';
import type { QuarantinedRow, QuarantinedRows } from '../shared/core/manifest';
import type { ObjectStore } from '../shared/ports/object-store';
import { UnholdableValueError } from './tables/errors';
import { shownValue } from './tables/values';

/** How many of a table's rows set aside the processed manifest names; the file holds them all. */
const NAMED_IN_MANIFEST = 5;

/** A row set aside, with what its line in the quarantine file holds. */
export interface SetAsideRow {
  readonly verdict: QuarantinedRow;
  readonly row: DecodedRow;
}

/**
 * Splits rows into those the batch takes and those holding a value of `table` the warehouse
 * cannot hold, trying each row alone through `tryRows` (the shapes and checks the whole chunk
 * failed). Called only for a chunk that failed, so the good chunks pay nothing.
 *
 * @throws any error of `tryRows` that is not an {@link UnholdableValueError} of `table`'s own
 *   row: the object is at fault, not one row.
 */
export function splitUnholdable(
  rows: readonly DecodedRow[],
  table: SourceTableName,
  tryRows: (rows: readonly DecodedRow[]) => void,
): { kept: DecodedRow[]; setAside: { index: number; error: UnholdableValueError }[] } {
  const kept: DecodedRow[] = [];
  const setAside: { index: number; error: UnholdableValueError }[] = [];
  rows.forEach((row, index) => {
    try {
      tryRows([row]);
      kept.push(row);
    } catch (error) {
      if (!isUnholdableRowOf(error, table)) throw error;
      setAside.push({ index, error });
    }
  });
  return { kept, setAside };
}

/** An unholdable value in a row of `table` itself (not in a row it joins), whose key is known. */
export function isUnholdableRowOf(error: unknown, table: string): error is UnholdableValueError {
  return error instanceof UnholdableValueError && error.table === table && error.key !== null;
}

/** The verdict on one row set aside, naming its table, key, column, value and where it landed. */
export function verdictOf(
  error: UnholdableValueError,
  source: { readonly bucket: string; readonly key: string; readonly line: number },
): QuarantinedRow {
  const where = `s3://${source.bucket}/${source.key}`;
  return {
    key: error.key,
    column: error.column,
    value: shownValue(error.value),
    source: where,
    line: source.line,
    reason:
      `${where} line ${source.line}: ${error.table} row ${String(error.key)} column ${error.column} ` +
      `${error.problem}. The row is set aside; the rest of the batch goes on. Correct the source ` +
      'row: its next version arrives with the next batch.',
  };
}

/**
 * The rows a batch set aside, per source table, written next to the quarantined objects in the
 * landing bucket (`quarantine/rows/<table>/<batchId>.jsonl`): each line the original row with
 * its verdict, so nothing set aside is lost from sight.
 */
export class RowQuarantine {
  private readonly byTable = new Map<SourceTableName, SetAsideRow[]>();

  constructor(private readonly batchId: string) {}

  /** The rows of a landing object set aside, once the object as a whole has been read. */
  add(table: SourceTableName, rows: readonly SetAsideRow[]): void {
    if (rows.length === 0) return;
    const held = this.byTable.get(table) ?? [];
    for (const row of rows) held.push(row);
    this.byTable.set(table, held);
  }

  /** Writes one file per table with rows set aside; answers the processed manifest's entries. */
  async write(landing: ObjectStore): Promise<QuarantinedRows[]> {
    const entries: QuarantinedRows[] = [];
    for (const [table, rows] of this.byTable) {
      const quarantineKey = quarantinedRowsKey(table, this.batchId);
      // JSON.stringify escapes NUL and writes an unpaired surrogate as \udXXX: the line keeps
      // the value exactly as it landed.
      const body = rows
        .map(({ verdict, row }) => `${JSON.stringify({ table, ...verdict, row })}\n`)
        .join('');
      await landing.put(quarantineKey, body, 'application/x-ndjson');
      entries.push({
        table,
        rows: rows.length,
        quarantineKey,
        first: rows.slice(0, NAMED_IN_MANIFEST).map((r) => r.verdict),
      });
    }
    return entries;
  }
}
