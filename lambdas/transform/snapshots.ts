import { STATE_PREFIX } from '../../contract/key-layout';
import type { SourceTableName } from '../shared/core/catalogue';
import { encodeJsonLine, type DecodedRow } from '../shared/core/json-lines';
import type { ObjectStore } from '../shared/ports/object-store';
import { departmentOfStaff, readKey, toDimCounterparty, toDimStaff } from './tables';

/**
 * The source tables a dimension joins to another: dim_staff needs every staff member of a
 * renamed department, dim_counterparty every counterparty at a changed address, even when
 * those rows are not in the batch. The transform keeps the current version of each of these
 * small tables in the processed bucket (`state/<table>.jsonl`) and merges every batch into it.
 * Merging keeps the newest last_updated per key, so batches may arrive in any order and a
 * batch may be merged twice; the transform runs one at a time (reserved concurrency 1), so
 * the read-modify-write never races. Listed in join order: a table before those joined to it.
 */
export const SNAPSHOT_TABLES = ['department', 'address', 'staff', 'counterparty'] as const;
export type SnapshotTable = (typeof SNAPSHOT_TABLES)[number];

export function isSnapshotTable(table: SourceTableName): table is SnapshotTable {
  return (SNAPSHOT_TABLES as readonly string[]).includes(table);
}

export const snapshotKey = (table: SnapshotTable) => `${STATE_PREFIX}${table}.jsonl`;

export type Snapshot = Map<number, DecodedRow>;

export async function readSnapshot(store: ObjectStore, table: SnapshotTable): Promise<Snapshot> {
  const bytes = await store.getIfExists(snapshotKey(table));
  const snapshot: Snapshot = new Map();
  if (!bytes) return snapshot;
  for (const line of bytes.toString('utf8').split('\n')) {
    if (line.length === 0) continue;
    const row = JSON.parse(line) as DecodedRow;
    snapshot.set(row[`${table}_id`] as number, row);
  }
  return snapshot;
}

/**
 * Checks landed rows of a snapshot table before they join their snapshot, as the dimension
 * they feed will read them: staff and counterparty rows joined to the current department and
 * address snapshots, department rows as dim_staff shows them. A bad row then refuses its
 * landing object like a bad row of any table, instead of failing the join for the whole
 * batch — and, once merged, every later batch that touches it.
 *
 * @throws {TransformError} naming the table, the row's key and the column.
 */
export function checkSnapshotRows(
  table: SnapshotTable,
  rows: readonly DecodedRow[],
  snapshots: ReadonlyMap<SnapshotTable, Snapshot>,
): void {
  switch (table) {
    case 'department':
      for (const row of rows) departmentOfStaff(row, readKey(row, table, 'department_id'));
      return;
    case 'staff':
      toDimStaff(rows, snapshots.get('department') as Snapshot);
      return;
    case 'counterparty':
      toDimCounterparty(rows, snapshots.get('address') as Snapshot);
      return;
    case 'address':
      // dim_counterparty reads an address as dim_location does, which every address row is
      // shaped into as it is read.
      return;
  }
}

/** Merges rows into the snapshot, newest last_updated winning; answers whether it changed. */
export function mergeIntoSnapshot(
  snapshot: Snapshot,
  table: SnapshotTable,
  rows: DecodedRow[],
): boolean {
  let changed = false;
  for (const row of rows) {
    const key = row[`${table}_id`] as number;
    const current = snapshot.get(key);
    // On a tie the later batch's row wins, as in the warehouse's upsert; an identical row is
    // no change, so a replayed batch rewrites no snapshot.
    const stamp = row.last_updated as string;
    const held = current?.last_updated as string | undefined;
    if (
      held === undefined ||
      stamp > held ||
      (stamp === held && encodeJsonLine(row) !== encodeJsonLine(current!))
    ) {
      snapshot.set(key, row);
      changed = true;
    }
  }
  return changed;
}

export async function writeSnapshot(
  store: ObjectStore,
  table: SnapshotTable,
  snapshot: Snapshot,
): Promise<void> {
  const body = [...snapshot.values()].map(encodeJsonLine).join('');
  await store.put(snapshotKey(table), body, 'application/x-ndjson');
}
