import { revivalOf } from './apply-deletes';
import { quoteIdent } from '../shared/core/catalogue';
import {
  hasSourceVersion,
  type WarehouseColumnType,
  type WarehouseTable,
} from '../shared/core/warehouse-catalogue';

const SQL_TYPES: Record<WarehouseColumnType, string> = {
  integer: 'int',
  text: 'text',
  decimal: 'numeric(10,2)',
  date: 'date',
  time: 'time',
  boolean: 'boolean',
};

/** The columns a staged file holds, in COPY order. */
export function stagedColumns(table: WarehouseTable): string[] {
  const columns = table.columns.map((c) => c.name);
  return hasSourceVersion(table) ? [...columns, 'source_updated_at'] : columns;
}

export function stagingName(table: WarehouseTable): string {
  return quoteIdent(`stage_${table.name}`);
}

export function createStagingSql(table: WarehouseTable): string {
  const columns = table.columns.map((c) => `${quoteIdent(c.name)} ${SQL_TYPES[c.type]}`);
  if (hasSourceVersion(table)) columns.push('source_updated_at timestamp');
  return `CREATE TEMP TABLE ${stagingName(table)} (${columns.join(', ')}) ON COMMIT DROP`;
}

/**
 * The column that records which batch brought a dimension row's current version: on a tie of
 * `source_updated_at`, the later batch wins (migration 0005).
 */
export const VERSION_BATCH_COLUMN = 'source_batch_id';

/**
 * Staging → warehouse. A dimension row is overwritten only by a version at least as new, on a
 * tie only by a batch at least as late (batch ids sort by the time they were cut), and only
 * where a value or the version differs (so re-loading or loading an older batch late changes
 * nothing); a fact version is inserted once, its (source id, last_updated) key deciding.
 * A source-versioned dimension's statement takes the batch id as `$1` ({@link upsertQuery}).
 */
export function upsertSql(table: WarehouseTable): string {
  const target = quoteIdent(table.name);
  const columns = stagedColumns(table).map(quoteIdent);
  const list = columns.join(', ');
  if (table.kind === 'fact') {
    const conflict = [table.sourceId, ...table.versionColumns].map(quoteIdent).join(', ');
    return `INSERT INTO ${target} (${list}) SELECT ${list} FROM ${stagingName(table)} ON CONFLICT (${conflict}) DO NOTHING`;
  }
  const key = quoteIdent(table.key);
  if (!hasSourceVersion(table)) {
    return `INSERT INTO ${target} (${list}) SELECT DISTINCT ON (${key}) ${list} FROM ${stagingName(table)} ORDER BY ${key} ON CONFLICT (${key}) DO NOTHING`;
  }
  // The version goes with the values: a newer batch that brings a row back to what it was must
  // still advance source_updated_at, or an older batch loaded late would overwrite it. The batch
  // does not: a later batch re-reading the same version (the ingest's overlap) writes nothing.
  const values = [
    ...table.columns.filter((c) => c.name !== table.key).map((c) => quoteIdent(c.name)),
    quoteIdent('source_updated_at'),
  ];
  const batch = quoteIdent(VERSION_BATCH_COLUMN);
  const assignments = [
    ...[...values, batch].map((c) => `${c} = EXCLUDED.${c}`),
    ...revivalOf(table),
  ].join(', ');
  return (
    `INSERT INTO ${target} AS d (${list}, ${batch}) ` +
    `SELECT DISTINCT ON (${key}) ${list}, $1::text FROM ${stagingName(table)} ORDER BY ${key}, source_updated_at DESC ` +
    `ON CONFLICT (${key}) DO UPDATE SET ${assignments} ` +
    // A row written before the batch column existed (NULL) loses every tie, as all rows did.
    `WHERE (d.source_updated_at, COALESCE(d.${batch}, '')) <= (EXCLUDED.source_updated_at, EXCLUDED.${batch}) ` +
    `AND (${values.map((c) => `d.${c}`).join(', ')}) IS DISTINCT FROM (${values.map((c) => `EXCLUDED.${c}`).join(', ')})`
  );
}

/**
 * {@link upsertSql} with its parameters: the batch id, for a source-versioned dimension.
 *
 * @example
 * await client.query(upsertQuery(DIMENSIONS.dim_staff, '20261123T043451123Z-3f9a1c'));
 */
export function upsertQuery(
  table: WarehouseTable,
  batchId: string,
): { readonly text: string; readonly values: string[] } {
  return { text: upsertSql(table), values: hasSourceVersion(table) ? [batchId] : [] };
}
