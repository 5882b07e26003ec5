import type { ClientBase } from 'pg';
import { SOURCE_TABLE_NAMES, type SourceTable } from '../shared/core/catalogue';
import { PipelineError } from '../shared/core/pipeline-error';

export class SourceSchemaError extends PipelineError {
  readonly kind = 'fatal';

  constructor(message: string) {
    super(message);
    this.name = 'SourceSchemaError';
  }
}

export interface ColumnDrift {
  /** The table has columns the catalogue does not know: they are kept in landing. */
  readonly extra: readonly string[];
}

export interface LiveColumns {
  readonly drift: Map<string, ColumnDrift>;
  /**
   * The fewest fractional digits of any table's `last_updated` (6 for a plain `timestamp`, 3 for
   * totesys's `timestamp(3)`): how finely the source's clock must be cut for the upper bound.
   */
  readonly precision: number;
}

/**
 * Compares the live source tables with the catalogue. A column the catalogue needs but the
 * source lost is fatal (the warehouse would silently fill with NULLs); a new column is drift
 * that landing keeps and the later stages ignore.
 */
export async function checkSourceColumns(
  client: ClientBase,
  tables: readonly SourceTable[],
): Promise<LiveColumns> {
  const result = await client.query<{
    table_name: string;
    column_name: string;
    datetime_precision: number | null;
  }>(
    `SELECT table_name, column_name, datetime_precision FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
    [SOURCE_TABLE_NAMES],
  );
  const live = new Map<string, Set<string>>();
  const wanted = new Set<string>(tables.map((t) => t.name));
  let precision = 6;
  for (const row of result.rows) {
    if (row.column_name === 'last_updated' && wanted.has(row.table_name)) {
      precision = Math.min(precision, row.datetime_precision ?? 6);
    }
    const columns = live.get(row.table_name) ?? new Set<string>();
    columns.add(row.column_name);
    live.set(row.table_name, columns);
  }
  const drift = new Map<string, ColumnDrift>();
  for (const table of tables) {
    const columns = live.get(table.name);
    if (!columns) {
      throw new SourceSchemaError(
        `Source table ${table.name} does not exist in the totesys database: check DELIVERANCE_SOURCE_URL / the source secret`,
      );
    }
    const missing = table.columns.filter((c) => !columns.has(c.name)).map((c) => c.name);
    if (missing.length > 0) {
      throw new SourceSchemaError(
        `Source table ${table.name} has lost column(s) ${missing.join(', ')} that the pipeline needs: restore them or update the table catalogue and the warehouse schema`,
      );
    }
    const known = new Set(table.columns.map((c) => c.name));
    drift.set(table.name, { extra: [...columns].filter((c) => !known.has(c)) });
  }
  return { drift, precision };
}
