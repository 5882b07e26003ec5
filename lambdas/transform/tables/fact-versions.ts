import type { SourceRow } from '../../shared/core/warehouse-catalogue';
import { distinctVersions } from './dedupe';
import { readKey, readTimestamp, sameDayDates, timestampTime } from './values';

/** A fact version's audit columns, as the warehouse encodes them. */
export interface FactAudit {
  createdDate: string;
  createdTime: string;
  lastUpdatedDate: string;
  lastUpdatedTime: string;
}

/**
 * What every fact shares: one row per distinct version (id, last_updated), with created_at and
 * last_updated split into 'YYYY-MM-DD' dates and 'HH:MM:SS.mmm' UTC times. `shape` builds the
 * whole row as one object literal in catalogue order: a literal keeps every row of a table in
 * one hidden class, which the Parquet writer's column loops depend on (a row assembled from a
 * computed key and Object.assign measured 45% slower). `audit` is reused between rows: read it,
 * never keep it.
 *
 * @example
 * factVersions(rows, 'payment', 'payment_id', (row, key, at) => ({ payment_id: key,
 *   created_date: at.createdDate, …, paid: readBool(row.paid, 'paid', 'payment', key) }));
 */
export function factVersions<R extends SourceRow, W>(
  rows: readonly R[],
  table: string,
  idColumn: string,
  shape: (row: R, key: number, audit: Readonly<FactAudit>) => W,
): W[] {
  // Rows of a batch cluster on a few days, so each day's date string is made once.
  const createdDate = sameDayDates();
  const lastUpdatedDate = sameDayDates();
  const audit: FactAudit = {
    createdDate: '',
    createdTime: '',
    lastUpdatedDate: '',
    lastUpdatedTime: '',
  };
  return distinctVersions(rows, table, idColumn).map((row) => {
    const key = readKey(row, table, idColumn);
    const createdAt = readTimestamp(row.created_at, 'created_at', table, key);
    const lastUpdated = readTimestamp(row.last_updated, 'last_updated', table, key);
    audit.createdDate = createdDate(createdAt);
    audit.createdTime = timestampTime(createdAt);
    audit.lastUpdatedDate = lastUpdatedDate(lastUpdated);
    audit.lastUpdatedTime = timestampTime(lastUpdated);
    return shape(row, key, audit);
  });
}
