import { quarantinedRowsKey } from '../shared/core/batch';
import type { SourceTable, SourceTableName } from '../shared/core/catalogue';
import type { DecodedRow } from '../shared/core/json-lines';
import type { QuarantinedRow, QuarantinedRows } from '../shared/core/manifest';
import type { ObjectStore } from '../shared/ports/object-store';
import { UnholdableValueError } from './tables/errors';
import { streamedFrom } from './tables/specs';
import { shownValue } from './tables/values';

/**
 * Whether a row set aside may be its key's first version, which the warehouse then does not
 * hold: totesys stamps a new row's created_at and last_updated alike, and an update moves only
 * last_updated. A row whose stamps cannot be read counts as new. A row updated since its first
 * version is taken to have been loaded before: the rows referring to it load against that.
 */
function mayBeNew(row: DecodedRow): boolean {
  return typeof row.created_at !== 'string' || row.created_at === row.last_updated;
}

const NONE: ReadonlySet<number | string | null> = new Set();

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
): { kept: DecodedRow[]; setAside: { row: DecodedRow; error: UnholdableValueError }[] } {
  const kept: DecodedRow[] = [];
  const setAside: { row: DecodedRow; error: UnholdableValueError }[] = [];
  for (const row of rows) {
    try {
      tryRows([row]);
      kept.push(row);
    } catch (error) {
      if (!isUnholdableRowOf(error, table)) throw error;
      setAside.push({ row, error });
    }
  }
  return { kept, setAside };
}

/** An unholdable value in a row of `table` itself (not in a row it joins), whose key is known. */
export function isUnholdableRowOf(error: unknown, table: string): error is UnholdableValueError {
  return error instanceof UnholdableValueError && error.table === table && error.key !== null;
}

/** What a row is set aside for: its table, key and column, and the problem with the value. */
export interface RowFault {
  readonly table: string;
  readonly key: number | string | null;
  readonly column: string;
  readonly problem: string;
  readonly value: unknown;
}

/** The verdict on one row set aside, naming its table, key, column, value and where it landed. */
export function verdictOf(
  fault: RowFault,
  source: { readonly bucket: string; readonly key: string; readonly line: number },
  next = 'Correct the source row: its next version arrives with the next batch.',
): QuarantinedRow {
  const where = `s3://${source.bucket}/${source.key}`;
  return {
    key: fault.key,
    column: fault.column,
    value: shownValue(fault.value),
    source: where,
    line: source.line,
    reason:
      `${where} line ${source.line}: ${fault.table} row ${String(fault.key)} column ${fault.column} ` +
      `${fault.problem}. The row is set aside; the rest of the batch goes on. ${next}`,
  };
}

/** Only a dimension is a foreign key's target in the warehouse; a fact version never is. */
function feedsDimension(table: SourceTableName): boolean {
  return streamedFrom(table).every((spec) => spec.table.kind === 'dimension');
}

/**
 * Rows of `table` that refer (by a foreign key of the source catalogue) to a row of a dimension's
 * source table this batch set aside. The warehouse may not hold the row they refer to, whose foreign key would then
 * refuse the whole batch at the load, so they are set aside with it. Tables are read in
 * foreign-key order, so the rows they refer to have been judged before them.
 */
export function referringToSetAside(
  table: SourceTable,
  rows: readonly DecodedRow[],
  quarantine: RowQuarantine,
): { kept: DecodedRow[]; setAside: { index: number; fault: RowFault }[] } | undefined {
  const references = Object.entries(table.references)
    .filter(([, to]) => feedsDimension(to))
    .map(([column, to]) => ({ column, to, keys: quarantine.keysOf(to) }))
    .filter((r) => r.keys.size > 0);
  if (references.length === 0) return undefined;
  const kept: DecodedRow[] = [];
  const setAside: { index: number; fault: RowFault }[] = [];
  rows.forEach((row, index) => {
    const hit = references.find((r) => r.keys.has(row[r.column] as number));
    if (!hit) {
      kept.push(row);
      return;
    }
    const value = row[hit.column];
    setAside.push({
      index,
      fault: {
        table: table.name,
        key: row[table.primaryKey] as number,
        column: hit.column,
        value,
        problem: `refers to ${hit.to} ${String(value)}, which this batch set aside`,
      },
    });
  });
  return { kept, setAside };
}

/**
 * The rows a batch set aside, per source table, written next to the quarantined objects in the
 * landing bucket (`quarantine/rows/<table>/<batchId>.jsonl`): each line the original row with
 * its verdict, so nothing set aside is lost from sight.
 */
export class RowQuarantine {
  private readonly byTable = new Map<SourceTableName, SetAsideRow[]>();
  private readonly keys = new Map<string, Set<number | string | null>>();

  constructor(private readonly batchId: string) {}

  /** The keys of `table` set aside so far whose row may be new to the warehouse (mayBeNew). */
  keysOf(table: string): ReadonlySet<number | string | null> {
    return this.keys.get(table) ?? NONE;
  }

  /** The rows of a landing object set aside, once the object as a whole has been read. */
  add(table: SourceTableName, rows: readonly SetAsideRow[]): void {
    if (rows.length === 0) return;
    const held = this.byTable.get(table) ?? [];
    const keys = this.keys.get(table) ?? new Set();
    for (const row of rows) {
      held.push(row);
      if (mayBeNew(row.row)) keys.add(row.verdict.key);
    }
    this.byTable.set(table, held);
    this.keys.set(table, keys);
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
