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
 * Staging → warehouse. A dimension row is overwritten only by a version at least as new and
 * only where a value or the version differs (so re-loading or loading an older batch late
 * changes nothing);
 * a fact version is inserted once, its (source id, last_updated) key deciding.
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
  // still advance source_updated_at, or an older batch loaded late would overwrite it.
  const values = [
    ...table.columns.filter((c) => c.name !== table.key).map((c) => quoteIdent(c.name)),
    quoteIdent('source_updated_at'),
  ];
  const assignments = values.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  return (
    `INSERT INTO ${target} AS d (${list}) ` +
    `SELECT DISTINCT ON (${key}) ${list} FROM ${stagingName(table)} ORDER BY ${key}, source_updated_at DESC ` +
    `ON CONFLICT (${key}) DO UPDATE SET ${assignments} ` +
    `WHERE d.source_updated_at <= EXCLUDED.source_updated_at ` +
    `AND (${values.map((c) => `d.${c}`).join(', ')}) IS DISTINCT FROM (${values.map((c) => `EXCLUDED.${c}`).join(', ')})`
  );
}
