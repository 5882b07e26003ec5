import type { SourceRow, WarehouseRow } from '../../shared/core/warehouse-catalogue';
import { distinctVersions } from './dedupe';
import { readKey, readTimestamp, sameDayDates, timestampTime } from './values';

/**
 * What every fact shares: one row per distinct version (id, last_updated), led by the source id
 * and created_at / last_updated split into 'YYYY-MM-DD' dates and 'HH:MM:SS.mmm' UTC times.
 * `measures` gives the rest of the fact's columns, in catalogue order, for one source row.
 *
 * @example
 * factVersions(rows, 'payment', 'payment_id', (row, key) => ({ paid: readBool(row.paid, …) }));
 */
export function factVersions(
  rows: readonly SourceRow[],
  table: string,
  idColumn: string,
  measures: (row: SourceRow, key: number) => WarehouseRow,
): WarehouseRow[] {
  // Rows of a batch cluster on a few days, so each day's date string is made once.
  const createdDate = sameDayDates();
  const lastUpdatedDate = sameDayDates();
  return distinctVersions(rows, table, idColumn).map((row) => {
    const key = readKey(row, table, idColumn);
    const createdAt = readTimestamp(row.created_at, 'created_at', table, key);
    const lastUpdated = readTimestamp(row.last_updated, 'last_updated', table, key);
    const fact: WarehouseRow = {
      [idColumn]: key,
      created_date: createdDate(createdAt),
      created_time: timestampTime(createdAt),
      last_updated_date: lastUpdatedDate(lastUpdated),
      last_updated_time: timestampTime(lastUpdated),
    };
    return Object.assign(fact, measures(row, key));
  });
}
