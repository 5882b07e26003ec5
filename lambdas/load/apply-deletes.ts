import type { PoolClient } from 'pg';
import { DELETED_KEYS_REACH, SOURCE_DELETED_AT } from '../../contract/source-deletes';
import { quoteIdent } from '../shared/core/catalogue';
import type { ProcessedDeletes, ProcessedManifest } from '../shared/core/manifest';
import { InvariantError } from '../shared/core/pipeline-error';
import { ReconciliationError } from '../shared/core/reconcile';
import {
  decodeTombstoneLine,
  tombstoneLinesOf,
  type TombstoneLine,
} from '../shared/core/tombstones';
import { warehouseTable, type WarehouseTable } from '../shared/core/warehouse-catalogue';
import type { ObjectStore } from '../shared/ports/object-store';
import type { AppliedDeletes, DeletesToApply } from '../shared/ports/warehouse-writer';

/**
 * The batch's tombstone objects, each with the warehouse table whose keys it names.
 *
 * @throws {ReconciliationError} for an entry sending a table's tombstones elsewhere.
 */
export function deletesToApply(manifest: ProcessedManifest): DeletesToApply[] {
  return (manifest.deletes ?? []).flatMap((entry) =>
    entry.key ? [{ key: entry.key, rows: entry.rows, table: reachedTable(entry) }] : [],
  );
}

/**
 * Marks the rows of a table's tombstoned keys deleted, in the batch's transaction and after its
 * upserts: `source_deleted_at = deletedAt` on every row (every fact version) of the key that is
 * not marked already and whose source version is not newer than the tombstone. So a replay marks
 * nothing again, an older batch replayed late does not delete a key that came back since, and a
 * version of the key in the same batch that is newer than its tombstone wins. Tables and columns
 * come from the catalogue and the contract; keys and times are parameters.
 *
 * @throws {ReconciliationError} when the object does not hold the tombstones the manifest counts.
 * @throws {LandingLineError} (bad data) for a line that is not a tombstone.
 */
export async function applyDeletes(
  client: PoolClient,
  processed: ObjectStore,
  { key, rows, table }: DeletesToApply,
): Promise<AppliedDeletes> {
  const lines = await readTombstones(processed, key, table.name);
  if (lines.length !== rows) {
    throw new ReconciliationError(
      `s3://${processed.bucket}/${key} holds ${lines.length} tombstones but the processed manifest says ${rows}: re-run the transform for this batch`,
      [{ table: table.name, check: 'tombstones', expected: rows, actual: lines.length }],
    );
  }
  const earliest = earliestPerKey(lines);
  const result = await client.query(markDeletedSql(table), [
    [...earliest.keys()],
    [...earliest.values()],
  ]);
  return { table: table.name, tombstones: lines.length, deleted: result.rowCount ?? 0 };
}

/** The load log's tables with the rows each marked deleted; a table with only deletes is added. */
export function withDeleted<T extends { table: string; staged: number; written: number }>(
  tables: readonly T[],
  applied: readonly AppliedDeletes[],
): (T | { table: string; staged: number; written: number; deleted: number })[] {
  const deleted = new Map(applied.map((a) => [a.table, a.deleted]));
  const loaded = tables.map((t) =>
    deleted.has(t.table) ? { ...t, deleted: deleted.get(t.table) ?? 0 } : t,
  );
  const only = applied
    .filter((a) => !tables.some((t) => t.table === a.table))
    .map((a) => ({ table: a.table, staged: 0, written: 0, deleted: a.deleted }));
  return [...loaded, ...only];
}

function reachedTable(entry: ProcessedDeletes): WarehouseTable {
  const table = warehouseTable(entry.table ?? '');
  if (!table || DELETED_KEYS_REACH[entry.source]?.table !== table.name) {
    throw new ReconciliationError(
      `The processed manifest sends ${entry.source}'s tombstones to ${String(entry.table)}, which does not hold its keys: re-run the transform for this batch`,
    );
  }
  return table;
}

async function readTombstones(
  processed: ObjectStore,
  key: string,
  table: string,
): Promise<TombstoneLine[]> {
  const text = (await processed.get(key)).toString('utf8');
  return tombstoneLinesOf(text).map(({ text: line, line: at }) =>
    decodeTombstoneLine(line, table, { bucket: processed.bucket, key, line: at }),
  );
}

/** A key tombstoned twice counts from when it was first seen gone. */
function earliestPerKey(lines: readonly TombstoneLine[]): Map<number, string> {
  const earliest = new Map<number, string>();
  for (const { key, deletedAt } of lines) {
    const held = earliest.get(key);
    if (held === undefined || deletedAt < held) earliest.set(key, deletedAt);
  }
  return earliest;
}

/**
 * For a dimension's upsert: a version newer than the row's deletion brings the key back (it was
 * re-inserted), so `source_deleted_at` goes back to NULL; an older one, loaded late, leaves it.
 */
export function revivalOf(table: WarehouseTable): string[] {
  if (!Object.values(DELETED_KEYS_REACH).some((r) => r?.table === table.name)) return [];
  const deletedAt = quoteIdent(SOURCE_DELETED_AT);
  return [
    `${deletedAt} = CASE WHEN EXCLUDED.source_updated_at > d.${deletedAt} AT TIME ZONE 'UTC' THEN NULL ELSE d.${deletedAt} END`,
  ];
}

/**
 * The statement marking a table's tombstoned keys: `$1` the keys, `$2` their deletedAt. A row's
 * source version is its dimension's `source_updated_at` or its fact version's last_updated date
 * and time, both the source's UTC clock.
 */
export function markDeletedSql(table: WarehouseTable): string {
  const reach = Object.values(DELETED_KEYS_REACH).find((r) => r?.table === table.name);
  if (!reach) throw new InvariantError(`${table.name} holds no source table's keys`);
  const version =
    table.kind === 'fact'
      ? `(t.${quoteIdent(table.versionColumns[0])} + t.${quoteIdent(table.versionColumns[1])})`
      : 't.source_updated_at';
  const deletedAt = quoteIdent(SOURCE_DELETED_AT);
  return (
    `UPDATE ${quoteIdent(table.name)} AS t SET ${deletedAt} = d.deleted_at ` +
    `FROM unnest($1::bigint[], $2::timestamptz[]) AS d (key, deleted_at) ` +
    `WHERE t.${quoteIdent(reach.column)} = d.key AND t.${deletedAt} IS NULL ` +
    `AND ${version} <= d.deleted_at AT TIME ZONE 'UTC'`
  );
}
