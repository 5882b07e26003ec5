/**
 * The two ways a batch repeats a source row. Ingest re-reads an overlap window, so the same
 * version can land twice, and a row updated between extracts lands once per version.
 */
import type { SourceRow } from '../../shared/core/warehouse-catalogue';
import { readKey, readTimestamp } from './values';

/**
 * For a dimension (SCD type 1): the newest version of each key, by last_updated; on a tie the
 * later occurrence wins. Keys keep the order in which they first appear.
 *
 * @example
 * latestByKey([{ staff_id: 1, last_updated: '2024-01-01T00:00:00.000Z' },
 *              { staff_id: 1, last_updated: '2024-02-01T00:00:00.000Z' }], 'staff', 'staff_id');
 * // → [the February row]
 */
export function latestByKey(
  rows: readonly SourceRow[],
  table: string,
  keyColumn: string,
): SourceRow[] {
  const latest = new Map<number, { row: SourceRow; lastUpdated: string }>();
  for (const row of rows) {
    const key = readKey(row, table, keyColumn);
    const lastUpdated = readTimestamp(row, 'last_updated', table, key);
    const seen = latest.get(key);
    if (seen === undefined) latest.set(key, { row, lastUpdated });
    else if (lastUpdated >= seen.lastUpdated) {
      // Fixed-width ISO text compares in time order, so no Date is needed.
      seen.row = row;
      seen.lastUpdated = lastUpdated;
    }
  }
  return Array.from(latest.values(), (entry) => entry.row);
}

/**
 * For a fact: one row per distinct version (key, last_updated), the later occurrence winning
 * for an exact duplicate. Versions keep the order in which they first appear.
 *
 * @example
 * distinctVersions([v1, v2, v2again], 'sales_order', 'sales_order_id'); // → [v1, v2again]
 */
export function distinctVersions(
  rows: readonly SourceRow[],
  table: string,
  keyColumn: string,
): SourceRow[] {
  const versions = new Map<string, SourceRow>();
  for (const row of rows) {
    const key = readKey(row, table, keyColumn);
    versions.set(`${key} ${readTimestamp(row, 'last_updated', table, key)}`, row);
  }
  return Array.from(versions.values());
}
