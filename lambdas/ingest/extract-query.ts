import { quoteIdent, type SourceColumn, type SourceTable } from '../shared/core/catalogue';
import type { Cursor } from '../shared/core/manifest';
import { ConfigurationError, InvariantError } from '../shared/core/pipeline-error';
import type { FormedColumn, ValueForm } from './copy-json';
import { timestampLiteral, type ExtractWindow } from './window';

/** The landed timestamp form; `US` is microseconds, PostgreSQL's own resolution. */
const ISO_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * Each value in its exact JSON form as PostgreSQL makes it (the landing contract; copy-json.ts
 * makes the same from COPY text): numerics as their decimal
 * text (never a binary float), timestamps as ISO-8601 with microseconds (' BC' after one before
 * year 1, which the transform sets aside rather than read as AD), enums as text. A
 * `timestamptz` is written as the wall-clock time in the session's TimeZone, as `timestamp`
 * columns are stamped, so both compare with the window bounds read from the same clock.
 */
function jsonValue(column: SourceColumn): string {
  const ref = `t.${quoteIdent(column.name)}`;
  switch (column.type) {
    case 'numeric':
      return `${ref}::text`;
    case 'timestamp':
      // 'YYYY' has no era: without the suffix 44 BC would land as AD 44.
      return `to_char(${ref}, ${ISO_FORMAT}) || CASE WHEN ${ref} < '0001-01-01' THEN ' BC' ELSE '' END`;
    case 'text':
      return `${ref}::text`;
    default:
      return ref;
  }
}

/**
 * The rows of `window`: last_updated in (from, to], and in (after, upTo] of (last_updated,
 * primary key) order when a backfill goes on or a batch was capped.
 */
export function windowCondition(table: SourceTable, window: ExtractWindow): string {
  const conditions = [`t.last_updated <= ${timestampLiteral(window.to)}`];
  if (window.from !== undefined)
    conditions.unshift(`t.last_updated > ${timestampLiteral(window.from)}`);
  if (window.after) conditions.push(`${cursorOf(table)} > ${cursorLiteral(window.after)}`);
  if (window.upTo) conditions.push(`${cursorOf(table)} <= ${cursorLiteral(window.upTo)}`);
  return conditions.join(' AND ');
}

const cursorOf = (table: SourceTable) => `(t.last_updated, t.${quoteIdent(table.primaryKey)})`;

function cursorLiteral(cursor: Cursor): string {
  return `(${timestampLiteral(cursor.lastUpdated)}, ${keyLiteral(cursor.key)})`;
}

function keyLiteral(key: number): string {
  if (!Number.isSafeInteger(key)) throw new InvariantError(`A cursor key ${key} is not an integer`);
  return String(key);
}

/**
 * At most `cap` rows and one more: the row past the cap tells the extract the window holds more,
 * without counting it (streamed-rows.ts). In (last_updated, primary key) order unless
 * `unordered`, for a window its table's statistics say is well under the cap: no sort then, and
 * a window that is over the cap after all is read again in order.
 */
export interface RowCap {
  readonly cap: number;
  readonly unordered?: boolean;
}

function limitOf(table: SourceTable, limit: RowCap | undefined): string {
  if (limit === undefined) return '';
  const { cap, unordered } = limit;
  if (!Number.isSafeInteger(cap) || cap < 1) {
    throw new ConfigurationError(`maxBatchRows must be a positive integer, not ${cap}`);
  }
  const order = unordered ? '' : ` ORDER BY t.last_updated, t.${quoteIdent(table.primaryKey)}`;
  return `${order} LIMIT ${cap + 1}`;
}

/**
 * How many rows of the window remain after a batch capped at `window.upTo`: those stamped after
 * its last_updated, and its ties with a higher key. Each count bounds last_updated alone (the key
 * only among the ties), so an index on last_updated counts the rest without reading the rows
 * themselves wherever their pages are all-visible (an index-only scan).
 */
export function remainingRows(
  table: SourceTable,
  window: ExtractWindow & { upTo: Cursor },
): string {
  const { upTo } = window;
  const from = `FROM ${quoteIdent(table.name)} t WHERE t.last_updated`;
  const stamp = timestampLiteral(upTo.lastUpdated);
  const later = `SELECT count(*) ${from} > ${stamp} AND t.last_updated <= ${timestampLiteral(window.to)}`;
  const ties = `SELECT count(*) ${from} = ${stamp} AND t.${quoteIdent(table.primaryKey)} > ${keyLiteral(upTo.key)}`;
  return `SELECT ((${later}) + (${ties}))::int AS rows`;
}

/**
 * The rows after `window.upTo` (its ties left out) for the planner to estimate: from the table's
 * statistics and, past their histogram, the ends of the index on last_updated, so that nothing
 * is read but a few index pages.
 */
export function remainingRowsSelect(
  table: SourceTable,
  window: ExtractWindow & { upTo: Cursor },
): string {
  const stamp = timestampLiteral(window.upTo.lastUpdated);
  return `SELECT 1 FROM ${quoteIdent(table.name)} t WHERE t.last_updated > ${stamp} AND t.last_updated <= ${timestampLiteral(window.to)}`;
}

/**
 * The query whose every output row is one JSON line of the table's rows in the window, built by
 * PostgreSQL: the landing format's reference, which the extract's own COPY (extractCopy, JSON
 * built in the function) reproduces byte for byte. The extract still uses it with
 * `keepExtraColumns`: columns the catalogue does not know (schema drift) are kept in the landing
 * data without ever being named in SQL, and jsonb prints them, and orders every key, its own way.
 * With `limit`, at most its cap of rows and one more (RowCap).
 */
