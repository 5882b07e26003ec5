import type { ClientBase } from 'pg';
import {
  SOURCE_TABLE_NAMES,
  type SourceColumnType,
  type SourceTable,
  type SourceTableName,
} from '../shared/core/catalogue';
import { PipelineError } from '../shared/core/pipeline-error';
import type { SchemaChange } from '../shared/core/schema-changes';

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

/** A difference between the live table and the catalogue, not yet dated. */
export type FoundChange = Omit<SchemaChange, 'firstSeen'>;

export interface LiveColumns {
  /** The source database's name, for the lines that name a table. */
  readonly database: string;
  readonly drift: Map<string, ColumnDrift>;
  /** Per table checked, how its columns differ from the catalogue: empty when they agree. */
  readonly changes: ReadonlyMap<SourceTableName, readonly FoundChange[]>;
  /**
   * The fewest fractional digits of any table's `last_updated` (6 for a plain `timestamp`, 3 for
   * totesys's `timestamp(3)`): how finely the source's clock must be cut for the upper bound.
   */
  readonly precision: number;
}

/**
 * The source types each catalogue type is read from: anything else is a retyped column, whose
 * values the transform's readers would refuse row by row (or, for a timestamp read as text,
 * misread). Widths within a family (varchar(20) → varchar(40), int → bigint) read the same: such
 * a column is resized, and column-resize.ts says whether the warehouse still holds its values.
 */
const READ_AS: { readonly [T in SourceColumnType]: readonly string[] } = {
  integer: ['smallint', 'integer', 'bigint'],
  // An enum (totesys's transaction_type) or an extension's text type reads as its text.
  text: ['text', 'character varying', 'character', 'USER-DEFINED'],
  numeric: ['numeric'],
  timestamp: ['timestamp without time zone', 'timestamp with time zone'],
  boolean: ['boolean'],
};

interface ColumnRow {
  readonly table_name: string;
  readonly column_name: string;
  readonly data_type: string;
  readonly udt_name: string;
  readonly character_maximum_length: number | null;
  readonly numeric_precision: number | null;
  readonly numeric_scale: number | null;
  readonly datetime_precision: number | null;
}

/** The column's type as an operator would write it: `numeric(10,2)`, `timestamp(3) without time zone`. */
function typeText(row: ColumnRow): string {
  const t = row.data_type;
  if (t === 'USER-DEFINED' || t === 'ARRAY') return row.udt_name;
  if ((t === 'character varying' || t === 'character') && row.character_maximum_length !== null) {
    return `${t}(${row.character_maximum_length})`;
  }
  if (t === 'numeric' && row.numeric_precision !== null) {
    return `numeric(${row.numeric_precision},${row.numeric_scale ?? 0})`;
  }
  if (t.startsWith('timestamp') && row.datetime_precision !== null) {
    return t.replace('timestamp', `timestamp(${row.datetime_precision})`);
  }
  return t;
}

/**
 * Compares the live source tables with the catalogue, column by column and type by type: a
 * catalogue column the source lost is `dropped`, one whose type the pipeline does not read as the
 * catalogue's is `retyped`, one of the same family but not the type totesys declares (another
 * width, or another member) is `resized`, a column the catalogue does not know is `added` (and
 * drift that landing keeps). What each change does to its table is the schema contract's to say
 * (schema-policy.ts). A table that is not there at all fails the run: the source is not totesys.
 */
export async function checkSourceColumns(
  client: ClientBase,
  tables: readonly SourceTable[],
): Promise<LiveColumns> {
  const result = await client.query<ColumnRow & { database: string }>(
    `SELECT current_database() AS database, table_name, column_name, data_type, udt_name,
            character_maximum_length, numeric_precision, numeric_scale, datetime_precision
     FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = ANY($1::text[])
     ORDER BY table_name, ordinal_position`,
    [SOURCE_TABLE_NAMES],
  );
  const live = new Map<string, Map<string, ColumnRow>>();
  const wanted = new Set<string>(tables.map((t) => t.name));
  let precision = 6;
  for (const row of result.rows) {
    if (row.column_name === 'last_updated' && wanted.has(row.table_name)) {
      precision = Math.min(precision, row.datetime_precision ?? 6);
    }
    const columns = live.get(row.table_name) ?? new Map<string, ColumnRow>();
    columns.set(row.column_name, row);
    live.set(row.table_name, columns);
  }
  const drift = new Map<string, ColumnDrift>();
  const changes = new Map<SourceTableName, FoundChange[]>();
  for (const table of tables) {
    const columns = live.get(table.name);
    if (!columns) {
      throw new SourceSchemaError(
        `Source table ${table.name} does not exist in the totesys database: check DELIVERANCE_SOURCE_URL / the source secret`,
      );
    }
    const found: FoundChange[] = [];
    for (const column of table.columns) {
      const row = columns.get(column.name);
      const base = { table: table.name, column: column.name, before: column.type };
      if (!row) found.push({ ...base, change: 'dropped', after: null });
      else if (!READ_AS[column.type].includes(row.data_type)) {
        found.push({ ...base, change: 'retyped', after: typeText(row) });
      } else if (typeText(row) !== column.sourceType) {
        found.push({ ...base, change: 'resized', before: column.sourceType, after: typeText(row) });
      }
    }
    const known = new Set(table.columns.map((c) => c.name));
    const extra = [...columns.values()].filter((row) => !known.has(row.column_name));
    for (const row of extra) {
      found.push({
        table: table.name,
        column: row.column_name,
        change: 'added',
        before: null,
        after: typeText(row),
      });
    }
    drift.set(table.name, { extra: extra.map((row) => row.column_name) });
    changes.set(table.name, found);
  }
  return { database: result.rows[0]?.database ?? 'totesys', drift, changes, precision };
}
