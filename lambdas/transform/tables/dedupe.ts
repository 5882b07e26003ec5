/**
 * The two ways a batch repeats a source row. Ingest re-reads an overlap window, so the same
 * version can land twice, and a row updated between extracts lands once per version.
 */
import type { SourceRow } from '../../shared/core/warehouse-catalogue';
import { readKey, readTimestamp } from './values';

/** A row kept by {@link latestByKey}, with the key and last_updated it was read and compared by. */
export interface KeyedVersion<R extends SourceRow = SourceRow> {
  readonly row: R;
  readonly key: number;
  readonly lastUpdated: string;
}

/**
 * For a dimension (SCD type 1): the newest version of each key, by last_updated; on a tie the
 * later occurrence wins. Keys keep the order in which they first appear. The key and
 * last_updated come back already read, so a shaper does not read (or check) them twice.
 *
 * @throws {TransformError} (column `keyColumn` or last_updated) for a key that is not an integer
 *   or a last_updated that is not a UTC timestamp.
 * @example
 * latestByKey([{ staff_id: 1, last_updated: '2024-01-01T00:00:00.000Z' },
 *              { staff_id: 1, last_updated: '2024-02-01T00:00:00.000Z' }], 'staff', 'staff_id');
 * // → [{ row: the February row, key: 1, lastUpdated: '2024-02-01T00:00:00.000Z' }]
 */
export function latestByKey<R extends SourceRow>(
  rows: readonly R[],
  table: string,
  keyColumn: string,
): KeyedVersion<R>[] {
  const latest = new Map<number, { row: R; readonly key: number; lastUpdated: string }>();
  for (const row of rows) {
    const key = readKey(row, table, keyColumn);
    const lastUpdated = readTimestamp(row.last_updated, 'last_updated', table, key);
    const seen = latest.get(key);
    if (seen === undefined) latest.set(key, { row, key, lastUpdated });
    else if (lastUpdated >= seen.lastUpdated) {
      // Fixed-width ISO text compares in time order, so no Date is needed.
      seen.row = row;
      seen.lastUpdated = lastUpdated;
    }
  }
  return [...latest.values()];
}

/**
 * For a fact: one row per distinct version (key, last_updated), the later occurrence winning
 * for an exact duplicate. Versions keep the order in which they first appear.
 *
 * @example
 * distinctVersions([v1, v2, v2again], 'sales_order', 'sales_order_id'); // → [v1, v2again]
 */
export function distinctVersions<R extends SourceRow>(
  rows: readonly R[],
  table: string,
  keyColumn: string,
): R[] {
  const keys = new Int32Array(rows.length);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as R;
    const key = readKey(row, table, keyColumn);
    readTimestamp(row.last_updated, 'last_updated', table, key);
    keys[i] = key;
    if (key < min) min = key;
    if (key > max) max = key;
  }
  // Serial keys are dense, so a typed array indexed by key (from the chunk's smallest) beats a
  // Map by an order of magnitude; a sparse key set falls back to the Map.
  const dense =
    rows.length > 0 && max - min <= 4 * rows.length + 1024
      ? new Int32Array(max - min + 1).fill(-1)
      : null;
  const sparse = dense === null ? new Map<number, number>() : null;
  const versions: R[] = [];
  // The versions of one key form a chain: newest kept index → the one kept before it → … → -1.
  const previousOfKey: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as R;
    const key = keys[i] as number;
    // Checked in the first pass.
    const lastUpdated = row.last_updated as string;
    const head = dense !== null ? (dense[key - min] as number) : (sparse?.get(key) ?? -1);
    let index = head;
    while (index !== -1 && versions[index]?.last_updated !== lastUpdated) {
      index = previousOfKey[index] as number;
    }
    if (index !== -1) {
      versions[index] = row;
      continue;
    }
    previousOfKey.push(head);
    if (dense !== null) dense[key - min] = versions.length;
    else sparse?.set(key, versions.length);
    versions.push(row);
  }
  return versions;
}