export function sqlJsonSelect(
  table: SourceTable,
  window: ExtractWindow,
  keepExtraColumns: boolean,
  limit?: RowCap,
): string {
  const from = `${quoteIdent(table.name)} t WHERE ${windowCondition(table, window)}${limitOf(table, limit)}`;
  if (keepExtraColumns) {
    const pairs = table.columns.map((c) => `'${c.name}', ${jsonValue(c)}`).join(', ');
    const known = table.columns.map((c) => `'${c.name}'`).join(', ');
    return `SELECT (jsonb_build_object(${pairs}) || (to_jsonb(t) - ARRAY[${known}]))::text FROM ${from}`;
  }
  // row_to_json over a sub-select measured ~20% faster than json_build_object, and its output
  // is smaller (no spaces around the colons).
  const columns = table.columns.map((c) => `${jsonValue(c)} AS ${quoteIdent(c.name)}`).join(', ');
  return `SELECT row_to_json(s)::text FROM (SELECT ${columns} FROM ${from}) s`;
}

/**
 * COPY of {@link sqlJsonSelect} in CSV form with a quote and delimiter that JSON text never holds
 * raw (JSON escapes every control character), so each line is the JSON object byte for byte.
 */
export function sqlJsonCopy(
  table: SourceTable,
  window: ExtractWindow,
  keepExtra: boolean,
  limit?: RowCap,
): string {
  return `COPY (${sqlJsonSelect(table, window, keepExtra, limit)}) TO STDOUT (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')`;
}

/**
 * The plain COPY of the extract: each catalogue column as the source prints it (text format),
 * for copy-json.ts to build the JSON lines, in the catalogue's order. A column whose live type the
 * function cannot print exactly as `row_to_json` would (`json` form) is turned into JSON by
 * PostgreSQL, as before. With `limit`, at most its cap of rows and one more (RowCap); without,
 * every row of the window in whatever order the source reads them fastest.
 */
export function extractCopy(
  table: SourceTable,
  window: ExtractWindow,
  forms: readonly FormedColumn[],
  limit?: RowCap,
): string {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const list = forms.map(({ name, form }) => {
    const column = byName.get(name);
    if (!column) throw new InvariantError(`${name} is not a column of ${table.name}`);
    return form === 'json' ? `to_json(${jsonValue(column)})` : `t.${quoteIdent(name)}`;
  });
  return `COPY (SELECT ${list.join(', ')} FROM ${quoteIdent(table.name)} t WHERE ${windowCondition(table, window)}${limitOf(table, limit)}) TO STDOUT`;
}

/** A live column's type, as {@link liveTypesSelect} reads it. */
export interface LiveType {
  readonly name: string;
  /** pg_type's oid. */
  readonly type: number;
  readonly enum: boolean;
  /**
   * The table's rows as its statistics last estimated them (pg_class.reltuples, -1 before the
   * first VACUUM or ANALYZE), the same on every column: read with the types, so not a query of
   * its own.
   */
  readonly tableRows?: number;
}

/** The live type of each of the table's columns, and the table's estimated size. */
export function liveTypesSelect(table: SourceTable): string {
  return `SELECT a.attname AS name, a.atttypid::int AS type, y.typtype = 'e' AS enum, c.reltuples::float8 AS "tableRows" FROM pg_attribute a JOIN pg_type y ON y.oid = a.atttypid JOIN pg_class c ON c.oid = a.attrelid WHERE a.attrelid = '${quoteIdent(table.name)}'::regclass AND a.attnum > 0 AND NOT a.attisdropped`;
}

/** The built-in types' oids (pg_type.dat), stable across PostgreSQL versions. */
const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  varchar: 1043,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
} as const;

/**
 * The live types whose COPY text the function turns into exactly what `jsonValue` made of them,
 * per catalogue type. Others (a `char(n)`, whose `::text` drops trailing blanks; a `date` kept as
 * text, which `::text` prints by DateStyle) keep PostgreSQL's JSON.
 */
const NATIVE: Readonly<Record<SourceColumn['type'], { form: ValueForm; types: number[] }>> = {
  integer: { form: 'number', types: [OID.int2, OID.int4, OID.int8] },
  numeric: { form: 'decimal', types: [OID.numeric, OID.int2, OID.int4, OID.int8] },
  text: { form: 'text', types: [OID.text, OID.varchar] },
  timestamp: { form: 'timestamp', types: [OID.timestamp, OID.timestamptz] },
  boolean: { form: 'boolean', types: [OID.bool] },
};

/** How each catalogue column of the table is read, given the live types. */
export function columnForms(table: SourceTable, live: readonly LiveType[]): FormedColumn[] {
  const types = new Map(live.map((l) => [l.name, l]));
  return table.columns.map((column) => {
    const type = types.get(column.name);
    const native = NATIVE[column.type];
    const exact =
      type !== undefined &&
      (native.types.includes(type.type) || (column.type === 'text' && type.enum));
    return { name: column.name, form: exact ? native.form : 'json' };
  });
}

/**
 * The first `limit` rows stamped after `bound` in (last_updated, primary key) order, each with
 * the count of all of them; no row when there is none.
 */
export function futureStampedSelect(table: SourceTable, bound: string, limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InvariantError(
      `The future-stamped rows listed must be a positive integer, not ${limit}`,
    );
  }
  const key = `t.${quoteIdent(table.primaryKey)}`;
  return `SELECT ${key} AS key, to_char(t.last_updated, ${ISO_FORMAT}) AS "lastUpdated", count(*) OVER ()::int AS rows FROM ${quoteIdent(table.name)} t WHERE t.last_updated > ${timestampLiteral(bound)} ORDER BY t.last_updated, ${key} LIMIT ${limit}`;
}
